/*
 * torch.c: files written by torch.save(), read without Python.
 *
 * The object pickle is read with pickle.c, whose persistent id hook lets
 * this file note every storage the object names (its key, dtype and
 * element count) and turn the ('module', class, file, source) ids of old
 * whole-module saves into inert class references. The storages are then
 * found (zip entries or offsets after the legacy pickles) and their sizes
 * checked before any tensor is read.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "pickle.h"
#include "torch.h"
#include "util.h"

#define TORCH_ZIP	1
#define TORCH_LEGACY	2
#define TORCH_NESTING	8

/* The legacy format's magic number, 0x1950a86a20f9469cfc6c. */
static const unsigned char torch_magic[] = {
	0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19
};

struct torch_storage {
	char			*key;
	enum torch_dtype	 dtype;
	/* Declared by the pickle. */
	uint64_t		 numel;
	uint64_t		 index;		/* zip entry */
	/* Legacy: offset in the file. */
	uint64_t		 at;
	int			 located;
	unsigned char		*data;		/* NULL until read */
	/* Data was allocated. */
	int			 owned;
};

struct torch_file {
	char			*path;
	int			 format;
	struct pickle_limits	 limits;
	struct pickle		*pk;
	struct pickle_node	*root;
	int			 big_endian;

	zip_t			*zip;
	char			*prefix;	/* "archive/" */

	/* Legacy: the whole file. */
	unsigned char		*map;
	size_t			 maplen;

	struct torch_storage	**st;
	size_t			 nst;
	/* Index + 1, or 0. */
	size_t			*slots;
	size_t			 nslots;
	uint64_t		 loaded;	/* bytes of storage read */
};

/* Storage class names and dtype names, with their dtypes. */
static const struct {
	const char		*name;
	enum torch_dtype	 dtype;
} torch_types[] = {
	{ "FloatStorage", TORCH_F32 },
	{ "DoubleStorage", TORCH_F64 },
	{ "HalfStorage", TORCH_F16 },
	{ "BFloat16Storage", TORCH_BF16 },
	{ "LongStorage", TORCH_I64 },
	{ "IntStorage", TORCH_I32 },
	{ "ShortStorage", TORCH_I16 },
	{ "CharStorage", TORCH_I8 },
	{ "ByteStorage", TORCH_U8 },
	{ "BoolStorage", TORCH_BOOL },
	{ "ComplexFloatStorage", TORCH_C64 },
	{ "ComplexDoubleStorage", TORCH_C128 },
	{ "UntypedStorage", TORCH_U8 },
	{ "float32", TORCH_F32 },
	{ "float", TORCH_F32 },
	{ "float64", TORCH_F64 },
	{ "double", TORCH_F64 },
	{ "float16", TORCH_F16 },
	{ "half", TORCH_F16 },
	{ "bfloat16", TORCH_BF16 },
	{ "int64", TORCH_I64 },
	{ "long", TORCH_I64 },
	{ "int32", TORCH_I32 },
	{ "int", TORCH_I32 },
	{ "int16", TORCH_I16 },
	{ "short", TORCH_I16 },
	{ "int8", TORCH_I8 },
	{ "uint8", TORCH_U8 },
	{ "bool", TORCH_BOOL },
	{ "complex64", TORCH_C64 },
	{ "complex128", TORCH_C128 }
};

/* Names a dtype as torch does. */
const char *
torch_dtype_name(enum torch_dtype t)
{
	static const char *names[] = {
		"float32", "float64", "float16", "bfloat16", "int64", "int32",
		"int16", "int8", "uint8", "bool", "complex64", "complex128"
	};

	if ((size_t)t >= UTIL_NELEM(names))
		return ("unknown");
	return (names[t]);
}

/* Bytes per element of a dtype. */
size_t
torch_dtype_size(enum torch_dtype t)
{
	static const size_t sizes[] = { 4, 8, 2, 2, 8, 4, 2, 1, 1, 1, 8, 16 };

	if ((size_t)t >= UTIL_NELEM(sizes))
		return (1);
	return (sizes[t]);
}

/* Whether a file starts like a torch zip (1) or legacy file (2). */
int
torch_sniff(const char *path)
{
	unsigned char	 head[16];
	const char	*name, *slash;
	ssize_t		 n;
	zip_int64_t	 i;
	int		 fd, r = 0;
	zip_t		*z;

	if ((fd = open(path, O_RDONLY)) == -1)
		return (0);
	n = read(fd, head, sizeof head);
	close(fd);
	if (n >= 14 && head[0] == 0x80 && head[2] == 0x8a && head[3] == 10 &&
	    memcmp(head + 4, torch_magic, sizeof torch_magic) == 0)
		return (TORCH_LEGACY);
	if (n < 4 || memcmp(head, "PK\003\004", 4) != 0)
		return (0);
	if ((z = zip_open(path, ZIP_RDONLY, NULL)) == NULL)
		return (0);
	for (i = 0; i < zip_get_num_entries(z, 0); i++) {
		name = zip_get_name(z, i, 0);
		slash = name == NULL ? NULL : strchr(name, '/');
		if (slash != NULL && strcmp(slash, "/data.pkl") == 0) {
			r = TORCH_ZIP;
			break;
		}
	}
	zip_discard(z);
	return (r);
}

