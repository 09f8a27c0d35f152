/*
 * test-pca.c: principal components of point sets whose axes and variances
 * are known by construction; the answer must not depend on threads or on
 * streaming.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb-fixture.h"
#include "knn.h"
#include "model.h"
#include "pca.h"
#include "tap.h"
#include "util.h"

#define REPEAT	10000
#define NPTS	6
#define ROWS	(REPEAT * NPTS + 1)

static const double	 spread[3] = { 3, 2, 1 };
static const double	 centre[3] = { 100, -50, 30 };
static double		 axes[3][3];

/* Three orthonormal axes: two plane rotations of the standard basis. */
static void
make_axes(void)
{
	double	 a = 0.3, b = 0.7;
	int	 i;

	for (i = 0; i < 3; i++)
		memset(axes[i], 0, sizeof axes[i]);
	axes[0][0] = cos(a);
	axes[0][1] = sin(a);
	axes[1][0] = -sin(a) * cos(b);
	axes[1][1] = cos(a) * cos(b);
	axes[1][2] = sin(b);
	axes[2][0] = sin(a) * sin(b);
	axes[2][1] = -cos(a) * sin(b);
	axes[2][2] = cos(b);
}

/*
 * Row 0 is a wild #na#; then REPEAT times the six points centre +- spread
 * along each axis: row 1 + 6r + 2i is +axis i, the next row -axis i.
 */
static float *
axis_points(void)
{
	float	*m;
	size_t	 r, i, s, d, row;

	m = xcalloc(ROWS * 3, sizeof *m);
	for (d = 0; d < 3; d++)
		m[d] = 1000;
	for (r = 0; r < REPEAT; r++) {
		for (i = 0; i < 3; i++) {
			for (s = 0; s < 2; s++) {
				row = 1 + r * NPTS + 2 * i + s;
				for (d = 0; d < 3; d++)
					m[row * 3 + d] = (float)(centre[d] +
					    (s ? -1 : 1) * spread[i] *
					    axes[i][d]);
			}
		}
	}
	return (m);
}

/* Tells whether two results are identical to the bit. */
static int
identical(const struct pca_result *a, const struct pca_result *b)
{
	size_t	 n = a->ncomp * a->dim;

	return (a->ncomp == b->ncomp && a->nrows == b->nrows &&
	    a->total == b->total &&
	    memcmp(a->variance, b->variance, a->ncomp * sizeof(double)) == 0 &&
	    memcmp(a->mean, b->mean, a->dim * sizeof(double)) == 0 &&
	    memcmp(a->components, b->components, n * sizeof(double)) == 0);
}

/* The known axes and variances, with the #na# row left out. */
static void
test_axes(const float *m)
{
	struct pca_result	 r;
	struct emb		*e;
	size_t			 c, d;
	double			 want, dot, len, total = 0, big;
	char			*cause = NULL;
	int			 sign_ok;

	e = fixture_emb("axes", ROWS, 3, m);
	e->na_row = 0;
	ok(pca_run(e, 3, 1, &r, &cause) == 0, "pca runs: %s",
	    cause ? cause : "ok");
	is_int(r.nrows, ROWS - 1, "the #na# row is left out");
	for (c = 0; c < 3; c++)
		total += 2 * spread[c] * spread[c] * REPEAT / (ROWS - 2.0);
	for (c = 0; c < 3; c++) {
		want = 2 * spread[c] * spread[c] * REPEAT / (ROWS - 2.0);
		is_near(r.variance[c], want, want * 1e-5,
		    "component %zu: variance", c + 1);
		is_near(r.ratio[c], want / total, 1e-6,
		    "component %zu: ratio", c + 1);
		dot = len = 0;
		big = 0;
		for (d = 0; d < 3; d++) {
			dot += r.components[c * 3 + d] * axes[c][d];
			len += r.components[c * 3 + d] *
			    r.components[c * 3 + d];
			if (fabs(r.components[c * 3 + d]) > fabs(big))
				big = r.components[c * 3 + d];
		}
		is_near(fabs(dot), 1, 1e-6, "component %zu: the axis, up to "
		    "sign", c + 1);
		is_near(len, 1, 1e-12, "component %zu: unit length", c + 1);
		ok(big > 0, "component %zu: largest coordinate positive",
		    c + 1);
	}
	for (d = 0; d < 3; d++)
		is_near(r.mean[d], centre[d], 1e-4, "mean %zu", d);
	is_near(r.total, total, total * 1e-5, "total variance");

	sign_ok = 1;
	for (d = 0; d < 3; d++) {
		if (fabs(r.components[d] - axes[0][d]) > 1e-5)
			sign_ok = 0;
	}
	ok(sign_ok, "component 1 points along +axis 1 (its x is largest)");
	pca_result_free(&r);

	ok(pca_run(e, 3, 0, &r, NULL) == 0 && r.nrows == ROWS &&
	    r.ratio[0] > 0.8, "with the #na# row, it dominates");
	pca_result_free(&r);
}

