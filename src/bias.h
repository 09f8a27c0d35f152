/*
 * bias.h: the rows with the highest or lowest learned bias.
 */
#ifndef EMBREPL_BIAS_H
#define EMBREPL_BIAS_H

#include <stddef.h>

#include "knn.h"
#include "model.h"

/*
 * Fills hits (room for k) with the rows of highest bias, or of lowest when
 * lowest is set, extreme first, ties by lower row. Biases that are not
 * finite are skipped, and so is the #na# row when skip_na is set. Fails
 * when the embedding has no bias.
 */
int	 bias_top(struct emb *, size_t, int, int, struct knn_hit *, size_t *,
	    char **);

#endif
