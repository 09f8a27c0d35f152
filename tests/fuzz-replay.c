/*
 * fuzz-replay.c: replays the inputs that once made a fuzz target fail.
 *
 * Every fuzz/fuzz-<name>.c is compiled in here under its own name, without
 * libFuzzer. Given the folder tests/fuzz-regress, the driver feeds each
 * file of each <name> subfolder to that target and prints one TAP line
 * per file; a crash, a sanitizer error or a leak (in a sanitizer build)
 * stops it short of its plan, which fails the test.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Tells the targets that they are replayed (fuzz-store.c). */
#define FUZZ_REPLAY 1

int	 fuzz_replay_cmd(const uint8_t *, size_t);
int	 fuzz_replay_pickle(const uint8_t *, size_t);
int	 fuzz_replay_store(const uint8_t *, size_t);
int	 fuzz_replay_text(const uint8_t *, size_t);
int	 fuzz_replay_torch(const uint8_t *, size_t);

#define LLVMFuzzerTestOneInput fuzz_replay_cmd
#include "../fuzz/fuzz-cmd.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_replay_pickle
#include "../fuzz/fuzz-pickle.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_replay_store
#include "../fuzz/fuzz-store.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_replay_text
#include "../fuzz/fuzz-text.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_replay_torch
#include "../fuzz/fuzz-torch.c"
#undef LLVMFuzzerTestOneInput

static const struct {
	const char	*name;
	int		(*fn)(const uint8_t *, size_t);
} replay_targets[] = {
	{ "cmd", fuzz_replay_cmd },
	{ "pickle", fuzz_replay_pickle },
	{ "store", fuzz_replay_store },
	{ "text", fuzz_replay_text },
	{ "torch", fuzz_replay_torch }
};

#define REPLAY_NTARGETS (sizeof replay_targets / sizeof replay_targets[0])

/* The names of the plain files in a folder, sorted; NULL if none. */
static char **
replay_list(const char *dir, size_t *n)
{
	struct dirent	**ents;
	char		**v;
	int		 i, k;

	*n = 0;
	if ((k = scandir(dir, &ents, NULL, alphasort)) < 0)
		return (NULL);
	v = xcalloc(k + 1, sizeof *v);
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.')
			v[(*n)++] = xstrdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return (v);
}

/* Reads a whole file. */
static uint8_t *
replay_read(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;
	long	 size;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return (NULL);
	}
	buf = xmalloc(size + 1);
	*len = fread(buf, 1, size, f);
	fclose(f);
	return (buf);
}

/* Replays every file of every target's folder under top. */
static int
replay_all(const char *top)
{
	char		**files[REPLAY_NTARGETS], *dir, *path;
	size_t		 nfiles[REPLAY_NTARGETS], i, j, len, total = 0;
	uint8_t		*buf;
	int		 t = 0, failed = 0;

	for (i = 0; i < REPLAY_NTARGETS; i++) {
		dir = xasprintf("%s/%s", top, replay_targets[i].name);
		files[i] = replay_list(dir, &nfiles[i]);
		total += nfiles[i];
		free(dir);
	}
	printf("1..%zu\n", total);
	for (i = 0; i < REPLAY_NTARGETS; i++) {
		for (j = 0; j < nfiles[i]; j++) {
			path = xasprintf("%s/%s/%s", top,
			    replay_targets[i].name, files[i][j]);
			if ((buf = replay_read(path, &len)) == NULL) {
				printf("not ok %d - %s: cannot read\n", ++t,
				    path);
				failed = 1;
			} else {
				replay_targets[i].fn(buf, len);
				printf("ok %d - %s/%s replays\n", ++t,
				    replay_targets[i].name, files[i][j]);
			}
			fflush(stdout);
			free(buf);
			free(path);
			free(files[i][j]);
		}
		free(files[i]);
	}
	return (failed);
}

/* Replays the folder named (tests/test-fuzz-regress.sh names it). */
int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-replay FOLDER\n");
		return (2);
	}
	return (replay_all(argv[1]));
}
