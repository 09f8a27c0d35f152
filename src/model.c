/*
 * model.c: models and embeddings in memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"
#include "util.h"

static const char *model_kinds[] = { "tabular", "collab", "vectors" };
static const char *emb_roles[] = { "categorical", "user", "item", "vector" };

/* Names a model kind as the store format spells it. */
const char *
model_kind_name(enum model_kind k)
{
	return (model_kinds[k]);
}

/* Reads a model kind; -1 when unknown. */
int
model_kind_parse(const char *s, enum model_kind *k)
{
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(model_kinds); i++) {
		if (strcmp(s, model_kinds[i]) == 0) {
			*k = i;
			return (0);
		}
	}
	return (-1);
}

/* Names an embedding role as the store format spells it. */
const char *
emb_role_name(enum emb_role r)
{
	return (emb_roles[r]);
}

/* Reads an embedding role; -1 when unknown. */
int
emb_role_parse(const char *s, enum emb_role *r)
{
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(emb_roles); i++) {
		if (strcmp(s, emb_roles[i]) == 0) {
			*r = i;
			return (0);
		}
	}
	return (-1);
}

/* Creates an empty model set. */
struct model_set *
model_set_new(void)
{
	return (xcalloc(1, sizeof(struct model_set)));
}

/* Frees one embedding and whatever it loaded. */
void
emb_free(struct emb *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	if (e->backing != NULL && e->backing->free != NULL)
		e->backing->free(e);
	free(e->name);
	free(e->weight_name);
	free(e->bias_name);
	free(e->matrix);
	free(e->bias);
	free(e->label_blob);
	free(e->label_off);
	free(e->label_hash);
	free(e->norms);
	for (i = 0; i < UTIL_NELEM(e->label_ring); i++)
		free(e->label_ring[i]);
	free(e);
}

/* Frees one model. */
static void
model_free(struct model *m)
{
	size_t	 i;

	for (i = 0; i < m->nemb; i++)
		emb_free(m->embs[i]);
	free(m->embs);
	for (i = 0; i < m->nweights; i++) {
		free(m->weights[i].name);
		free(m->weights[i].data);
	}
	free(m->weights);
	util_free_strings(m->cont_names, m->ncont);
	free(m->cont_mean);
	free(m->cont_std);
	util_free_strings(m->classes, m->nclasses);
	free(m->name);
	free(m->source);
	free(m);
}

/* Frees a model set and closes its file. */
void
model_set_free(struct model_set *ms)
{
	size_t	 i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->nmodels; i++)
		model_free(ms->models[i]);
	free(ms->models);
	if (ms->close != NULL)
		ms->close(ms);
	free(ms->path);
	free(ms);
}

/* Adds an empty model. */
struct model *
model_set_add(struct model_set *ms, const char *name, enum model_kind kind)
{
	struct model	*m;

	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->kind = kind;
	m->source = xstrdup("");
	ms->models = xreallocarray(ms->models, ms->nmodels + 1,
	    sizeof *ms->models);
	ms->models[ms->nmodels++] = m;
	return (m);
}

/* Finds a model by name. */
struct model *
model_set_find(struct model_set *ms, const char *name)
{
	size_t	 i;

	for (i = 0; i < ms->nmodels; i++) {
		if (strcmp(ms->models[i]->name, name) == 0)
			return (ms->models[i]);
	}
	return (NULL);
}

/* Moves every model of src to the end of dst and frees src. */
void
model_set_merge(struct model_set *dst, struct model_set *src)
{
	size_t	 i;

	dst->models = xreallocarray(dst->models, dst->nmodels + src->nmodels,
	    sizeof *dst->models);
	for (i = 0; i < src->nmodels; i++)
		dst->models[dst->nmodels++] = src->models[i];
	src->nmodels = 0;
	model_set_free(src);
}

/* Adds an embedding of rows x dim with nothing loaded yet. */
struct emb *
model_add_emb(struct model *m, const char *name, enum emb_role role,
    size_t rows, size_t dim)
{
	struct emb	*e;

	e = xcalloc(1, sizeof *e);
	e->name = xstrdup(name);
	e->role = role;
	e->rows = rows;
	e->dim = dim;
	e->na_row = -1;
	m->embs = xreallocarray(m->embs, m->nemb + 1, sizeof *m->embs);
	m->embs[m->nemb++] = e;
	return (e);
}

/* Finds an embedding by name. */
struct emb *
model_find_emb(struct model *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->nemb; i++) {
		if (strcmp(m->embs[i]->name, name) == 0)
			return (m->embs[i]);
	}
	return (NULL);
}

/* Adds a weight, taking ownership of its data. */
struct weight *
model_add_weight(struct model *m, const char *name, enum weight_type type,
    int ndim, const uint64_t *shape, void *data)
{
	struct weight	*w;

	m->weights = xreallocarray(m->weights, m->nweights + 1,
	    sizeof *m->weights);
	w = &m->weights[m->nweights++];
	memset(w, 0, sizeof *w);
	w->name = xstrdup(name);
	w->type = type;
	w->ndim = ndim > WEIGHT_MAXDIM ? WEIGHT_MAXDIM : ndim;
	memcpy(w->shape, shape, w->ndim * sizeof *shape);
	w->data = data;
	return (w);
}

