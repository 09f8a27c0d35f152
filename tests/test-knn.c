/*
 * test-knn.c: the nearest-neighbour scans against a plain brute force in
 * double precision written here, on random and hand-made fixtures; the
 * answer must not depend on threads, streaming or batching.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bias.h"
#include "emb-fixture.h"
#include "knn.h"
#include "model.h"
#include "tap.h"
#include "util.h"

/* A deterministic generator, so that failures repeat. */
static unsigned long long rng_state = 88172645463325252ULL;

/* A uniform number in [-1, 1). */
static double
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1);
}

/* Orders reference hits best first, then by row. */
static int
ref_cmp(const void *a0, const void *b0)
{
	const struct knn_hit	*a = a0, *b = b0;

	if (a->score != b->score)
		return (a->score > b->score ? -1 : 1);
	return (a->row < b->row ? -1 : a->row > b->row);
}

/* The reference: every score in double, sorted, the first k kept. */
static size_t
ref_knn(const float *m, size_t rows, size_t dim, const float *q,
    enum knn_metric metric, size_t k, long exclude, struct knn_hit *out)
{
	struct knn_hit	*all;
	size_t		 i, d, n = 0;
	double		 dot, rn, qn, dist, x;
	int		 bad;

	all = xcalloc(rows + 1, sizeof *all);
	qn = 0;
	for (d = 0; d < dim; d++)
		qn += (double)q[d] * q[d];
	qn = sqrt(qn);
	for (i = 0; i < rows; i++) {
		dot = rn = dist = 0;
		bad = 0;
		for (d = 0; d < dim; d++) {
			x = m[i * dim + d];
			if (!isfinite(x))
				bad = 1;
			dot += x * q[d];
			rn += x * x;
			dist += (x - q[d]) * (x - q[d]);
		}
		if (bad || (long)i == exclude)
			continue;
		if (metric == KNN_COSINE && rn == 0)
			continue;
		all[n].row = i;
		if (metric == KNN_COSINE)
			all[n].score = dot / (sqrt(rn) * qn);
		else if (metric == KNN_DOT)
			all[n].score = dot;
		else
			all[n].score = -sqrt(dist);
		n++;
	}
	qsort(all, n, sizeof *all, ref_cmp);
	if (n > k)
		n = k;
	for (i = 0; i < n; i++) {
		out[i] = all[i];
		if (metric == KNN_EUCLIDEAN)
			out[i].score = -out[i].score;
	}
	free(all);
	return (n);
}

/*
 * Compares hits with the reference: same count, scores within tol, same
 * rows except where two reference scores are closer than tol.
 */
static int
same_as_ref(const struct knn_hit *h, size_t n, const struct knn_hit *r,
    size_t nr, double tol)
{
	size_t	 i;

	if (n != nr)
		return (0);
	for (i = 0; i < n; i++) {
		if (fabs(h[i].score - r[i].score) > tol)
			return (0);
		if (h[i].row == r[i].row)
			continue;
		if ((i == 0 || fabs(r[i].score - r[i - 1].score) > tol) &&
		    (i + 1 == n || fabs(r[i].score - r[i + 1].score) > tol))
			return (0);
	}
	return (1);
}

/* Tells whether two hit lists are identical to the bit. */
static int
identical(const struct knn_hit *a, size_t na, const struct knn_hit *b,
    size_t nb)
{
	size_t	 i;

	if (na != nb)
		return (0);
	for (i = 0; i < na; i++) {
		if (a[i].row != b[i].row || a[i].score != b[i].score)
			return (0);
	}
	return (1);
}

#define R_ROWS	5000
#define R_DIM	37

/* Random rows with a few duplicates, zero rows, NaN and infinity. */
static float *
random_matrix(void)
{
	float	*m;
	size_t	 i;

	m = xcalloc(R_ROWS * R_DIM, sizeof *m);
	for (i = 0; i < R_ROWS * R_DIM; i++)
		m[i] = (float)rnd();
	memcpy(m + 17 * R_DIM, m + 3 * R_DIM, R_DIM * sizeof *m);
	memcpy(m + 4001 * R_DIM, m + 3 * R_DIM, R_DIM * sizeof *m);
	memset(m + 5 * R_DIM, 0, R_DIM * sizeof *m);
	memset(m + 2500 * R_DIM, 0, R_DIM * sizeof *m);
	m[7 * R_DIM + 4] = NAN;
	m[1200 * R_DIM + 36] = INFINITY;
	m[4999 * R_DIM] = -INFINITY;
	return (m);
}

