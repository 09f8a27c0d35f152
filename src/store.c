/*
 * store.c: the HDF5 model store (doc/store-format.md).
 *
 * Opening a store reads attributes and shapes only. Each embedding gets a
 * backing that reads its matrix, labels, bias, single rows or a label
 * lookup through the label index when first asked. Writing goes to a
 * temporary file that is renamed over the target once it is complete.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "store.h"
#include "util.h"

/* The open file, shared by every embedding of the set. */
struct store_file {
	hid_t		 file;
	char		*path;
	unsigned long long size;
};

/* What a lazy embedding needs to reach its datasets. */
struct store_emb {
	struct store_file *sf;
	char		*group;		/* /models/M/embeddings/V */
	/* The label_index dataset, opened on first find. */
	hid_t		 index;
	hid_t		 labels;
	unsigned long long slots;
};

/* Names of the links in a group, in the order the file gives them. */
struct store_names {
	char		**v;
	size_t		 n;
};

/*
 * Turns off HDF5's own error printing: causes are ours to tell. HDF5 is
 * also kept from closing files at exit: after a write failed (a full
 * disk), it would crash there on the file it could not close.
 */
static void
store_quiet(void)
{
	static int	 done;

	if (!done) {
		H5dont_atexit();
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		done = 1;
	}
}

/* Collects one link name. */
static herr_t
store_collect(hid_t g, const char *name, const H5L_info_t *info, void *arg)
{
	struct store_names *sn = arg;

	sn->v = xreallocarray(sn->v, sn->n + 1, sizeof *sn->v);
	sn->v[sn->n++] = xstrdup(name);
	return (0);
}

/* Frees a list of names. */
static void
store_names_free(struct store_names *sn)
{
	size_t	 i;

	for (i = 0; i < sn->n; i++)
		free(sn->v[i]);
	free(sn->v);
	sn->v = NULL;
	sn->n = 0;
}

/* Lists a group's links in creation order when tracked, else by name. */
static int
store_list(hid_t g, struct store_names *sn)
{
	hsize_t	 at = 0;

	memset(sn, 0, sizeof *sn);
	if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &at,
	    store_collect, sn) >= 0)
		return (0);
	store_names_free(sn);
	at = 0;
	if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &at, store_collect,
	    sn) >= 0)
		return (0);
	store_names_free(sn);
	return (-1);
}

/* Reads a string attribute, fixed or variable length; NULL if absent. */
static char *
store_attr_string(hid_t obj, const char *name)
{
	hid_t	 a = -1, t = -1, mt = -1;
	char	*s = NULL, *vs = NULL;
	size_t	 size;

	if (H5Aexists(obj, name) <= 0)
		return (NULL);
	if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0)
		goto out;
	t = H5Aget_type(a);
	if (t < 0 || H5Tget_class(t) != H5T_STRING)
		goto out;
	if (H5Tis_variable_str(t) > 0) {
		mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
		if (H5Aread(a, mt, &vs) >= 0 && vs != NULL) {
			s = xstrdup(vs);
			H5free_memory(vs);
		}
	} else {
		size = H5Tget_size(t);
		s = xcalloc(1, size + 1);
		if (H5Aread(a, t, s) < 0) {
			free(s);
			s = NULL;
		}
	}
out:
	if (mt >= 0)
		H5Tclose(mt);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return (s);
}

/* Reads up to n numbers of a numeric attribute; returns how many. */
static long
store_attr_doubles(hid_t obj, const char *name, double *out, size_t n)
{
	hid_t	 a, s;
	hssize_t npoints;
	double	*buf;
	long	 got = -1;

	if (H5Aexists(obj, name) <= 0)
		return (-1);
	if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0)
		return (-1);
	s = H5Aget_space(a);
	npoints = H5Sget_simple_extent_npoints(s);
	if (npoints >= 1 && npoints <= 1024) {
		buf = xcalloc(npoints, sizeof *buf);
		if (H5Aread(a, H5T_NATIVE_DOUBLE, buf) >= 0) {
			got = npoints < (hssize_t)n ? npoints : (long)n;
			memcpy(out, buf, got * sizeof *buf);
		}
		free(buf);
	}
	H5Sclose(s);
	H5Aclose(a);
	return (got);
}

/* Reads an integer attribute; -1 when absent or not a number. */
static int
store_attr_long(hid_t obj, const char *name, long *out)
{
	double	 v;

	if (store_attr_doubles(obj, name, &v, 1) != 1 ||
	    !(v > -9.2e18 && v < 9.2e18))
		return (-1);
	*out = (long)v;
	return (0);
}

/* The size of the file an object lives in, or the most if unknown. */
static unsigned long long
store_file_size(hid_t obj)
{
	hid_t	 f;
	hsize_t	 size;

	if ((f = H5Iget_file_id(obj)) < 0)
		return (ULLONG_MAX);
	if (H5Fget_filesize(f, &size) < 0)
		size = ULLONG_MAX;
	H5Fclose(f);
	return (size);
}

/* Reads a one-dimensional string dataset into n new strings. */
static char **
store_read_strings(hid_t d, size_t *n, char **cause)
{
	hid_t	 t = -1, s = -1, mt = -1;
	hsize_t	 dims[1];
	char	**vs = NULL, **out = NULL, *fixed = NULL;
	size_t	 i, size;

	t = H5Dget_type(d);
	s = H5Dget_space(d);
	if (t < 0 || H5Tget_class(t) != H5T_STRING) {
		util_fail(cause, "not a string dataset");
		goto out;
	}
	if (H5Sget_simple_extent_ndims(s) != 1) {
		util_fail(cause, "not one-dimensional");
		goto out;
	}
	H5Sget_simple_extent_dims(s, dims, NULL);
	*n = dims[0];
	/* A row takes a byte at least, and deflate packs 1032:1 at most. */
	if (*n / 1032 > store_file_size(d)) {
		util_fail(cause, "%zu strings cannot come from this file", *n);
		goto out;
	}
	if (H5Tis_variable_str(t) > 0) {
		mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
		vs = xcalloc(*n, sizeof *vs);
		if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vs) < 0) {
			util_fail(cause, "cannot read strings");
			free(vs);
			vs = NULL;
			goto out;
		}
		out = xcalloc(*n, sizeof *out);
		for (i = 0; i < *n; i++)
			out[i] = xstrdup(vs[i] != NULL ? vs[i] : "");
		H5Dvlen_reclaim(mt, s, H5P_DEFAULT, vs);
		free(vs);
	} else {
		size = H5Tget_size(t);
		if (size == 0 || *n > (size_t)-1 / size) {
			util_fail(cause, "strings too large");
			goto out;
		}
		fixed = xmalloc(size * *n);
		if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0) {
			util_fail(cause, "cannot read strings");
			goto out;
		}
		out = xcalloc(*n, sizeof *out);
		for (i = 0; i < *n; i++)
			out[i] = xstrndup(fixed + i * size, size);
	}
