/*
 * bias.c: the rows with the highest or lowest learned bias.
 */
#include <math.h>
#include <stdlib.h>

#include "bias.h"
#include "util.h"

/* Picks the k rows of most extreme bias in one direction. */
int
bias_top(struct emb *e, size_t k, int lowest, int skip_na,
    struct knn_hit *hits, size_t *nhits, char **cause)
{
	double	*b;
	size_t	 i;

	*nhits = 0;
	if (emb_load_bias(e, cause) != 0)
		return (-1);
	b = xreallocarray(NULL, e->rows ? e->rows : 1, sizeof *b);
	for (i = 0; i < e->rows; i++)
		b[i] = isfinite(e->bias[i]) ? e->bias[i] : NAN;
	if (skip_na && e->na_row >= 0 && (size_t)e->na_row < e->rows)
		b[e->na_row] = NAN;
	knn_select(b, e->rows, k, lowest, hits, nhits);
	free(b);
	return (0);
}