/* Finds a weight by its original name. */
struct weight *
model_find_weight(struct model *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->nweights; i++) {
		if (strcmp(m->weights[i].name, name) == 0)
			return (&m->weights[i]);
	}
	return (NULL);
}

/* Sets the continuous variables, taking ownership of the arrays. */
void
model_set_cont(struct model *m, size_t n, char **names, double *mean,
    double *std)
{
	util_free_strings(m->cont_names, m->ncont);
	free(m->cont_mean);
	free(m->cont_std);
	m->ncont = n;
	m->cont_names = names;
	m->cont_mean = mean;
	m->cont_std = std;
}

/* Sets the target classes, taking ownership of the array. */
void
model_set_classes(struct model *m, size_t n, char **classes)
{
	util_free_strings(m->classes, m->nclasses);
	m->nclasses = n;
	m->classes = classes;
}

/* Number of elements of a weight. */
size_t
weight_count(const struct weight *w)
{
	size_t	 n = 1;
	int	 i;

	for (i = 0; i < w->ndim; i++)
		n *= w->shape[i];
	return (n);
}

/* Bytes per element of a weight type. */
size_t
weight_type_size(enum weight_type t)
{
	switch (t) {
	case WEIGHT_F32:
		return (4);
	case WEIGHT_F64:
	case WEIGHT_I64:
		return (8);
	case WEIGHT_U8:
		return (1);
	}
	return (1);
}

/* Number of slots of a label hash for n rows: a power of two >= 2n, 8. */
static size_t
model_hash_slots(size_t n)
{
	size_t	 slots = 8;

	while (slots < 2 * n)
		slots *= 2;
	return (slots);
}

/* Builds the label hash; fails, naming the label, on a duplicate. */
static int
emb_index_labels(struct emb *e, char **cause)
{
	const char	*l;
	size_t		 i, slot, len, mask;
	int64_t		*h;

	e->label_nhash = model_hash_slots(e->rows);
	mask = e->label_nhash - 1;
	h = e->label_hash = xcalloc(e->label_nhash, sizeof *h);
	for (i = 0; i < e->rows; i++) {
		l = e->label_blob + e->label_off[i];
		len = strlen(l);
		slot = util_hash(l, len) & mask;
		while (h[slot] != 0) {
			if (strcmp(e->label_blob + e->label_off[h[slot] - 1],
			    l) == 0) {
				return (util_fail(cause,
				    "%s: label '%s' on rows %lld and %zu",
				    e->name, l, (long long)h[slot] - 1, i));
			}
			slot = (slot + 1) & mask;
		}
		h[slot] = (int64_t)i + 1;
	}
	return (0);
}

/* Drops the labels of an embedding. */
static void
emb_drop_labels(struct emb *e)
{
	free(e->label_blob);
	free(e->label_off);
	free(e->label_hash);
	e->label_blob = NULL;
	e->label_off = NULL;
	e->label_hash = NULL;
	e->label_nhash = 0;
}

/* Sets the rows' labels: UTF-8, not empty, unique; NULL is the number. */
int
emb_set_labels(struct emb *e, const char *const *labels, char **cause)
{
	char		 num[32];
	const char	*l;
	size_t		 i, len, total = 0, at = 0;

	for (i = 0; i < e->rows; i++) {
		l = labels[i];
		if (l == NULL)
			len = snprintf(num, sizeof num, "%zu", i);
		else
			len = strlen(l);
		if (l != NULL && len == 0)
			return (util_fail(cause, "%s: row %zu has an empty "
			    "label", e->name, i));
		if (l != NULL && !text_utf8_valid(l, len))
			return (util_fail(cause, "%s: label of row %zu is "
			    "not UTF-8", e->name, i));
		total += len + 1;
	}
	emb_drop_labels(e);
	e->label_blob = xmalloc(total);
	e->label_off = xcalloc(e->rows, sizeof *e->label_off);
	for (i = 0; i < e->rows; i++) {
		l = labels[i];
		if (l == NULL) {
			snprintf(num, sizeof num, "%zu", i);
			l = num;
		}
		len = strlen(l) + 1;
		e->label_off[i] = at;
		memcpy(e->label_blob + at, l, len);
		at += len;
	}
	if (emb_index_labels(e, cause) != 0) {
		emb_drop_labels(e);
		return (-1);
	}
	return (0);
}

/* Labels every row by its number. */
void
emb_number_labels(struct emb *e)
{
	const char	**none;

	none = xcalloc(e->rows, sizeof *none);
	if (emb_set_labels(e, none, NULL) != 0)
		abort();	/* numbers are unique and ASCII */
	free(none);
}

/* Reads the labels on first use. */
int
emb_load_labels(struct emb *e, char **cause)
{
	if (e->label_blob != NULL)
		return (0);
	if (e->backing == NULL || e->backing->labels == NULL) {
		emb_number_labels(e);
		return (0);
	}
	return (e->backing->labels(e, cause));
}