out:
	free(fixed);
	if (mt >= 0)
		H5Tclose(mt);
	if (s >= 0)
		H5Sclose(s);
	if (t >= 0)
		H5Tclose(t);
	return (out);
}

/* Opens a dataset in a lazy embedding's group. */
static hid_t
store_emb_open(struct emb *e, const char *what)
{
	struct store_emb *se = e->backing->data;
	char		*path;
	hid_t		 d;

	path = xasprintf("%s/%s", se->group, what);
	d = H5Dopen2(se->sf->file, path, H5P_DEFAULT);
	free(path);
	return (d);
}

/* Checks that every label is found through the file's label index. */
static int
store_check_index(struct emb *e, char **cause)
{
	hid_t		 d;
	hsize_t		 dims[1];
	hid_t		 s;
	int64_t		*idx;
	size_t		 i, slot, mask, probes;
	const char	*l;

	if ((d = store_emb_open(e, "label_index")) < 0)
		return (util_fail(cause, "%s: no label_index", e->name));
	s = H5Dget_space(d);
	H5Sget_simple_extent_dims(s, dims, NULL);
	H5Sclose(s);
	idx = xcalloc(dims[0], sizeof *idx);
	if (H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
	    idx) < 0) {
		free(idx);
		H5Dclose(d);
		return (util_fail(cause, "%s: cannot read label_index",
		    e->name));
	}
	H5Dclose(d);
	mask = dims[0] - 1;
	for (i = 0; i < e->rows; i++) {
		l = e->label_blob + e->label_off[i];
		slot = util_hash(l, strlen(l)) & mask;
		for (probes = 0; probes < dims[0]; probes++) {
			if (idx[slot] == 0 || idx[slot] == (int64_t)i + 1)
				break;
			slot = (slot + 1) & mask;
		}
		if (probes == dims[0] || idx[slot] != (int64_t)i + 1) {
			free(idx);
			return (util_fail(cause, "%s: label_index does not "
			    "find '%s' (row %zu)", e->name, l, i));
		}
	}
	free(idx);
	return (0);
}

/* Reads a lazy embedding's labels and checks them and its index. */
static int
store_load_labels(struct emb *e, char **cause)
{
	hid_t	 d;
	char	**v, *why = NULL;
	size_t	 n;

	if ((d = store_emb_open(e, "labels")) < 0)
		return (util_fail(cause, "%s: no labels", e->name));
	v = store_read_strings(d, &n, &why);
	H5Dclose(d);
	if (v == NULL) {
		util_fail(cause, "%s: labels: %s", e->name, why);
		free(why);
		return (-1);
	}
	if (n != e->rows) {
		util_free_strings(v, n);
		return (util_fail(cause, "%s: %zu labels for %zu rows",
		    e->name, n, e->rows));
	}
	if (emb_set_labels(e, (const char *const *)v, cause) != 0) {
		util_free_strings(v, n);
		return (-1);
	}
	util_free_strings(v, n);
	if (e->na_row == 0 && strcmp(e->label_blob, "#na#") != 0)
		return (util_fail(cause, "%s: na_row is 0 but row 0 is '%s'",
		    e->name, e->label_blob));
	return (store_check_index(e, cause));
}

/* Reads rows [start, start + n) of a lazy embedding's matrix. */
static int
store_read_rows(struct emb *e, size_t start, size_t n, float *out,
    char **cause)
{
	hid_t	 d, fs, ms;
	hsize_t	 off[2] = { start, 0 }, cnt[2] = { n, e->dim };
	herr_t	 rc;

	if ((d = store_emb_open(e, "matrix")) < 0)
		return (util_fail(cause, "%s: no matrix", e->name));
	fs = H5Dget_space(d);
	H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL);
	ms = H5Screate_simple(2, cnt, NULL);
	rc = H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, out);
	H5Sclose(ms);
	H5Sclose(fs);
	H5Dclose(d);
	if (rc < 0)
		return (util_fail(cause, "%s: cannot read rows %zu to %zu "
		    "(damaged file?)", e->name, start, start + n));
	return (0);
}

/* Reads a lazy embedding's whole matrix. */
static int
store_load_matrix(struct emb *e, char **cause)
{
	size_t	 bytes;
	float	*m;

	if (util_mul(e->rows, e->dim, &bytes) != 0 ||
	    util_mul(bytes, sizeof(float), &bytes) != 0)
		return (util_fail(cause, "%s: matrix too large", e->name));
	m = util_big_alloc(bytes);
	if (m == NULL)
		return (util_fail(cause, "%s: no memory for %zu bytes",
		    e->name, bytes));
	if (store_read_rows(e, 0, e->rows, m, cause) != 0) {
		free(m);
		return (-1);
	}
	e->matrix = m;
	return (0);
}

/* Reads a lazy embedding's bias vector. */
static int
store_load_bias(struct emb *e, char **cause)
{
	hid_t	 d;
	float	*b;
	herr_t	 rc;

	if ((d = store_emb_open(e, "bias")) < 0)
		return (util_fail(cause, "%s has no bias", e->name));
	b = xcalloc(e->rows, sizeof *b);
	rc = H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
	H5Dclose(d);
	if (rc < 0) {
		free(b);
		return (util_fail(cause, "%s: cannot read bias", e->name));
	}
	e->bias = b;
	return (0);
}

