/*
 * knn.c: exact nearest neighbours by blocked, threaded scans of every row.
 *
 * A scan cuts the rows into tiles of about 256 KiB that start at fixed
 * multiples of knn_tile_rows(dim); the threads take tiles one at a time
 * and each keeps its own bounded heap of candidates, merged at the end
 * under one total order (score, then row). Every row's score depends only
 * on the row and the query, so the answer depends neither on the number
 * of threads, nor on which thread took which tile, nor on streaming.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#include "knn.h"
#include "util.h"

#define KNN_MAXTHREADS	64
#define KNN_DEFTHREADS	8
#define KNN_TILE_BYTES	(256 * 1024)
#define KNN_MAXTILE	4096
#define KNN_BLOCK_BYTES	(64 * 1024 * 1024)
#define KNN_QBLOCK	128	/* queries per matrix product */
#define KNN_GRAIN	8	/* tiles a thread takes at a time */

typedef float knn_v4 __attribute__((vector_size(16)));

/* A candidate: its row and its key, larger is better. */
struct knn_cand {
	size_t	 row;
	double	 key;
};

struct knn_heap {
	struct knn_cand	*c;
	size_t		 n;
	size_t		 cap;
};

/* One scan: queries, the rows of the current block, per-thread heaps. */
struct knn_scan {
	struct emb	*e;
	enum knn_metric	 m;
	size_t		 dim;
	size_t		 tile;
	size_t		 nq;
	const float	*q;
	const long	*excl;
	double		*qnorm;
	double		*norms;
	/* Norms are computed during the scan. */
	int		 fill;
	int		 batch;
	size_t		 nt;
	struct knn_heap	*heaps;		/* nt x nq */

	struct knn_block blk;		/* the current block */

	float		*scratch;	/* per thread, batches only */
	size_t		 nscratch;
};

static int		 knn_threads;
static size_t		 knn_memory_limit;
static knn_progress_cb	*knn_progress;
static void		*knn_progress_arg;

static const char *knn_metric_names[] = { "cosine", "dot", "euclidean" };

/* Sets the number of threads scans use, at most 64. */
void
knn_set_threads(int n)
{
	if (n > KNN_MAXTHREADS)
		n = KNN_MAXTHREADS;
	knn_threads = n > 0 ? n : 0;
}

/* Returns the number of threads scans use. */
int
knn_get_threads(void)
{
	long	 n;

	if (knn_threads > 0)
		return (knn_threads);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > KNN_DEFTHREADS)
		n = KNN_DEFTHREADS;
	return ((int)n);
}

/* Sets how many bytes of matrix may be loaded before scans stream. */
void
knn_set_memory_limit(size_t bytes)
{
	knn_memory_limit = bytes;
}

/* Returns the memory limit, by default half of the physical memory. */
size_t
knn_get_memory_limit(void)
{
	long	 pages, size;

	if (knn_memory_limit != 0)
		return (knn_memory_limit);
	pages = sysconf(_SC_PHYS_PAGES);
	size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return (SIZE_MAX);
	if ((unsigned long)pages > SIZE_MAX / 2 / (unsigned long)size)
		return (SIZE_MAX);
	return ((size_t)pages * (size_t)size / 2);
}

/* Sets the function told about streamed blocks. */
void
knn_set_progress(knn_progress_cb *cb, void *arg)
{
	knn_progress = cb;
	knn_progress_arg = arg;
}

/* Names a metric. */
const char *
knn_metric_name(enum knn_metric m)
{
	if ((size_t)m >= UTIL_NELEM(knn_metric_names))
		return ("unknown");
	return (knn_metric_names[m]);
}

/* Parses a metric name, or any unambiguous prefix of one. */
int
knn_metric_parse(const char *s, enum knn_metric *m)
{
	size_t	 i, len, found = 0;

	len = strlen(s);
	if (len == 0)
		return (-1);
	for (i = 0; i < UTIL_NELEM(knn_metric_names); i++) {
		if (strncasecmp(s, knn_metric_names[i], len) == 0) {
			*m = (enum knn_metric)i;
			found++;
		}
	}
	return (found == 1 ? 0 : -1);
}

