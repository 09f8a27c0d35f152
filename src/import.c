/*
 * import.c: telling file formats apart and handing each to its reader.
 *
 * The format is decided by the file's content (magic bytes, archive
 * entries, HDF5 attributes, the shape of the first text line), never by
 * its name alone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <zip.h>

#include "import.h"
#include "import-text.h"
#include "probe.h"
#include "store.h"
#include "util.h"

/* A probed HDF5 file this small is read whole in the child. */
#define IMPORT_PROBE_FULL	(256LL << 20)
/* How long the child may take before the file counts as hanging. */
#define IMPORT_PROBE_SECONDS	20

enum import_kind {
	IMPORT_NONE,
	IMPORT_STORE,
	IMPORT_KERAS,
	IMPORT_TORCH,
	IMPORT_NPY,
	IMPORT_WORD2VEC,
	IMPORT_WORD2VEC_BIN,
	IMPORT_GLOVE,
	IMPORT_PROJECTOR
};

static const char *import_names[] = {
	NULL,
	"embrepl store",
	"Keras HDF5 model",
	"torch file",
	"npy matrix",
	"word2vec text",
	"word2vec binary",
	"GloVe text",
	"TensorBoard projector vectors"
};

/* The legacy torch format starts with this pickled magic number. */
static const unsigned char import_torch_magic[] = {
	0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a,
	0xa8, 0x50, 0x19
};

static const unsigned char import_hdf5_magic[] = {
	0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'
};

/* Tells whether the HDF5 signature sits at 0 or a userblock size. */
static int
import_is_hdf5(int fd, off_t size)
{
	unsigned char	 buf[8];
	off_t		 at;

	for (at = 0; at + 8 <= size && at <= (1 << 20); at = at ? at * 2 :
	    512) {
		if (pread(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf)
			return (0);
		if (memcmp(buf, import_hdf5_magic, sizeof buf) == 0)
			return (1);
	}
	return (0);
}

/* Tells a store from a Keras model among HDF5 files. */
static enum import_kind
import_sniff_hdf5(const char *path, char **cause)
{
	hid_t		 fid, g;
	htri_t		 keras = 0;

	if (store_sniff(path))
		return (IMPORT_STORE);
	H5E_BEGIN_TRY {
		fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
		if (fid >= 0) {
			keras = H5Lexists(fid, "model_weights", H5P_DEFAULT) >
			    0 || H5Aexists(fid, "layer_names") > 0 ||
			    H5Aexists(fid, "layer_names0") > 0;
			if (!keras && H5Lexists(fid, "layers", H5P_DEFAULT) >
			    0 && (g = H5Gopen2(fid, "layers", H5P_DEFAULT)) >=
			    0) {
				keras = -1;
				H5Gclose(g);
			}
			H5Fclose(fid);
		}
	} H5E_END_TRY;
	if (fid < 0) {
		util_fail(cause, "an HDF5 file that the HDF5 library cannot "
		    "open");
		return (IMPORT_NONE);
	}
	if (keras > 0)
		return (IMPORT_KERAS);
	if (keras < 0)
		util_fail(cause, "a Keras 3 weights file (layers/.../vars); "
		    "save the model with model.save(\"model.h5\")");
	else
		util_fail(cause, "an HDF5 file with neither the embrepl_format "
		    "attribute nor Keras model_weights");
	return (IMPORT_NONE);
}

/* Looks into a zip archive for a torch pickle. */
static enum import_kind
import_sniff_zip(const char *path, char **cause)
{
	zip_t		*za;
	const char	*name;
	zip_int64_t	 i, n;
	size_t		 len;
	int		 err, keras = 0;

	if ((za = zip_open(path, ZIP_RDONLY, &err)) == NULL) {
		util_fail(cause, "a damaged zip archive");
		return (IMPORT_NONE);
	}
	n = zip_get_num_entries(za, 0);
	for (i = 0; i < n; i++) {
		if ((name = zip_get_name(za, i, 0)) == NULL)
			continue;
		len = strlen(name);
		if (strcmp(name, "data.pkl") == 0 || (len > 9 &&
		    strcmp(name + len - 9, "/data.pkl") == 0)) {
			zip_discard(za);
			return (IMPORT_TORCH);
		}
		if (strcmp(name, "model.weights.h5") == 0)
			keras = 1;
	}
	zip_discard(za);
	if (keras)
		util_fail(cause, "a Keras 3 .keras archive; save the model "
		    "with model.save(\"model.h5\") instead");
	else
		util_fail(cause, "a zip archive without a torch data.pkl");
	return (IMPORT_NONE);
}

/* Names what binary bytes look like, for the cause. */
static void
import_sniff_binary(const unsigned char *h, size_t n, char **cause)
{
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		util_fail(cause, "a gzip-compressed file: decompress it first");
	else if (n >= 4 && h[0] == 0xba && h[1] == 0x16 && h[2] == 0x4f &&
	    h[3] == 0x2f)
		util_fail(cause, "a fastText .bin model; save its vectors as "
		    "a .vec text file");
	else if (n >= 2 && h[0] == 0x80 && h[1] >= 2 && h[1] <= 5)
		util_fail(cause, "a Python pickle that is not a torch file");
	else if (n >= 4)
		util_fail(cause, "binary data starting %02x %02x %02x %02x",
		    h[0], h[1], h[2], h[3]);
	else
		util_fail(cause, "%zu bytes of binary data", n);
}

/* Tells whether the first line holds bytes no text has. */
static int
import_binary_head(const unsigned char *h, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && h[i] != '\n'; i++) {
		if (h[i] < 0x20 && h[i] != '\t' && h[i] != '\r')
			return (1);
	}
	return (0);
}

