/*
 * fuzz-text.c: the vector importers of import-text.c and the vocabulary
 * reader of import-vocab.c.
 *
 * The first byte of the input picks the reader (its value modulo 5):
 * word2vec/fastText text or binary and GloVe (they share one entry point
 * that sniffs the kind), TensorBoard projector TSV, .npy, a labels file,
 * or a vocabulary applied to a small model. The rest is the file.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "import.h"
#include "import-text.h"
#include "model.h"
#include "util.h"

/* Touches every model the way the REPL would after an import. */
static void
fuzz_text_check(struct model_set *ms)
{
	struct model	*m;
	struct emb	*e;
	char		*cause = NULL;
	size_t		 i, j;

	for (i = 0; i < ms->nmodels; i++) {
		m = ms->models[i];
		if (model_validate(m, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		for (j = 0; j < m->nemb; j++) {
			e = m->embs[j];
			if (e->rows > 0) {
				(void)emb_label(e, 0);
				(void)emb_label(e, e->rows - 1);
				(void)emb_find(e, emb_label(e, 0), &cause);
				free(cause);
				cause = NULL;
			}
		}
	}
}

/* A model with embeddings of 3 and 4 rows to relabel. */
static struct model_set *
fuzz_text_model(void)
{
	struct model_set	*ms = model_set_new();
	struct model		*m;
	struct emb		*e;

	m = model_set_add(ms, "m", MODEL_TABULAR);
	e = model_add_emb(m, "a", ROLE_CATEGORICAL, 3, 2);
	e->matrix = xcalloc(3 * 2, sizeof *e->matrix);
	emb_number_labels(e);
	e = model_add_emb(m, "b", ROLE_CATEGORICAL, 4, 2);
	e->matrix = xcalloc(4 * 2, sizeof *e->matrix);
	emb_number_labels(e);
	return (ms);
}

/* Reads the input with the reader its first byte names. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts	 opts;
	struct import_labels	*lb;
	struct model_set	*ms = NULL;
	const char		*path;
	char			*cause = NULL;

	if (size < 1 || (path = fuzz_file(data + 1, size - 1)) == NULL)
		return (0);
	memset(&opts, 0, sizeof opts);
	switch (data[0] % 5) {
	case 0:
		ms = import_word2vec(path, &opts, &cause);
		break;
	case 1:
		ms = import_projector(path, &opts, &cause);
		break;
	case 2:
		ms = import_npy(path, &opts, &cause);
		break;
	case 3:
		if ((lb = import_text_labels(path, &cause)) != NULL)
			import_labels_free(lb);
		break;
	case 4:
		ms = fuzz_text_model();
		(void)import_vocab(ms, path, &cause);
		break;
	}
	if (ms != NULL) {
		fuzz_text_check(ms);
		model_set_free(ms);
	}
	free(cause);
	return (0);
}
