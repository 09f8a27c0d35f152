/*
 * import-keras.c: Keras 2 and Keras 3 HDF5 models.
 *
 * The weights live under model_weights/ (or the root, for a file written
 * by save_weights), one group per layer listed by the layer_names
 * attribute; each layer lists its tensors in weight_names, as paths
 * inside its group (Keras 2: "user/embeddings:0", Keras 3 without ":0").
 * Keras splits a long list into layer_names0, layer_names1, ...
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "import.h"
#include "import-text.h"
#include "util.h"

/* Declared tensor bytes accepted per byte of file: Keras never packs. */
#define IMPORT_KERAS_RATIO	64

/* A list of strings read from an attribute. */
struct import_keras_list {
	char	**v;
	size_t	  n;
};

/* Frees a list of strings. */
static void
import_keras_list_free(struct import_keras_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Appends the strings of one attribute, fixed or variable length. */
static int
import_keras_attr(hid_t obj, const char *name, struct import_keras_list *l,
    char **cause)
{
	hid_t		 a = -1, ft = -1, mt = -1, sp = -1;
	hssize_t	 n;
	size_t		 sz, i;
	char		**vs = NULL, *buf = NULL;
	int		 rc = -1;

	if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0 ||
	    (ft = H5Aget_type(a)) < 0 || (sp = H5Aget_space(a)) < 0 ||
	    (n = H5Sget_simple_extent_npoints(sp)) < 0) {
		util_fail(cause, "attribute %s cannot be read", name);
		goto out;
	}
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (H5Tget_class(ft) != H5T_STRING) {
		util_fail(cause, "attribute %s is not a list of names", name);
		goto out;
	}
	l->v = xreallocarray(l->v, l->n + n, sizeof *l->v);
	mt = H5Tcopy(H5T_C_S1);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (H5Tis_variable_str(ft) > 0) {
		H5Tset_size(mt, H5T_VARIABLE);
		vs = xcalloc(n, sizeof *vs);
		if (H5Aread(a, mt, vs) < 0) {
			util_fail(cause, "attribute %s cannot be read", name);
			goto out;
		}
		for (i = 0; i < (size_t)n; i++)
			l->v[l->n++] = xstrdup(vs[i] == NULL ? "" : vs[i]);
		H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vs);
	} else {
		sz = H5Tget_size(ft);
		H5Tset_size(mt, sz);
		H5Tset_strpad(mt, H5T_STR_NULLPAD);
		buf = xcalloc(n, sz);
		if (H5Aread(a, mt, buf) < 0) {
			util_fail(cause, "attribute %s cannot be read", name);
			goto out;
		}
		for (i = 0; i < (size_t)n; i++)
			l->v[l->n++] = xstrndup(buf + i * sz, sz);
	}
	rc = 0;

out:
	free(vs);
	free(buf);
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (a >= 0)
		H5Aclose(a);
	return (rc);
}

/* Reads a list attribute, whole or split into name0, name1, ... */
static int
import_keras_names(hid_t obj, const char *name, struct import_keras_list *l,
    char **cause)
{
	char	*part;
	int	 k;

	if (H5Aexists(obj, name) > 0)
		return (import_keras_attr(obj, name, l, cause));
	for (k = 0;; k++) {
		part = xasprintf("%s%d", name, k);
		if (H5Aexists(obj, part) <= 0) {
			free(part);
			break;
		}
		if (import_keras_attr(obj, part, l, cause) != 0) {
			free(part);
			return (-1);
		}
		free(part);
	}
	if (k == 0)
		return (util_fail(cause, "no %s attribute", name));
	return (0);
}

/* Picks the stored type of a dataset's numbers. */
static int
import_keras_type(hid_t ft, enum weight_type *wt, hid_t *mt)
{
	switch (H5Tget_class(ft)) {
	case H5T_FLOAT:
		*wt = H5Tget_size(ft) > 4 ? WEIGHT_F64 : WEIGHT_F32;
		*mt = *wt == WEIGHT_F64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
		return (0);
	case H5T_INTEGER:
		if (H5Tget_size(ft) == 1 && H5Tget_sign(ft) == H5T_SGN_NONE) {
			*wt = WEIGHT_U8;
			*mt = H5T_NATIVE_UINT8;
		} else {
			*wt = WEIGHT_I64;
			*mt = H5T_NATIVE_INT64;
		}
		return (0);
	default:
		return (-1);
	}
}

/* Reads one tensor of a layer into the model's weights. */
static struct weight *
import_keras_weight(hid_t layer, const char *lname, const char *wname,
    struct model *m, uint64_t fsize, char **cause)
{
	hsize_t		 dims[WEIGHT_MAXDIM];
	uint64_t	 shape[WEIGHT_MAXDIM];
	hid_t		 d = -1, ft = -1, sp = -1, mt;
	enum weight_type wt;
	struct weight	*w = NULL;
	size_t		 count = 1, bytes;
	void		*data;
	char		*name;
	int		 nd, i;

