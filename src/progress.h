/*
 * progress.h: a progress line on standard error for long imports.
 *
 * The line appears only when standard error is a terminal and the work
 * has already taken half a second; it is redrawn at most ten times a
 * second and erased at the end, so piped output never sees it.
 */
#ifndef EMBREPL_PROGRESS_H
#define EMBREPL_PROGRESS_H

#include <stdint.h>

struct progress;

/*
 * Starts counting work of total units (0 when unknown) under a short
 * name. A NULL unit counts bytes; otherwise it names the units ("rows").
 * Returns NULL when disabled or stderr is not a terminal; the other
 * functions accept NULL and do nothing.
 */
struct progress	*progress_start(const char *, const char *, uint64_t,
		    int);

/* Records that done units are finished, redrawing when it is time. */
void		 progress_update(struct progress *, uint64_t);

/* Erases the line and frees the progress. */
void		 progress_end(struct progress *);

#endif
