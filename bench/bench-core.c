/*
 * bench-core.c: times embrepl's kernels on a store, for bench/run.py.
 *
 *	bench-core STORE MODEL VAR TASK THREADS [ARG]
 *
 * TASK is query-METRIC (ARG: the query row), batch-METRIC (ARG: the
 * number of queries, rows 0 onwards), pca (ARG: components), show (ARG: a
 * label), gemm (peak matrix product speed; STORE, MODEL, VAR ignored) or
 * prepare. Each prints "time SECONDS" (the best of several runs: on a
 * shared machine noise only adds time; one run for show and prepare) and
 * then its answer, one item a line. With BENCH_MEMORY_LIMIT set (bytes),
 * the matrix is not loaded beforehand and scans stream it when it is
 * bigger than the limit. A query's time line also gives the peak
 * resident memory in KiB.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "knn.h"
#include "model.h"
#include "pca.h"
#include "store.h"
#include "util.h"

#define BENCH_K		10
#define BENCH_RUNS	7

/* Seconds on a monotonic clock. */
static double
bench_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec * 1e-9);
}

/*
 * The peak resident memory of this process in KiB, from Linux's VmHWM
 * (getrusage's ru_maxrss would count the parent's before exec), or 0.
 */
static long
bench_peak_kib(void)
{
	FILE	*f;
	char	 line[256];
	long	 kib = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	}
	fclose(f);
	return (kib);
}

/* Orders doubles. */
static int
bench_cmp(const void *a0, const void *b0)
{
	double	 a = *(const double *)a0, b = *(const double *)b0;

	return (a < b ? -1 : a > b);
}

/* Stops with a message. */
static void
bench_die(const char *what, char *cause)
{
	fprintf(stderr, "bench-core: %s: %s\n", what, cause ? cause : "");
	exit(1);
}

/* Times one top-K query, best of several. */
static void
bench_query(struct emb *e, enum knn_metric m, size_t row)
{
	struct knn_hit	 h[BENCH_K];
	double		 t[BENCH_RUNS], t0;
	size_t		 n = 0, i;
	char		*cause = NULL;
	float		*q;

	if (row >= e->rows)
		bench_die("query", "no such row");
	if (knn_prepare(e, &cause) != 0)
		bench_die("prepare", cause);
	q = xcalloc(e->dim, sizeof *q);
	if (emb_row(e, row, q, &cause) != 0)
		bench_die("row", cause);
	for (i = 0; i < BENCH_RUNS; i++) {
		t0 = bench_now();
		if (knn_query(e, q, m, BENCH_K, (long)row, h, &n, &cause) != 0)
			bench_die("query", cause);
		t[i] = bench_now() - t0;
	}
	qsort(t, BENCH_RUNS, sizeof *t, bench_cmp);
	printf("time %.6f %ld\n", t[0], bench_peak_kib());
	for (i = 0; i < n; i++)
		printf("%zu %.9g\n", h[i].row, h[i].score);
	free(q);
}

/* Times a batch of queries (rows 0 onwards, each excluding itself). */
static void
bench_batch(struct emb *e, enum knn_metric m, size_t nq)
{
	struct knn_hit	*h;
	size_t		*n, i, j;
	long		*ex;
	double		 t0, t[3];
	char		*cause = NULL;
	float		*q;

	if (nq > e->rows)
		nq = e->rows;
	if (knn_prepare(e, &cause) != 0)
		bench_die("prepare", cause);
	q = xcalloc(nq * e->dim, sizeof *q);
	if (emb_rows(e, 0, nq, q, &cause) != 0)
		bench_die("rows", cause);
	h = xcalloc(nq * BENCH_K, sizeof *h);
	n = xcalloc(nq, sizeof *n);
	ex = xcalloc(nq, sizeof *ex);
	for (i = 0; i < nq; i++)
		ex[i] = (long)i;
	for (i = 0; i < 3; i++) {
		t0 = bench_now();
		if (knn_batch(e, q, nq, m, BENCH_K, ex, h, n,
		    &cause) != 0)
			bench_die("batch", cause);
		t[i] = bench_now() - t0;
	}
	qsort(t, 3, sizeof *t, bench_cmp);
	printf("time %.6f\n", t[0]);
	for (i = 0; i < nq; i++) {
		for (j = 0; j < n[i]; j++)
			printf("%s%zu", j ? " " : "", h[i * BENCH_K + j].row);
		printf("\n");
	}
	free(h);
	free(n);
	free(ex);
	free(q);
}

