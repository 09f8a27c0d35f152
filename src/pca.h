/*
 * pca.h: principal components of an embedding's rows.
 *
 * The covariance of the centred rows is accumulated in double over tiles
 * of rows (BLAS dsyrk), in an order that depends neither on the number of
 * threads nor on streaming; LAPACK's symmetric eigensolver (dsyevr) then
 * gives the leading components. Rows holding NaN or infinity are left out
 * and counted, and so is the #na# row on request (fastai's lesson looks at
 * the real categories only).
 */
#ifndef EMBREPL_PCA_H
#define EMBREPL_PCA_H

#include <stddef.h>

#include "knn.h"
#include "model.h"

struct pca_result {
	size_t	 dim;
	size_t	 ncomp;
	size_t	 nrows;		/* rows that took part */
	size_t	 nskipped;	/* rows left out for NaN or infinity */
	int	 skip_na;	/* whether the #na# row was left out */
	/* Total variance: the covariance's trace. */
	double	 total;
	double	*mean;		/* dim */
	/* The ncomp sample variances, largest first. */
	double	*variance;
	double	*ratio;		/* ncomp, variance / total */
	/* The components: ncomp x dim, unit length, row-major. */
	double	*components;
};

/*
 * Computes the first ncomp components (at most dim). Each component's sign
 * is fixed so that its coordinate of largest magnitude (the first, on a
 * tie) is positive. Needs two rows that take part.
 */
int	 pca_run(struct emb *, size_t, int, struct pca_result *, char **);
void	 pca_result_free(struct pca_result *);

/* Projects one row, or a vector of dim floats, onto the ncomp components. */
int	 pca_project(struct emb *, const struct pca_result *, size_t,
	    double *, char **);
void	 pca_project_vec(const struct pca_result *, const float *,
	    double *);

/*
 * Projects every row into out (rows x ncomp floats, row-major), NaN for a
 * row that is not finite: the coordinates for a scatter plot.
 */
int	 pca_project_all(struct emb *, const struct pca_result *, float *,
	    char **);

/*
 * The k rows with the highest scores on component c (top, highest first)
 * and the k with the lowest (bottom, lowest first), ties by lower row,
 * leaving out the rows pca_run left out. Each array has room for k hits.
 */
int	 pca_extremes(struct emb *, const struct pca_result *, size_t,
	    size_t, struct knn_hit *, size_t *, struct knn_hit *, size_t *,
	    char **);

#endif
