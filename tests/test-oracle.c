/*
 * test-oracle.c: nearest neighbours and principal components against
 * numpy's, on a clustered matrix that tests/oracle.py writes with its
 * answers. Skips when no python3 with numpy is found.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb-fixture.h"
#include "knn.h"
#include "pca.h"
#include "tap.h"
#include "util.h"

/* Finds a python3 that has numpy: $PYTHON3, then /usr/bin/python3. */
static const char *
find_python(void)
{
	static const char	*candidates[2];
	char			*cmd;
	size_t			 i;
	int			 rc;

	candidates[0] = getenv("PYTHON3");
	candidates[1] = "/usr/bin/python3";
	for (i = 0; i < UTIL_NELEM(candidates); i++) {
		if (candidates[i] == NULL || *candidates[i] == '\0')
			continue;
		cmd = xasprintf("'%s' -c 'import numpy' >/dev/null 2>&1",
		    candidates[i]);
		rc = system(cmd);
		free(cmd);
		if (rc == 0)
			return (candidates[i]);
	}
	return (NULL);
}

/* Reads n items of size sz or stops the test. */
static void
get(FILE *f, void *p, size_t sz, size_t n)
{
	if (fread(p, sz, n, f) != n) {
		printf("Bail out! oracle file too short\n");
		exit(1);
	}
}

/* Compares one query's hits with numpy's rows and scores. */
static void
check_query(FILE *f, struct emb *e, enum knn_metric m, int64_t q,
    size_t k, const struct knn_hit *batch, size_t nbatch)
{
	struct knn_hit	 h[64];
	int64_t		 rows[64];
	double		 scores[64], tol;
	size_t		 n, i;
	int		 same = 1, same_b = 1;

	get(f, rows, sizeof *rows, k);
	get(f, scores, sizeof *scores, k);
	knn_query(e, e->matrix + q * e->dim, m, k, (long)q, h, &n, NULL);
	if (n != k || nbatch != k)
		same = same_b = 0;
	for (i = 0; i < k && i < n; i++) {
		tol = 1e-5 * (1 + fabs(scores[i]));
		if ((int64_t)h[i].row != rows[i] ||
		    fabs(h[i].score - scores[i]) > tol)
			same = 0;
		if (i < nbatch && ((int64_t)batch[i].row != rows[i] ||
		    fabs(batch[i].score - scores[i]) > tol))
			same_b = 0;
	}
	ok(same, "%s, row %lld: numpy's top %zu", knn_metric_name(m),
	    (long long)q, k);
	ok(same_b, "%s, row %lld: batch gives numpy's top %zu",
	    knn_metric_name(m), (long long)q, k);
}

/* Compares one embedding's principal components with numpy's. */
static void
check_pca_one(struct emb *e, const double *ratio, const double *var,
    const double *comp, const double *mean, size_t ncomp)
{
	struct pca_result	 r;
	size_t			 c, d, dim = e->dim;
	double			 dot;

	ok(pca_run(e, ncomp, 0, &r, NULL) == 0, "%s: pca runs", e->name);
	for (c = 0; c < ncomp; c++) {
		is_near(r.ratio[c], ratio[c], 1e-6,
		    "%s %zu: numpy's explained variance ratio", e->name,
		    c + 1);
		is_near(r.variance[c], var[c], 1e-6 * var[c],
		    "%s %zu: numpy's variance", e->name, c + 1);
		dot = 0;
		for (d = 0; d < dim; d++)
			dot += r.components[c * dim + d] * comp[c * dim + d];
		is_near(fabs(dot), 1, 1e-6,
		    "%s %zu: numpy's component, up to sign", e->name,
		    c + 1);
	}
	dot = 0;
	for (d = 0; d < dim; d++)
		dot = fmax(dot, fabs(r.mean[d] - mean[d]));
	is_near(dot, 0, 1e-6, "%s: numpy's mean", e->name);
	pca_result_free(&r);
}

/* Compares pca_run, in memory or streamed, with numpy's eigh. */
static void
check_pca(FILE *f, struct emb *e, struct emb *s, size_t ncomp)
{
	double			*ratio, *var, *comp, *mean;
	size_t			 dim = e->dim;
	int			 pass;

	ratio = xcalloc(ncomp, sizeof *ratio);
	var = xcalloc(ncomp, sizeof *var);
	comp = xcalloc(ncomp * dim, sizeof *comp);
	mean = xcalloc(dim, sizeof *mean);
	get(f, ratio, sizeof *ratio, ncomp);
	get(f, var, sizeof *var, ncomp);
	get(f, comp, sizeof *comp, ncomp * dim);
	get(f, mean, sizeof *mean, dim);
	for (pass = 0; pass < 2; pass++)
		check_pca_one(pass ? s : e, ratio, var, comp, mean, ncomp);
	free(ratio);
	free(var);
	free(comp);
	free(mean);
}

int
main(void)
{
	static const enum knn_metric metrics[] = { KNN_COSINE, KNN_DOT,
	    KNN_EUCLIDEAN };
	const char	*python, *srcdir;
	char		 path[] = "/tmp/embrepl-oracle.XXXXXX", *cmd;
	int64_t		 head[5], *qrows;
	size_t		 rows, dim, nq, k, i, mi, *nb;
	float		*m, *queries;
	long		*ex;
	struct knn_hit	*hb;
	struct emb	*e;
	FILE		*f;
	int		 fd;

	if ((python = find_python()) == NULL) {
		printf("1..0 # SKIP python3 with numpy not found\n");
		return (0);
	}
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	if ((fd = mkstemp(path)) == -1) {
		printf("Bail out! cannot make a temporary file\n");
		return (1);
	}
	close(fd);
	cmd = xasprintf("'%s' '%s/tests/oracle.py' '%s'", python, srcdir,
	    path);
	if (system(cmd) != 0 || (f = fopen(path, "rb")) == NULL) {
		printf("Bail out! %s failed\n", cmd);
		unlink(path);
		return (1);
	}
	free(cmd);
	unlink(path);

	get(f, head, sizeof *head, 5);
	rows = head[0];
	dim = head[1];
	nq = head[2];
	k = head[3];
	m = xcalloc(rows * dim, sizeof *m);
	get(f, m, sizeof *m, rows * dim);
	qrows = xcalloc(nq, sizeof *qrows);
	get(f, qrows, sizeof *qrows, nq);

	fixture_start();
	e = fixture_emb("oracle", rows, dim, m);
	queries = xcalloc(nq * dim, sizeof *queries);
	ex = xcalloc(nq, sizeof *ex);
	for (i = 0; i < nq; i++) {
		memcpy(queries + i * dim, m + qrows[i] * dim,
		    dim * sizeof *queries);
		ex[i] = (long)qrows[i];
	}
	hb = xcalloc(nq * k, sizeof *hb);
	nb = xcalloc(nq, sizeof *nb);
	for (mi = 0; mi < UTIL_NELEM(metrics); mi++) {
		knn_batch(e, queries, nq, metrics[mi], k, ex, hb, nb, NULL);
		for (i = 0; i < nq; i++)
			check_query(f, e, metrics[mi], qrows[i], k, hb + i * k,
			    nb[i]);
	}
	knn_set_memory_limit(1);
	check_pca(f, e, fixture_streamed("streamed", rows, dim, m), head[4]);
	knn_set_memory_limit(0);

	fclose(f);
	model_set_free(fixture_set);
	free(m);
	free(qrows);
	free(queries);
	free(ex);
	free(hb);
	free(nb);
	return (tap_done());
}
