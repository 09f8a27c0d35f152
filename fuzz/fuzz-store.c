/*
 * fuzz-store.c: opening and validating an embrepl store (HDF5).
 *
 * The input is opened with store_open(); every embedding then has its
 * matrix, labels and bias loaded, a row read and a label looked up, every
 * model is validated, and store_detach() reads all the rest.
 */

#include <stdlib.h>

#include "fuzz.h"
#include "model.h"
#include "store.h"

/* Loads one embedding every way a command could. */
static void
fuzz_store_emb(struct emb *e)
{
	char	*cause = NULL;
	float	 row[64];

	if (emb_load(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (emb_load_labels(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	} else if (e->rows > 0)
		(void)emb_find(e, emb_label(e, e->rows - 1), &cause);
	free(cause);
	cause = NULL;
	if (emb_load_bias(e, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (e->rows > 0 && e->dim <= 64 &&
	    emb_row(e, e->rows - 1, row, &cause) != 0)
		free(cause);
}

/* Opens the input as a store and reads all of it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_set	*ms;
	struct model		*m;
	const char		*path;
	char			*cause = NULL;
	size_t			 i, j;

	if ((path = fuzz_named_file(data, size)) == NULL)
		return (0);
	(void)store_sniff(path);
	if ((ms = store_open(path, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	for (i = 0; i < ms->nmodels; i++) {
		m = ms->models[i];
		for (j = 0; j < m->nemb; j++)
			fuzz_store_emb(m->embs[j]);
		if (model_validate(m, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
	}
	if (store_detach(ms, &cause) != 0)
		free(cause);
	model_set_free(ms);
	return (0);
}
