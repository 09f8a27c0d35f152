/*
 * import-labels.h: collecting the row labels of an imported embedding.
 *
 * Real word lists repeat words, hold empty lines and are sometimes not
 * UTF-8. The builder keeps every label as read; applying it repairs what
 * the store cannot hold and says so in the model's source text.
 */
#ifndef EMBREPL_IMPORT_LABELS_H
#define EMBREPL_IMPORT_LABELS_H

#include <stddef.h>

#include "model.h"

struct import_labels;

struct import_labels *import_labels_new(void);
void		 import_labels_free(struct import_labels *);

/* Appends one label of len bytes (need not be NUL-terminated). */
void		 import_labels_add(struct import_labels *, const char *,
		    size_t);
size_t		 import_labels_count(const struct import_labels *);
const char	*import_labels_get(const struct import_labels *, size_t);

/*
 * Sets the labels of e (the counts must agree): text that is not UTF-8
 * is read as Latin-1, an empty label becomes its row number and a repeated
 * label gets a suffix ("word#2"); each repair is noted in m's source.
 */
int		 import_labels_apply(struct import_labels *, struct model *,
		    struct emb *, char **);

/* Appends "; note" to a model's source text. */
void		 import_labels_note(struct model *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
