/*
 * import-labels.c: collecting and repairing the labels of an import.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-labels.h"
#include "text.h"
#include "util.h"

struct import_labels {
	char	*blob;		/* labels, each NUL-terminated */
	size_t	 len;
	size_t	 cap;
	size_t	*off;
	size_t	 n;
	size_t	 ncap;
};

/* What applying the labels had to repair. */
struct import_fixes {
	size_t		 latin1;
	size_t		 empty;
	size_t		 dups;
	const char	*first_dup;	/* the first renamed label */
};

/* Creates an empty builder. */
struct import_labels *
import_labels_new(void)
{
	return (xcalloc(1, sizeof(struct import_labels)));
}

/* Frees a builder. */
void
import_labels_free(struct import_labels *l)
{
	if (l == NULL)
		return;
	free(l->blob);
	free(l->off);
	free(l);
}

/* Appends a label of len bytes. */
void
import_labels_add(struct import_labels *l, const char *s, size_t len)
{
	if (l->n == l->ncap) {
		l->ncap = l->ncap == 0 ? 1024 : l->ncap * 2;
		l->off = xreallocarray(l->off, l->ncap, sizeof *l->off);
	}
	if (len + 1 > l->cap - l->len) {
		while (len + 1 > l->cap - l->len)
			l->cap = l->cap == 0 ? 65536 : l->cap * 2;
		l->blob = xreallocarray(l->blob, l->cap, 1);
	}
	l->off[l->n++] = l->len;
	memcpy(l->blob + l->len, s, len);
	l->len += len;
	l->blob[l->len++] = '\0';
}

/* Number of labels collected. */
size_t
import_labels_count(const struct import_labels *l)
{
	return (l->n);
}

/* One collected label as read, or NULL past the end. */
const char *
import_labels_get(const struct import_labels *l, size_t i)
{
	if (i >= l->n)
		return (NULL);
	return (l->blob + l->off[i]);
}

/* Appends "; note" to a model's source text. */
void
import_labels_note(struct model *m, const char *fmt, ...)
{
	va_list	 ap;
	char	*note, *s;

	va_start(ap, fmt);
	note = xvasprintf(fmt, ap);
	va_end(ap);
	if (m->source == NULL || *m->source == '\0')
		s = xstrdup(note);
	else
		s = xasprintf("%s; %s", m->source, note);
	free(m->source);
	m->source = s;
	free(note);
}

/* Looks s up in a hash of labels; inserts it and returns 1 when new. */
static int
import_labels_insert(const char **v, size_t *hash, size_t mask,
    size_t row, const char *s)
{
	size_t	 slot;

	slot = util_hash(s, strlen(s)) & mask;
	while (hash[slot] != 0) {
		if (strcmp(v[hash[slot] - 1], s) == 0)
			return (0);
		slot = (slot + 1) & mask;
	}
	hash[slot] = row + 1;
	return (1);
}

/* Renames repeated labels to "label#k"; the hash holds unique ones. */
static void
import_labels_dedup(const char **v, char **owned, size_t n,
    struct import_fixes *fx)
{
	const char	*base;
	size_t		*hash, slots = 8, i, k;
	char		*s;

	while (slots < 2 * n)
		slots *= 2;
	hash = xcalloc(slots, sizeof *hash);
	for (i = 0; i < n; i++) {
		if (import_labels_insert(v, hash, slots - 1, i, v[i]))
			continue;
		base = v[i];
		for (k = 2;; k++) {
			s = xasprintf("%s#%zu", base, k);
			v[i] = s;
			if (import_labels_insert(v, hash, slots - 1, i, s))
				break;
			free(s);
		}
		free(owned[i]);
		owned[i] = s;
		if (fx->dups++ == 0)
			fx->first_dup = s;
	}
	free(hash);
}

/* Writes the repairs into the model's source text. */
static void
import_labels_report(struct model *m, struct emb *e,
    const struct import_fixes *fx)
{
	if (fx->latin1 != 0)
		import_labels_note(m, "%s: %zu label%s read as Latin-1, not "
		    "UTF-8", e->name, fx->latin1, fx->latin1 == 1 ? "" : "s");
	if (fx->empty != 0)
		import_labels_note(m, "%s: %zu empty label%s replaced by the "
		    "row number", e->name, fx->empty,
		    fx->empty == 1 ? "" : "s");
	if (fx->dups != 0)
		import_labels_note(m, "%s: %zu repeated label%s renamed "
		    "(first: %s)", e->name, fx->dups,
		    fx->dups == 1 ? "" : "s", fx->first_dup);
}

/* Sets e's labels from the builder, repairing what must be repaired. */
int
import_labels_apply(struct import_labels *l, struct model *m, struct emb *e,
    char **cause)
{
	struct import_fixes	 fx;
	const char		**v;
	char			**owned;
	const char		*s;
	size_t			 i, len;
	int			 rc;

	if (l->n != e->rows)
		return (util_fail(cause, "%s: %zu labels for %zu rows",
		    e->name, l->n, e->rows));
	memset(&fx, 0, sizeof fx);
	v = xcalloc(l->n, sizeof *v);
	owned = xcalloc(l->n, sizeof *owned);
	for (i = 0; i < l->n; i++) {
		s = l->blob + l->off[i];
		len = strlen(s);
		if (len == 0) {
			owned[i] = xasprintf("%zu", i);
			fx.empty++;
		} else if (!text_utf8_valid(s, len)) {
			owned[i] = text_latin1(s, len);
			fx.latin1++;
		}
		v[i] = owned[i] != NULL ? owned[i] : s;
	}
	import_labels_dedup(v, owned, l->n, &fx);
	rc = emb_set_labels(e, v, cause);
	if (rc == 0)
		import_labels_report(m, e, &fx);
	for (i = 0; i < l->n; i++)
		free(owned[i]);
	free(owned);
	free(v);
	return (rc);
}