/* Reads one string of a string dataset. */
static char *
store_read_one_string(hid_t d, size_t at)
{
	hid_t	 t, fs, ms, mt;
	hsize_t	 off[1] = { at }, one[1] = { 1 };
	char	*vs = NULL, *s = NULL;
	size_t	 size;

	t = H5Dget_type(d);
	fs = H5Dget_space(d);
	H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, one, NULL);
	ms = H5Screate_simple(1, one, NULL);
	if (H5Tis_variable_str(t) > 0) {
		mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(t));
		if (H5Dread(d, mt, ms, fs, H5P_DEFAULT, &vs) >= 0 &&
		    vs != NULL) {
			s = xstrdup(vs);
			H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, &vs);
		}
		H5Tclose(mt);
	} else {
		size = H5Tget_size(t);
		s = xcalloc(1, size + 1);
		if (H5Dread(d, t, ms, fs, H5P_DEFAULT, s) < 0) {
			free(s);
			s = NULL;
		}
	}
	H5Sclose(ms);
	H5Sclose(fs);
	H5Tclose(t);
	return (s);
}

/* Finds a label through the file's index, reading a few kilobytes. */
static long
store_find(struct emb *e, const char *label, char **cause)
{
	struct store_emb *se = e->backing->data;
	hid_t		 fs, ms;
	hsize_t		 off[1], one[1] = { 1 }, dims[1];
	unsigned long long slot, probes;
	int64_t		 v;
	char		*l;
	int		 same;

	if (se->index < 0) {
		se->index = store_emb_open(e, "label_index");
		if (se->labels < 0)
			se->labels = store_emb_open(e, "labels");
		if (se->index < 0 || se->labels < 0)
			return (util_fail(cause, "%s: no label index",
			    e->name) - 1);
		fs = H5Dget_space(se->index);
		H5Sget_simple_extent_dims(fs, dims, NULL);
		H5Sclose(fs);
		se->slots = dims[0];
	}
	slot = util_hash(label, strlen(label)) & (se->slots - 1);
	ms = H5Screate_simple(1, one, NULL);
	for (probes = 0; probes < se->slots; probes++) {
		off[0] = slot;
		fs = H5Dget_space(se->index);
		H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, one, NULL);
		if (H5Dread(se->index, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT,
		    &v) < 0)
			v = -1;
		H5Sclose(fs);
		if (v <= 0 || (unsigned long long)v > e->rows)
			break;
		if ((l = store_read_one_string(se->labels, v - 1)) == NULL)
			break;
		same = strcmp(l, label) == 0;
		free(l);
		if (same) {
			H5Sclose(ms);
			return ((long)v - 1);
		}
		slot = (slot + 1) & (se->slots - 1);
	}
	H5Sclose(ms);
	if (v == 0)
		return (-1);
	return (util_fail(cause, "%s: damaged label index", e->name) - 1);
}

/* Reads one row's label from the file. */
static char *
store_label(struct emb *e, size_t row, char **cause)
{
	struct store_emb *se = e->backing->data;
	char		*l;

	if (se->labels < 0 && (se->labels = store_emb_open(e,
	    "labels")) < 0) {
		util_fail(cause, "%s: no labels", e->name);
		return (NULL);
	}
	if ((l = store_read_one_string(se->labels, row)) == NULL)
		util_fail(cause, "%s: cannot read the label of row %zu",
		    e->name, row);
	return (l);
}

/* Releases what a lazy embedding holds open. */
static void
store_emb_free(struct emb *e)
{
	struct store_emb *se = e->backing->data;

	if (se->index >= 0)
		H5Dclose(se->index);
	if (se->labels >= 0)
		H5Dclose(se->labels);
	free(se->group);
	free(se);
	free(e->backing);
	e->backing = NULL;
}

/* Closes the file behind a model set. */
static void
store_close(struct model_set *ms)
{
	struct store_file *sf = ms->backing;

	if (sf == NULL)
		return;
	H5Fclose(sf->file);
	free(sf->path);
	free(sf);
	ms->backing = NULL;
}

/* Reads the shape of a dataset; returns its rank or -1. */
static int
store_shape(hid_t d, hsize_t *dims, int max)
{
	hid_t	 s;
	int	 nd;

	s = H5Dget_space(d);
	nd = H5Sget_simple_extent_ndims(s);
	if (nd > max || nd < 0)
		nd = -1;
	else
		H5Sget_simple_extent_dims(s, dims, NULL);
	H5Sclose(s);
	return (nd);
}

/* Tells whether a dataset holds 4-byte floats. */
static int
store_is_f32(hid_t d)
{
	hid_t	 t;
	int	 yes;

	t = H5Dget_type(d);
	yes = H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 4;
	H5Tclose(t);
	return (yes);
}

/* Tells whether a dataset is stored through a filter (compression). */
static int
store_is_filtered(hid_t d)
{
	hid_t	 p;
	int	 n;

	p = H5Dget_create_plist(d);
	n = H5Pget_nfilters(p);
	H5Pclose(p);
	return (n > 0);
}

