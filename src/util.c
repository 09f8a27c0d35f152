/*
 * util.c: allocation that never returns NULL, and cause strings.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

volatile sig_atomic_t util_interrupted;
volatile sig_atomic_t util_terminated;

static FILE *util_logf;

#define UTIL_BIG_BYTES	(4U << 20)	/* from here on, huge pages */
#define UTIL_HUGE_PAGE	(2U << 20)

/* Stops the program when memory runs out: nothing sane can follow. */
static void
util_oom(size_t n)
{
	fprintf(stderr, "embrepl: out of memory (%zu bytes)\n", n);
	exit(1);
}

/* Allocates n bytes. */
void *
xmalloc(size_t n)
{
	void	*p;

	p = malloc(n == 0 ? 1 : n);
	if (p == NULL)
		util_oom(n);
	return (p);
}

/* Allocates n zeroed items of size sz. */
void *
xcalloc(size_t n, size_t sz)
{
	void	*p;

	p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz);
	if (p == NULL)
		util_oom(n * sz);
	return (p);
}

/* Resizes p to n items of size sz, refusing an overflowing product. */
void *
xreallocarray(void *p, size_t n, size_t sz)
{
	size_t	 total;

	if (util_mul(n, sz, &total) != 0)
		util_oom(SIZE_MAX);
	p = realloc(p, total == 0 ? 1 : total);
	if (p == NULL)
		util_oom(total);
	return (p);
}

/*
 * Allocates n bytes for a big array that is scanned again and again (a
 * matrix, its norms), or returns NULL. From 4 MiB up the array is aligned
 * to 2 MiB and Linux is asked for transparent huge pages, which spare a
 * scan a TLB miss every 4 KiB; free() releases it either way.
 */
void *
util_big_alloc(size_t n)
{
	void	*p;

	if (n < UTIL_BIG_BYTES)
		return (malloc(n == 0 ? 1 : n));
	if (posix_memalign(&p, UTIL_HUGE_PAGE, n) != 0)
		return (NULL);
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);
#endif
	return (p);
}

/* Copies a string. */
char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* Copies at most n bytes of a string and terminates the copy. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

/* Formats into a new string. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*p;

	if (vasprintf(&p, fmt, ap) == -1)
		util_oom(strlen(fmt));
	return (p);
}

/* Formats into a new string. */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return (p);
}

/* Hands a cause back to the caller and returns -1. */
int
util_fail(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	if (cause == NULL)
		return (-1);
	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
	return (-1);
}

/* Frees n strings and their array. */
void
util_free_strings(char **v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Multiplies a by b into *out; -1 when the product does not fit. */
int
util_mul(size_t a, size_t b, size_t *out)
{
	if (b != 0 && a > SIZE_MAX / b)
		return (-1);
	*out = a * b;
	return (0);
}

/* Hashes a label's bytes with 64-bit FNV-1a. */
unsigned long long
util_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t	 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

/* Opens the debug log; -1 when the file cannot be created. */
int
util_log_open(const char *path)
{
	if ((util_logf = fopen(path, "a")) == NULL)
		return (-1);
	setvbuf(util_logf, NULL, _IOLBF, 0);
	return (0);
}

/* Writes one line to the debug log, if one is open. */
void
util_log(const char *fmt, ...)
{
	va_list		 ap;
	struct timespec	 ts;

	if (util_logf == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(util_logf, "%lld.%06ld ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vfprintf(util_logf, fmt, ap);
	va_end(ap);
	fputc('\n', util_logf);
}

/* Gives a file made by mkstemp (0600) the mode the umask allows. */
void
util_temp_mode(int fd)
{
	mode_t	 mask;

	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
}

/* Opens a temporary file beside path. */
FILE *
util_temp_open(const char *path, char **tmp, char **cause)
{
	FILE	*f;
	int	 fd;

	*tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(*tmp)) == -1) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return (NULL);
	}
	util_temp_mode(fd);
	if ((f = fdopen(fd, "w")) == NULL) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return (f);
}

/* Flushes a temporary file and renames it into place, or removes it. */
int
util_temp_commit(FILE *f, char *tmp, const char *path, int ok,
    char **cause)
{
	int	 failed = !ok;

	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		failed = 1;
	if (fclose(f) != 0)
		failed = 1;
	if (!failed && rename(tmp, path) != 0)
		failed = 1;
	if (failed) {
		if (ok)
			util_fail(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return (failed ? -1 : 0);
}

/* Lowercases one byte for comparisons. */
static int
util_lower(int c)
{
	return (tolower((unsigned char)c));
}

/*
 * Edit distance of a and b, ignoring case, where swapping two neighbouring
 * letters counts as one edit (optimal string alignment); past cap it
 * stops counting and says cap + 1. Three rows of the table are kept: the
 * one before the previous is what a swap looks back at.
 */
size_t
util_distance(const char *a, const char *b, size_t cap)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, best, d;
	size_t	*rows, *two, *one, *cur, *t;

	if (la > 200 || lb > 200)
		return (cap + 1);
	if ((la > lb ? la - lb : lb - la) > cap)
		return (cap + 1);
	rows = xcalloc(3 * (lb + 1), sizeof *rows);
	two = rows;
	one = rows + lb + 1;
	cur = rows + 2 * (lb + 1);
	for (j = 0; j <= lb; j++)
		one[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = best = i;
		for (j = 1; j <= lb; j++) {
			d = one[j - 1] + (util_lower(a[i - 1]) !=
			    util_lower(b[j - 1]));
			if (one[j] + 1 < d)
				d = one[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    util_lower(a[i - 1]) == util_lower(b[j - 2]) &&
			    util_lower(a[i - 2]) == util_lower(b[j - 1]) &&
			    two[j - 2] + 1 < d)
				d = two[j - 2] + 1;
			cur[j] = d;
			if (d < best)
				best = d;
		}
		if (best > cap) {
			free(rows);
			return (cap + 1);
		}
		t = two;
		two = one;
		one = cur;
		cur = t;
	}
	d = one[lb];
	free(rows);
	return (d);
}