/* Loads four floats from anywhere. */
static inline knn_v4
knn_load4(const float *p)
{
	knn_v4	 v;

	memcpy(&v, p, sizeof v);
	return (v);
}

/* Adds up the lanes of four vector accumulators in a fixed order. */
static inline float
knn_sum4(knn_v4 a0, knn_v4 a1, knn_v4 a2, knn_v4 a3)
{
	knn_v4	 a;

	a = (a0 + a1) + (a2 + a3);
	return ((a[0] + a[1]) + (a[2] + a[3]));
}

/* Dot products of q with n rows, in float, four vectors wide. */
static void
knn_dots(const float *restrict q, const float *restrict m, size_t dim,
    size_t n, float *restrict out)
{
	const float	*r;
	knn_v4		 a0, a1, a2, a3;
	size_t		 i, d;
	float		 s;

	for (i = 0; i < n; i++) {
		r = m + i * dim;
		a0 = a1 = a2 = a3 = (knn_v4){ 0, 0, 0, 0 };
		for (d = 0; d + 16 <= dim; d += 16) {
			a0 += knn_load4(q + d) * knn_load4(r + d);
			a1 += knn_load4(q + d + 4) * knn_load4(r + d + 4);
			a2 += knn_load4(q + d + 8) * knn_load4(r + d + 8);
			a3 += knn_load4(q + d + 12) * knn_load4(r + d + 12);
		}
		for (; d + 4 <= dim; d += 4)
			a0 += knn_load4(q + d) * knn_load4(r + d);
		s = 0;
		for (; d < dim; d++)
			s += q[d] * r[d];
		out[i] = s + knn_sum4(a0, a1, a2, a3);
	}
}

/* Squared distances from q to n rows, in float, four vectors wide. */
static void
knn_dists(const float *restrict q, const float *restrict m, size_t dim,
    size_t n, float *restrict out)
{
	const float	*r;
	knn_v4		 a0, a1, a2, a3, t0, t1, t2, t3;
	size_t		 i, d;
	float		 s, t;

	for (i = 0; i < n; i++) {
		r = m + i * dim;
		a0 = a1 = a2 = a3 = (knn_v4){ 0, 0, 0, 0 };
		for (d = 0; d + 16 <= dim; d += 16) {
			t0 = knn_load4(q + d) - knn_load4(r + d);
			t1 = knn_load4(q + d + 4) - knn_load4(r + d + 4);
			t2 = knn_load4(q + d + 8) - knn_load4(r + d + 8);
			t3 = knn_load4(q + d + 12) - knn_load4(r + d + 12);
			a0 += t0 * t0;
			a1 += t1 * t1;
			a2 += t2 * t2;
			a3 += t3 * t3;
		}
		for (; d + 4 <= dim; d += 4) {
			t0 = knn_load4(q + d) - knn_load4(r + d);
			a0 += t0 * t0;
		}
		s = 0;
		for (; d < dim; d++) {
			t = q[d] - r[d];
			s += t * t;
		}
		out[i] = s + knn_sum4(a0, a1, a2, a3);
	}
}

/* Norms of n rows in double; NaN for a row holding NaN or infinity. */
static void
knn_row_norms(const float *m, size_t dim, size_t n, double *out)
{
	const float	*r;
	size_t		 i, d;
	double		 s;

	for (i = 0; i < n; i++) {
		r = m + i * dim;
		s = 0;
		for (d = 0; d < dim; d++)
			s += (double)r[d] * r[d];
		out[i] = isfinite(s) ? sqrt(s) : NAN;
	}
}

