/*
 * fuzz-file.c: inputs as files, for parsers that take a path.
 */

#include <sys/mman.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static int	fuzz_fd = -1;
static char	fuzz_path[64];
static int	fuzz_named_fd = -1;
static char	fuzz_named[64];

/* Replaces the contents of a file with the input. */
static int
fuzz_write(int fd, const uint8_t *data, size_t size)
{
	size_t	 done = 0;
	ssize_t	 n;

	if (ftruncate(fd, 0) != 0)
		return (-1);
	while (done < size) {
		n = pwrite(fd, data + done, size - done, done);
		if (n <= 0)
			return (-1);
		done += n;
	}
	return (0);
}

/* Rewrites the one in-memory file with the input and names it. */
const char *
fuzz_file(const uint8_t *data, size_t size)
{
	if (fuzz_fd == -1) {
		if ((fuzz_fd = memfd_create("fuzz", 0)) == -1)
			return (NULL);
		snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d",
		    fuzz_fd);
	}
	if (fuzz_write(fuzz_fd, data, size) != 0)
		return (NULL);
	return (fuzz_path);
}

/* Removes the named file at exit. */
static void
fuzz_named_remove(void)
{
	unlink(fuzz_named);
}

/* Rewrites the one named file with the input. */
const char *
fuzz_named_file(const uint8_t *data, size_t size)
{
	const char	*dir;

	if (fuzz_named_fd == -1) {
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(fuzz_named, sizeof fuzz_named,
		    "%s/embrepl-fuzz-%ld.h5", dir, (long)getpid());
		fuzz_named_fd = open(fuzz_named, O_RDWR | O_CREAT | O_TRUNC,
		    0600);
		if (fuzz_named_fd == -1)
			return (NULL);
		atexit(fuzz_named_remove);
	}
	if (fuzz_write(fuzz_named_fd, data, size) != 0)
		return (NULL);
	return (fuzz_named);
}