/* Projections and the rows at both ends of each component. */
static void
test_project(const float *m)
{
	struct pca_result	 r;
	struct knn_hit		 top[3], bot[3];
	struct emb		*e;
	size_t			 nt, nb, c, row;
	double			 p[3];
	float			*all;
	int			 good;

	e = fixture_emb("proj", ROWS, 3, m);
	e->na_row = 0;
	pca_run(e, 2, 1, &r, NULL);
	is_int(r.ncomp, 2, "two components asked, two given");
	pca_project(e, &r, 1, p, NULL);
	is_near(p[0], 3, 1e-4, "row 1 sits at +3 on component 1");
	is_near(p[1], 0, 1e-4, "and at 0 on component 2");
	pca_project(e, &r, 4, p, NULL);
	is_near(fabs(p[1]), 2, 1e-4, "row 4 sits at 2 on component 2");

	all = xcalloc(ROWS, 2 * sizeof *all);
	ok(pca_project_all(e, &r, all, NULL) == 0, "project every row");
	good = 1;
	for (row = 0; row < ROWS; row += 977) {
		pca_project(e, &r, row, p, NULL);
		for (c = 0; c < 2; c++) {
			if (fabs(all[row * 2 + c] - p[c]) > 1e-3 *
			    (1 + fabs(p[c])))
				good = 0;
		}
	}
	ok(good, "whole-matrix projection matches row projection");
	free(all);

	pca_extremes(e, &r, 0, 3, top, &nt, bot, &nb, NULL);
	ok(nt == 3 && top[0].row == 1 && top[1].row == 7 &&
	    top[2].row == 13 && fabs(top[0].score - 3) < 1e-4,
	    "component 1 top: the +axis rows, ties by row");
	ok(nb == 3 && bot[0].row == 2 && bot[1].row == 8 &&
	    bot[2].row == 14 && fabs(bot[0].score + 3) < 1e-4,
	    "component 1 bottom: the -axis rows, #na# left out");
	ok(pca_extremes(e, &r, 2, 3, top, &nt, bot, &nb, NULL) == -1,
	    "no third component");
	pca_result_free(&r);
}

/* The same result on 1, 2 and 3 threads, streamed or not. */
static void
test_invariance(const float *m)
{
	struct pca_result	 r1, r2, r3, rs;
	struct emb		*e, *s;

	e = fixture_emb("inv", ROWS, 3, m);
	s = fixture_streamed("inv-streamed", ROWS, 3, m);
	knn_set_threads(1);
	pca_run(e, 3, 0, &r1, NULL);
	knn_set_threads(2);
	pca_run(e, 3, 0, &r2, NULL);
	knn_set_threads(3);
	pca_run(e, 3, 0, &r3, NULL);
	ok(identical(&r1, &r2) && identical(&r1, &r3),
	    "1, 2 and 3 threads agree to the bit");
	knn_set_memory_limit(1);
	knn_set_threads(2);
	pca_run(s, 3, 0, &rs, NULL);
	ok(s->matrix == NULL && identical(&r1, &rs),
	    "streamed rows agree to the bit");
	knn_set_memory_limit(0);
	knn_set_threads(0);
	pca_result_free(&r1);
	pca_result_free(&r2);
	pca_result_free(&r3);
	pca_result_free(&rs);
}

/* One column, too few rows, NaN rows, zero components. */
static void
test_edges(void)
{
	static const float	 col[] = { 1, 2, 3, 4, NAN, 6 };
	static const float	 one[] = { 1, 2 };
	struct pca_result	 r;
	struct emb		*e;
	char			*cause = NULL;

	e = fixture_emb("col", 6, 1, col);
	ok(pca_run(e, 5, 0, &r, NULL) == 0 && r.ncomp == 1 &&
	    r.nrows == 5 && r.nskipped == 1, "one column: one component, "
	    "NaN row skipped");
	is_near(r.variance[0], 3.7, 1e-12, "one column: sample variance");
	is_near(r.ratio[0], 1, 1e-12, "one column: ratio 1");
	is_near(r.components[0], 1, 0, "one column: component +1");
	is_near(r.mean[0], 3.2, 1e-12, "one column: mean");
	pca_result_free(&r);

	e = fixture_emb("one", 1, 2, one);
	ok(pca_run(e, 1, 0, &r, &cause) == -1, "one row fails: %s", cause);
	free(cause);
	cause = NULL;
	ok(pca_run(e, 0, 0, &r, &cause) == -1, "zero components fail: %s",
	    cause);
	free(cause);
	cause = NULL;

	e = fixture_emb("col2", 6, 1, col);
	util_interrupted = 1;
	ok(pca_run(e, 1, 0, &r, &cause) == -1 && cause != NULL &&
	    strcmp(cause, "interrupted") == 0, "an interrupted pca stops");
	util_interrupted = 0;
	free(cause);
}

int
main(void)
{
	float	*m;

	fixture_start();
	make_axes();
	m = axis_points();
	test_axes(m);
	test_project(m);
	test_invariance(m);
	test_edges();
	model_set_free(fixture_set);
	free(m);
	return (tap_done());
}