/* The exact key of a row for one query: larger is better. */
static double
knn_exact(enum knn_metric m, const float *q, double qnorm, const float *r,
    size_t dim, double rnorm)
{
	float	 v;

	if (m == KNN_EUCLIDEAN) {
		knn_dists(q, r, dim, 1, &v);
		return (-(double)v);
	}
	knn_dots(q, r, dim, 1, &v);
	if (m == KNN_COSINE)
		return ((double)v / (qnorm * rnorm));
	return (v);
}

/* Tells whether a ranks below b: a lower key, or an equal key and a
 * higher row. */
static inline int
knn_worse(const struct knn_cand *a, const struct knn_cand *b)
{
	if (a->key != b->key)
		return (a->key < b->key);
	return (a->row > b->row);
}

/* The key a candidate must reach to be offered. */
static inline double
knn_heap_floor(const struct knn_heap *h)
{
	if (h->n < h->cap)
		return (-INFINITY);
	return (h->c[0].key);
}

/* Offers a candidate to a heap whose root is its worst member. */
static void
knn_heap_offer(struct knn_heap *h, const struct knn_cand *c)
{
	struct knn_cand	 t;
	size_t		 i, p, l, w;

	if (h->cap == 0)
		return;
	if (h->n < h->cap) {
		i = h->n++;
		h->c[i] = *c;
		while (i > 0) {
			p = (i - 1) / 2;
			if (!knn_worse(&h->c[i], &h->c[p]))
				break;
			t = h->c[i];
			h->c[i] = h->c[p];
			h->c[p] = t;
			i = p;
		}
		return;
	}
	if (!knn_worse(&h->c[0], c))
		return;
	h->c[0] = *c;
	i = 0;
	for (;;) {
		l = 2 * i + 1;
		if (l >= h->n)
			break;
		w = l;
		if (l + 1 < h->n && knn_worse(&h->c[l + 1], &h->c[l]))
			w = l + 1;
		if (!knn_worse(&h->c[w], &h->c[i]))
			break;
		t = h->c[i];
		h->c[i] = h->c[w];
		h->c[w] = t;
		i = w;
	}
}

/* Orders candidates best first by key, then by row. */
static int
knn_cand_cmp(const void *a0, const void *b0)
{
	const struct knn_cand	*a = a0, *b = b0;

	if (a->key != b->key)
		return (a->key > b->key ? -1 : 1);
	if (a->row != b->row)
		return (a->row < b->row ? -1 : 1);
	return (0);
}

/* Rows per tile for a width: a power of two near 256 KiB of floats. */
size_t
knn_tile_rows(size_t dim)
{
	size_t	 t = 1;

	if (dim == 0)
		return (KNN_MAXTILE);
	while (t < KNN_MAXTILE && 2 * t * dim * sizeof(float) <=
	    KNN_TILE_BYTES)
		t *= 2;
	return (t);
}

/* Opens the rows of an embedding for scanning. */
int
knn_source_open(struct knn_source *s, struct emb *e, char **cause)
{
	size_t	 bytes, block, tile;

	memset(s, 0, sizeof *s);
	s->e = e;
	if (util_mul(e->rows, e->dim, &bytes) != 0 ||
	    util_mul(bytes, sizeof(float), &bytes) != 0)
		return (util_fail(cause, "%s: matrix too big", e->name));
	if (e->matrix == NULL && bytes <= knn_get_memory_limit()) {
		if (emb_load(e, cause) != 0)
			return (-1);
	}
	if (e->matrix != NULL) {
		s->block = e->rows;
		return (0);
	}

	tile = knn_tile_rows(e->dim);
	bytes = knn_get_memory_limit() / 4;
	if (bytes > KNN_BLOCK_BYTES)
		bytes = KNN_BLOCK_BYTES;
	block = bytes / (e->dim * sizeof(float)) / tile * tile;
	if (block < tile)
		block = tile;
	if (block > e->rows)
		block = e->rows;
	s->block = block;
	s->buf = xreallocarray(NULL, block, e->dim * sizeof(float));
	return (0);
}

