/*
 * pca.c: principal components from the centred covariance.
 *
 * The rows are shifted by the mean of the first tile before they are
 * squared, so that the sums stay small and the covariance loses little to
 * cancellation in one pass. Tiles go round-robin to a fixed number of
 * lanes, each summing its tiles in order; the lanes are added in order at
 * the end. The threads split the lanes, so the result is the same for any
 * number of threads and whether the rows are streamed or not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "pca.h"
#include "util.h"

#define PCA_LANES	8
#define PCA_LANE_BYTES	((size_t)512 * 1024 * 1024)

/* LAPACK's symmetric eigensolver (relatively robust representations). */
void	dsyevr_(const char *, const char *, const char *, const int *,
	    double *, const int *, const double *, const double *,
	    const int *, const int *, const double *, int *, double *,
	    double *, const int *, int *, double *, const int *, int *,
	    const int *, int *, size_t, size_t, size_t);

/* One lane's sums: shifted rows' cross products, their sum and count. */
struct pca_lane {
	double	*cross;		/* dim x dim, upper triangle */
	double	*sum;		/* dim */
	size_t	 n;
	size_t	 skipped;
	double	*buf;		/* tile x dim */
};

/* A covariance pass: the lanes and the block being scanned. */
struct pca_pass {
	struct emb	*e;
	size_t		 dim;
	size_t		 tile;
	long		 skip_row;
	const double	*shift;
	size_t		 nlanes;
	struct pca_lane	*lanes;
	struct knn_block blk;
};

/* A projection pass: rows onto np directions, into doubles or floats. */
struct pca_proj {
	const struct pca_result	*r;
	size_t			 dim;
	size_t			 tile;
	const double		*dirs;	/* np x dim */
	size_t			 np;
	double			*dout;
	float			*fout;
	double			*scratch;	/* per thread */
	size_t			 nscratch;
	struct knn_block	 blk;
};

/* Copies a row minus a shift into doubles; returns 0 if it is not finite. */
static int
pca_shifted(const float *x, const double *shift, size_t dim, double *out)
{
	size_t	 d;
	int	 finite = 1;

	for (d = 0; d < dim; d++) {
		if (!isfinite(x[d]))
			finite = 0;
		out[d] = (double)x[d] - shift[d];
	}
	return (finite);
}

/* Adds one tile's usable rows to a lane. */
static void
pca_tile(struct pca_pass *p, struct pca_lane *l, size_t r0, size_t n)
{
	const float	*x;
	size_t		 j, d, m = 0;

	for (j = 0; j < n; j++) {
		if ((long)(r0 + j) == p->skip_row)
			continue;
		x = p->blk.rows + (r0 + j - p->blk.start) * p->dim;
		if (!pca_shifted(x, p->shift, p->dim, l->buf + m * p->dim)) {
			l->skipped++;
			continue;
		}
		for (d = 0; d < p->dim; d++)
			l->sum[d] += l->buf[m * p->dim + d];
		m++;
	}
	if (m == 0)
		return;
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p->dim, m, 1,
	    l->buf, p->dim, 1, l->cross, p->dim);
	l->n += m;
}

/* Runs a thread's lanes over their tiles of the current block. */
static void
pca_pass_task(void *arg, int thread, size_t begin, size_t end)
{
	struct pca_pass	*p = arg;
	size_t		 lane, t, t0, t1, r0, last;

	last = p->blk.start + p->blk.n;
	t0 = p->blk.start / p->tile;
	t1 = (last + p->tile - 1) / p->tile;
	for (lane = begin; lane < end; lane++) {
		for (t = t0; t < t1; t++) {
			if (t % p->nlanes != lane)
				continue;
			if (util_interrupted)
				return;
			r0 = t * p->tile;
			pca_tile(p, &p->lanes[lane], r0,
			    last - r0 < p->tile ? last - r0 : p->tile);
		}
	}
}