/* Decides the format of a text file from its first lines. */
static enum import_kind
import_sniff_text(const char *path, char **cause)
{
	struct import_map	 map;
	enum import_kind	 k = IMPORT_NONE;
	char			*vecs;

	if (import_text_map(path, &map, cause) != 0)
		return (IMPORT_NONE);
	switch (import_text_sniff(map.p, map.len, cause)) {
	case IMPORT_TEXT_WORD2VEC:
		k = IMPORT_WORD2VEC;
		break;
	case IMPORT_TEXT_WORD2VEC_BIN:
		k = IMPORT_WORD2VEC_BIN;
		break;
	case IMPORT_TEXT_GLOVE:
		k = IMPORT_GLOVE;
		break;
	case IMPORT_TEXT_PROJECTOR:
		k = IMPORT_PROJECTOR;
		break;
	case IMPORT_TEXT_NONE:
		if (cause != NULL &&
		    (vecs = import_text_vectors_path(path)) != NULL) {
			free(*cause);
			util_fail(cause, "projector metadata, not vectors: "
			    "open %s, which it labels", vecs);
			free(vecs);
		}
		break;
	}
	import_text_unmap(&map);
	return (k);
}

/*
 * Decides a format from the first bytes of a file, or says, as the cause,
 * that it is none embrepl reads and what was seen.
 */
static enum import_kind
import_sniff_content(const char *path, const unsigned char *h, size_t n,
    int hdf5, char **cause)
{
	enum import_kind	 k = IMPORT_NONE;
	char			*why = NULL;

	if (hdf5)
		k = import_sniff_hdf5(path, &why);
	else if (n >= 4 && memcmp(h, "PK\003\004", 4) == 0)
		k = import_sniff_zip(path, &why);
	else if (n >= sizeof import_torch_magic &&
	    memcmp(h, import_torch_magic, sizeof import_torch_magic) == 0)
		k = IMPORT_TORCH;
	else if (n >= 6 && memcmp(h, "\223NUMPY", 6) == 0)
		k = IMPORT_NPY;
	else if (import_binary_head(h, n))
		import_sniff_binary(h, n, &why);
	else
		k = import_sniff_text(path, &why);
	if (k == IMPORT_NONE)
		util_fail(cause, "not a format embrepl reads (%s)", why);
	free(why);
	return (k);
}

/*
 * Sniffs a file's format. The cause says why none: the file cannot be
 * read, is empty, or holds what embrepl does not read.
 */
