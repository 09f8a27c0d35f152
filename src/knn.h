/*
 * knn.h: exact nearest neighbours over every row of an embedding, and the
 * blocked, threaded, interruptible scans that knn and pca share.
 *
 * Every query looks at every row: no index, no sampling. Rows holding NaN
 * or infinities are left out of every result and counted; under cosine,
 * rows of zero norm are left out too. Scores are doubles: the cosine, the
 * dot product, or the euclidean distance (ranked smallest first). Results
 * come best first, ties broken by the lower row.
 *
 * The row norms are computed once per embedding and cached in emb->norms
 * (NaN for a row that is not finite); the matrix itself is never copied,
 * so querying an embedding costs its float32 size plus 8 bytes a row.
 *
 * An embedding whose matrix is not in memory and whose float32 size
 * exceeds the memory limit is read in blocks of rows through emb_rows()
 * instead of emb_load(), by knn and pca alike.
 */
#ifndef EMBREPL_KNN_H
#define EMBREPL_KNN_H

#include <stddef.h>

#include "model.h"

enum knn_metric {
	KNN_COSINE,
	KNN_DOT,
	KNN_EUCLIDEAN
};

struct knn_hit {
	size_t	 row;
	double	 score;
};

/*
 * Threads for scans, at most 64: n <= 0 restores the default, the online
 * CPUs up to 8.
 */
void		 knn_set_threads(int);
int		 knn_get_threads(void);

/* Bytes of matrix kept in memory; 0 restores the default (half of RAM). */
void		 knn_set_memory_limit(size_t);
size_t		 knn_get_memory_limit(void);

/* Called on the calling thread after each streamed block. */
typedef void	 knn_progress_cb(size_t, size_t, void *);
void		 knn_set_progress(knn_progress_cb *, void *);

const char	*knn_metric_name(enum knn_metric);
int		 knn_metric_parse(const char *, enum knn_metric *);

/* Computes and caches the row norms; counts the rows that are not finite. */
int		 knn_prepare(struct emb *, char **);
long		 knn_nonfinite(struct emb *, char **);

/*
 * One query of emb->dim floats; hits has room for k entries and *nhits
 * says how many were filled (fewer when fewer rows qualify). exclude is a
 * row to leave out (the query's own row), or -1.
 */
int		 knn_query(struct emb *, const float *, enum knn_metric,
		    size_t, long, struct knn_hit *, size_t *, char **);

/*
 * nq queries at once (nq x dim floats, row-major) through BLAS matrix
 * products. hits holds nq x k entries, query i's at hits + i * k, with
 * nhits[i] filled; excludes is NULL or nq rows to leave out (-1: none).
 * The rows near the top are rescored with knn_query's kernel, so the
 * answers equal knn_query's.
 */
int		 knn_batch(struct emb *, const float *, size_t,
		    enum knn_metric, size_t, const long *, struct knn_hit *,
		    size_t *, char **);

/*
 * The k best of n scores (highest, or lowest when lowest is set), NaN
 * skipped, ties by lower index; hits has room for k entries.
 */
void		 knn_select(const double *, size_t, size_t, int,
		    struct knn_hit *, size_t *);

/*
 * Blocks of rows: the whole matrix at once when it is (or may be) in
 * memory, else streamed blocks. Blocks start at multiples of
 * knn_tile_rows(dim) rows, so work cut into tiles is the same either way.
 */
struct knn_source {
	struct emb	*e;
	size_t		 next;
	size_t		 block;
	float		*buf;
};

size_t		 knn_tile_rows(size_t);
int		 knn_source_open(struct knn_source *, struct emb *, char **);
int		 knn_source_next(struct knn_source *, size_t *, size_t *,
		    const float **, char **);
void		 knn_source_close(struct knn_source *);

/*
 * Runs fn over tasks 0 .. ntasks - 1, handed out grain at a time to up to
 * knn_get_threads() threads (the caller's included); fn gets its thread
 * number (below knn_get_threads()) and a range of at most grain tasks,
 * and should return early once util_interrupted is set. Returns -1 with a
 * cause when it was.
 */
typedef void	 knn_task_fn(void *, int, size_t, size_t);
int		 knn_parallel(size_t, size_t, knn_task_fn *, void *,
		    char **);

/*
 * Runs fn in parallel over every block of an embedding's rows, with *blk
 * set to the block first. The tasks are the block's tiles (task t covers
 * rows blk->start + t * knn_tile_rows(dim) onwards), or, when lanes is not
 * 0, the numbers 0 .. lanes - 1. BLAS runs single-threaded meanwhile.
 */
struct knn_block {
	size_t		 start;
	size_t		 n;
	const float	*rows;
};

int		 knn_scan_blocks(struct emb *, struct knn_block *, size_t,
		    knn_task_fn *, void *, char **);

#endif