/*
 * Hands out the next block: 1 with its first row, size and rows, 0 at the
 * end, -1 on failure or interruption.
 */
int
knn_source_next(struct knn_source *s, size_t *start, size_t *n,
    const float **rows, char **cause)
{
	struct emb	*e = s->e;
	size_t		 left;

	if (s->next >= e->rows) {
		if (s->buf != NULL && knn_progress != NULL && e->rows != 0)
			knn_progress(e->rows, e->rows, knn_progress_arg);
		return (0);
	}
	if (util_interrupted)
		return (util_fail(cause, "interrupted"));
	left = e->rows - s->next;
	*start = s->next;
	*n = left < s->block ? left : s->block;
	if (s->buf == NULL)
		*rows = e->matrix + s->next * e->dim;
	else {
		if (knn_progress != NULL)
			knn_progress(s->next, e->rows, knn_progress_arg);
		if (emb_rows(e, s->next, *n, s->buf, cause) != 0)
			return (-1);
		*rows = s->buf;
	}
	s->next += *n;
	return (1);
}

/* Frees what a source allocated. */
void
knn_source_close(struct knn_source *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* Tasks handed out one at a time to whichever thread is free. */
struct knn_pool {
	atomic_size_t	 next;
	size_t		 ntasks;
	size_t		 grain;
	knn_task_fn	*fn;
	void		*arg;
};

struct knn_thread {
	pthread_t	 id;
	struct knn_pool	*pool;
	int		 number;
};

/* Runs tasks until none is left. */
static void *
knn_thread_main(void *arg)
{
	struct knn_thread	*t = arg;
	struct knn_pool		*p = t->pool;
	size_t			 task, end;

	for (;;) {
		task = atomic_fetch_add(&p->next, p->grain);
		if (task >= p->ntasks)
			break;
		end = p->ntasks - task < p->grain ? p->ntasks : task + p->grain;
		p->fn(p->arg, t->number, task, end);
	}
	return (NULL);
}

/*
 * Runs tasks on up to knn_get_threads() threads, the calling thread
 * included. A thread that is slowed down (the machine is shared) simply
 * takes fewer tasks.
 */
int
knn_parallel(size_t ntasks, size_t grain, knn_task_fn *fn, void *arg,
    char **cause)
{
	struct knn_pool		 pool;
	struct knn_thread	 t[KNN_MAXTHREADS];
	size_t			 grabs;
	int			 nt, i, started[KNN_MAXTHREADS];

	if (grain == 0)
		grain = 1;
	atomic_init(&pool.next, 0);
	pool.ntasks = ntasks;
	pool.grain = grain;
	pool.fn = fn;
	pool.arg = arg;
	grabs = ntasks / grain + (ntasks % grain != 0);
	nt = knn_get_threads();
	if (nt > KNN_MAXTHREADS)
		nt = KNN_MAXTHREADS;
	if ((size_t)nt > grabs)
		nt = grabs == 0 ? 1 : (int)grabs;
	for (i = 0; i < nt; i++) {
		t[i].pool = &pool;
		t[i].number = i;
		started[i] = i > 0 && pthread_create(&t[i].id, NULL,
		    knn_thread_main, &t[i]) == 0;
	}
	knn_thread_main(&t[0]);
	for (i = 1; i < nt; i++) {
		if (started[i])
			pthread_join(t[i].id, NULL);
	}
	if (util_interrupted)
		return (util_fail(cause, "interrupted"));
	return (0);
}

/* Whether a row takes part: finite, not excluded, nonzero under cosine. */
static inline int
knn_usable(const struct knn_scan *s, double norm)
{
	if (isnan(norm))
		return (0);
	return (s->m != KNN_COSINE || norm != 0);
}

/* Scores one tile against the single query, keeping the best. */
static void
knn_tile_single(struct knn_scan *s, struct knn_heap *h, size_t r0,
    size_t n)
{
	float		 v[KNN_MAXTILE];
	const float	*rows = s->blk.rows + (r0 - s->blk.start) * s->dim;
	struct knn_cand	 c;
	size_t		 j, row;
	double		 key, norm, lim;

	if (s->m == KNN_EUCLIDEAN)
		knn_dists(s->q, rows, s->dim, n, v);
	else
		knn_dots(s->q, rows, s->dim, n, v);
	lim = knn_heap_floor(h);
	for (j = 0; j < n; j++) {
		row = r0 + j;
		norm = s->norms[row];
		if (!knn_usable(s, norm))
			continue;
		if (s->m == KNN_COSINE)
			key = (double)v[j] / (s->qnorm[0] * norm);
		else if (s->m == KNN_DOT)
			key = v[j];
		else
			key = -(double)v[j];
		if (!(key >= lim) || (long)row == s->excl[0])
			continue;
		c.row = row;
		c.key = key;
		knn_heap_offer(h, &c);
		lim = knn_heap_floor(h);
	}
}

/* Sets each row's proxy: score ~ product * scale + offset, NaN if unusable. */
static void
knn_tile_proxy(struct knn_scan *s, size_t r0, size_t n, float *scale,
    float *offset)
{
	size_t	 j;
	double	 norm;

	for (j = 0; j < n; j++) {
		norm = s->norms[r0 + j];
		scale[j] = s->m == KNN_EUCLIDEAN ? 2 : 1;
		offset[j] = 0;
		if (!knn_usable(s, norm))
			offset[j] = NAN;
		else if (s->m == KNN_COSINE)
			scale[j] = (float)(1 / norm);
		else if (s->m == KNN_EUCLIDEAN)
			offset[j] = (float)(-norm * norm);
	}
}

/* Tells whether any of n proxies reaches lim, four at a time. */
static int
knn_any_above(const float *c, const float *scale, const float *offset,
    size_t n, float lim)
{
	typedef int	 knn_i4 __attribute__((vector_size(16)));
	knn_v4		 l = { lim, lim, lim, lim }, x;
	knn_i4		 any = { 0, 0, 0, 0 };
	size_t		 j;

	for (j = 0; j + 4 <= n; j += 4) {
		x = knn_load4(c + j) * knn_load4(scale + j) +
		    knn_load4(offset + j);
		any |= x >= l;
	}
	for (; j < n; j++) {
		if (c[j] * scale[j] + offset[j] >= lim)
			return (1);
	}
	return ((any[0] | any[1] | any[2] | any[3]) != 0);
}

/* The largest norm of a tile's usable rows. */
static double
knn_tile_maxnorm(struct knn_scan *s, size_t r0, size_t n)
{
	size_t	 j;
	double	 norm, mx = 0;

	for (j = 0; j < n; j++) {
		norm = s->norms[r0 + j];
		if (knn_usable(s, norm) && norm > mx)
			mx = norm;
	}
	return (mx);
}

/*
 * The lowest proxy a row whose exact key reaches lim may have: lim moved
 * into proxy units, less a bound on the rounding of the float matrix
 * product and of the exact kernel (both within dim units of the last
 * place of |q| |r|), with room to spare.
 */
static float
knn_proxy_floor(const struct knn_scan *s, double lim, double qn, double rmax)
{
	double	 u = 4 * (s->dim + 8) * (double)FLT_EPSILON, p, tol;
	float	 f;

	if (lim == -INFINITY)
		return (-INFINITY);
	if (s->m == KNN_COSINE) {
		p = lim * qn;
		tol = u * qn;
	} else if (s->m == KNN_DOT) {
		p = lim;
		tol = u * qn * rmax;
	} else {
		p = lim + qn * qn;
		tol = u * (qn + rmax) * (qn + rmax);
	}
	p -= tol + fabs(p) * u;
	f = (float)p;
	if (f > p)
		f = nextafterf(f, -INFINITY);
	return (f);
}

/*
 * Scores one tile against every query with matrix products. The product
 * gives each row a float proxy, monotone in the score for a given query;
 * only the rows whose proxy comes near the heap's floor are scored by the
 * single-query kernel and offered, so that a batch gives exactly the
 * answers of single queries.
 */
static void
knn_tile_batch(struct knn_scan *s, int thread, size_t r0, size_t n)
{
	const float	*rows = s->blk.rows + (r0 - s->blk.start) * s->dim;
	const float	*ci, *qi;
	float		*cm, *scale, *offset, v, lp;
	struct knn_heap	*h;
	struct knn_cand	 c;
	size_t		 q0, nq, i, j, dim = s->dim;
	double		 rmax, qn;

	cm = s->scratch + (size_t)thread * s->nscratch;
	scale = cm + KNN_QBLOCK * s->tile;
	offset = scale + s->tile;
	knn_tile_proxy(s, r0, n, scale, offset);
	rmax = knn_tile_maxnorm(s, r0, n);
	for (q0 = 0; q0 < s->nq; q0 += KNN_QBLOCK) {
		nq = s->nq - q0 < KNN_QBLOCK ? s->nq - q0 : KNN_QBLOCK;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, n,
		    dim, 1, s->q + q0 * dim, dim, rows, dim, 0, cm, n);
		for (i = 0; i < nq; i++) {
			h = &s->heaps[(size_t)thread * s->nq + q0 + i];
			ci = cm + i * n;
			qi = s->q + (q0 + i) * dim;
			qn = s->qnorm[q0 + i];
			lp = knn_proxy_floor(s, knn_heap_floor(h), qn, rmax);
			if (!knn_any_above(ci, scale, offset, n, lp))
				continue;
			for (j = 0; j < n; j++) {
				v = ci[j] * scale[j] + offset[j];
				if (!(v >= lp) ||
				    (long)(r0 + j) == s->excl[q0 + i])
					continue;
				c.row = r0 + j;
				c.key = knn_exact(s->m, qi, qn,
				    rows + j * dim, dim, s->norms[r0 + j]);
				if (!(c.key >= knn_heap_floor(h)))
					continue;
				knn_heap_offer(h, &c);
				lp = knn_proxy_floor(s, knn_heap_floor(h), qn,
				    rmax);
			}
		}
	}
}

