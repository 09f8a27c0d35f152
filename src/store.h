/*
 * store.h: the HDF5 model store (doc/store-format.md).
 */
#ifndef EMBREPL_STORE_H
#define EMBREPL_STORE_H

#include "model.h"

#define STORE_FORMAT		"embrepl-store"
#define STORE_VERSION		1

/*
 * Opens a store read-only and lists its models and embeddings without
 * reading any matrix; matrices, labels and biases are read on first use.
 */
struct model_set *store_open(const char *, char **);

/*
 * Reads everything of every model into memory (matrices, labels, biases,
 * weights) and cuts the models loose from their file, so that they can
 * outlive it (merging stores). A set that is not a store is only loaded.
 */
int		 store_detach(struct model_set *, char **);

/* Tells whether a file looks like an embrepl store (1), or not (0). */
int		 store_sniff(const char *);

/*
 * Writes every model of a set to a new store: a temporary file beside
 * the target, then a rename, so a reader never sees half a store.
 */
int		 store_write(struct model_set *, const char *, char **);

#endif