/*
 * A row's label, or NULL when it cannot be read. A large embedding whose
 * labels are still in the file reads just this one; the pointer then
 * stays valid for the next fifteen such calls.
 */
const char *
emb_label(struct emb *e, size_t row)
{
	char	**slot;

	if (row >= e->rows)
		return (NULL);
	if (e->label_blob == NULL && e->rows > EMB_LAZY_LABELS &&
	    e->backing != NULL && e->backing->label != NULL) {
		slot = &e->label_ring[e->label_ring_at++ %
		    UTIL_NELEM(e->label_ring)];
		free(*slot);
		*slot = e->backing->label(e, row, NULL);
		return (*slot);
	}
	if (emb_load_labels(e, NULL) != 0)
		return (NULL);
	return (e->label_blob + e->label_off[row]);
}

/* Finds a label's row: -1 when absent, -2 on a read error. */
long
emb_find(struct emb *e, const char *label, char **cause)
{
	size_t	 slot, mask;
	int64_t	 r;

	if (e->label_blob == NULL && e->backing != NULL &&
	    e->backing->find != NULL)
		return (e->backing->find(e, label, cause));
	if (emb_load_labels(e, cause) != 0)
		return (-2);
	mask = e->label_nhash - 1;
	slot = util_hash(label, strlen(label)) & mask;
	while ((r = e->label_hash[slot]) != 0) {
		if (strcmp(e->label_blob + e->label_off[r - 1], label) == 0)
			return ((long)(r - 1));
		slot = (slot + 1) & mask;
	}
	return (-1);
}

/* Reads the matrix on first use. */
int
emb_load(struct emb *e, char **cause)
{
	if (e->matrix != NULL)
		return (0);
	if (e->backing == NULL || e->backing->matrix == NULL)
		return (util_fail(cause, "%s: no matrix", e->name));
	return (e->backing->matrix(e, cause));
}

/* Reads the bias on first use; fails when there is none. */
int
emb_load_bias(struct emb *e, char **cause)
{
	if (e->bias != NULL)
		return (0);
	if (!e->has_bias || e->backing == NULL || e->backing->bias == NULL)
		return (util_fail(cause, "%s has no bias", e->name));
	return (e->backing->bias(e, cause));
}

/* Copies n rows from start into out, reading the file if need be. */
int
emb_rows(struct emb *e, size_t start, size_t n, float *out, char **cause)
{
	if (start > e->rows || n > e->rows - start)
		return (util_fail(cause, "%s: rows %zu to %zu out of %zu",
		    e->name, start, start + n, e->rows));
	if (e->matrix != NULL) {
		memcpy(out, e->matrix + start * e->dim,
		    n * e->dim * sizeof *out);
		return (0);
	}
	if (e->backing == NULL || e->backing->rows == NULL)
		return (util_fail(cause, "%s: no matrix", e->name));
	return (e->backing->rows(e, start, n, out, cause));
}

/* Copies one row into out. */
int
emb_row(struct emb *e, size_t row, float *out, char **cause)
{
	return (emb_rows(e, row, 1, out, cause));
}

/* Checks an embedding's loaded parts against its shape. */
static int
emb_validate(struct emb *e, char **cause)
{
	const char	*l;

	if (e->rows == 0 || e->dim == 0)
		return (util_fail(cause, "%s: empty matrix (%zu x %zu)",
		    e->name, e->rows, e->dim));
	if (e->na_row != -1 && e->na_row != 0)
		return (util_fail(cause, "%s: na_row is %ld, not 0 or -1",
		    e->name, e->na_row));
	if (e->na_row == 0 && e->label_blob != NULL) {
		l = e->label_blob + e->label_off[0];
		if (strcmp(l, "#na#") != 0)
			return (util_fail(cause, "%s: row 0 is '%s', not "
			    "#na#", e->name, l));
	}
	if (e->has_bias && e->backing == NULL && e->bias == NULL)
		return (util_fail(cause, "%s: bias missing", e->name));
	return (0);
}

/* Checks one model: shapes agree, labels unique, sizes sane. */
int
model_validate(struct model *m, char **cause)
{
	struct weight	*w;
	size_t		 i, j;

	for (i = 0; i < m->nemb; i++) {
		if (emb_validate(m->embs[i], cause) != 0)
			return (-1);
		for (j = 0; j < i; j++) {
			if (strcmp(m->embs[i]->name, m->embs[j]->name) == 0)
				return (util_fail(cause, "embedding %s "
				    "twice", m->embs[i]->name));
		}
	}
	for (i = 0; i < m->nweights; i++) {
		w = &m->weights[i];
		if (w->ndim < 0 || w->ndim > WEIGHT_MAXDIM)
			return (util_fail(cause, "weight %s: %d dimensions",
			    w->name, w->ndim));
	}
	if (m->has_y_range && !(m->y_range[0] < m->y_range[1]))
		return (util_fail(cause, "y_range %g to %g is empty",
		    m->y_range[0], m->y_range[1]));
	return (0);
}
