/*
 * test-store.c: the store library on small fixtures whose values are
 * known by construction: matrix[r][c] = r * 10 + c / 4, bias[r] = -r.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "model.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char	 dir[] = "/tmp/embrepl-test-store.XXXXXX";

/* A file name inside the test's directory. */
static char *
path(const char *name)
{
	return (xasprintf("%s/%s", dir, name));
}

/* Fills an embedding with the fixture's values. */
static void
fill(struct emb *e, const char *const *labels, int bias)
{
	size_t	 r, c;

	e->matrix = xcalloc(e->rows * e->dim, sizeof(float));
	for (r = 0; r < e->rows; r++)
		for (c = 0; c < e->dim; c++)
			e->matrix[r * e->dim + c] = r * 10 + c / 4.0f;
	if (labels != NULL)
		emb_set_labels(e, labels, NULL);
	else
		emb_number_labels(e);
	if (bias) {
		e->has_bias = 1;
		e->bias = xcalloc(e->rows, sizeof(float));
		for (r = 0; r < e->rows; r++)
			e->bias[r] = -(float)r;
	}
}

/* Builds a tabular and a collab model side by side. */
static struct model_set *
fixture(void)
{
	static const char *const colours[] = { "#na#", "blue", "café",
	    "東京", "two words" };
	struct model_set *ms;
	struct model	*m;
	struct emb	*e;
	uint64_t	 shape[2] = { 5, 3 };
	char		**names, **classes;
	double		*mean, *std;
	float		*w;

	ms = model_set_new();
	m = model_set_add(ms, "tab", MODEL_TABULAR);
	free(m->source);
	m->source = xstrdup("test fixture");
	e = model_add_emb(m, "colour", ROLE_CATEGORICAL, 5, 3);
	e->na_row = 0;
	e->weight_name = xstrdup("embeds.0.weight");
	fill(e, colours, 0);
	w = xcalloc(15, sizeof *w);
	memcpy(w, e->matrix, 15 * sizeof *w);
	model_add_weight(m, "embeds.0.weight", WEIGHT_F32, 2, shape, w);
	e = model_add_emb(m, "size", ROLE_CATEGORICAL, 1, 1);
	fill(e, NULL, 0);
	shape[0] = 2;
	w = xcalloc(2, sizeof *w);
	w[0] = 0.5f;
	w[1] = -2.0f;
	model_add_weight(m, "layers.0.bias", WEIGHT_F32, 1, shape, w);
	names = xcalloc(2, sizeof *names);
	names[0] = xstrdup("age");
	names[1] = xstrdup("hours");
	mean = xcalloc(2, sizeof *mean);
	std = xcalloc(2, sizeof *std);
	mean[0] = 38.5, mean[1] = 40.25, std[0] = 13.0, std[1] = 12.5;
	model_set_cont(m, 2, names, mean, std);
	classes = xcalloc(2, sizeof *classes);
	classes[0] = xstrdup("<=50K");
	classes[1] = xstrdup(">50K");
	model_set_classes(m, 2, classes);

	m = model_set_add(ms, "cf", MODEL_COLLAB);
	m->has_y_range = 1;
	m->y_range[0] = 0;
	m->y_range[1] = 5.5;
	e = model_add_emb(m, "users", ROLE_USER, 300, 4);
	fill(e, NULL, 1);
	e = model_add_emb(m, "items", ROLE_ITEM, 3, 4);
	fill(e, (const char *const[]){ "A (1990)", "B \"quoted\"", "C" }, 1);
	return (ms);
}