/* Checks one embedding group's datasets and attaches a lazy backing. */
static int
store_open_emb(struct store_file *sf, struct model *m, hid_t g,
    const char *gpath, const char *name, char **cause)
{
	hid_t		 d;
	hsize_t		 dims[2], ldims[1], slots;
	enum emb_role	 role;
	char		*s;
	struct emb	*e;
	struct store_emb *se;
	long		 v;
	int		 nd;

	s = store_attr_string(g, "role");
	if (s == NULL || emb_role_parse(s, &role) != 0) {
		util_fail(cause, "embedding %s: role is %s%s%s", name,
		    s ? "'" : "missing", s ? s : "", s ? "', not categorical, "
		    "user, item or vector" : "");
		free(s);
		return (-1);
	}
	free(s);
	if ((d = H5Dopen2(g, "matrix", H5P_DEFAULT)) < 0)
		return (util_fail(cause, "embedding %s: no matrix", name));
	nd = store_shape(d, dims, 2);
	if (nd != 2 || !store_is_f32(d)) {
		H5Dclose(d);
		return (util_fail(cause, "embedding %s: matrix is not a "
		    "two-dimensional float32 dataset", name));
	}
	if (dims[0] == 0 || dims[1] == 0) {
		H5Dclose(d);
		return (util_fail(cause, "embedding %s: matrix is empty "
		    "(%llu x %llu)", name, (unsigned long long)dims[0],
		    (unsigned long long)dims[1]));
	}
	if (!store_is_filtered(d) && (dims[0] > sf->size ||
	    dims[0] * dims[1] > sf->size / 4)) {
		H5Dclose(d);
		return (util_fail(cause, "embedding %s: matrix declares "
		    "%llu x %llu floats, more than the file holds", name,
		    (unsigned long long)dims[0],
		    (unsigned long long)dims[1]));
	}
	H5Dclose(d);

	if ((d = H5Dopen2(g, "labels", H5P_DEFAULT)) < 0)
		return (util_fail(cause, "embedding %s: no labels", name));
	nd = store_shape(d, ldims, 1);
	H5Dclose(d);
	if (nd != 1 || ldims[0] != dims[0])
		return (util_fail(cause, "embedding %s: %llu labels for %llu "
		    "rows", name, nd == 1 ? (unsigned long long)ldims[0] : 0,
		    (unsigned long long)dims[0]));

	for (slots = 8; slots < 2 * dims[0]; slots *= 2)
		;
	if ((d = H5Dopen2(g, "label_index", H5P_DEFAULT)) < 0)
		return (util_fail(cause, "embedding %s: no label_index",
		    name));
	nd = store_shape(d, ldims, 1);
	H5Dclose(d);
	if (nd != 1 || ldims[0] != slots)
		return (util_fail(cause, "embedding %s: label_index has %llu "
		    "slots, the format wants %llu", name,
		    nd == 1 ? (unsigned long long)ldims[0] : 0,
		    (unsigned long long)slots));

	e = model_add_emb(m, name, role, dims[0], dims[1]);
	if (H5Lexists(g, "bias", H5P_DEFAULT) > 0) {
		if ((d = H5Dopen2(g, "bias", H5P_DEFAULT)) < 0)
			return (util_fail(cause, "embedding %s: unreadable "
			    "bias", name));
		nd = store_shape(d, ldims, 1);
		if (nd != 1 || ldims[0] != dims[0] || !store_is_f32(d)) {
			H5Dclose(d);
			return (util_fail(cause, "embedding %s: bias is not "
			    "%llu float32 values", name,
			    (unsigned long long)dims[0]));
		}
		H5Dclose(d);
		e->has_bias = 1;
	}
	if (store_attr_long(g, "na_row", &v) == 0)
		e->na_row = v;
	if (e->na_row != 0 && e->na_row != -1)
		return (util_fail(cause, "embedding %s: na_row is %ld, not 0 "
		    "or -1", name, e->na_row));
	e->weight_name = store_attr_string(g, "weight");
	e->bias_name = store_attr_string(g, "bias_weight");

	se = xcalloc(1, sizeof *se);
	se->sf = sf;
	se->group = xasprintf("%s/%s", gpath, name);
	se->index = se->labels = -1;
	e->backing = xcalloc(1, sizeof *e->backing);
	e->backing->data = se;
	e->backing->matrix = store_load_matrix;
	e->backing->labels = store_load_labels;
	e->backing->bias = store_load_bias;
	e->backing->rows = store_read_rows;
	e->backing->find = store_find;
	e->backing->label = store_label;
	e->backing->free = store_emb_free;
	return (0);
}

/* Sorts a model's embeddings by their order attribute. */
static void
store_sort_embs(struct model *m, long *order)
{
	size_t		 i, j;
	struct emb	*te;
	long		 to;

	for (i = 1; i < m->nemb; i++) {
		for (j = i; j > 0 && order[j - 1] > order[j]; j--) {
			te = m->embs[j];
			m->embs[j] = m->embs[j - 1];
			m->embs[j - 1] = te;
			to = order[j];
			order[j] = order[j - 1];
			order[j - 1] = to;
		}
	}
}

/* Reads a model's embeddings. */
static int
store_open_embs(struct store_file *sf, struct model *m, hid_t mg,
    const char *mpath, char **cause)
{
	struct store_names sn;
	hid_t		 g, eg;
	char		*gpath;
	long		*order;
	size_t		 i;
	int		 rc = 0;

	if (H5Lexists(mg, "embeddings", H5P_DEFAULT) <= 0)
		return (0);
	if ((g = H5Gopen2(mg, "embeddings", H5P_DEFAULT)) < 0)
		return (util_fail(cause, "model %s: embeddings is not a group",
		    m->name));
	if (store_list(g, &sn) != 0) {
		H5Gclose(g);
		return (util_fail(cause, "model %s: cannot list embeddings",
		    m->name));
	}
	gpath = xasprintf("%s/embeddings", mpath);
	order = xcalloc(sn.n, sizeof *order);
	for (i = 0; i < sn.n && rc == 0; i++) {
		if ((eg = H5Gopen2(g, sn.v[i], H5P_DEFAULT)) < 0) {
			rc = util_fail(cause, "model %s: embedding %s is not "
			    "a group", m->name, sn.v[i]);
			break;
		}
		if (store_attr_long(eg, "order", &order[i]) != 0)
			order[i] = (long)i;
		rc = store_open_emb(sf, m, eg, gpath, sn.v[i], cause);
		H5Gclose(eg);
	}
	if (rc == 0)
		store_sort_embs(m, order);
	free(order);
	free(gpath);
	store_names_free(&sn);
	H5Gclose(g);
	return (rc);
}