/* Random fixture: every metric, several k, with and without exclude. */
static void
test_random(const float *m)
{
	static const size_t	 ks[] = { 1, 10, 100 };
	static const size_t	 qrows[] = { 0, 3, 1999, 4998 };
	struct emb		*e;
	struct knn_hit		 h[100], r[100];
	size_t			 nh, nr, qi, ki;
	char			*cause = NULL;
	int			 m0, rc;
	long			 ex;
	double			 tol;

	e = fixture_emb("random", R_ROWS, R_DIM, m);
	is_int(knn_nonfinite(e, NULL), 3, "three rows are not finite");
	for (m0 = 0; m0 < 3; m0++) {
		tol = m0 == KNN_COSINE ? 1e-6 : 1e-5;
		for (qi = 0; qi < UTIL_NELEM(qrows); qi++) {
			for (ki = 0; ki < UTIL_NELEM(ks); ki++) {
				ex = ki == 1 ? (long)qrows[qi] : -1;
				rc = knn_query(e, m + qrows[qi] * R_DIM, m0,
				    ks[ki], ex, h, &nh, &cause);
				nr = ref_knn(m, R_ROWS, R_DIM,
				    m + qrows[qi] * R_DIM, m0, ks[ki], ex, r);
				ok(rc == 0 && same_as_ref(h, nh, r, nr, tol),
				    "%s: row %zu, k %zu, exclude %ld",
				    knn_metric_name(m0), qrows[qi], ks[ki], ex);
			}
		}
	}
}

/* The same answers on 1, 2 and 3 threads, streamed or not, batched. */
static void
test_invariance(const float *m)
{
	struct emb	*e, *s;
	struct knn_hit	 h1[20], h2[20], h3[20], hs[20], hb[4 * 20];
	size_t		 n1, n2, n3, ns, nb[4], i;
	long		 ex[4] = { 3, -1, 2500, 4998 };
	float		 q[4 * R_DIM];
	int		 m0, same, same_b;

	e = fixture_emb("inv", R_ROWS, R_DIM, m);
	s = fixture_streamed("inv-streamed", R_ROWS, R_DIM, m);
	for (i = 0; i < 4; i++)
		memcpy(q + i * R_DIM, m + (i * 1234 + 3) * R_DIM,
		    R_DIM * sizeof *q);
	q[R_DIM + 1] += 0.5f;
	knn_set_memory_limit(1);
	for (m0 = 0; m0 < 3; m0++) {
		knn_set_threads(1);
		knn_query(e, q, m0, 20, 3, h1, &n1, NULL);
		knn_set_threads(2);
		knn_query(e, q, m0, 20, 3, h2, &n2, NULL);
		knn_set_threads(3);
		knn_query(e, q, m0, 20, 3, h3, &n3, NULL);
		ok(n1 == 20 && identical(h1, n1, h2, n2) &&
		    identical(h1, n1, h3, n3),
		    "%s: 1, 2 and 3 threads agree", knn_metric_name(m0));

		knn_set_threads(2);
		knn_query(s, q, m0, 20, 3, hs, &ns, NULL);
		ok(s->matrix == NULL && identical(h1, n1, hs, ns),
		    "%s: streamed rows agree", knn_metric_name(m0));

		same = same_b = 1;
		for (i = 0; i < 4; i++) {
			knn_set_threads(1);
			knn_query(e, q + i * R_DIM, m0, 20, ex[i], h1, &n1,
			    NULL);
			knn_set_threads((int)i % 3 + 1);
			knn_batch(i % 2 ? s : e, q, 4, m0, 20, ex, hb, nb,
			    NULL);
			if (!identical(h1, n1, hb + i * 20, nb[i]))
				same = 0;
		}
		ok(same, "%s: batches agree with single queries",
		    knn_metric_name(m0));
	}
	knn_set_threads(0);
	knn_set_memory_limit(0);
	ok(s->matrix == NULL && s->norms != NULL,
	    "streaming cached the norms, not the matrix");
}

