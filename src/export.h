/*
 * export.h: writing an embedding out as numbers: CSV or TSV with labels,
 * a .npy matrix (with its labels beside it), or a TensorBoard projector
 * pair of TSV files.
 */
#ifndef EMBREPL_EXPORT_H
#define EMBREPL_EXPORT_H

#include "model.h"

enum export_format {
	EXPORT_CSV,
	EXPORT_TSV,
	EXPORT_NPY,
	EXPORT_PROJECTOR
};

int	 export_format_parse(const char *, enum export_format *);

/* Picks the format from a file name's extension; -1 when it cannot. */
int	 export_guess(const char *, enum export_format *);

/* The second file a format writes (labels or metadata), or NULL. */
char	*export_companion(const char *, enum export_format);

/*
 * Writes the embedding; each file goes to a temporary, then a rename.
 * A path of "-" writes CSV or TSV to standard output.
 */
int	 export_emb(struct emb *, const char *, enum export_format, char **);

#endif