/* Lists the weights below a model's weights group (data not read). */
static herr_t
store_visit_weight(hid_t g, const char *name, const H5L_info_t *info,
    void *arg)
{
	struct model	*m = arg;
	hid_t		 o, t;
	hsize_t		 dims[WEIGHT_MAXDIM];
	uint64_t	 shape[WEIGHT_MAXDIM];
	enum weight_type type;
	int		 nd, i;

	if ((o = H5Oopen(g, name, H5P_DEFAULT)) < 0)
		return (0);
	if (H5Iget_type(o) != H5I_DATASET) {
		H5Oclose(o);
		return (0);
	}
	nd = store_shape(o, dims, WEIGHT_MAXDIM);
	t = H5Dget_type(o);
	if (H5Tget_class(t) == H5T_FLOAT)
		type = H5Tget_size(t) == 8 ? WEIGHT_F64 : WEIGHT_F32;
	else if (H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == 1 &&
	    H5Tget_sign(t) == H5T_SGN_NONE)
		type = WEIGHT_U8;
	else
		type = WEIGHT_I64;
	H5Tclose(t);
	H5Oclose(o);
	if (nd < 0)
		return (0);
	for (i = 0; i < nd; i++)
		shape[i] = dims[i];
	model_add_weight(m, name, type, nd, shape, NULL);
	return (0);
}

/* Reads n doubles of a dataset in g; NULL when absent or misshapen. */
static double *
store_read_doubles(hid_t g, const char *name, size_t n)
{
	hid_t	 d;
	hsize_t	 dims[1];
	double	*v = NULL;

	if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
		return (NULL);
	if ((d = H5Dopen2(g, name, H5P_DEFAULT)) < 0)
		return (NULL);
	if (store_shape(d, dims, 1) == 1 && dims[0] == n) {
		v = xcalloc(n, sizeof *v);
		if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
		    H5P_DEFAULT, v) < 0) {
			free(v);
			v = NULL;
		}
	}
	H5Dclose(d);
	return (v);
}

/* Reads one model's attributes, facts and embeddings. */
static int
store_open_model(struct store_file *sf, struct model_set *ms, hid_t root,
    const char *name, char **cause)
{
	struct model	*m;
	enum model_kind	 kind;
	hid_t		 g, d, cg;
	char		*s, *mpath, *why = NULL;
	size_t		 n;
	char		**v;
	int		 rc = -1;

	if ((g = H5Gopen2(root, name, H5P_DEFAULT)) < 0)
		return (util_fail(cause, "model %s is not a group", name));
	mpath = xasprintf("/models/%s", name);
	s = store_attr_string(g, "kind");
	if (s == NULL || model_kind_parse(s, &kind) != 0) {
		util_fail(cause, "model %s: kind is %s%s%s", name,
		    s ? "'" : "missing", s ? s : "",
		    s ? "', not tabular, collab or vectors" : "");
		free(s);
		goto out;
	}
	free(s);
	m = model_set_add(ms, name, kind);
	if ((s = store_attr_string(g, "source")) != NULL) {
		free(m->source);
		m->source = s;
	}
	if (store_attr_doubles(g, "y_range", m->y_range, 2) == 2)
		m->has_y_range = 1;

	if (H5Lexists(g, "classes", H5P_DEFAULT) > 0 &&
	    (d = H5Dopen2(g, "classes", H5P_DEFAULT)) >= 0) {
		v = store_read_strings(d, &n, &why);
		H5Dclose(d);
		if (v == NULL) {
			util_fail(cause, "model %s: classes: %s", name, why);
			goto out;
		}
		model_set_classes(m, n, v);
	}
	if (H5Lexists(g, "continuous", H5P_DEFAULT) > 0 &&
	    (cg = H5Gopen2(g, "continuous", H5P_DEFAULT)) >= 0) {
		v = NULL;
		n = 0;
		if ((d = H5Dopen2(cg, "names", H5P_DEFAULT)) >= 0) {
			v = store_read_strings(d, &n, &why);
			H5Dclose(d);
		}
		if (v == NULL) {
			H5Gclose(cg);
			util_fail(cause, "model %s: continuous names: %s", name,
			    why ? why : "missing");
			goto out;
		}
		m->ncont = n;
		m->cont_names = v;
		m->cont_mean = store_read_doubles(cg, "mean", n);
		m->cont_std = store_read_doubles(cg, "std", n);
		H5Gclose(cg);
	}
	if (H5Lexists(g, "weights", H5P_DEFAULT) > 0 &&
	    (cg = H5Gopen2(g, "weights", H5P_DEFAULT)) >= 0) {
		H5Lvisit(cg, H5_INDEX_NAME, H5_ITER_INC, store_visit_weight,
		    m);
		H5Gclose(cg);
	}
	if (store_open_embs(sf, m, g, mpath, cause) != 0)
		goto out;
	rc = model_validate(m, cause);
out:
	free(why);
	free(mpath);
	H5Gclose(g);
	return (rc);
}

/* Checks the root attributes. */
static int
store_check_root(hid_t f, char **cause)
{
	char	*s;
	long	 version;

	s = store_attr_string(f, "embrepl_format");
	if (s == NULL || strcmp(s, STORE_FORMAT) != 0) {
		free(s);
		return (util_fail(cause, "an HDF5 file, but not an embrepl "
		    "store (no embrepl_format attribute)"));
	}
	free(s);
	if (store_attr_long(f, "format_version", &version) != 0)
		return (util_fail(cause, "no format_version attribute"));
	if (version < 1 || version > STORE_VERSION)
		return (util_fail(cause, "store format version %ld; this "
		    "embrepl reads version %d", version, STORE_VERSION));
	return (0);
}

/* Tells whether a file looks like an embrepl store. */
int
store_sniff(const char *path)
{
	hid_t	 f;
	int	 yes;

	store_quiet();
	if (H5Fis_hdf5(path) <= 0)
		return (0);
	if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
		return (0);
	yes = store_check_root(f, NULL) == 0;
	H5Fclose(f);
	return (yes);
}

