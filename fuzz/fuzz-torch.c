/*
 * fuzz-torch.c: the torch zip and legacy readers and the fastai mapping.
 *
 * An input that starts like a zip archive or a legacy torch file is read
 * as it is. Any other input is taken for the data.pkl of a zip archive
 * that this target builds around it, with a byteorder entry and sixteen
 * storages, so that mutations reach the tensor and fastai code instead
 * of stopping at a checksum. Every tensor found is read, then the file
 * goes through import_torch() as embrepl would import it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz.h"
#include "import.h"
#include "model.h"
#include "pickle.h"
#include "torch.h"

#define FUZZ_TORCH_NST		16
#define FUZZ_TORCH_STLEN	1024
#define FUZZ_TORCH_MAXREAD	((uint64_t)1 << 20)

/* A growing byte buffer for the archive being built. */
struct fuzz_buf {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;
};

/* Appends n bytes. */
static void
fuzz_put(struct fuzz_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Appends a little-endian integer of n bytes. */
static void
fuzz_le(struct fuzz_buf *b, uint32_t v, size_t n)
{
	unsigned char	 c[4];
	size_t		 i;

	for (i = 0; i < n; i++)
		c[i] = v >> (8 * i);
	fuzz_put(b, c, n);
}

/* One stored (uncompressed) entry of the archive. */
struct fuzz_entry {
	char		 name[64];
	const void	*data;
	size_t		 len;
	uint32_t	 crc;
	uint32_t	 offset;
};

/* Writes the fixed fields that local and central headers share. */
static void
fuzz_fields(struct fuzz_buf *b, const struct fuzz_entry *e)
{
	fuzz_le(b, 20, 2);		/* version needed */
	fuzz_le(b, 0, 2);		/* flags */
	fuzz_le(b, 0, 2);		/* stored */
	fuzz_le(b, 0, 2);		/* time */
	fuzz_le(b, 0x21, 2);		/* date: 1980-01-01 */
	fuzz_le(b, e->crc, 4);
	fuzz_le(b, e->len, 4);
	fuzz_le(b, e->len, 4);
	fuzz_le(b, strlen(e->name), 2);
	fuzz_le(b, 0, 2);		/* extra */
}

/* Builds a torch zip archive around a data.pkl. */
static void
fuzz_zip(struct fuzz_buf *b, const uint8_t *pkl, size_t len)
{
	static unsigned char	 st[FUZZ_TORCH_STLEN];
	struct fuzz_entry	 e[2 + FUZZ_TORCH_NST];
	size_t			 i, n = 0;
	uint32_t		 cd;

	for (i = 0; i < sizeof st; i++)
		st[i] = (i * 37) ^ (i >> 3);
	strcpy(e[n].name, "archive/data.pkl");
	e[n].data = pkl;
	e[n++].len = len;
	strcpy(e[n].name, "archive/byteorder");
	e[n].data = "little";
	e[n++].len = 6;
	for (i = 0; i < FUZZ_TORCH_NST; i++) {
		snprintf(e[n].name, sizeof e[n].name, "archive/data/%zu", i);
		e[n].data = st;
		e[n++].len = sizeof st;
	}
	for (i = 0; i < n; i++) {
		e[i].crc = crc32(0, e[i].data, e[i].len);
		e[i].offset = b->len;
		fuzz_le(b, 0x04034b50, 4);
		fuzz_fields(b, &e[i]);
		fuzz_put(b, e[i].name, strlen(e[i].name));
		fuzz_put(b, e[i].data, e[i].len);
	}
	cd = b->len;
	for (i = 0; i < n; i++) {
		fuzz_le(b, 0x02014b50, 4);
		fuzz_le(b, 20, 2);	/* version made by */
		fuzz_fields(b, &e[i]);
		fuzz_le(b, 0, 2);	/* comment */
		fuzz_le(b, 0, 2);	/* disk */
		fuzz_le(b, 0, 2);	/* internal attributes */
		fuzz_le(b, 0, 4);	/* external attributes */
		fuzz_le(b, e[i].offset, 4);
		fuzz_put(b, e[i].name, strlen(e[i].name));
	}
	fuzz_le(b, 0x06054b50, 4);
	fuzz_le(b, 0, 4);		/* disks */
	fuzz_le(b, n, 2);
	fuzz_le(b, n, 2);
	fuzz_le(b, b->len - cd, 4);
	fuzz_le(b, cd, 4);
	fuzz_le(b, 0, 2);		/* comment */
}

/* Resolves and reads a tensor the way the importer would. */
static int
fuzz_torch_node(struct pickle_node *nd, void *arg)
{
	struct torch_file	*tf = arg;
	struct torch_tensor	 t;
	enum torch_out		 out;
	char			*cause = NULL;
	void			*v;

	if (!torch_is_tensor(nd))
		return (0);
	if (torch_tensor(tf, nd, &t, &cause) != 0) {
		free(cause);
		return (0);
	}
	if (torch_tensor_numel(&t) > FUZZ_TORCH_MAXREAD)
		return (0);
	switch (t.dtype) {
	case TORCH_I64:
	case TORCH_I32:
	case TORCH_I16:
	case TORCH_I8:
		out = TORCH_OUT_I64;
		break;
	case TORCH_U8:
	case TORCH_BOOL:
		out = TORCH_OUT_U8;
		break;
	case TORCH_F64:
		out = TORCH_OUT_F64;
		break;
	default:
		out = TORCH_OUT_F32;
		break;
	}
	v = torch_tensor_read(tf, &t, out, &cause);
	free(v);
	free(cause);
	return (0);
}

/* Opens the input as a torch file, reads its tensors, then imports it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_buf		 b = { NULL, 0, 0 };
	struct torch_file	*tf;
	struct model_set	*ms;
	struct import_opts	 opts;
	const char		*path;
	char			*cause = NULL;
	uint64_t		 bytes;

	if (size >= 4 && memcmp(data, "PK\003\004", 4) == 0)
		path = fuzz_file(data, size);
	else if (size >= 4 && data[0] == 0x80 && data[2] == 0x8a)
		path = fuzz_file(data, size);
	else {
		fuzz_zip(&b, data, size);
		path = fuzz_file(b.p, b.len);
		free(b.p);
	}
	if (path == NULL)
		return (0);
	(void)torch_sniff(path);
	if ((tf = torch_open(path, NULL, &cause)) != NULL) {
		(void)torch_format(tf);
		(void)torch_storages(tf, &bytes);
		pickle_walk(torch_pickle(tf), torch_root(tf), fuzz_torch_node,
		    tf);
		torch_close(tf);
	}
	free(cause);
	cause = NULL;
	memset(&opts, 0, sizeof opts);
	if ((ms = import_torch(path, &opts, &cause)) != NULL)
		model_set_free(ms);
	free(cause);
	return (0);
}