/* Finds a storage by key; *slot gets the hash slot it has or would take. */
static struct torch_storage *
torch_storage_find(struct torch_file *tf, const char *key, size_t *slot)
{
	size_t	 i, mask;

	if (tf->nslots == 0)
		return (NULL);
	mask = tf->nslots - 1;
	i = (size_t)util_hash(key, strlen(key)) & mask;
	while (tf->slots[i] != 0) {
		if (strcmp(tf->st[tf->slots[i] - 1]->key, key) == 0) {
			*slot = i;
			return (tf->st[tf->slots[i] - 1]);
		}
		i = (i + 1) & mask;
	}
	*slot = i;
	return (NULL);
}

/* Doubles the storage hash. */
static void
torch_storage_grow(struct torch_file *tf)
{
	size_t	 i, slot;

	free(tf->slots);
	tf->nslots = tf->nslots == 0 ? 64 : tf->nslots * 2;
	tf->slots = xcalloc(tf->nslots, sizeof *tf->slots);
	for (i = 0; i < tf->nst; i++) {
		torch_storage_find(tf, tf->st[i]->key, &slot);
		tf->slots[slot] = i + 1;
	}
}

/* Notes a storage named by the pickle, checking it agrees with itself. */
static struct torch_storage *
torch_storage_add(struct torch_file *tf, const char *key,
    enum torch_dtype dtype, uint64_t numel, char **cause)
{
	struct torch_storage	*s;
	size_t			 slot;

	if ((s = torch_storage_find(tf, key, &slot)) != NULL) {
		if (s->dtype != dtype || s->numel != numel) {
			util_fail(cause, "torch: storage %s is named as "
			    "%s[%llu] and %s[%llu]", key,
			    torch_dtype_name(s->dtype),
			    (unsigned long long)s->numel,
			    torch_dtype_name(dtype), (unsigned long long)numel);
			return (NULL);
		}
		return (s);
	}
	if ((tf->nst + 1) * 2 > tf->nslots) {
		torch_storage_grow(tf);
		torch_storage_find(tf, key, &slot);
	}
	s = xcalloc(1, sizeof *s);
	s->key = xstrdup(key);
	s->dtype = dtype;
	s->numel = numel;
	tf->st = xreallocarray(tf->st, tf->nst + 1, sizeof *tf->st);
	tf->st[tf->nst++] = s;
	tf->slots[slot] = tf->nst;
	return (s);
}

/* The dtype a storage class or dtype reference names. */
static int
torch_pid_dtype(const struct pickle_node *type, enum torch_dtype *dtype,
    char **cause)
{
	const char	*module, *name;
	size_t		 i;

	if (type == NULL || type->type != PICKLE_GLOBAL)
		return (util_fail(cause, "torch: storage type is a %s, not a "
		    "class", type == NULL ? "nothing" :
		    pickle_type_name(type->type)));
	module = type->u.global.module;
	name = type->u.global.name;
	if (strcmp(module, "torch") == 0 || strcmp(module, "torch.cuda") == 0 ||
	    strcmp(module, "torch.storage") == 0) {
		for (i = 0; i < UTIL_NELEM(torch_types); i++) {
			if (strcmp(torch_types[i].name, name) == 0) {
				*dtype = torch_types[i].dtype;
				return (0);
			}
		}
	}
	return (util_fail(cause, "torch: unknown storage type %s.%s", module,
	    name));
}

/* A storage key as text: keys are strings, or integers in odd writers. */
static int
torch_pid_key(const struct pickle_node *nd, char *buf, size_t len,
    char **cause)
{
	int64_t	 v;

	if (pickle_str(nd) != NULL && strlen(pickle_str(nd)) < len &&
	    strlen(pickle_str(nd)) > 0 && strchr(pickle_str(nd), '/') == NULL) {
		strcpy(buf, pickle_str(nd));
		return (0);
	}
	if (pickle_int(nd, &v) == 0 && nd->type == PICKLE_INT) {
		snprintf(buf, len, "%lld", (long long)v);
		return (0);
	}
	return (util_fail(cause, "torch: bad storage key"));
}