/* Opens a store read-only, checking its layout but reading no matrix. */
struct model_set *
store_open(const char *path, char **cause)
{
	struct model_set *ms;
	struct store_file *sf;
	struct store_names sn;
	struct stat	 st;
	hid_t		 f, g;
	size_t		 i;
	htri_t		 is;

	store_quiet();
	if (stat(path, &st) != 0) {
		util_fail(cause, "%s", strerror(errno));
		return (NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		util_fail(cause, "not a regular file");
		return (NULL);
	}
	if ((is = H5Fis_hdf5(path)) <= 0) {
		util_fail(cause, is == 0 ? "not an HDF5 file" :
		    "cannot read the file");
		return (NULL);
	}
	if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
		util_fail(cause, "cannot open the HDF5 file (truncated or "
		    "damaged?)");
		return (NULL);
	}
	if (store_check_root(f, cause) != 0) {
		H5Fclose(f);
		return (NULL);
	}
	ms = model_set_new();
	ms->path = xstrdup(path);
	sf = xcalloc(1, sizeof *sf);
	sf->file = f;
	sf->path = xstrdup(path);
	sf->size = st.st_size;
	ms->backing = sf;
	ms->close = store_close;

	if (H5Lexists(f, "models", H5P_DEFAULT) <= 0 ||
	    (g = H5Gopen2(f, "models", H5P_DEFAULT)) < 0) {
		util_fail(cause, "the store holds no model (no /models "
		    "group)");
		model_set_free(ms);
		return (NULL);
	}
	if (store_list(g, &sn) != 0 || sn.n == 0) {
		util_fail(cause, "the store holds no model (/models is "
		    "empty)");
		H5Gclose(g);
		model_set_free(ms);
		return (NULL);
	}
	for (i = 0; i < sn.n; i++) {
		if (store_open_model(sf, ms, g, sn.v[i], cause) != 0) {
			store_names_free(&sn);
			H5Gclose(g);
			model_set_free(ms);
			return (NULL);
		}
	}
	store_names_free(&sn);
	H5Gclose(g);
	return (ms);
}

/* Writes a string attribute as variable-length UTF-8. */
static int
store_put_string_attr(hid_t obj, const char *name, const char *value)
{
	hid_t	 t, s, a;
	int	 rc = -1;

	t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	s = H5Screate(H5S_SCALAR);
	a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
	if (a >= 0 && H5Awrite(a, t, &value) >= 0)
		rc = 0;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(s);
	H5Tclose(t);
	return (rc);
}

/* Writes a numeric attribute of n values. */
static int
store_put_num_attr(hid_t obj, const char *name, hid_t type, size_t n,
    const void *values)
{
	hsize_t	 dims[1] = { n };
	hid_t	 s, a;
	int	 rc = -1;

	s = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
	a = H5Acreate2(obj, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
	if (a >= 0 && H5Awrite(a, type, values) >= 0)
		rc = 0;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(s);
	return (rc);
}

/* Creates a group that tracks the creation order of its links. */
static hid_t
store_make_group(hid_t parent, const char *name)
{
	hid_t	 gcpl, lcpl, g;

	gcpl = H5Pcreate(H5P_GROUP_CREATE);
	H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
	    H5P_CRT_ORDER_INDEXED);
	lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	g = H5Gcreate2(parent, name, lcpl, gcpl, H5P_DEFAULT);
	H5Pclose(lcpl);
	H5Pclose(gcpl);
	return (g);
}

/* Writes an n-dimensional dataset, chunked by chunk0 rows when > 0. */
static int
store_put_data(hid_t parent, const char *name, hid_t type, int nd,
    const hsize_t *dims, hsize_t chunk0, const void *data)
{
	hid_t	 s, d, dcpl, lcpl;
	hsize_t	 chunk[WEIGHT_MAXDIM];
	int	 rc = -1, i;

	s = nd == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(nd, dims,
	    NULL);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (chunk0 > 0 && nd >= 1 && dims[0] > 0) {
		chunk[0] = chunk0 < dims[0] ? chunk0 : dims[0];
		for (i = 1; i < nd; i++)
			chunk[i] = dims[i] > 0 ? dims[i] : 1;
		H5Pset_chunk(dcpl, nd, chunk);
	}
	lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	d = H5Dcreate2(parent, name, type, s, lcpl, dcpl, H5P_DEFAULT);
	if (d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
	    data) >= 0)
		rc = 0;
	if (d >= 0)
		H5Dclose(d);
	H5Pclose(lcpl);
	H5Pclose(dcpl);
	H5Sclose(s);
	return (rc);
}

/* Writes n strings as a variable-length UTF-8 dataset. */
static int
store_put_strings(hid_t parent, const char *name, const char *const *v,
    size_t n)
{
	hid_t	 t;
	hsize_t	 dims[1] = { n };
	int	 rc;

	t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	rc = store_put_data(parent, name, t, 1, dims, n > 0 ? 1024 : 0, v);
	H5Tclose(t);
	return (rc);
}

/* The HDF5 memory type of a weight type. */
static hid_t
store_weight_type(enum weight_type t)
{
	switch (t) {
	case WEIGHT_F32:
		return (H5T_NATIVE_FLOAT);
	case WEIGHT_F64:
		return (H5T_NATIVE_DOUBLE);
	case WEIGHT_I64:
		return (H5T_NATIVE_INT64);
	case WEIGHT_U8:
		return (H5T_NATIVE_UINT8);
	}
	return (H5T_NATIVE_FLOAT);
}

/* Rows per matrix chunk: about 64 KiB of whole rows. */
static hsize_t
store_chunk_rows(size_t dim)
{
	return (dim >= 16384 ? 1 : 16384 / dim);
}

/* Finds the embedding whose matrix or bias is the weight w. */
static struct emb *
store_weight_emb(struct model *m, struct weight *w, int *is_bias)
{
	struct emb	*e;
	size_t		 i;

	for (i = 0; i < m->nemb; i++) {
		e = m->embs[i];
		if (e->weight_name != NULL &&
		    strcmp(e->weight_name, w->name) == 0 && w->ndim == 2 &&
		    w->shape[0] == e->rows && w->shape[1] == e->dim) {
			*is_bias = 0;
			return (e);
		}
		if (e->has_bias && e->bias_name != NULL &&
		    strcmp(e->bias_name, w->name) == 0 && w->ndim >= 1 &&
		    weight_count(w) == e->rows) {
			*is_bias = 1;
			return (e);
		}
	}
	return (NULL);
}

/* Reads a weight's data from the store it came from. */
static void *
store_fetch_weight(struct model_set *src, struct model *m,
    struct weight *w, char **cause)
{
	struct store_file *sf = src->backing;
	char		*path;
	hid_t		 d;
	void		*data;
	size_t		 bytes;