/* Times a PCA, best of several; prints the explained variance ratios. */
static void
bench_pca(struct emb *e, size_t ncomp)
{
	struct pca_result	 r;
	double			 t[BENCH_RUNS], t0;
	size_t			 i, runs = 5;
	char			*cause = NULL;

	for (i = 0; i < runs; i++) {
		t0 = bench_now();
		if (pca_run(e, ncomp, 0, &r, &cause) != 0)
			bench_die("pca", cause);
		t[i] = bench_now() - t0;
		if (i + 1 < runs)
			pca_result_free(&r);
	}
	qsort(t, runs, sizeof *t, bench_cmp);
	printf("time %.6f\n", t[0]);
	for (i = 0; i < r.ncomp; i++)
		printf("%.12g %.12g\n", r.ratio[i], r.variance[i]);
	pca_result_free(&r);
}

/* Times opening a store, finding a label and reading its row. */
static void
bench_show(const char *path, const char *model, const char *var,
    const char *label)
{
	struct model_set	*ms;
	struct model		*m;
	struct emb		*e;
	double			 t0, t;
	float			*row;
	long			 r;
	size_t			 d;
	char			*cause = NULL;

	t0 = bench_now();
	if ((ms = store_open(path, &cause)) == NULL)
		bench_die(path, cause);
	if ((m = model_set_find(ms, model)) == NULL ||
	    (e = model_find_emb(m, var)) == NULL)
		bench_die(var, "not found");
	if ((r = emb_find(e, label, &cause)) < 0)
		bench_die(label, cause);
	row = xcalloc(e->dim, sizeof *row);
	if (emb_row(e, (size_t)r, row, &cause) != 0)
		bench_die("row", cause);
	t = bench_now() - t0;
	printf("time %.6f\n%ld\n", t, r);
	for (d = 0; d < e->dim; d++)
		printf("%.9g\n", row[d]);
	free(row);
	model_set_free(ms);
}

/* Measures the peak single-precision matrix product speed, in flop/s. */
static void
bench_gemm(void)
{
	size_t	 n = 2048, i;
	float	*a, *b, *c;
	double	 t0, best = 1e9;

	a = xcalloc(n * n, sizeof *a);
	b = xcalloc(n * n, sizeof *b);
	c = xcalloc(n * n, sizeof *c);
	for (i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7) / 7;
		b[i] = (float)(i % 5) / 5;
	}
	for (i = 0; i < 4; i++) {
		t0 = bench_now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n,
		    1, a, n, b, n, 0, c, n);
		t0 = bench_now() - t0;
		if (t0 < best)
			best = t0;
	}
	printf("time %.6f\n%.6g\n", best, 2.0 * n * n * n / best);
	free(a);
	free(b);
	free(c);
}

int
main(int argc, char **argv)
{
	struct model_set	*ms;
	struct model		*m;
	struct emb		*e;
	enum knn_metric		 metric;
	const char		*task, *arg, *limit;
	char			*cause = NULL;
	double			 t0;

	if (argc < 6) {
		fprintf(stderr, "usage: bench-core STORE MODEL VAR TASK "
		    "THREADS [ARG]\n");
		return (2);
	}
	task = argv[4];
	arg = argc > 6 ? argv[6] : "0";
	knn_set_threads(atoi(argv[5]));
	openblas_set_num_threads(knn_get_threads());
	if (strcmp(task, "gemm") == 0) {
		bench_gemm();
		return (0);
	}
	if (strcmp(task, "show") == 0) {
		bench_show(argv[1], argv[2], argv[3], arg);
		return (0);
	}
	if ((ms = store_open(argv[1], &cause)) == NULL)
		bench_die(argv[1], cause);
	if ((m = model_set_find(ms, argv[2])) == NULL ||
	    (e = model_find_emb(m, argv[3])) == NULL)
		bench_die(argv[3], "not found");
	if ((limit = getenv("BENCH_MEMORY_LIMIT")) != NULL)
		knn_set_memory_limit(strtoull(limit, NULL, 10));
	else if (emb_load(e, &cause) != 0)
		bench_die("load", cause);
	if (strcmp(task, "prepare") == 0) {
		t0 = bench_now();
		if (knn_prepare(e, &cause) != 0)
			bench_die("prepare", cause);
		printf("time %.6f\n", bench_now() - t0);
	} else if (strncmp(task, "query-", 6) == 0 &&
	    knn_metric_parse(task + 6, &metric) == 0)
		bench_query(e, metric, strtoul(arg, NULL, 10));
	else if (strncmp(task, "batch-", 6) == 0 &&
	    knn_metric_parse(task + 6, &metric) == 0)
		bench_batch(e, metric, strtoul(arg, NULL, 10));
	else if (strcmp(task, "pca") == 0)
		bench_pca(e, strtoul(arg, NULL, 10));
	else
		bench_die(task, "unknown task");
	model_set_free(ms);
	return (0);
}
