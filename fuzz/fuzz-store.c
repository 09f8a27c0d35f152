/*
 * fuzz-store.c: opening and validating an embrepl store (HDF5).
 *
 * The input is sniffed and opened with store_open(); every embedding
 * then has its matrix, labels and bias loaded, a row read and a label
 * looked up, every model is validated, and store_detach() reads the rest.
 *
 * HDF5 1.10.8 crashes and hangs inside itself on some damaged files,
 * where no check of ours can reach. embrepl reads every HDF5 file in a
 * child process first (probe.h), and so does this target: the whole read
 * runs in a child, and then again in the fuzzer's own process only when
 * the child did not die. What is left to find is a fault in our code, or
 * a fault that the child check does not contain.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"
#include "probe.h"
#include "store.h"

/* Less than libFuzzer's -timeout (10 s in fuzz/run.sh). */
#define FUZZ_STORE_SECONDS	5

#ifndef FUZZ_REPLAY
#include <sanitizer/asan_interface.h>

/*
 * In the child, an AddressSanitizer report whose first frame past the
 * sanitizer's own (malloc, memcpy and the like) lies in libhdf5 is HDF5's
 * fault: the child dies of a signal, as it would have without the
 * sanitizer, and counts as contained. Any other report ends the child
 * with the sanitizer's status, so the input is run again in the fuzzer's
 * process and reported there.
 */
static void
fuzz_store_asan_report(const char *report)
{
	const char	*line = report, *end;
	size_t		 len;
	char		 frame[1024];

	for (; *line != '\0'; line = *end == '\0' ? end : end + 1) {
		end = line + strcspn(line, "\n");
		len = (size_t)(end - line);
		if (len >= sizeof frame)
			len = sizeof frame - 1;
		memcpy(frame, line, len);
		frame[len] = '\0';
		if (strstr(frame, "    #") != frame)
			continue;
		/* The sanitizer's own frames: no library, no source line. */
		if (strstr(frame, ".so") == NULL &&
		    strstr(frame, ".c:") == NULL)
			continue;
		if (strstr(frame, "libhdf5") != NULL)
			raise(SIGKILL);
		return;
	}
}
#endif

/* Loads one embedding every way a command could. */
static void
fuzz_store_emb(struct emb *e)
{
	char	*cause = NULL;
	float	 row[64];

	if (emb_load(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (emb_load_labels(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	} else if (e->rows > 0)
		(void)emb_find(e, emb_label(e, e->rows - 1), &cause);
	free(cause);
	cause = NULL;
	if (emb_load_bias(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (e->rows > 0 && e->dim <= 64 &&
	    emb_row(e, e->rows - 1, row, &cause) != 0)
		free(cause);
}

/* Opens path as a store and reads all of it; fails only if it cannot open. */
static int
fuzz_store_read(const char *path, void *arg, char **cause)
{
	struct model_set	*ms;
	struct model		*m;
	char			*why = NULL;
	size_t			 i, j;

	(void)arg;
	(void)store_sniff(path);
	if ((ms = store_open(path, cause)) == NULL)
		return (-1);
	for (i = 0; i < ms->nmodels; i++) {
		m = ms->models[i];
		for (j = 0; j < m->nemb; j++)
			fuzz_store_emb(m->embs[j]);
		if (model_validate(m, &why) != 0) {
			free(why);
			why = NULL;
		}
	}
	if (store_detach(ms, &why) != 0)
		free(why);
	model_set_free(ms);
	return (0);
}

/* The child's part: fuzz_store_read(), with HDF5's faults told apart. */
static int
fuzz_store_child(const char *path, void *arg, char **cause)
{
#ifndef FUZZ_REPLAY
	__asan_set_error_report_callback(fuzz_store_asan_report);
#endif
	return (fuzz_store_read(path, arg, cause));
}

/*
 * Reads the input as embrepl would: in a child first, then here. Under
 * libFuzzer an input that kills the child is skipped, as embrepl refuses
 * it. Replayed by `make check` (FUZZ_REPLAY), every input is one that our
 * own code once failed on, so a child that dies there is a regression.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*path;
	char		*cause = NULL;
	int		 rc;

	if ((path = fuzz_named_file(data, size)) == NULL)
		return (0);
	rc = probe_run(path, fuzz_store_child, NULL, FUZZ_STORE_SECONDS,
	    &cause);
	if (rc == PROBE_DIED) {
#ifdef FUZZ_REPLAY
		fprintf(stderr, "fuzz-store: %s\n", cause);
		abort();
#endif
		free(cause);
		return (0);
	}
	free(cause);
	cause = NULL;
	if (fuzz_store_read(path, NULL, &cause) != 0)
		free(cause);
	return (0);
}
