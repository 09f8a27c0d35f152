/*
 * fuzz-pickle.c: the pickle reader and the Python value readers.
 *
 * The input is read as up to five pickles in a row, as a legacy torch
 * file holds them; every node of every tree then goes through the
 * pyvalue.h readers and the dictionary and attribute lookups.
 */

#include <stdlib.h>

#include "fuzz.h"
#include "pickle.h"
#include "pyvalue.h"

/* Reads one node every way a caller of pickle.h or pyvalue.h could. */
static int
fuzz_pickle_node(struct pickle_node *nd, void *arg)
{
	unsigned char	*bytes;
	char		**texts, *text, *cause = NULL;
	size_t		 len, n;
	double		 d;
	int64_t		 i;

	(void)pickle_str(nd);
	(void)pickle_int(nd, &i);
	(void)pickle_float(nd, &d);
	(void)pickle_is_none(nd);
	if (pickle_len(nd) > 0)
		(void)pickle_item(nd, 0);
	(void)pickle_dict_get(nd, "items");
	(void)pickle_attr(nd, "items");
	(void)pickle_is_instance(nd, NULL, "Embedding");
	(void)pickle_class(nd);
	(void)pyvalue_number(nd, &d);
	(void)pyvalue_list(nd);
	(void)pyvalue_is_array(nd);
	if (pyvalue_bytes(nd, &bytes, &len, &cause) == 0)
		free(bytes);
	free(cause);
	cause = NULL;
	if ((text = pyvalue_text(nd, &cause)) != NULL)
		free(text);
	free(cause);
	cause = NULL;
	if (pyvalue_texts(nd, &texts, &n, &cause) == 0)
		pyvalue_texts_free(texts, n);
	free(cause);
	return (0);
}

/* Loads pickles from the input until one fails or it is used up. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pickle		*pk;
	struct pickle_node	*root;
	char			*cause = NULL;
	size_t			 at = 0, used;
	int			 k;

	pk = pickle_new(NULL);
	for (k = 0; k < 5 && at < size; k++) {
		root = pickle_load(pk, data + at, size - at, &used, NULL, NULL,
		    &cause);
		if (root == NULL)
			break;
		pickle_walk(pk, root, fuzz_pickle_node, NULL);
		at += used;
	}
	free(cause);
	pickle_free(pk);
	return (0);
}