/* Picks the shift: the mean of the usable rows of the first tile. */
static int
pca_pick_shift(struct pca_pass *p, double *shift, char **cause)
{
	float	*rows;
	double	*x, *zero;
	size_t	 j, d, n, m = 0;

	n = p->e->rows < p->tile ? p->e->rows : p->tile;
	rows = xreallocarray(NULL, n, p->dim * sizeof *rows);
	if (emb_rows(p->e, 0, n, rows, cause) != 0) {
		free(rows);
		return (-1);
	}
	x = xreallocarray(NULL, p->dim, sizeof *x);
	zero = xcalloc(p->dim, sizeof *zero);
	for (j = 0; j < n; j++) {
		if ((long)j == p->skip_row ||
		    !pca_shifted(rows + j * p->dim, zero, p->dim, x))
			continue;
		for (d = 0; d < p->dim; d++)
			shift[d] += x[d];
		m++;
	}
	for (d = 0; d < p->dim && m != 0; d++)
		shift[d] /= m;
	free(zero);
	free(x);
	free(rows);
	return (0);
}

/* Frees the lanes of a pass. */
static void
pca_pass_free(struct pca_pass *p)
{
	size_t	 i;

	for (i = 0; i < p->nlanes && p->lanes != NULL; i++) {
		free(p->lanes[i].cross);
		free(p->lanes[i].sum);
		free(p->lanes[i].buf);
	}
	free(p->lanes);
}

/* Sets up the lanes: fewer when the dim x dim sums are big. */
static int
pca_pass_init(struct pca_pass *p, struct emb *e, int skip_na, char **cause)
{
	size_t	 i, sq, lanes;

	memset(p, 0, sizeof *p);
	p->e = e;
	p->dim = e->dim;
	p->tile = knn_tile_rows(e->dim);
	p->skip_row = skip_na ? e->na_row : -1;
	if (util_mul(e->dim, e->dim, &sq) != 0 ||
	    util_mul(sq, sizeof(double), &sq) != 0)
		return (util_fail(cause, "%s: too many columns", e->name));
	lanes = PCA_LANES;
	while (lanes > 1 && sq > PCA_LANE_BYTES / lanes)
		lanes /= 2;
	p->nlanes = lanes;
	p->lanes = xcalloc(lanes, sizeof *p->lanes);
	for (i = 0; i < lanes; i++) {
		p->lanes[i].cross = xcalloc(e->dim, e->dim * sizeof(double));
		p->lanes[i].sum = xcalloc(e->dim, sizeof(double));
		p->lanes[i].buf = xreallocarray(NULL, p->tile,
		    e->dim * sizeof(double));
	}
	return (0);
}

/* Runs the covariance pass over every block; fills shift. */
static int
pca_pass_run(struct pca_pass *p, double *shift, char **cause)
{
	if (pca_pick_shift(p, shift, cause) != 0)
		return (-1);
	p->shift = shift;
	return (knn_scan_blocks(p->e, &p->blk, p->nlanes, pca_pass_task, p,
	    cause));
}

/* Adds the lanes up into the covariance (full, dim x dim) and the mean. */
static int
pca_covariance(struct pca_pass *p, const double *shift, double *cov,
    struct pca_result *r, char **cause)
{
	size_t	 i, j, l, dim = p->dim, n = 0;
	double	*sum, c;

	sum = xcalloc(dim, sizeof *sum);
	for (l = 0; l < p->nlanes; l++) {
		n += p->lanes[l].n;
		r->nskipped += p->lanes[l].skipped;
		for (i = 0; i < dim; i++)
			sum[i] += p->lanes[l].sum[i];
		for (i = 0; i < dim * dim; i++)
			cov[i] += p->lanes[l].cross[i];
	}
	r->nrows = n;
	if (n < 2) {
		free(sum);
		return (util_fail(cause, "%s: pca needs two finite rows, "
		    "found %zu", p->e->name, n));
	}
	for (i = 0; i < dim; i++) {
		sum[i] /= n;
		r->mean[i] = shift[i] + sum[i];
	}
	for (i = 0; i < dim; i++) {
		for (j = i; j < dim; j++) {
			c = (cov[i * dim + j] - n * sum[i] * sum[j]) /
			    (double)(n - 1);
			cov[i * dim + j] = cov[j * dim + i] = c;
		}
	}
	free(sum);
	return (0);
}

/* Flips a component so that its largest coordinate is positive. */
static void
pca_fix_sign(double *v, size_t dim)
{
	size_t	 d, best = 0;

	for (d = 1; d < dim; d++) {
		if (fabs(v[d]) > fabs(v[best]))
			best = d;
	}
	if (v[best] >= 0)
		return;
	for (d = 0; d < dim; d++)
		v[d] = -v[d];
}

