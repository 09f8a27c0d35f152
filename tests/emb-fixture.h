/*
 * emb-fixture.h: embeddings built in memory for the numeric tests, either
 * holding their matrix or streaming it from the test's own array.
 */
#ifndef EMBREPL_EMB_FIXTURE_H
#define EMBREPL_EMB_FIXTURE_H

#include <string.h>

#include "model.h"
#include "util.h"

static struct model_set	*fixture_set;
static struct model	*fixture_model;

/* Serves rows to a streamed embedding from the test's own array. */
static int
fixture_rows(struct emb *e, size_t start, size_t n, float *out, char **cause)
{
	const float	*src = e->backing->data;

	memcpy(out, src + start * e->dim, n * e->dim * sizeof *out);
	return (0);
}

/* Loads a streamed embedding's matrix in full. */
static int
fixture_matrix(struct emb *e, char **cause)
{
	e->matrix = xreallocarray(NULL, e->rows, e->dim * sizeof(float));
	return (fixture_rows(e, 0, e->rows, e->matrix, cause));
}

/* Starts the model the fixtures live in. */
static void
fixture_start(void)
{
	fixture_set = model_set_new();
	fixture_model = model_set_add(fixture_set, "test", MODEL_VECTORS);
}

/* Makes an embedding holding a copy of data. */
static struct emb *
fixture_emb(const char *name, size_t rows, size_t dim, const float *data)
{
	struct emb	*e;

	e = model_add_emb(fixture_model, name, ROLE_VECTOR, rows, dim);
	e->matrix = xreallocarray(NULL, rows, dim * sizeof(float));
	memcpy(e->matrix, data, rows * dim * sizeof(float));
	return (e);
}

/*
 * Makes an embedding without a matrix that reads rows from data; one at a
 * time, since the hooks are shared.
 */
static struct emb *
fixture_streamed(const char *name, size_t rows, size_t dim,
    const float *data)
{
	static struct emb_backing	 b;
	struct emb			*e;

	e = model_add_emb(fixture_model, name, ROLE_VECTOR, rows, dim);
	b.rows = fixture_rows;
	b.matrix = fixture_matrix;
	b.data = (void *)data;
	e->backing = &b;
	return (e);
}

#endif
