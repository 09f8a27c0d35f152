/*
 * pyvalue.h: Python values as pickles spell them, read from inert trees.
 *
 * Pickled Python data names its building blocks instead of holding them:
 * bytes arrive as _codecs.encode(text, 'latin1'), a numpy scalar as
 * numpy.core.multiarray.scalar(dtype, bytes), an array as _reconstruct()
 * plus a BUILD state, a fastcore L as an object whose state holds its
 * items. These functions read such values from a pickle.h tree without
 * running anything, and print them the way Python's str() does.
 */
#ifndef EMBREPL_PYVALUE_H
#define EMBREPL_PYVALUE_H

#include <stddef.h>

#include "pickle.h"

/*
 * The bytes of a bytes object, of a protocol 2 byte string or of
 * _codecs.encode(text, 'latin1'), as a new buffer (NUL-terminated).
 */
int		 pyvalue_bytes(const struct pickle_node *, unsigned char **,
		    size_t *, char **);

/*
 * A scalar as Python's str() prints it: str, int, bool, float, None and
 * numpy scalars ("1.0", "300", "True"). Returns a new string.
 */
char		*pyvalue_text(const struct pickle_node *, char **);

/* A number: int, bool, float or numpy scalar. */
int		 pyvalue_number(const struct pickle_node *, double *);

/* Formats a double (or a float32 when single is set) as numpy prints it. */
void		 pyvalue_format_float(double, int, char *, size_t);

/*
 * The sequence behind a list-like value: a list or tuple, a fastcore L,
 * a fastai CategoryMap, an object that was appended to. NULL if none.
 */
const struct pickle_node *pyvalue_list(const struct pickle_node *);

/*
 * The items of a list-like value or of a one-dimensional numpy array
 * (object, fixed-width unicode or bytes, numbers, bools), each as text.
 * *texts is a new array of n new strings.
 */
int		 pyvalue_texts(const struct pickle_node *, char ***,
		    size_t *, char **);
void		 pyvalue_texts_free(char **, size_t);

/* Whether a node is a numpy array (_reconstruct with a BUILD state). */
int		 pyvalue_is_array(const struct pickle_node *);

#endif