/* Finds the ncomp leading eigenpairs of the covariance with dsyevr. */
static int
pca_eigen(double *cov, struct pca_result *r, char **cause)
{
	int	 n = (int)r->dim, il, iu, m, lwork = -1, liwork = -1, info;
	int	*isuppz, *iwork, iwq;
	double	*w, *z, *work, wq, zero = 0;
	size_t	 c, d;

	il = n - (int)r->ncomp + 1;
	iu = n;
	w = xcalloc(r->dim, sizeof *w);
	z = xcalloc(r->dim, r->ncomp * sizeof *z);
	isuppz = xcalloc(2 * r->ncomp, sizeof *isuppz);
	dsyevr_("V", "I", "L", &n, cov, &n, &zero, &zero, &il, &iu, &zero,
	    &m, w, z, &n, isuppz, &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1);
	lwork = info == 0 ? (int)wq : 26 * n;
	liwork = info == 0 ? iwq : 10 * n;
	work = xcalloc((size_t)lwork, sizeof *work);
	iwork = xcalloc((size_t)liwork, sizeof *iwork);
	dsyevr_("V", "I", "L", &n, cov, &n, &zero, &zero, &il, &iu, &zero,
	    &m, w, z, &n, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1,
	    1);
	if (info == 0 && (size_t)m == r->ncomp) {
		for (c = 0; c < r->ncomp; c++) {
			r->variance[c] = w[m - 1 - c] > 0 ? w[m - 1 - c] : 0;
			r->ratio[c] = r->total > 0 ?
			    r->variance[c] / r->total : 0;
			for (d = 0; d < r->dim; d++) {
				r->components[c * r->dim + d] =
				    z[(size_t)(m - 1 - c) * r->dim + d];
			}
			pca_fix_sign(r->components + c * r->dim, r->dim);
		}
	}
	free(w);
	free(z);
	free(isuppz);
	free(work);
	free(iwork);
	if (info != 0 || (size_t)m != r->ncomp)
		return (util_fail(cause, "eigensolver failed (info %d)", info));
	return (0);
}

/* Computes the leading principal components of an embedding. */
int
pca_run(struct emb *e, size_t ncomp, int skip_na, struct pca_result *r,
    char **cause)
{
	struct pca_pass	 p;
	double		*shift = NULL, *cov = NULL;
	size_t		 d;
	int		 ret = -1;

	memset(r, 0, sizeof *r);
	if (ncomp == 0)
		return (util_fail(cause, "pca needs at least one component"));
	if (ncomp > e->dim)
		ncomp = e->dim;
	if (pca_pass_init(&p, e, skip_na, cause) != 0)
		return (-1);
	r->dim = e->dim;
	r->ncomp = ncomp;
	r->skip_na = skip_na && e->na_row >= 0;
	r->mean = xcalloc(e->dim, sizeof *r->mean);
	r->variance = xcalloc(ncomp, sizeof *r->variance);
	r->ratio = xcalloc(ncomp, sizeof *r->ratio);
	r->components = xcalloc(ncomp, e->dim * sizeof *r->components);
	shift = xcalloc(e->dim, sizeof *shift);
	cov = xcalloc(e->dim, e->dim * sizeof *cov);

	if (pca_pass_run(&p, shift, cause) != 0)
		goto out;
	if (pca_covariance(&p, shift, cov, r, cause) != 0)
		goto out;
	for (d = 0; d < e->dim; d++)
		r->total += cov[d * e->dim + d];
	if (pca_eigen(cov, r, cause) != 0)
		goto out;
	ret = 0;

out:
	pca_pass_free(&p);
	free(shift);
	free(cov);
	if (ret != 0)
		pca_result_free(r);
	return (ret);
}

/* Frees what pca_run allocated. */
void
pca_result_free(struct pca_result *r)
{
	free(r->mean);
	free(r->variance);
	free(r->ratio);
	free(r->components);
	memset(r, 0, sizeof *r);
}

/* Projects a vector of dim floats onto the components. */
void
pca_project_vec(const struct pca_result *r, const float *x, double *out)
{
	size_t	 c, d;
	double	 s;

	for (c = 0; c < r->ncomp; c++) {
		s = 0;
		for (d = 0; d < r->dim; d++) {
			s += ((double)x[d] - r->mean[d]) *
			    r->components[c * r->dim + d];
		}
		out[c] = s;
	}
}