/* Scans a thread's run of tiles of the current block. */
static void
knn_scan_task(void *arg, int thread, size_t begin, size_t end)
{
	struct knn_scan	*s = arg;
	size_t		 t, r0, n, last;

	last = s->blk.start + s->blk.n;
	for (t = begin; t < end; t++) {
		if (util_interrupted)
			return;
		r0 = s->blk.start + t * s->tile;
		n = last - r0 < s->tile ? last - r0 : s->tile;
		if (s->fill)
			knn_row_norms(s->blk.rows + (r0 - s->blk.start) *
			    s->dim, s->dim, n, s->norms + r0);
		if (s->nq == 0)
			continue;
		if (s->batch)
			knn_tile_batch(s, thread, r0, n);
		else
			knn_tile_single(s, &s->heaps[thread], r0, n);
	}
}

/* Runs fn over the tiles or lanes of every block of an embedding. */
int
knn_scan_blocks(struct emb *e, struct knn_block *blk, size_t lanes,
    knn_task_fn *fn, void *arg, char **cause)
{
	struct knn_source	 src;
	size_t			 ntasks, tile = knn_tile_rows(e->dim);
	int			 r, blas;

	if (knn_source_open(&src, e, cause) != 0)
		return (-1);
	blas = openblas_get_num_threads();
	openblas_set_num_threads(1);
	while ((r = knn_source_next(&src, &blk->start, &blk->n, &blk->rows,
	    cause)) == 1) {
		ntasks = lanes != 0 ? lanes : (blk->n + tile - 1) / tile;
		if ((r = knn_parallel(ntasks, lanes != 0 ? 1 : KNN_GRAIN, fn,
		    arg, cause)) != 0)
			break;
	}
	openblas_set_num_threads(blas);
	knn_source_close(&src);
	return (r == 0 ? 0 : -1);
}