	if ((d = H5Dopen2(layer, wname, H5P_DEFAULT)) < 0) {
		util_fail(cause, "layer %s: weight %s is listed but absent",
		    lname, wname);
		goto out;
	}
	ft = H5Dget_type(d);
	sp = H5Dget_space(d);
	nd = H5Sget_simple_extent_ndims(sp);
	if (nd < 0 || nd > WEIGHT_MAXDIM || import_keras_type(ft, &wt, &mt)) {
		util_fail(cause, "layer %s: weight %s is not a numeric "
		    "tensor of at most %d dimensions", lname, wname,
		    WEIGHT_MAXDIM);
		goto out;
	}
	H5Sget_simple_extent_dims(sp, dims, NULL);
	for (i = 0; i < nd; i++) {
		shape[i] = dims[i];
		if (dims[i] > SIZE_MAX || util_mul(count, dims[i], &count))
			count = SIZE_MAX;
	}
	if (count == SIZE_MAX || util_mul(count, weight_type_size(wt),
	    &bytes) != 0 || bytes / IMPORT_KERAS_RATIO > fsize) {
		util_fail(cause, "layer %s: weight %s declares more data than "
		    "the file holds", lname, wname);
		goto out;
	}
	data = xmalloc(bytes);
	if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
		free(data);
		util_fail(cause, "layer %s: weight %s cannot be read", lname,
		    wname);
		goto out;
	}
	if (model_find_weight(m, wname) == NULL)
		name = xstrdup(wname);
	else
		name = xasprintf("%s/%s", lname, wname);
	w = model_add_weight(m, name, wt, nd, shape, data);
	free(name);

out:
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (d >= 0)
		H5Dclose(d);
	return (w);
}

/* Tells whether a weight is a Keras Embedding table. */
static int
import_keras_is_table(const struct weight *w)
{
	const char	*b;

	b = strrchr(w->name, '/');
	b = b == NULL ? w->name : b + 1;
	return (w->type == WEIGHT_F32 && w->ndim == 2 && w->shape[0] > 0 &&
	    w->shape[1] > 0 && (strcmp(b, "embeddings") == 0 ||
	    strcmp(b, "embeddings:0") == 0));
}

/* Tells whether a name contains a word, ignoring case. */
static int
import_keras_has(const char *name, const char *word)
{
	size_t	 i, len = strlen(word);

	for (i = 0; name[i] != '\0'; i++) {
		if (strncasecmp(name + i, word, len) == 0)
			return (1);
	}
	return (0);
}

/* Guesses an embedding's role from its layer name. */
static enum emb_role
import_keras_role(const char *name)
{
	if (import_keras_has(name, "user"))
		return (ROLE_USER);
	if (import_keras_has(name, "item") || import_keras_has(name, "movie"))
		return (ROLE_ITEM);
	return (ROLE_CATEGORICAL);
}

/* Makes an embedding of a layer's table, its rows labelled by number. */
static void
import_keras_table(struct model *m, const char *lname, struct weight *w)
{
	struct emb	*e;
	size_t		 n = w->shape[0] * w->shape[1];

	e = model_add_emb(m, lname, import_keras_role(lname), w->shape[0],
	    w->shape[1]);
	e->weight_name = xstrdup(w->name);
	e->matrix = xreallocarray(NULL, n, sizeof *e->matrix);
	memcpy(e->matrix, w->data, n * sizeof *e->matrix);
	emb_number_labels(e);
}

/* Reads every listed tensor of one layer. */
static int
import_keras_layer(hid_t base, const char *lname, struct model *m,
    uint64_t fsize, char **cause)
{
	struct import_keras_list wn = { NULL, 0 };
	struct weight	*w;
	hid_t		 g;
	size_t		 i;
	int		 rc = -1;

	if (H5Lexists(base, lname, H5P_DEFAULT) <= 0 ||
	    (g = H5Gopen2(base, lname, H5P_DEFAULT)) < 0)
		return (util_fail(cause, "layer %s is listed but absent",
		    lname));
	if (H5Aexists(g, "weight_names") <= 0 &&
	    H5Aexists(g, "weight_names0") <= 0) {
		rc = 0;
		goto out;
	}
	if (import_keras_names(g, "weight_names", &wn, cause) != 0)
		goto out;
	for (i = 0; i < wn.n; i++) {
		if ((w = import_keras_weight(g, lname, wn.v[i], m, fsize,
		    cause)) == NULL)
			goto out;
		if (import_keras_is_table(w) && model_find_emb(m, lname) ==
		    NULL)
			import_keras_table(m, lname, w);
	}
	rc = 0;

out:
	import_keras_list_free(&wn);
	H5Gclose(g);
	return (rc);
}