	if (sf == NULL || src->close != store_close) {
		util_fail(cause, "weight %s has no data", w->name);
		return (NULL);
	}
	if (util_mul(weight_count(w), weight_type_size(w->type), &bytes)) {
		util_fail(cause, "weight %s too large", w->name);
		return (NULL);
	}
	path = xasprintf("/models/%s/weights/%s", m->name, w->name);
	d = H5Dopen2(sf->file, path, H5P_DEFAULT);
	free(path);
	/* Refuse sizes the file cannot hold (deflate packs 1032:1 at most). */
	if (d >= 0 && bytes / (store_is_filtered(d) ? 1032 : 1) > sf->size) {
		util_fail(cause, "weight %s: %zu bytes cannot come from a file "
		    "of %llu", w->name, bytes, sf->size);
		H5Dclose(d);
		return (NULL);
	}
	data = xmalloc(bytes);
	if (d < 0 || H5Dread(d, store_weight_type(w->type), H5S_ALL, H5S_ALL,
	    H5P_DEFAULT, data) < 0) {
		util_fail(cause, "cannot read weight %s", w->name);
		free(data);
		data = NULL;
	}
	if (d >= 0)
		H5Dclose(d);
	return (data);
}

/* Writes the weights group; embedding matrices become chunked. */
static int
store_put_weights(struct model_set *ms, struct model *m, hid_t mg,
    char **cause)
{
	struct weight	*w;
	struct emb	*e;
	hsize_t		 dims[WEIGHT_MAXDIM], chunk;
	hid_t		 wg;
	const void	*data;
	void		*fetched;
	size_t		 i;
	int		 j, is_bias, rc = 0;

	if (m->nweights == 0)
		return (0);
	if ((wg = store_make_group(mg, "weights")) < 0)
		return (util_fail(cause, "cannot create weights group"));
	for (i = 0; i < m->nweights && rc == 0; i++) {
		w = &m->weights[i];
		for (j = 0; j < w->ndim; j++)
			dims[j] = w->shape[j];
		e = store_weight_emb(m, w, &is_bias);
		chunk = 0;
		data = w->data;
		fetched = NULL;
		if (e != NULL && !is_bias && w->type == WEIGHT_F32) {
			chunk = store_chunk_rows(e->dim);
			data = e->matrix;
		} else if (e != NULL && is_bias && w->type == WEIGHT_F32)
			data = e->bias;
		if (data == NULL) {
			fetched = store_fetch_weight(ms, m, w, cause);
			if ((data = fetched) == NULL)
				rc = -1;
		}
		if (rc == 0 && store_put_data(wg, w->name,
		    store_weight_type(w->type), w->ndim, dims, chunk,
		    data) != 0)
			rc = util_fail(cause, "cannot write weight %s",
			    w->name);
		free(fetched);
	}
	H5Gclose(wg);
	return (rc);
}

/* Links name in g to weights/<wname>, when that weight fits. */
static int
store_link_weight(hid_t g, const char *name, struct model *m,
    const char *wname, hid_t mg)
{
	struct weight	*w;
	char		*target;
	herr_t		 rc;

	if (wname == NULL || (w = model_find_weight(m, wname)) == NULL ||
	    w->type != WEIGHT_F32)
		return (-1);
	target = xasprintf("weights/%s", wname);
	rc = H5Lcreate_hard(mg, target, g, name, H5P_DEFAULT, H5P_DEFAULT);
	free(target);
	return (rc < 0 ? -1 : 0);
}

/* Writes one embedding group. */
static int
store_put_emb(struct model *m, struct emb *e, size_t order, hid_t eg,
    hid_t mg, char **cause)
{
	hid_t		 g;
	hsize_t		 dims[2] = { e->rows, e->dim };
	const char	**v;
	long long	 na = e->na_row, ord = order;
	size_t		 i;
	int		 is_bias, rc = -1;
	struct weight	*w;

	if ((g = store_make_group(eg, e->name)) < 0)
		return (util_fail(cause, "cannot create embedding %s",
		    e->name));
	store_put_string_attr(g, "role", emb_role_name(e->role));
	store_put_num_attr(g, "na_row", H5T_NATIVE_LLONG, 0, &na);
	store_put_num_attr(g, "order", H5T_NATIVE_LLONG, 0, &ord);
	if (e->weight_name != NULL)
		store_put_string_attr(g, "weight", e->weight_name);
	if (e->bias_name != NULL)
		store_put_string_attr(g, "bias_weight", e->bias_name);

	w = e->weight_name ? model_find_weight(m, e->weight_name) : NULL;
	if (w == NULL || store_weight_emb(m, w, &is_bias) != e || is_bias ||
	    store_link_weight(g, "matrix", m, e->weight_name, mg) != 0) {
		if (store_put_data(g, "matrix", H5T_NATIVE_FLOAT, 2, dims,
		    store_chunk_rows(e->dim), e->matrix) != 0)
			goto out;
	}
	if (e->has_bias) {
		w = e->bias_name ? model_find_weight(m, e->bias_name) : NULL;
		if (w == NULL || store_weight_emb(m, w, &is_bias) != e ||
		    !is_bias || w->ndim != 1 ||
		    store_link_weight(g, "bias", m, e->bias_name, mg) != 0) {
			if (store_put_data(g, "bias", H5T_NATIVE_FLOAT, 1,
			    dims, 0, e->bias) != 0)
				goto out;
		}
	}
	v = xcalloc(e->rows, sizeof *v);
	for (i = 0; i < e->rows; i++)
		v[i] = e->label_blob + e->label_off[i];
	rc = store_put_strings(g, "labels", v, e->rows);
	free(v);
	if (rc == 0) {
		dims[0] = e->label_nhash;
		rc = store_put_data(g, "label_index", H5T_NATIVE_INT64, 1, dims,
		    512, e->label_hash);
	}
out:
	H5Gclose(g);
	if (rc != 0)
		return (util_fail(cause, "cannot write embedding %s",
		    e->name));
	return (0);
}