/* Writes the fixture, reopens it and checks what comes back. */
static void
test_round_trip(void)
{
	struct model_set *ms, *back;
	struct model	*m;
	struct emb	*e;
	struct weight	*w;
	char		*p, *cause = NULL;
	float		 row[4];
	long		 r;

	ms = fixture();
	p = path("fixture.h5");
	is_int(store_write(ms, p, &cause), 0, "store_write succeeds");
	back = store_open(p, &cause);
	ok(back != NULL, "store_open reads it back (%s)", cause ? cause : "");
	if (back == NULL)
		return;
	is_int(back->nmodels, 2, "two models");
	m = model_set_find(back, "tab");
	ok(m != NULL && m->kind == MODEL_TABULAR, "tab is tabular");
	is_str(m->source, "test fixture", "source kept");
	is_int(m->nemb, 2, "tab has two embeddings");
	is_str(m->embs[0]->name, "colour", "embedding order kept");
	e = m->embs[0];
	ok(e->matrix == NULL && e->label_blob == NULL,
	    "opening reads no matrix and no label");
	is_int(e->rows, 5, "colour rows");
	is_int(e->dim, 3, "colour dim");
	is_int(e->na_row, 0, "colour reserves #na#");
	r = emb_find(e, "東京", &cause);
	is_int(r, 3, "label index finds a CJK label without loading labels");
	ok(e->label_blob == NULL, "the lookup loaded no labels");
	is_int(emb_find(e, "green", &cause), -1, "missing label: -1");
	is_int(emb_row(e, 3, row, &cause), 0, "row 3 reads");
	is_near(row[2], 30.5, 0, "row 3 col 2 = 30.5");
	is_str(emb_label(e, 2), "café", "UTF-8 label intact");
	is_int(emb_find(e, "two words", NULL), 4, "in-memory lookup");
	is_int(emb_load(e, &cause), 0, "matrix loads");
	is_near(e->matrix[4 * 3 + 1], 40.25, 0, "matrix value");
	is_str(e->weight_name, "embeds.0.weight", "weight name kept");
	w = model_find_weight(m, "embeds.0.weight");
	ok(w != NULL && w->ndim == 2 && w->shape[0] == 5 && w->shape[1] == 3,
	    "the weight is listed with its shape");
	w = model_find_weight(m, "layers.0.bias");
	ok(w != NULL && w->ndim == 1 && w->shape[0] == 2,
	    "a plain weight is listed");
	is_int(m->ncont, 2, "continuous variables");
	is_str(m->cont_names[1], "hours", "continuous name");
	is_near(m->cont_std[0], 13.0, 0, "continuous std");
	is_int(m->nclasses, 2, "classes");
	is_str(m->classes[1], ">50K", "class name");

	m = model_set_find(back, "cf");
	ok(m != NULL && m->kind == MODEL_COLLAB && m->has_y_range &&
	    m->y_range[1] == 5.5, "cf is collab with y_range 0..5.5");
	e = model_find_emb(m, "users");
	ok(e != NULL && e->role == ROLE_USER && e->has_bias, "users role");
	is_int(emb_find(e, "299", &cause), 299, "number labels");
	is_int(emb_row(e, 257, row, &cause), 0, "row in a later chunk");
	is_near(row[3], 2570.75, 0, "row 257 col 3");
	is_int(emb_load_bias(e, &cause), 0, "bias loads");
	is_near(e->bias[123], -123, 0, "bias value");
	e = model_find_emb(m, "items");
	is_int(emb_find(e, "B \"quoted\"", &cause), 1, "quoted label");
	model_set_free(back);
	model_set_free(ms);
	free(p);
}

/* Writing a store over an old one replaces it whole. */
static void
test_overwrite(void)
{
	struct model_set *ms, *back;
	char		*p, *cause = NULL;
	struct stat	 st;

	p = path("fixture.h5");
	ms = fixture();
	ms->models[1]->name[0] = 'C';
	is_int(store_write(ms, p, &cause), 0, "overwrite succeeds");
	back = store_open(p, &cause);
	ok(back != NULL && model_set_find(back, "Cf") != NULL,
	    "the new content is there");
	model_set_free(back);
	is_int(store_write(ms, "/nonexistent-dir/x.h5", &cause), -1,
	    "writing into a missing directory fails");
	ok(cause != NULL && strstr(cause, "temporary") != NULL,
	    "and says why (%s)", cause ? cause : "");
	free(cause);
	ok(stat(p, &st) == 0, "the old file is intact");
	model_set_free(ms);
	free(p);
}

/* Opens a store for surgery with HDF5. */
static hid_t
surgery(const char *name)
{
	struct model_set *ms;
	char		*p;
	hid_t		 f;

	p = path(name);
	ms = fixture();
	store_write(ms, p, NULL);
	model_set_free(ms);
	f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
	free(p);
	return (f);
}