/* Gets the cached norms, or a fresh array the scan fills and installs. */
static void
knn_scan_norms(struct knn_scan *s)
{
	if (s->e->norms != NULL) {
		s->norms = s->e->norms;
		s->fill = 0;
	} else {
		s->norms = xreallocarray(NULL, s->e->rows ? s->e->rows : 1,
		    sizeof *s->norms);
		s->fill = 1;
	}
}

/* Keeps the norms a scan computed, or drops them if it stopped early. */
static void
knn_scan_keep(struct knn_scan *s, int ok)
{
	if (!s->fill)
		return;
	if (ok && s->e->norms == NULL)
		s->e->norms = s->norms;
	else
		free(s->norms);
	s->norms = NULL;
	s->fill = 0;
}

/* Computes and caches the row norms of an embedding. */
int
knn_prepare(struct emb *e, char **cause)
{
	struct knn_scan	 s;
	int		 r;

	if (e->norms != NULL)
		return (0);
	memset(&s, 0, sizeof s);
	s.e = e;
	s.dim = e->dim;
	s.tile = knn_tile_rows(e->dim);
	knn_scan_norms(&s);
	r = knn_scan_blocks(e, &s.blk, 0, knn_scan_task, &s, cause);
	knn_scan_keep(&s, r == 0);
	return (r);
}