/* Writes a model's continuous variables and classes. */
static int
store_put_facts(struct model *m, hid_t mg)
{
	hid_t	 cg;
	hsize_t	 dims[1] = { m->ncont };
	int	 rc = 0;

	if (m->nclasses > 0)
		rc |= store_put_strings(mg, "classes",
		    (const char *const *)m->classes, m->nclasses);
	if (m->ncont == 0)
		return (rc);
	if ((cg = store_make_group(mg, "continuous")) < 0)
		return (-1);
	rc |= store_put_strings(cg, "names",
	    (const char *const *)m->cont_names, m->ncont);
	if (m->cont_mean != NULL)
		rc |= store_put_data(cg, "mean", H5T_NATIVE_DOUBLE, 1, dims, 0,
		    m->cont_mean);
	if (m->cont_std != NULL)
		rc |= store_put_data(cg, "std", H5T_NATIVE_DOUBLE, 1, dims, 0,
		    m->cont_std);
	H5Gclose(cg);
	return (rc);
}

/* Loads everything of a model that the writer needs. */
static int
store_load_all(struct model *m, char **cause)
{
	struct emb	*e;
	size_t		 i;

	for (i = 0; i < m->nemb; i++) {
		e = m->embs[i];
		if (emb_load(e, cause) != 0 || emb_load_labels(e, cause) != 0)
			return (-1);
		if (e->has_bias && emb_load_bias(e, cause) != 0)
			return (-1);
	}
	return (0);
}

/* Reads everything into memory and drops the file behind the models. */
int
store_detach(struct model_set *ms, char **cause)
{
	struct model	*m;
	struct weight	*w;
	struct emb	*e;
	size_t		 i, j;

	for (i = 0; i < ms->nmodels; i++) {
		m = ms->models[i];
		if (store_load_all(m, cause) != 0)
			return (-1);
		for (j = 0; j < m->nweights; j++) {
			w = &m->weights[j];
			if (w->data == NULL && (w->data = store_fetch_weight(ms,
			    m, w, cause)) == NULL)
				return (-1);
		}
		for (j = 0; j < m->nemb; j++) {
			e = m->embs[j];
			if (e->backing != NULL && e->backing->free != NULL)
				e->backing->free(e);
			e->backing = NULL;
		}
	}
	return (0);
}

/* Writes one model. */
static int
store_put_model(struct model_set *ms, struct model *m, hid_t models,
    char **cause)
{
	hid_t	 mg, eg;
	size_t	 i;
	int	 rc = 0;

	if (store_load_all(m, cause) != 0)
		return (-1);
	if ((mg = store_make_group(models, m->name)) < 0)
		return (util_fail(cause, "cannot create model %s", m->name));
	store_put_string_attr(mg, "kind", model_kind_name(m->kind));
	store_put_string_attr(mg, "source", m->source ? m->source : "");
	if (m->has_y_range)
		store_put_num_attr(mg, "y_range", H5T_NATIVE_DOUBLE, 2,
		    m->y_range);
	if (store_put_facts(m, mg) != 0)
		rc = util_fail(cause, "model %s: cannot write its classes "
		    "or continuous variables", m->name);
	if (rc == 0)
		rc = store_put_weights(ms, m, mg, cause);
	if (rc == 0 && m->nemb > 0) {
		if ((eg = store_make_group(mg, "embeddings")) < 0)
			rc = util_fail(cause, "cannot create embeddings");
		for (i = 0; rc == 0 && i < m->nemb; i++)
			rc = store_put_emb(m, m->embs[i], i, eg, mg, cause);
		if (eg >= 0)
			H5Gclose(eg);
	}
	H5Gclose(mg);
	return (rc);
}

/* Makes a temporary file name beside the target and creates it. */
static char *
store_temp(const char *path, char **cause)
{
	char	*dcopy, *bcopy, *tmp;
	int	 fd;

	dcopy = xstrdup(path);
	bcopy = xstrdup(path);
	tmp = xasprintf("%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
	free(dcopy);
	free(bcopy);
	if ((fd = mkstemp(tmp)) == -1) {
		util_fail(cause, "cannot create a temporary file: %s",
		    strerror(errno));
		free(tmp);
		return (NULL);
	}
	util_temp_mode(fd);
	close(fd);
	return (tmp);
}

/* Flushes a finished file to disk. */
static int
store_sync(const char *path)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (-1);
	rc = fsync(fd);
	close(fd);
	return (rc);
}

/* Writes every model of a set to a new store, atomically. */
int
store_write(struct model_set *ms, const char *path, char **cause)
{
	hid_t		 f, fcpl, fapl, models;
	char		*tmp;
	long long	 version = STORE_VERSION;
	size_t		 i;
	int		 rc = 0;

	store_quiet();
	for (i = 0; i < ms->nmodels; i++) {
		if (model_validate(ms->models[i], cause) != 0)
			return (-1);
	}
	if ((tmp = store_temp(path, cause)) == NULL)
		return (-1);
	fcpl = H5Pcreate(H5P_FILE_CREATE);
	H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED |
	    H5P_CRT_ORDER_INDEXED);
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	f = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
	H5Pclose(fcpl);
	H5Pclose(fapl);
	if (f < 0) {
		unlink(tmp);
		free(tmp);
		return (util_fail(cause, "cannot create an HDF5 file"));
	}
	store_put_string_attr(f, "embrepl_format", STORE_FORMAT);
	store_put_num_attr(f, "format_version", H5T_NATIVE_LLONG, 0,
	    &version);
	if ((models = store_make_group(f, "models")) < 0)
		rc = util_fail(cause, "cannot create /models");
	for (i = 0; rc == 0 && i < ms->nmodels; i++)
		rc = store_put_model(ms, ms->models[i], models, cause);
	if (models >= 0)
		H5Gclose(models);
	if (H5Fclose(f) < 0 && rc == 0)
		rc = util_fail(cause, "cannot finish the file (disk full?)");
	if (rc == 0 && store_sync(tmp) != 0)
		rc = util_fail(cause, "cannot flush: %s", strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = util_fail(cause, "cannot rename into place: %s",
		    strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return (rc);
}