/* Reads the storage of a ('storage', type, key, location, numel) id. */
static struct torch_storage *
torch_pid_storage(struct torch_file *tf, const struct pickle_node *pid,
    char **cause)
{
	enum torch_dtype	 dtype = TORCH_F32;
	char			 key[128];
	int64_t			 numel;

	if (pickle_len(pid) < 5 || pid->type != PICKLE_TUPLE) {
		util_fail(cause, "torch: storage id has %zu items, not 5",
		    pickle_len(pid));
		return (NULL);
	}
	if (torch_pid_dtype(pickle_item(pid, 1), &dtype, cause) != 0 ||
	    torch_pid_key(pickle_item(pid, 2), key, sizeof key, cause) != 0)
		return (NULL);
	if (pickle_int(pickle_item(pid, 4), &numel) != 0 || numel < 0) {
		util_fail(cause, "torch: storage %s: bad element count", key);
		return (NULL);
	}
	return (torch_storage_add(tf, key, dtype, (uint64_t)numel, cause));
}

/* The persistent id hook: notes storages, keeps module classes inert. */
static struct pickle_node *
torch_persid(struct pickle *pk, struct pickle_node *pid, void *arg,
    char **cause)
{
	struct torch_file	*tf = arg;
	struct pickle_node	*nd;
	const char		*what;

	what = pickle_str(pickle_item(pid, 0));
	if (pid->type != PICKLE_TUPLE || what == NULL) {
		util_fail(cause, "torch: persistent id is a %s, not a tuple",
		    pickle_type_name(pid->type));
		return (NULL);
	}
	if (strcmp(what, "module") == 0 && pickle_len(pid) >= 2)
		return (pickle_item(pid, 1));
	if (strcmp(what, "storage") != 0) {
		util_fail(cause, "torch: unknown persistent id '%s'", what);
		return (NULL);
	}
	if (torch_pid_storage(tf, pid, cause) == NULL)
		return (NULL);
	if ((nd = pickle_node_new(pk, PICKLE_PERSID, cause)) == NULL)
		return (NULL);
	nd->u.pid = pid;
	nd->depth = pid->depth + 1;
	return (nd);
}

/* Closes a torch file. */
void
torch_close(struct torch_file *tf)
{
	size_t	 i;

	if (tf == NULL)
		return;
	for (i = 0; i < tf->nst; i++) {
		if (tf->st[i]->owned)
			free(tf->st[i]->data);
		free(tf->st[i]->key);
		free(tf->st[i]);
	}
	free(tf->st);
	free(tf->slots);
	pickle_free(tf->pk);
	if (tf->zip != NULL)
		zip_discard(tf->zip);
	if (tf->map != NULL)
		munmap(tf->map, tf->maplen);
	free(tf->prefix);
	free(tf->path);
	free(tf);
}

/* Reads a whole zip entry of the expected size into a new buffer. */
static unsigned char *
torch_zip_read(struct torch_file *tf, zip_uint64_t index, uint64_t size,
    char **cause)
{
	zip_file_t	*zf;
	zip_stat_t	 sb;
	unsigned char	*buf;
	zip_int64_t	 n;

	if (size > tf->limits.max_bytes) {
		util_fail(cause, "torch: %s: an entry of %llu bytes exceeds "
		    "the limit", tf->path, (unsigned long long)size);
		return (NULL);
	}
	/* Stored entries hold their size; deflate packs 1032:1 at most. */
	if (zip_stat_index(tf->zip, index, 0, &sb) == 0 &&
	    (sb.valid & ZIP_STAT_COMP_SIZE) &&
	    (sb.valid & ZIP_STAT_COMP_METHOD) &&
	    ((sb.comp_method == ZIP_CM_STORE && size > sb.comp_size) ||
	    (sb.comp_method == ZIP_CM_DEFLATE && size / 1032 > sb.comp_size))) {
		util_fail(cause, "torch: %s: entry %s: %llu bytes cannot come "
		    "from %llu in the archive", tf->path,
		    zip_get_name(tf->zip, index, 0), (unsigned long long)size,
		    (unsigned long long)sb.comp_size);
		return (NULL);
	}
	if ((zf = zip_fopen_index(tf->zip, index, 0)) == NULL) {
		util_fail(cause, "torch: %s: %s", tf->path,
		    zip_error_strerror(zip_get_error(tf->zip)));
		return (NULL);
	}
	buf = xmalloc(size + 1);
	n = size == 0 ? 0 : zip_fread(zf, buf, size);
	if (n < 0 || (uint64_t)n != size) {
		util_fail(cause, "torch: %s: entry %s: %s", tf->path,
		    zip_get_name(tf->zip, index, 0), n < 0 ?
		    zip_error_strerror(zip_file_get_error(zf)) : "short read");
		zip_fclose(zf);
		free(buf);
		return (NULL);
	}
	zip_fclose(zf);
	buf[size] = '\0';
	return (buf);
}

/* Finds <folder>/data.pkl and remembers the folder. */
static int
torch_zip_find(struct torch_file *tf, zip_uint64_t *index, char **cause)
{
	zip_int64_t	 i, n;
	const char	*name, *slash;

	n = zip_get_num_entries(tf->zip, 0);
	for (i = 0; i < n; i++) {
		name = zip_get_name(tf->zip, i, 0);
		if (name == NULL || (slash = strchr(name, '/')) == NULL)
			continue;
		if (strcmp(slash, "/data.pkl") == 0) {
			tf->prefix = xstrndup(name, slash - name + 1);
			*index = i;
			return (0);
		}
	}
	return (util_fail(cause, "torch: %s: a zip archive without "
	    "<folder>/data.pkl, not a torch file", tf->path));
}

