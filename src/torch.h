/*
 * torch.h: files written by torch.save(), read without Python.
 *
 * Two layouts exist. The zip archive (torch 1.6 and later) holds
 * <folder>/data.pkl, one <folder>/data/<key> entry per storage and, from
 * some version on, <folder>/byteorder. The legacy layout is five pickles
 * in a row (magic number, protocol 1001, system information, the object,
 * the list of storage keys) followed by each storage as a little-endian
 * int64 element count and the raw little-endian elements.
 *
 * torch_open() reads the object pickle into an inert tree (pickle.h) and
 * indexes the storages; tensors are resolved from their rebuild calls on
 * demand, and their elements read and converted only when asked for.
 */
#ifndef EMBREPL_TORCH_H
#define EMBREPL_TORCH_H

#include <stddef.h>
#include <stdint.h>

#include "pickle.h"

#define TORCH_MAXDIM 8

enum torch_dtype {
	TORCH_F32,
	TORCH_F64,
	TORCH_F16,
	TORCH_BF16,
	TORCH_I64,
	TORCH_I32,
	TORCH_I16,
	TORCH_I8,
	TORCH_U8,
	TORCH_BOOL,
	TORCH_C64,
	TORCH_C128
};

/* What torch_tensor_read converts elements to. */
enum torch_out {
	TORCH_OUT_F32,		/* any real dtype */
	TORCH_OUT_F64,		/* any real dtype */
	TORCH_OUT_I64,		/* integers and bool */
	TORCH_OUT_U8		/* uint8 and bool */
};

struct torch_storage;
struct torch_file;

/* A tensor: a strided view of one storage. */
struct torch_tensor {
	enum torch_dtype	 dtype;
	int			 ndim;
	uint64_t		 shape[TORCH_MAXDIM];
	uint64_t		 stride[TORCH_MAXDIM];	/* in elements */
	uint64_t		 offset;		/* in elements */
	struct torch_storage	*storage;
};

/* Whether a file looks like a torch file: 1 zip, 2 legacy, 0 neither. */
int		 torch_sniff(const char *);

/*
 * Opens a torch file and reads its object pickle. NULL limits take
 * pickle_limits_default(); max_bytes also bounds storages and tensors.
 */
struct torch_file *torch_open(const char *, const struct pickle_limits *,
		    char **);
void		 torch_close(struct torch_file *);

/* The saved object, its arena and "zip" or "legacy". */
struct pickle_node *torch_root(struct torch_file *);
struct pickle	*torch_pickle(struct torch_file *);
const char	*torch_format(const struct torch_file *);
/* Storages the object refers to, and how many bytes they hold. */
size_t		 torch_storages(const struct torch_file *, uint64_t *);

const char	*torch_dtype_name(enum torch_dtype);
size_t		 torch_dtype_size(enum torch_dtype);

/* Whether a node is a tensor rebuild call torch_tensor understands. */
int		 torch_is_tensor(const struct pickle_node *);

/*
 * Resolves a tensor rebuild call (_rebuild_tensor_v2, _rebuild_parameter,
 * _rebuild_from_type_v2, fastai's _fa_rebuild_tensor) to its storage,
 * checking that the view lies inside the storage.
 */
int		 torch_tensor(struct torch_file *,
		    const struct pickle_node *, struct torch_tensor *, char **);
uint64_t	 torch_tensor_numel(const struct torch_tensor *);

/*
 * Reads a tensor's elements in row-major order into a new array of the
 * given kind (float32, float64, int64 or uint8), whatever the strides,
 * the byte order and the stored dtype (float16 and bfloat16 widen).
 */
void		*torch_tensor_read(struct torch_file *,
		    const struct torch_tensor *, enum torch_out, char **);

#endif