/* Replaces the labels of tab/colour with the given strings. */
static void
replace_labels(hid_t f, const char **v, hsize_t n)
{
	hid_t	 t, s, d;

	H5Ldelete(f, "/models/tab/embeddings/colour/labels", H5P_DEFAULT);
	t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	s = H5Screate_simple(1, &n, NULL);
	d = H5Dcreate2(f, "/models/tab/embeddings/colour/labels", t, s,
	    H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(d);
	H5Sclose(s);
	H5Tclose(t);
}

/* Expects store_open, then loading colour's labels, to fail with want. */
static void
expect_error(const char *name, const char *want, int load)
{
	struct model_set *ms;
	char		*p, *cause = NULL;
	int		 failed;

	p = path(name);
	ms = store_open(p, &cause);
	failed = ms == NULL;
	if (ms != NULL && load) {
		failed = emb_load_labels(model_find_emb(
		    model_set_find(ms, "tab"), "colour"), &cause) != 0;
	}
	ok(failed && cause != NULL && strstr(cause, want) != NULL,
	    "%s: error says '%s' (got '%s')", name, want,
	    cause ? cause : "no error");
	free(cause);
	model_set_free(ms);
	free(p);
}

/* Each malformed store gives its own clear error. */
static void
test_malformed(void)
{
	static const char *dup[] = { "#na#", "blue", "blue", "x", "y" };
	static const char *four[] = { "#na#", "a", "b", "c" };
	static const char *nona[] = { "zero", "a", "b", "c", "d" };
	hid_t	 f, s, d, g;
	hsize_t	 dims[2] = { 5, 3 };
	double	 zero[15] = { 0 };
	char	*p;
	FILE	*fp;
	long	 size;
	char	 buf[65536];
	size_t	 n;
	FILE	*out;

	expect_error("missing.h5", "No such file", 0);
	p = path("text.h5");
	fp = fopen(p, "w");
	fputs("this is not HDF5\n", fp);
	fclose(fp);
	free(p);
	expect_error("text.h5", "not an HDF5 file", 0);

	p = path("nomodel.h5");
	f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	H5Fclose(f);
	free(p);
	expect_error("nomodel.h5", "not an embrepl store", 0);

	f = surgery("empty.h5");
	H5Ldelete(f, "/models/tab", H5P_DEFAULT);
	H5Ldelete(f, "/models/cf", H5P_DEFAULT);
	H5Fclose(f);
	expect_error("empty.h5", "holds no model", 0);

	f = surgery("count.h5");
	replace_labels(f, four, 4);
	H5Fclose(f);
	expect_error("count.h5", "4 labels for 5 rows", 0);

	f = surgery("dup.h5");
	replace_labels(f, dup, 5);
	H5Fclose(f);
	expect_error("dup.h5", "label 'blue' on rows 1 and 2", 1);

	f = surgery("nona.h5");
	replace_labels(f, nona, 5);
	H5Fclose(f);
	expect_error("nona.h5", "row 0 is 'zero'", 1);

	f = surgery("dtype.h5");
	H5Ldelete(f, "/models/tab/embeddings/colour/matrix", H5P_DEFAULT);
	s = H5Screate_simple(2, dims, NULL);
	g = H5Gopen2(f, "/models/tab/embeddings/colour", H5P_DEFAULT);
	d = H5Dcreate2(g, "matrix", H5T_IEEE_F64LE, s, H5P_DEFAULT,
	    H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero);
	H5Dclose(d);
	H5Gclose(g);
	H5Sclose(s);
	H5Fclose(f);
	expect_error("dtype.h5", "not a two-dimensional float32", 0);

	f = surgery("role.h5");
	g = H5Gopen2(f, "/models/cf/embeddings/users", H5P_DEFAULT);
	H5Adelete(g, "role");
	H5Gclose(g);
	H5Fclose(f);
	expect_error("role.h5", "users: role is missing", 0);

	p = path("fixture.h5");
	fp = fopen(p, "rb");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	free(p);
	p = path("truncated.h5");
	out = fopen(p, "wb");
	while (size > 0 && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if ((long)n > size / 2)
			n = size / 2;
		fwrite(buf, 1, n, out);
		size -= 2 * n;
	}
	fclose(out);
	fclose(fp);
	free(p);
	expect_error("truncated.h5", "truncated or damaged", 0);
}

/* Labels must be UTF-8, not empty and unique. */
static void
test_labels(void)
{
	struct model_set *ms;
	struct model	*m;
	struct emb	*e;
	char		*cause = NULL;

	ms = model_set_new();
	m = model_set_add(ms, "m", MODEL_VECTORS);
	e = model_add_emb(m, "words", ROLE_VECTOR, 2, 1);
	is_int(emb_set_labels(e, (const char *const[]){ "ok", "caf\xe9" },
	    &cause), -1, "Latin-1 bytes are refused");
	ok(cause != NULL && strstr(cause, "not UTF-8") != NULL,
	    "with a clear cause (%s)", cause);
	free(cause);
	cause = NULL;
	is_int(emb_set_labels(e, (const char *const[]){ "ok", "" }, &cause),
	    -1, "an empty label is refused");
	free(cause);
	cause = NULL;
	is_int(emb_set_labels(e, (const char *const[]){ "a", NULL }, &cause),
	    0, "a NULL label becomes the row number");
	is_str(emb_label(e, 1), "1", "row 1 labelled '1'");
	model_set_free(ms);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return (1);
	test_round_trip();
	test_overwrite();
	test_malformed();
	test_labels();
	return (tap_done());
}