/* Reads the byteorder entry when there is one (older writers: little). */
static int
torch_zip_byteorder(struct torch_file *tf, char **cause)
{
	zip_stat_t	 sb;
	zip_int64_t	 i;
	unsigned char	*b;
	char		*name;
	int		 r = 0;

	name = xasprintf("%sbyteorder", tf->prefix);
	i = zip_name_locate(tf->zip, name, 0);
	free(name);
	if (i < 0)
		return (0);
	if (zip_stat_index(tf->zip, i, 0, &sb) != 0 || sb.size > 16)
		return (util_fail(cause, "torch: %s: bad byteorder entry",
		    tf->path));
	if ((b = torch_zip_read(tf, i, sb.size, cause)) == NULL)
		return (-1);
	if (strcmp((char *)b, "big") == 0)
		tf->big_endian = 1;
	else if (strcmp((char *)b, "little") != 0)
		r = util_fail(cause, "torch: %s: byte order '%s' is neither "
		    "little nor big", tf->path, b);
	free(b);
	return (r);
}

/* Finds every storage's entry and checks its size. */
static int
torch_zip_locate(struct torch_file *tf, char **cause)
{
	struct torch_storage	*s;
	zip_stat_t		 sb;
	zip_int64_t		 i;
	size_t			 k, want;
	char			*name;

	for (k = 0; k < tf->nst; k++) {
		s = tf->st[k];
		name = xasprintf("%sdata/%s", tf->prefix, s->key);
		i = zip_name_locate(tf->zip, name, 0);
		free(name);
		if (i < 0 || zip_stat_index(tf->zip, i, 0, &sb) != 0)
			return (util_fail(cause, "torch: %s: storage %s is "
			    "missing from the archive", tf->path, s->key));
		if (util_mul(s->numel, torch_dtype_size(s->dtype),
		    &want) != 0 || sb.size != want)
			return (util_fail(cause, "torch: %s: storage %s holds "
			    "%llu bytes, %llu %s elements need %llu", tf->path,
			    s->key, (unsigned long long)sb.size,
			    (unsigned long long)s->numel,
			    torch_dtype_name(s->dtype),
			    (unsigned long long)s->numel *
			    torch_dtype_size(s->dtype)));
		s->index = i;
		s->located = 1;
	}
	return (0);
}