/* Counts the rows holding NaN or infinity. */
long
knn_nonfinite(struct emb *e, char **cause)
{
	size_t	 i;
	long	 n = 0;

	if (knn_prepare(e, cause) != 0)
		return (-1);
	for (i = 0; i < e->rows; i++) {
		if (isnan(e->norms[i]))
			n++;
	}
	return (n);
}

/* Checks the queries and computes their norms. */
static int
knn_scan_queries(struct knn_scan *s, char **cause)
{
	size_t	 i, d;
	double	 sum;
	float	 x;

	s->qnorm = xreallocarray(NULL, s->nq, sizeof *s->qnorm);
	for (i = 0; i < s->nq; i++) {
		sum = 0;
		for (d = 0; d < s->dim; d++) {
			x = s->q[i * s->dim + d];
			if (!isfinite(x)) {
				return (util_fail(cause,
				    "query holds NaN or infinity"));
			}
			sum += (double)x * x;
		}
		s->qnorm[i] = sqrt(sum);
		if (s->m == KNN_COSINE && sum == 0)
			return (util_fail(cause, "query has zero norm"));
	}
	return (0);
}

/* Merges the threads' heaps for query i into at most k hits. */
static void
knn_scan_merge(struct knn_scan *s, size_t i, size_t k, struct knn_hit *hits,
    size_t *nhits)
{
	struct knn_cand	*all;
	struct knn_heap	*h;
	size_t		 n = 0, t, j;

	for (t = 0; t < s->nt; t++)
		n += s->heaps[t * s->nq + i].n;
	all = xreallocarray(NULL, n ? n : 1, sizeof *all);
	n = 0;
	for (t = 0; t < s->nt; t++) {
		h = &s->heaps[t * s->nq + i];
		for (j = 0; j < h->n; j++) {
			if (!isnan(h->c[j].key))
				all[n++] = h->c[j];
		}
	}
	qsort(all, n, sizeof *all, knn_cand_cmp);
	if (n > k)
		n = k;
	for (j = 0; j < n; j++) {
		hits[j].row = all[j].row;
		if (s->m == KNN_EUCLIDEAN)
			hits[j].score = sqrt(-all[j].key);
		else
			hits[j].score = all[j].key;
	}
	*nhits = n;
	free(all);
}

