/*
 * import.h: reading model files that are not embrepl stores.
 *
 * Every importer yields an in-memory model set (model.h) with matrices,
 * labels and weights loaded; store_write() can then save it. None of them
 * runs code from the file.
 */
#ifndef EMBREPL_IMPORT_H
#define EMBREPL_IMPORT_H

#include "model.h"

struct import_opts {
	const char	*vocab;		/* --vocab FILE, or NULL */
	/* labels for .npy or projector vectors */
	const char	*labels;
	/* Model name; NULL: the file's stem. */
	const char	*name;
	int		 progress;	/* report progress on stderr */
};

/* Sniffs the file's format and reads it (a store is opened lazily). */
struct model_set *import_open(const char *, const struct import_opts *,
		    char **);

/* Names the format import_open would use, or NULL. */
const char	*import_format(const char *);

/* torch files: fastai v1/v2 exports, learn.save(), state dicts. */
struct model_set *import_torch(const char *, const struct import_opts *,
		    char **);
/* Keras 2 and 3 HDF5 models. */
struct model_set *import_keras(const char *, const struct import_opts *,
		    char **);
/* word2vec/fastText text or binary, GloVe text. */
struct model_set *import_word2vec(const char *, const struct import_opts *,
		    char **);
/* TensorBoard projector vectors TSV (+ metadata TSV). */
struct model_set *import_projector(const char *,
		    const struct import_opts *, char **);
/* A .npy matrix with a labels file. */
struct model_set *import_npy(const char *, const struct import_opts *,
		    char **);

/* Relabels number-labelled embeddings from a CSV, TSV, JSON or export. */
int		 import_vocab(struct model_set *, const char *, char **);

#endif