/* Projects one row onto the components. */
int
pca_project(struct emb *e, const struct pca_result *r, size_t row,
    double *out, char **cause)
{
	float	*x;

	if (e->dim != r->dim)
		return (util_fail(cause, "%s: pca was of %zu columns, not %zu",
		    e->name, r->dim, e->dim));
	if (row >= e->rows)
		return (util_fail(cause, "%s: no row %zu", e->name, row));
	x = xreallocarray(NULL, e->dim, sizeof *x);
	if (emb_row(e, row, x, cause) != 0) {
		free(x);
		return (-1);
	}
	pca_project_vec(r, x, out);
	free(x);
	return (0);
}

/* Projects a thread's run of tiles of the current block. */
static void
pca_proj_task(void *arg, int thread, size_t begin, size_t end)
{
	struct pca_proj	*p = arg;
	const float	*x;
	double		*a, *o;
	size_t		 t, r0, n, j, c, last, dim = p->dim;
	int		*bad;

	a = p->scratch + (size_t)thread * p->nscratch;
	o = a + p->tile * dim;
	bad = (int *)(o + p->tile * p->np);
	last = p->blk.start + p->blk.n;
	for (t = begin; t < end; t++) {
		if (util_interrupted)
			return;
		r0 = p->blk.start + t * p->tile;
		n = last - r0 < p->tile ? last - r0 : p->tile;
		x = p->blk.rows + (r0 - p->blk.start) * dim;
		for (j = 0; j < n; j++) {
			bad[j] = !pca_shifted(x + j * dim, p->r->mean, dim,
			    a + j * dim);
		}
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, p->np,
		    dim, 1, a, dim, p->dirs, dim, 0, o, p->np);
		for (j = 0; j < n; j++) {
			for (c = 0; c < p->np; c++) {
				if (bad[j])
					o[j * p->np + c] = NAN;
				if (p->dout != NULL)
					p->dout[(r0 + j) * p->np + c] =
					    o[j * p->np + c];
				else
					p->fout[(r0 + j) * p->np + c] =
					    (float)o[j * p->np + c];
			}
		}
	}
}

/* Projects every row onto np directions. */
static int
pca_proj_run(struct emb *e, struct pca_proj *p, char **cause)
{
	size_t	 nt;
	int	 r;

	if (e->dim != p->r->dim)
		return (util_fail(cause, "%s: pca was of %zu columns, not %zu",
		    e->name, p->r->dim, e->dim));
	p->dim = e->dim;
	p->tile = knn_tile_rows(e->dim);
	nt = (size_t)knn_get_threads();
	p->nscratch = p->tile * (p->dim + p->np + 1);
	p->scratch = xreallocarray(NULL, nt, p->nscratch * sizeof(double));
	r = knn_scan_blocks(e, &p->blk, 0, pca_proj_task, p, cause);
	free(p->scratch);
	return (r);
}

/* Projects every row onto every component, into floats. */
int
pca_project_all(struct emb *e, const struct pca_result *r, float *out,
    char **cause)
{
	struct pca_proj	 p;

	memset(&p, 0, sizeof p);
	p.r = r;
	p.dirs = r->components;
	p.np = r->ncomp;
	p.fout = out;
	return (pca_proj_run(e, &p, cause));
}

/* Finds the rows at both ends of one component. */
int
pca_extremes(struct emb *e, const struct pca_result *r, size_t c, size_t k,
    struct knn_hit *top, size_t *ntop, struct knn_hit *bottom,
    size_t *nbottom, char **cause)
{
	struct pca_proj	 p;
	double		*scores;

	*ntop = *nbottom = 0;
	if (c >= r->ncomp)
		return (util_fail(cause, "no component %zu", c + 1));
	scores = xreallocarray(NULL, e->rows ? e->rows : 1, sizeof *scores);
	memset(&p, 0, sizeof p);
	p.r = r;
	p.dirs = r->components + c * r->dim;
	p.np = 1;
	p.dout = scores;
	if (pca_proj_run(e, &p, cause) != 0) {
		free(scores);
		return (-1);
	}
	if (r->skip_na && e->na_row >= 0 && (size_t)e->na_row < e->rows)
		scores[e->na_row] = NAN;
	knn_select(scores, e->rows, k, 0, top, ntop);
	knn_select(scores, e->rows, k, 1, bottom, nbottom);
	free(scores);
	return (0);
}