/* Runs queries through single or batch scans and merges the answers. */
static int
knn_run(struct knn_scan *s, size_t k, struct knn_hit *hits, size_t *nhits,
    char **cause)
{
	size_t	 nt, i, cap, total;
	int	 r = -1;

	s->dim = s->e->dim;
	s->tile = knn_tile_rows(s->dim);
	for (i = 0; i < s->nq; i++)
		nhits[i] = 0;
	if (k == 0 || s->nq == 0)
		return (0);
	if (knn_scan_queries(s, cause) != 0)
		goto out;

	nt = s->nt = knn_get_threads();
	cap = k;
	if (cap > s->e->rows)
		cap = s->e->rows;
	if (util_mul(nt * s->nq, cap, &total) != 0) {
		util_fail(cause, "too many queries");
		goto out;
	}
	s->heaps = xcalloc(nt * s->nq, sizeof *s->heaps);
	s->heaps[0].c = xreallocarray(NULL, total ? total : 1,
	    sizeof *s->heaps[0].c);
	for (i = 0; i < nt * s->nq; i++) {
		s->heaps[i].c = s->heaps[0].c + i * cap;
		s->heaps[i].cap = cap;
	}
	if (s->batch) {
		s->nscratch = (KNN_QBLOCK + 2) * s->tile;
		s->scratch = xreallocarray(NULL, nt, s->nscratch *
		    sizeof *s->scratch);
	}

	knn_scan_norms(s);
	r = knn_scan_blocks(s->e, &s->blk, 0, knn_scan_task, s, cause);
	knn_scan_keep(s, r == 0);
	if (r == 0) {
		for (i = 0; i < s->nq; i++)
			knn_scan_merge(s, i, k, hits + i * k, &nhits[i]);
	}

out:
	if (s->heaps != NULL)
		free(s->heaps[0].c);
	free(s->heaps);
	free(s->scratch);
	free(s->qnorm);
	return (r);
}

/* Finds the k rows nearest one query. */
int
knn_query(struct emb *e, const float *q, enum knn_metric m, size_t k,
    long exclude, struct knn_hit *hits, size_t *nhits, char **cause)
{
	struct knn_scan	 s;

	memset(&s, 0, sizeof s);
	s.e = e;
	s.m = m;
	s.q = q;
	s.nq = 1;
	s.excl = &exclude;
	return (knn_run(&s, k, hits, nhits, cause));
}

/* Finds the k rows nearest each of nq queries. */
int
knn_batch(struct emb *e, const float *q, size_t nq, enum knn_metric m,
    size_t k, const long *excludes, struct knn_hit *hits, size_t *nhits,
    char **cause)
{
	struct knn_scan	 s;
	long		*none = NULL;
	size_t		 i;
	int		 r;

	if (excludes == NULL) {
		none = xreallocarray(NULL, nq ? nq : 1, sizeof *none);
		for (i = 0; i < nq; i++)
			none[i] = -1;
		excludes = none;
	}
	memset(&s, 0, sizeof s);
	s.e = e;
	s.m = m;
	s.q = q;
	s.nq = nq;
	s.excl = excludes;
	s.batch = 1;
	r = knn_run(&s, k, hits, nhits, cause);
	free(none);
	return (r);
}

/* Picks the k best of n scores, skipping NaN, ties by lower index. */
void
knn_select(const double *scores, size_t n, size_t k, int lowest,
    struct knn_hit *hits, size_t *nhits)
{
	struct knn_heap	 h;
	struct knn_cand	 c;
	size_t		 i;

	h.n = 0;
	h.cap = k < n ? k : n;
	h.c = xreallocarray(NULL, h.cap ? h.cap : 1, sizeof *h.c);
	for (i = 0; i < n; i++) {
		if (isnan(scores[i]))
			continue;
		c.row = i;
		c.key = lowest ? -scores[i] : scores[i];
		knn_heap_offer(&h, &c);
	}
	qsort(h.c, h.n, sizeof *h.c, knn_cand_cmp);
	for (i = 0; i < h.n; i++) {
		hits[i].row = h.c[i].row;
		hits[i].score = scores[h.c[i].row];
	}
	*nhits = h.n;
	free(h.c);
}