/*
 * Rows far from the origin and close to each other: a float matrix
 * product loses the distances between them, yet batches must still give
 * the single queries' answers, which must be the reference's.
 */
static void
test_offset(void)
{
	struct emb	*e;
	struct knn_hit	 h[10], r[10], hb[3 * 10];
	size_t		 n, nr, nb[3], i, qi, rows = 3000, dim = 16;
	long		 ex[3] = { 0, 1500, 2999 };
	float		*m, q[3 * 16];
	int		 m0, same, same_ref;

	m = xcalloc(rows * dim, sizeof *m);
	for (i = 0; i < rows * dim; i++)
		m[i] = (float)(1000 + rnd() * 0.01);
	e = fixture_emb("offset", rows, dim, m);
	for (qi = 0; qi < 3; qi++)
		memcpy(q + qi * dim, m + ex[qi] * dim, dim * sizeof *q);
	for (m0 = 0; m0 < 3; m0++) {
		knn_batch(e, q, 3, m0, 10, ex, hb, nb, NULL);
		same = same_ref = 1;
		for (qi = 0; qi < 3; qi++) {
			knn_query(e, q + qi * dim, m0, 10, ex[qi], h, &n,
			    NULL);
			if (!identical(h, n, hb + qi * 10, nb[qi]))
				same = 0;
			nr = ref_knn(m, rows, dim, q + qi * dim, m0, 10, ex[qi],
			    r);
			if (m0 == KNN_EUCLIDEAN && !same_as_ref(h, n, r, nr,
			    1e-4))
				same_ref = 0;
		}
		ok(same, "%s, far from the origin: batches agree with "
		    "single queries", knn_metric_name(m0));
		if (m0 == KNN_EUCLIDEAN)
			ok(same_ref, "euclidean, far from the origin: the "
			    "reference's neighbours");
	}
	free(m);
}

/* One row, one column, ties, zero rows and k beyond the rows. */
static void
test_small(void)
{
	static const float	 col[] = { 3, -1, 2, 0, 5, 2 };
	static const float	 one[] = { 1, 2, 2 };
	static const float	 dup[] = { 1, 0, 0, 1, 1, 0, 0, 1, 1, 0 };
	struct emb		*e;
	struct knn_hit		 h[10];
	size_t			 n;
	float			 q;

	e = fixture_emb("col", 6, 1, col);
	q = 1;
	knn_query(e, &q, KNN_COSINE, 10, -1, h, &n, NULL);
	ok(n == 5 && h[0].row == 0 && h[1].row == 2 && h[2].row == 4 &&
	    h[3].row == 5 && h[4].row == 1 && h[0].score == 1 &&
	    h[4].score == -1, "one column: cosine ties by row, zero row left "
	    "out");
	q = 2;
	knn_query(e, &q, KNN_EUCLIDEAN, 10, 2, h, &n, NULL);
	ok(n == 5 && h[0].row == 5 && h[0].score == 0 && h[1].row == 0 &&
	    h[1].score == 1 && h[2].row == 3 && h[3].row == 1 &&
	    h[4].row == 4 && h[4].score == 3,
	    "one column: euclidean smallest first, ties by row, exclude");
	knn_query(e, &q, KNN_DOT, 2, -1, h, &n, NULL);
	ok(n == 2 && h[0].row == 4 && h[0].score == 10 && h[1].row == 0,
	    "one column: dot, k below rows");

	e = fixture_emb("one", 1, 3, one);
	knn_query(e, one, KNN_COSINE, 5, -1, h, &n, NULL);
	is_near(n == 1 ? h[0].score : 0, 1, 1e-7, "one row: k over rows");
	knn_query(e, one, KNN_COSINE, 5, 0, h, &n, NULL);
	is_int(n, 0, "one row, excluded: no hits");
	knn_query(e, one, KNN_EUCLIDEAN, 0, -1, h, &n, NULL);
	is_int(n, 0, "k of zero: no hits");

	e = fixture_emb("dup", 5, 2, dup);
	knn_batch(e, dup, 1, KNN_DOT, 10, NULL, h, &n, NULL);
	ok(n == 5 && h[0].row == 0 && h[1].row == 2 && h[2].row == 4 &&
	    h[3].row == 1 && h[4].row == 3 && h[3].score == 0,
	    "batch: ties by row");
}