/*
 * Turns a one-column table named like a bias ("user_bias") into the bias
 * of the one table with the same role and row count.
 */
static void
import_keras_biases(struct model *m)
{
	struct emb	*b, *e, *match;
	size_t		 i, j, n;

	for (i = 0; i < m->nemb; i++) {
		b = m->embs[i];
		if (b->dim != 1 || !import_keras_has(b->name, "bias"))
			continue;
		match = NULL;
		for (j = n = 0; j < m->nemb; j++) {
			e = m->embs[j];
			if (e != b && e->dim > 1 && e->role == b->role &&
			    e->rows == b->rows && !e->has_bias) {
				match = e;
				n++;
			}
		}
		if (n != 1)
			continue;
		match->has_bias = 1;
		match->bias = b->matrix;
		match->bias_name = b->weight_name;
		b->matrix = NULL;
		b->weight_name = NULL;
		emb_free(b);
		memmove(m->embs + i, m->embs + i + 1,
		    (m->nemb - i - 1) * sizeof *m->embs);
		m->nemb--;
		i--;
	}
}

/* Sets the model's kind from its embeddings' roles. */
static void
import_keras_kind(struct model *m)
{
	size_t	 i, users = 0, items = 0;

	for (i = 0; i < m->nemb; i++) {
		users += m->embs[i]->role == ROLE_USER;
		items += m->embs[i]->role == ROLE_ITEM;
	}
	if (users != 0 && items != 0) {
		m->kind = MODEL_COLLAB;
		return;
	}
	m->kind = MODEL_TABULAR;
	for (i = 0; i < m->nemb; i++)
		m->embs[i]->role = ROLE_CATEGORICAL;
}

/* Reads a short string attribute, or NULL. */
static char *
import_keras_string(hid_t obj, const char *name)
{
	struct import_keras_list l = { NULL, 0 };
	char	*s = NULL;

	if (H5Aexists(obj, name) > 0 && import_keras_attr(obj, name, &l,
	    NULL) == 0 && l.n == 1)
		s = xstrdup(l.v[0]);
	import_keras_list_free(&l);
	return (s);
}

/* Reads every layer of an open Keras file into a new model. */
static int
import_keras_read(hid_t fid, const char *path, struct model *m,
    char **cause)
{
	struct import_keras_list ln = { NULL, 0 };
	struct stat	 st;
	hid_t		 base;
	size_t		 i;
	char		*version;
	int		 rc = -1;

	if (stat(path, &st) != 0)
		return (util_fail(cause, "cannot stat the file"));
	if (H5Lexists(fid, "model_weights", H5P_DEFAULT) > 0)
		base = H5Gopen2(fid, "model_weights", H5P_DEFAULT);
	else
		base = H5Gopen2(fid, "/", H5P_DEFAULT);
	if (base < 0)
		return (util_fail(cause, "model_weights cannot be opened"));
	if (import_keras_names(base, "layer_names", &ln, cause) != 0)
		goto out;
	for (i = 0; i < ln.n; i++) {
		if (import_keras_layer(base, ln.v[i], m, st.st_size,
		    cause) != 0)
			goto out;
	}
	if (m->nemb == 0) {
		util_fail(cause, "no Embedding layer among %zu layers", ln.n);
		goto out;
	}
	import_keras_biases(m);
	import_keras_kind(m);
	free(m->source);
	version = import_keras_string(fid, "keras_version");
	m->source = xasprintf("Keras %s model %s", version ? version : "",
	    strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	free(version);
	rc = 0;

out:
	import_keras_list_free(&ln);
	H5Gclose(base);
	return (rc);
}

/* Reads a Keras 2 or 3 HDF5 model: every Embedding layer and weight. */
struct model_set *
import_keras(const char *path, const struct import_opts *opts, char **cause)
{
	struct model_set	*ms;
	struct model		*m;
	hid_t			 fid;
	char			*stem;
	int			 rc;

	H5E_BEGIN_TRY {
		fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	} H5E_END_TRY;
	if (fid < 0) {
		util_fail(cause, "not an HDF5 file");
		return (NULL);
	}
	ms = model_set_new();
	ms->path = xstrdup(path);
	stem = import_text_stem(path);
	m = model_set_add(ms, opts != NULL && opts->name != NULL ?
	    opts->name : stem, MODEL_TABULAR);
	free(stem);
	H5E_BEGIN_TRY {
		rc = import_keras_read(fid, path, m, cause);
	} H5E_END_TRY;
	H5Fclose(fid);
	if (rc != 0) {
		model_set_free(ms);
		return (NULL);
	}
	return (ms);
}
