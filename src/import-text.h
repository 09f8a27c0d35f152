/*
 * import-text.h: helpers shared by the text and vector importers.
 */
#ifndef EMBREPL_IMPORT_TEXT_H
#define EMBREPL_IMPORT_TEXT_H

#include <stddef.h>

#include "import-labels.h"

/* A whole file in memory, read-only. */
struct import_map {
	const char	*p;
	size_t		 len;
	int		 mapped;	/* 1: mmap, 0: malloc */
};

enum import_text_kind {
	IMPORT_TEXT_NONE,
	IMPORT_TEXT_WORD2VEC,		/* "N D" header, text rows */
	IMPORT_TEXT_WORD2VEC_BIN,	/* "N D" header, binary rows */
	IMPORT_TEXT_GLOVE,		/* word and numbers, no header */
	IMPORT_TEXT_PROJECTOR		/* numbers only, tab-separated */
};

int		 import_text_map(const char *, struct import_map *, char **);
void		 import_text_unmap(struct import_map *);

/* Tells which kind of vector text a file holds; the cause says why not. */
enum import_text_kind import_text_sniff(const char *, size_t, char **);

/* Parses a number token of len bytes as float32; -1 if it is not one. */
int		 import_text_float(const char *, size_t, float *);

/* Reads a file of one label per line. */
struct import_labels *import_text_labels(const char *, char **);

/* The file name without folders and extension, new. */
char		*import_text_stem(const char *);

/* The vectors file that a projector metadata file labels, new, or NULL. */
char		*import_text_vectors_path(const char *);

#endif