/* Queries that cannot be answered, and interruption. */
static void
test_errors(void)
{
	static const float	 m[] = { 1, 2, 3, 4 };
	struct emb		*e;
	struct knn_hit		 h[2];
	size_t			 n;
	float			 zero[2] = { 0, 0 }, nan[2] = { 1, NAN };
	char			*cause = NULL;
	enum knn_metric		 metric;

	e = fixture_emb("err", 2, 2, m);
	ok(knn_query(e, zero, KNN_COSINE, 1, -1, h, &n, &cause) == -1 &&
	    cause != NULL && strstr(cause, "zero norm") != NULL,
	    "a zero query under cosine fails: %s", cause);
	free(cause);
	cause = NULL;
	ok(knn_query(e, zero, KNN_EUCLIDEAN, 1, -1, h, &n, NULL) == 0 &&
	    n == 1 && h[0].row == 0, "a zero query is fine for euclidean");
	ok(knn_query(e, nan, KNN_DOT, 1, -1, h, &n, &cause) == -1,
	    "a NaN query fails: %s", cause);
	free(cause);
	cause = NULL;
	util_interrupted = 1;
	ok(knn_query(e, m, KNN_DOT, 1, -1, h, &n, &cause) == -1 &&
	    cause != NULL && strcmp(cause, "interrupted") == 0,
	    "an interrupted scan stops");
	util_interrupted = 0;
	free(cause);

	ok(knn_metric_parse("cos", &metric) == 0 && metric == KNN_COSINE &&
	    knn_metric_parse("Euclidean", &metric) == 0 &&
	    metric == KNN_EUCLIDEAN && knn_metric_parse("x", &metric) == -1,
	    "metric names parse");
	is_str(knn_metric_name(KNN_DOT), "dot", "metric names print");
	ok(knn_get_threads() >= 1 && knn_get_threads() <= 8,
	    "default threads within 1..8");
}

/* knn_select and bias_top: NaN skipped, ties by row, both ends. */
static void
test_select(void)
{
	static const double	 s[] = { 2, NAN, 5, 2, -1, 5, 0 };
	static const float	 m[] = { 0, 0, 0, 0, 0 };
	static const float	 b[] = { 0.5f, 3, NAN, 3, -2 };
	struct knn_hit		 h[10];
	struct emb		*e;
	size_t			 n;
	char			*cause = NULL;

	knn_select(s, 7, 3, 0, h, &n);
	ok(n == 3 && h[0].row == 2 && h[1].row == 5 && h[2].row == 0 &&
	    h[2].score == 2, "select: highest, ties by index");
	knn_select(s, 7, 10, 1, h, &n);
	ok(n == 6 && h[0].row == 4 && h[0].score == -1 && h[1].row == 6 &&
	    h[2].row == 0 && h[3].row == 3 && h[5].row == 5,
	    "select: lowest, NaN skipped, k over n");

	e = fixture_emb("bias", 5, 1, m);
	ok(bias_top(e, 2, 0, 0, h, &n, &cause) == -1,
	    "bias_top fails without a bias: %s", cause);
	free(cause);
	e->has_bias = 1;
	e->bias = xreallocarray(NULL, 5, sizeof *e->bias);
	memcpy(e->bias, b, sizeof b);
	e->na_row = 0;
	bias_top(e, 3, 0, 0, h, &n, NULL);
	ok(n == 3 && h[0].row == 1 && h[1].row == 3 && h[2].row == 0 &&
	    h[0].score == 3, "bias_top: highest, ties by row");
	bias_top(e, 10, 1, 1, h, &n, NULL);
	ok(n == 3 && h[0].row == 4 && h[0].score == -2 && h[1].row == 1 &&
	    h[2].row == 3, "bias_top: lowest, NaN and #na# left out");
}

int
main(void)
{
	float	*m;

	fixture_start();
	m = random_matrix();
	test_random(m);
	test_invariance(m);
	test_offset();
	test_small();
	test_errors();
	test_select();
	model_set_free(fixture_set);
	free(m);
	return (tap_done());
}
