/*
 * progress.c: a progress line on standard error for long imports.
 *
 * This is the one place outside the front end that writes to the
 * terminal, and only when standard error is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

/* Seconds of work before the line appears, and between redraws. */
#define PROGRESS_DELAY		0.5
#define PROGRESS_INTERVAL	0.1

struct progress {
	char		*what;
	char		*unit;		/* NULL for bytes */
	uint64_t	 total;
	double		 start;
	double		 last;		/* last redraw, or 0 */
	int		 width;		/* columns last drawn */
};

/* The monotonic clock in seconds. */
static double
progress_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Starts counting; NULL when nothing should be shown. */
struct progress *
progress_start(const char *what, const char *unit, uint64_t total,
    int enabled)
{
	struct progress	*p;

	if (!enabled || !isatty(STDERR_FILENO))
		return (NULL);
	p = xcalloc(1, sizeof *p);
	p->what = xstrdup(what);
	p->unit = unit == NULL ? NULL : xstrdup(unit);
	p->total = total;
	p->start = progress_now();
	return (p);
}

/* Formats an amount of units: bytes in binary multiples, else a count. */
static void
progress_amount(const struct progress *p, double n, char *buf, size_t len)
{
	static const char	*suffix[] = {
		"B", "KiB", "MiB", "GiB", "TiB"
	};
	size_t			 i = 0;

	if (p->unit != NULL) {
		snprintf(buf, len, "%.0f", n);
		return;
	}
	while (n >= 1024 && i < UTIL_NELEM(suffix) - 1) {
		n /= 1024;
		i++;
	}
	snprintf(buf, len, i == 0 ? "%.0f %s" : "%.1f %s", n, suffix[i]);
}

/* Draws the line over the previous one. */
static void
progress_draw(struct progress *p, uint64_t done, double now)
{
	char	 line[256], d[32], t[32], r[32];
	double	 rate;
	int	 n;

	rate = done / (now - p->start);
	progress_amount(p, done, d, sizeof d);
	progress_amount(p, rate, r, sizeof r);
	if (p->total != 0) {
		progress_amount(p, p->total, t, sizeof t);
		n = snprintf(line, sizeof line, "%s: %s of %s%s%s (%d%%), "
		    "%s%s%s/s", p->what, d, t, p->unit ? " " : "",
		    p->unit ? p->unit : "",
		    (int)(done >= p->total ? 100 : 100.0 * done / p->total),
		    r, p->unit ? " " : "", p->unit ? p->unit : "");
	} else {
		n = snprintf(line, sizeof line, "%s: %s%s%s, %s%s%s/s",
		    p->what, d, p->unit ? " " : "", p->unit ? p->unit : "",
		    r, p->unit ? " " : "", p->unit ? p->unit : "");
	}
	if (n < 0)
		return;
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
	fflush(stderr);
	p->width = n;
	p->last = now;
}

/* Records progress and redraws when enough time has passed. */
void
progress_update(struct progress *p, uint64_t done)
{
	double	 now;

	if (p == NULL)
		return;
	now = progress_now();
	if (now - p->start < PROGRESS_DELAY)
		return;
	if (p->last != 0 && now - p->last < PROGRESS_INTERVAL)
		return;
	progress_draw(p, done, now);
}

/* Erases the line, if one was drawn, and frees the progress. */
void
progress_end(struct progress *p)
{
	if (p == NULL)
		return;
	if (p->width != 0) {
		fprintf(stderr, "\r%*s\r", p->width, "");
		fflush(stderr);
	}
	free(p->what);
	free(p->unit);
	free(p);
}