static enum import_kind
import_sniff(const char *path, char **cause)
{
	unsigned char	 h[64];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, hdf5;

	if ((fd = open(path, O_RDONLY)) == -1) {
		util_fail(cause, "%s", strerror(errno));
		return (IMPORT_NONE);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (n = read(fd, h, sizeof h)) < 0) {
		util_fail(cause, "%s", S_ISDIR(st.st_mode) ? "a directory" :
		    "not a readable regular file");
		close(fd);
		return (IMPORT_NONE);
	}
	hdf5 = import_is_hdf5(fd, st.st_size);
	close(fd);
	if (n == 0) {
		util_fail(cause, "the file is empty");
		return (IMPORT_NONE);
	}
	return (import_sniff_content(path, h, n, hdf5, cause));
}

/* Names the format import_open would use, or NULL. */
const char *
import_format(const char *path)
{
	return (import_names[import_sniff(path, NULL)]);
}

/* Prefixes a reader's cause with the format's name. */
static void
import_prefix(enum import_kind k, char **cause)
{
	char	*s;

	if (cause == NULL || *cause == NULL)
		return;
	s = xasprintf("%s: %s", import_names[k], *cause);
	free(*cause);
	*cause = s;
}

/* Sniffs the file's format and reads it, in this process. */
static struct model_set *
import_open_here(const char *path, const struct import_opts *opts,
    char **cause)
{
	struct model_set	*ms = NULL;
	enum import_kind	 k;
	char			*why = NULL, *s;

	k = import_sniff(path, cause);
	switch (k) {
	case IMPORT_NONE:
		return (NULL);
	case IMPORT_STORE:
		ms = store_open(path, cause);
		break;
	case IMPORT_TORCH:
		ms = import_torch(path, opts, cause);
		break;
	case IMPORT_KERAS:
		ms = import_keras(path, opts, &why);
		break;
	case IMPORT_NPY:
		ms = import_npy(path, opts, &why);
		break;
	case IMPORT_WORD2VEC:
	case IMPORT_WORD2VEC_BIN:
	case IMPORT_GLOVE:
		ms = import_word2vec(path, opts, &why);
		break;
	case IMPORT_PROJECTOR:
		ms = import_projector(path, opts, &why);
		break;
	}
	if (ms == NULL && why != NULL) {
		import_prefix(k, &why);
		if (cause != NULL)
			*cause = why;
		else
			free(why);
	}
	if (ms == NULL || opts == NULL || opts->vocab == NULL)
		return (ms);
	if (import_vocab(ms, opts->vocab, &why) != 0) {
		s = xasprintf("vocabulary %s: %s", opts->vocab, why);
		free(why);
		if (cause != NULL)
			*cause = s;
		else
			free(s);
		model_set_free(ms);
		return (NULL);
	}
	return (ms);
}

/*
 * The child's part of opening an HDF5 file: the same open, then, for a
 * file of at most IMPORT_PROBE_FULL bytes, everything `import` would read
 * (every matrix, label, bias and other weight).
 */
static int
import_probe(const char *path, void *arg, char **cause)
{
	const struct import_opts *opts = arg;
	struct model_set	*ms;
	struct stat		 st;
	int			 rc = 0;

	if ((ms = import_open_here(path, opts, cause)) == NULL)
		return (-1);
	if (stat(path, &st) == 0 && st.st_size <= IMPORT_PROBE_FULL)
		rc = store_detach(ms, cause);
	model_set_free(ms);
	return (rc);
}

/*
 * Sniffs the file's format and reads it (a store is opened lazily). An
 * HDF5 file is read in a child process first (probe.h): the HDF5 library
 * can crash on a damaged file, and embrepl must not.
 */
struct model_set *
import_open(const char *path, const struct import_opts *opts, char **cause)
{
	struct stat	 st;
	int		 fd, hdf5 = 0;

	if ((fd = open(path, O_RDONLY)) != -1) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			hdf5 = import_is_hdf5(fd, st.st_size);
		close(fd);
	}
	if (hdf5 && probe_run(path, import_probe, (void *)opts,
	    IMPORT_PROBE_SECONDS, cause) != 0)
		return (NULL);
	return (import_open_here(path, opts, cause));
}
