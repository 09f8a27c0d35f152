/*
 * util.h: allocation that never returns NULL, and cause strings.
 *
 * A function that can fail returns -1 or NULL and, when its caller passed
 * a non-NULL "char **cause", hands back an allocated sentence in lowercase
 * ("labels: 12 rows, matrix has 13"). The caller frees it.
 */
#ifndef EMBREPL_UTIL_H
#define EMBREPL_UTIL_H

#include <stdarg.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#define UTIL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
void	*util_big_alloc(size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list);

/* Sets *cause (when cause is not NULL) and returns -1. */
int	 util_fail(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Frees n strings and the array that holds them (NULL is fine). */
void	 util_free_strings(char **, size_t);

/*
 * Atomic files: util_temp_open opens a temporary beside path, with the
 * mode a new file would get; util_temp_commit flushes it and renames it
 * over path when ok is set, else (or on failure) removes it.
 */
FILE	*util_temp_open(const char *, char **, char **);
int	 util_temp_commit(FILE *, char *, const char *, int, char **);

/* Gives a file made by mkstemp the mode that creat would have given. */
void	 util_temp_mode(int);

/* Multiplies two sizes, returning -1 on overflow. */
int	 util_mul(size_t, size_t, size_t *);

/* Edit distance of two strings, ignoring case; above cap it says cap+1. */
size_t	 util_distance(const char *, const char *, size_t);

/* FNV-1a, 64 bits: the label hash of the store format. */
unsigned long long util_hash(const char *, size_t);

/* Set by the SIGINT handler; long loops poll it and stop. */
extern volatile sig_atomic_t util_interrupted;

/* Set by SIGTERM and SIGHUP: finish up and leave. */
extern volatile sig_atomic_t util_terminated;

/* Writes a debug line to the log that -v opened; nothing otherwise. */
void	 util_log(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
int	 util_log_open(const char *);

#endif