/* Opens the zip layout. */
static int
torch_open_zip(struct torch_file *tf, char **cause)
{
	zip_stat_t	 sb;
	zip_uint64_t	 index = 0;
	unsigned char	*buf;
	char		*why = NULL;
	int		 err;
	zip_error_t	 ze;

	if ((tf->zip = zip_open(tf->path, ZIP_RDONLY | ZIP_CHECKCONS,
	    &err)) == NULL) {
		zip_error_init_with_code(&ze, err);
		util_fail(cause, "torch: %s: broken zip archive (%s)",
		    tf->path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return (-1);
	}
	if (torch_zip_find(tf, &index, cause) != 0 ||
	    torch_zip_byteorder(tf, cause) != 0)
		return (-1);
	if (zip_stat_index(tf->zip, index, 0, &sb) != 0)
		return (util_fail(cause, "torch: %s: cannot read data.pkl",
		    tf->path));
	if ((buf = torch_zip_read(tf, index, sb.size, cause)) == NULL)
		return (-1);
	tf->root = pickle_load(tf->pk, buf, sb.size, NULL, torch_persid, tf,
	    &why);
	free(buf);
	if (tf->root == NULL) {
		util_fail(cause, "%s: %s", tf->path, why);
		free(why);
		return (-1);
	}
	return (torch_zip_locate(tf, cause));
}

/* Reads one of the legacy format's leading pickles. */
static struct pickle_node *
torch_legacy_pickle(struct torch_file *tf, size_t *at, pickle_persid_fn fn,
    const char *what, char **cause)
{
	struct pickle_node	*nd;
	size_t			 used;
	char			*why = NULL;

	nd = pickle_load(tf->pk, tf->map + *at, tf->maplen - *at, &used, fn,
	    tf, &why);
	if (nd == NULL) {
		util_fail(cause, "%s: %s: %s", tf->path, what, why);
		free(why);
		return (NULL);
	}
	*at += used;
	return (nd);
}

/* Checks the legacy format's magic number, protocol and system info. */
static int
torch_legacy_head(struct torch_file *tf, size_t *at, char **cause)
{
	struct pickle_node	*magic, *proto, *info, *le;
	int64_t			 v;

	magic = torch_legacy_pickle(tf, at, NULL, "magic number", cause);
	if (magic == NULL)
		return (-1);
	if (magic->type != PICKLE_BIGINT ||
	    magic->u.s.len != sizeof torch_magic ||
	    memcmp(magic->u.s.data, torch_magic, sizeof torch_magic) != 0)
		return (util_fail(cause, "torch: %s: no torch magic number",
		    tf->path));
	proto = torch_legacy_pickle(tf, at, NULL, "protocol", cause);
	if (proto == NULL)
		return (-1);
	if (pickle_int(proto, &v) != 0 || v != 1001)
		return (util_fail(cause, "torch: %s: unknown legacy protocol",
		    tf->path));
	info = torch_legacy_pickle(tf, at, NULL, "system info", cause);
	if (info == NULL)
		return (-1);
	le = pickle_dict_get(info, "little_endian");
	if (le != NULL && pickle_int(le, &v) == 0 && v == 0)
		return (util_fail(cause, "torch: %s: written on a big-endian "
		    "machine, which the legacy format cannot say for sure",
		    tf->path));
	return (0);
}

/* Finds each storage after the pickles: int64 count, then elements. */
static int
torch_legacy_storages(struct torch_file *tf, struct pickle_node *keys,
    size_t at, char **cause)
{
	struct torch_storage	*s;
	uint64_t		 count;
	size_t			 i, slot, bytes;
	int			 b;
	char			 key[128];

	if (keys->type != PICKLE_LIST)
		return (util_fail(cause, "torch: %s: storage keys are a %s, "
		    "not a list", tf->path, pickle_type_name(keys->type)));
	for (i = 0; i < pickle_len(keys); i++) {
		if (torch_pid_key(pickle_item(keys, i), key, sizeof key,
		    cause) != 0)
			return (-1);
		if ((s = torch_storage_find(tf, key, &slot)) == NULL)
			return (util_fail(cause, "torch: %s: storage %s is "
			    "listed but never used", tf->path, key));
		if (tf->maplen - at < 8)
			return (util_fail(cause, "torch: %s: truncated before "
			    "storage %s", tf->path, key));
		for (count = 0, b = 7; b >= 0; b--)
			count = (count << 8) | tf->map[at + b];
		at += 8;
		if (count != s->numel)
			return (util_fail(cause, "torch: %s: storage %s holds "
			    "%llu elements, the pickle says %llu", tf->path,
			    key, (unsigned long long)count,
			    (unsigned long long)s->numel));
		if (util_mul(count, torch_dtype_size(s->dtype),
		    &bytes) != 0 || bytes > tf->maplen - at)
			return (util_fail(cause, "torch: %s: truncated in "
			    "storage %s (%llu elements)", tf->path, key,
			    (unsigned long long)count));
		s->at = at;
		s->located = 1;
		at += bytes;
	}
	for (i = 0; i < tf->nst; i++) {
		if (!tf->st[i]->located)
			return (util_fail(cause, "torch: %s: storage %s is "
			    "not in the file", tf->path, tf->st[i]->key));
	}
	return (0);
}

/* Opens the legacy layout. */
static int
torch_open_legacy(struct torch_file *tf, char **cause)
{
	struct pickle_node	*keys;
	struct stat		 sb;
	size_t			 at = 0;
	int			 fd;
	void			*map;

	if ((fd = open(tf->path, O_RDONLY)) == -1 || fstat(fd, &sb) != 0) {
		util_fail(cause, "%s: %s", tf->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (sb.st_size == 0) {
		close(fd);
		return (util_fail(cause, "torch: %s: empty file", tf->path));
	}
	map = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return (util_fail(cause, "%s: %s", tf->path, strerror(errno)));
	tf->map = map;
	tf->maplen = sb.st_size;
	if (torch_legacy_head(tf, &at, cause) != 0)
		return (-1);
	tf->root = torch_legacy_pickle(tf, &at, torch_persid, "object", cause);
	if (tf->root == NULL)
		return (-1);
	keys = torch_legacy_pickle(tf, &at, NULL, "storage keys", cause);
	if (keys == NULL)
		return (-1);
	return (torch_legacy_storages(tf, keys, at, cause));
}

/* Opens a torch file of either layout. */
struct torch_file *
torch_open(const char *path, const struct pickle_limits *limits,
    char **cause)
{
	struct torch_file	*tf;
	unsigned char		 head[4];
	ssize_t			 n;
	int			 fd, r;

	if ((fd = open(path, O_RDONLY)) == -1) {
		util_fail(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	n = read(fd, head, sizeof head);
	close(fd);
	tf = xcalloc(1, sizeof *tf);
	tf->path = xstrdup(path);
	if (limits != NULL)
		tf->limits = *limits;
	else
		pickle_limits_default(&tf->limits);
	tf->pk = pickle_new(&tf->limits);
	if (n == 4 && memcmp(head, "PK", 2) == 0) {
		tf->format = TORCH_ZIP;
		r = torch_open_zip(tf, cause);
	} else {
		tf->format = TORCH_LEGACY;
		r = torch_open_legacy(tf, cause);
	}
	if (r != 0) {
		torch_close(tf);
		return (NULL);
	}
	return (tf);
}

/* The saved object. */
struct pickle_node *
torch_root(struct torch_file *tf)
{
	return (tf->root);
}

/* The arena holding the object. */
struct pickle *
torch_pickle(struct torch_file *tf)
{
	return (tf->pk);
}

/* "zip" or "legacy". */
const char *
torch_format(const struct torch_file *tf)
{
	return (tf->format == TORCH_ZIP ? "zip" : "legacy");
}

/* The number of storages and, in *bytes, their total size. */
size_t
torch_storages(const struct torch_file *tf, uint64_t *bytes)
{
	size_t	 i;

	if (bytes != NULL) {
		*bytes = 0;
		for (i = 0; i < tf->nst; i++)
			*bytes += tf->st[i]->numel *
			    torch_dtype_size(tf->st[i]->dtype);
	}
	return (tf->nst);
}

/* Whether a callable rebuilds a tensor, and how: 1 view, 2 wrapper. */
static int
torch_rebuilder(const struct pickle_node *fn)
{
	static const char *views[][2] = {
		{ "torch._utils", "_rebuild_tensor_v2" },
		{ "torch._utils", "_rebuild_tensor" },
		{ "fastai.torch_core", "_fa_rebuild_tensor" }
	};
	static const char *wrappers[][2] = {
		{ "torch._utils", "_rebuild_parameter" },
		{ "torch._utils", "_rebuild_parameter_with_state" },
		{ "torch._tensor", "_rebuild_from_type_v2" },
		{ "torch._tensor", "_rebuild_from_type" },
		{ "torch.tensor", "_rebuild_from_type_v2" },
		{ "torch.tensor", "_rebuild_from_type" }
	};
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(views); i++) {
		if (pickle_is_global(fn, views[i][0], views[i][1]))
			return (1);
	}
	for (i = 0; i < UTIL_NELEM(wrappers); i++) {
		if (pickle_is_global(fn, wrappers[i][0], wrappers[i][1]))
			return (2);
	}
	return (0);
}

/* Whether a node is a tensor rebuild call. */
int
torch_is_tensor(const struct pickle_node *nd)
{
	return (nd != NULL && nd->type == PICKLE_OBJECT &&
	    nd->u.obj.how == PICKLE_REDUCE &&
	    torch_rebuilder(nd->u.obj.callable) != 0);
}

/* The number of elements of a tensor. */
uint64_t
torch_tensor_numel(const struct torch_tensor *t)
{
	uint64_t	 n = 1;
	int		 i;

	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return (n);
}

/* Reads a tuple of non-negative integers (a size or a stride). */
static int
torch_dims(const struct pickle_node *nd, uint64_t *v, int *n, char **cause)
{
	int64_t	 x;
	size_t	 i;

	if (nd == NULL || (nd->type != PICKLE_TUPLE && nd->type != PICKLE_LIST))
		return (util_fail(cause, "torch: tensor size is not a tuple"));
	if (pickle_len(nd) > TORCH_MAXDIM)
		return (util_fail(cause, "torch: tensor of %zu dimensions, "
		    "more than %d", pickle_len(nd), TORCH_MAXDIM));
	for (i = 0; i < pickle_len(nd); i++) {
		if (pickle_int(pickle_item(nd, i), &x) != 0 || x < 0)
			return (util_fail(cause, "torch: bad tensor size or "
			    "stride"));
		v[i] = (uint64_t)x;
	}
	*n = (int)pickle_len(nd);
	return (0);
}

/* Checks that every element of a view lies inside its storage. */
static int
torch_view_check(const struct torch_tensor *t, uint64_t limit, char **cause)
{
	uint64_t	 last = t->offset, step;
	int		 i;

	if (torch_tensor_numel(t) == 0)
		return (0);
	for (i = 0; i < t->ndim; i++) {
		if (t->shape[i] - 1 != 0 && t->stride[i] > UINT64_MAX /
		    (t->shape[i] - 1))
			return (util_fail(cause, "torch: tensor strides "
			    "overflow"));
		step = (t->shape[i] - 1) * t->stride[i];
		if (last > UINT64_MAX - step)
			return (util_fail(cause, "torch: tensor strides "
			    "overflow"));
		last += step;
	}
	if (last >= limit)
		return (util_fail(cause, "torch: tensor reaches element %llu "
		    "of a storage of %llu", (unsigned long long)last,
		    (unsigned long long)limit));
	return (0);
}

/* _rebuild_tensor_v2(storage, offset, size, stride, ...) from args[first]. */
static int
torch_view(struct torch_file *tf, const struct pickle_node *args,
    size_t first, struct torch_tensor *t, char **cause)
{
	const struct pickle_node	*st, *view;
	int64_t				 off, voff, vsize;
	int				 nd, ns;

	st = pickle_item(args, first);
	if (st == NULL || st->type != PICKLE_PERSID)
		return (util_fail(cause, "torch: tensor without a storage"));
	if ((t->storage = torch_pid_storage(tf, st->u.pid, cause)) == NULL)
		return (-1);
	t->dtype = t->storage->dtype;
	if (pickle_int(pickle_item(args, first + 1), &off) != 0 || off < 0)
		return (util_fail(cause, "torch: bad tensor offset"));
	t->offset = (uint64_t)off;
	if (torch_dims(pickle_item(args, first + 2), t->shape, &nd,
	    cause) != 0 ||
	    torch_dims(pickle_item(args, first + 3), t->stride, &ns,
	    cause) != 0)
		return (-1);
	if (nd != ns)
		return (util_fail(cause, "torch: tensor has %d sizes and %d "
		    "strides", nd, ns));
	t->ndim = nd;
	vsize = (int64_t)t->storage->numel;
	view = pickle_item(st->u.pid, 5);
	if (view != NULL && !pickle_is_none(view)) {
		if (pickle_int(pickle_item(view, 1), &voff) != 0 ||
		    pickle_int(pickle_item(view, 2), &vsize) != 0 ||
		    voff < 0 || vsize < 0 ||
		    (uint64_t)voff + (uint64_t)vsize > t->storage->numel)
			return (util_fail(cause, "torch: bad storage view"));
		if (t->offset > UINT64_MAX - (uint64_t)voff)
			return (util_fail(cause, "torch: bad tensor offset"));
		if (torch_view_check(t, (uint64_t)vsize, cause) != 0)
			return (-1);
		t->offset += (uint64_t)voff;
	}
	return (torch_view_check(t, t->storage->numel, cause));
}

/* Follows a rebuild call down to the view it wraps. */
static int
torch_rebuild(struct torch_file *tf, const struct pickle_node *fn,
    const struct pickle_node *args, struct torch_tensor *t, int depth,
    char **cause)
{
	const struct pickle_node	*inner;

	if (depth > TORCH_NESTING)
		return (util_fail(cause, "torch: tensor rebuilt through more "
		    "than %d calls", TORCH_NESTING));
	switch (torch_rebuilder(fn)) {
	case 1:
		return (torch_view(tf, args, pickle_is_global(fn,
		    "fastai.torch_core", "_fa_rebuild_tensor") ? 1 : 0, t,
		    cause));
	case 2:
		if (strstr(fn->u.global.name, "from_type") != NULL)
			return (torch_rebuild(tf, pickle_item(args, 0),
			    pickle_item(args, 2), t, depth + 1, cause));
		inner = pickle_item(args, 0);
		if (inner == NULL || inner->type != PICKLE_OBJECT)
			return (util_fail(cause, "torch: parameter without "
			    "a tensor"));
		return (torch_rebuild(tf, inner->u.obj.callable,
		    inner->u.obj.args, t, depth + 1, cause));
	}
	if (fn != NULL && fn->type == PICKLE_GLOBAL)
		return (util_fail(cause, "torch: cannot rebuild a tensor "
		    "with %s.%s", fn->u.global.module, fn->u.global.name));
	return (util_fail(cause, "torch: not a tensor"));
}

/* Resolves a tensor rebuild call. */
int
torch_tensor(struct torch_file *tf, const struct pickle_node *nd,
    struct torch_tensor *t, char **cause)
{
	memset(t, 0, sizeof *t);
	if (nd == NULL || nd->type != PICKLE_OBJECT)
		return (util_fail(cause, "torch: not a tensor"));
	return (torch_rebuild(tf, nd->u.obj.callable, nd->u.obj.args, t, 0,
	    cause));
}

/* Makes a storage's bytes available. */
static int
torch_storage_load(struct torch_file *tf, struct torch_storage *s,
    char **cause)
{
	uint64_t	 bytes = s->numel * torch_dtype_size(s->dtype);

	if (s->data != NULL)
		return (0);
	if (tf->format == TORCH_LEGACY) {
		s->data = tf->map + s->at;
		return (0);
	}
	if (tf->loaded > tf->limits.max_bytes - bytes)
		return (util_fail(cause, "torch: %s: more than %zu bytes of "
		    "storages", tf->path, tf->limits.max_bytes));
	if ((s->data = torch_zip_read(tf, s->index, bytes, cause)) == NULL)
		return (-1);
	s->owned = 1;
	tf->loaded += bytes;
	return (0);
}

/* Widens an IEEE half to a float. */
static float
torch_half(uint16_t h)
{
	uint32_t	 sign = (uint32_t)(h & 0x8000) << 16, bits;
	int		 exp = (h >> 10) & 0x1f;
	uint32_t	 man = h & 0x3ff;
	float		 f;

	if (exp == 0x1f)
		bits = sign | 0x7f800000u | (man << 13);
	else if (exp != 0)
		bits = sign | ((uint32_t)(exp + 112) << 23) | (man << 13);
	else if (man == 0)
		bits = sign;
	else {
		exp = 113;
		while ((man & 0x400) == 0) {
			man <<= 1;
			exp--;
		}
		bits = sign | ((uint32_t)exp << 23) | ((man & 0x3ff) << 13);
	}
	memcpy(&f, &bits, sizeof f);
	return (f);
}

/* A double as an int64, NaN as 0 and the rest clamped to the range. */
static int64_t
torch_clamp(double d)
{
	if (d != d)
		return (0);
	if (d >= 9223372036854775807.0)
		return (INT64_MAX);
	if (d <= -9223372036854775808.0)
		return (INT64_MIN);
	return ((int64_t)d);
}

/* One element as a double, or as an integer for integer dtypes. */
static void
torch_element(const unsigned char *src, enum torch_dtype dtype, int swap,
    double *d, int64_t *i)
{
	unsigned char	 b[8];
	size_t		 n = torch_dtype_size(dtype), k;
	union {
		float f; double d; uint16_t u16; uint32_t u32;
		int64_t i64; int32_t i32; int16_t i16;
	} u;

	for (k = 0; k < n && k < 8; k++)
		b[k] = swap ? src[n - 1 - k] : src[k];
	memcpy(&u, b, n < 8 ? n : 8);
	switch (dtype) {
	case TORCH_F32: *d = u.f; *i = torch_clamp(*d); return;
	case TORCH_F64: *d = u.d; *i = torch_clamp(*d); return;
	case TORCH_F16: *d = torch_half(u.u16); *i = torch_clamp(*d); return;
	case TORCH_BF16:
		u.u32 = (uint32_t)u.u16 << 16;
		*d = u.f;
		*i = torch_clamp(*d);
		return;
	case TORCH_I64: *i = u.i64; break;
	case TORCH_I32: *i = u.i32; break;
	case TORCH_I16: *i = u.i16; break;
	case TORCH_I8: *i = (int8_t)b[0]; break;
	case TORCH_U8: *i = b[0]; break;
	case TORCH_BOOL: *i = b[0] != 0; break;
	default: *i = 0; break;
	}
	*d = (double)*i;
}

/* Checks that a dtype converts to what the caller wants. */
static int
torch_read_check(const struct torch_tensor *t, enum torch_out out,
    char **cause)
{
	int	 real = t->dtype <= TORCH_BF16;

	if (t->dtype == TORCH_C64 || t->dtype == TORCH_C128)
		return (util_fail(cause, "torch: %s tensors are not supported",
		    torch_dtype_name(t->dtype)));
	if (out == TORCH_OUT_I64 && real)
		return (util_fail(cause, "torch: %s tensor read as integers",
		    torch_dtype_name(t->dtype)));
	if (out == TORCH_OUT_U8 && t->dtype != TORCH_U8 &&
	    t->dtype != TORCH_BOOL)
		return (util_fail(cause, "torch: %s tensor read as bytes",
		    torch_dtype_name(t->dtype)));
	return (0);
}

/* Reads a tensor's elements in row-major order, converted. */
void *
torch_tensor_read(struct torch_file *tf, const struct torch_tensor *t,
    enum torch_out out, char **cause)
{
	static const size_t	 outsize[] = { 4, 8, 8, 1 };
	uint64_t		 idx[TORCH_MAXDIM], numel, at, k;
	size_t			 es = torch_dtype_size(t->dtype), bytes;
	unsigned char		*buf;
	double			 d;
	int64_t			 iv;
	int			 dim, swap = tf->big_endian && es > 1;

	numel = torch_tensor_numel(t);
	if (torch_read_check(t, out, cause) != 0)
		return (NULL);
	if (numel > SIZE_MAX || util_mul(numel, outsize[out], &bytes) != 0 ||
	    bytes > tf->limits.max_bytes) {
		util_fail(cause, "torch: a tensor of %llu elements exceeds "
		    "the limit", (unsigned long long)numel);
		return (NULL);
	}
	if (torch_storage_load(tf, t->storage, cause) != 0)
		return (NULL);
	buf = xmalloc(bytes);
	memset(idx, 0, sizeof idx);
	at = t->offset;
	for (k = 0; k < numel; k++) {
		torch_element(t->storage->data + at * es, t->dtype, swap, &d,
		    &iv);
		switch (out) {
		case TORCH_OUT_F32: ((float *)buf)[k] = (float)d; break;
		case TORCH_OUT_F64: ((double *)buf)[k] = d; break;
		case TORCH_OUT_I64: ((int64_t *)buf)[k] = iv; break;
		case TORCH_OUT_U8: buf[k] = (unsigned char)iv; break;
		}
		for (dim = t->ndim - 1; dim >= 0; dim--) {
			at += t->stride[dim];
			if (++idx[dim] < t->shape[dim])
				break;
			at -= t->stride[dim] * t->shape[dim];
			idx[dim] = 0;
		}
	}
	return (buf);
}
