/*
 * pickle.c: a reader of Python pickles that only reads data.
 *
 * The reader is a stack machine like Python's own, except that it never
 * calls anything: where Python would import a class or call a function,
 * it records a node saying so. Lengths declared in the file are checked
 * against the bytes that remain before anything is allocated, and every
 * allocation is counted against the arena's limits.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"
#include "text.h"
#include "util.h"

#define PICKLE_BLOCK	256
#define PICKLE_DIGITS	4096

struct pickle_block {
	struct pickle_block	*next;
	size_t			 used;
	struct pickle_node	 nodes[PICKLE_BLOCK];
};

struct pickle {
	struct pickle_limits	 limits;
	struct pickle_block	*blocks;
	size_t			 objects;
	size_t			 bytes;
	unsigned		 gen;
};

struct pickle_memo_slot {
	uint64_t		 key;
	struct pickle_node	*node;	/* NULL: empty slot */
};

struct pickle_parser {
	struct pickle		*pk;
	const unsigned char	*start;
	const unsigned char	*p;
	const unsigned char	*end;
	const unsigned char	*op;	/* the opcode being read */

	struct pickle_node	**stack;
	size_t			 n;
	size_t			 cap;
	size_t			*marks;
	size_t			 nmarks;
	size_t			 capmarks;

	struct pickle_memo_slot	*memo;
	size_t			 memo_n;
	size_t			 memo_slots;

	pickle_persid_fn	 persid;
	void			*arg;
	char			**cause;
};

/* Sets the defaults: depth 1000, 64 million objects, 4 GiB. */
void
pickle_limits_default(struct pickle_limits *l)
{
	l->max_depth = 1000;
	l->max_objects = (size_t)64 << 20;
	l->max_bytes = SIZE_MAX > 0xffffffffu ? (size_t)4 << 30 :
	    (size_t)1 << 30;
}

/* Makes an empty arena. */
struct pickle *
pickle_new(const struct pickle_limits *limits)
{
	struct pickle	*pk;

	pk = xcalloc(1, sizeof *pk);
	if (limits != NULL)
		pk->limits = *limits;
	else
		pickle_limits_default(&pk->limits);
	return (pk);
}

/* Frees what one node owns, not its children (they are in the arena). */
static void
pickle_node_release(struct pickle_node *nd)
{
	switch (nd->type) {
	case PICKLE_STR:
	case PICKLE_BYTES:
	case PICKLE_BIGINT:
		free(nd->u.s.data);
		break;
	case PICKLE_TUPLE:
	case PICKLE_LIST:
	case PICKLE_SET:
	case PICKLE_FROZENSET:
		free(nd->u.seq.v);
		break;
	case PICKLE_DICT:
		free(nd->u.dict.kv);
		break;
	case PICKLE_GLOBAL:
		free(nd->u.global.module);
		free(nd->u.global.name);
		break;
	default:
		break;
	}
}

/* Frees the arena and every node in it. */
void
pickle_free(struct pickle *pk)
{
	struct pickle_block	*b, *next;
	size_t			 i;

	if (pk == NULL)
		return;
	for (b = pk->blocks; b != NULL; b = next) {
		next = b->next;
		for (i = 0; i < b->used; i++)
			pickle_node_release(&b->nodes[i]);
		free(b);
	}
	free(pk);
}

/* Nodes in the arena. */
size_t
pickle_objects(const struct pickle *pk)
{
	return (pk->objects);
}

/* Bytes counted against the arena's limit. */
size_t
pickle_bytes(const struct pickle *pk)
{
	return (pk->bytes);
}

/* Counts n more bytes, failing past the limit. */
static int
pickle_account(struct pickle *pk, size_t n, char **cause)
{
	if (n > pk->limits.max_bytes || pk->bytes > pk->limits.max_bytes - n)
		return (util_fail(cause, "pickle: more than %zu bytes "
		    "allocated", pk->limits.max_bytes));
	pk->bytes += n;
	return (0);
}

/* Allocates a node of the given type. */
struct pickle_node *
pickle_node_new(struct pickle *pk, enum pickle_type type, char **cause)
{
	struct pickle_block	*b = pk->blocks;
	struct pickle_node	*nd;

	if (pk->objects >= pk->limits.max_objects) {
		util_fail(cause, "pickle: more than %zu objects",
		    pk->limits.max_objects);
		return (NULL);
	}
	if (b == NULL || b->used == PICKLE_BLOCK) {
		if (pickle_account(pk, sizeof *b, cause) != 0)
			return (NULL);
		b = xcalloc(1, sizeof *b);
		b->next = pk->blocks;
		pk->blocks = b;
	}
	nd = &b->nodes[b->used++];
	nd->type = type;
	pk->objects++;
	return (nd);
}

/* Names a node type for messages. */
const char *
pickle_type_name(enum pickle_type t)
{
	static const char *names[] = {
		"None", "bool", "int", "int", "float", "str", "bytes",
		"tuple", "list", "dict", "set", "frozenset", "global",
		"object", "persistent id"
	};

	if ((size_t)t >= UTIL_NELEM(names))
		return ("unknown");
	return (names[t]);
}

/* Fails with a message that names the offset of the current opcode. */
static int
pickle_error(struct pickle_parser *pp, const char *what)
{
	return (util_fail(pp->cause, "pickle: %s at offset %zu", what,
	    (size_t)(pp->op - pp->start)));
}

/* Fails unless n more bytes remain. */
static int
pickle_need(struct pickle_parser *pp, uint64_t n)
{
	if ((uint64_t)(pp->end - pp->p) < n)
		return (util_fail(pp->cause, "pickle: truncated: opcode at "
		    "offset %zu needs %llu bytes, %zu remain",
		    (size_t)(pp->op - pp->start), (unsigned long long)n,
		    (size_t)(pp->end - pp->p)));
	return (0);
}

/* Reads a little-endian unsigned integer of n bytes. */
static int
pickle_read_le(struct pickle_parser *pp, int n, uint64_t *v)
{
	int	 i;

	if (pickle_need(pp, n) != 0)
		return (-1);
	*v = 0;
	for (i = n - 1; i >= 0; i--)
		*v = (*v << 8) | pp->p[i];
	pp->p += n;
	return (0);
}

/* Reads a text line up to its newline, which is skipped. */
static int
pickle_read_line(struct pickle_parser *pp, const char **line, size_t *len)
{
	const unsigned char	*nl;

	nl = memchr(pp->p, '\n', pp->end - pp->p);
	if (nl == NULL)
		return (util_fail(pp->cause, "pickle: truncated: no newline "
		    "after opcode at offset %zu",
		    (size_t)(pp->op - pp->start)));
	*line = (const char *)pp->p;
	*len = nl - pp->p;
	pp->p = nl + 1;
	return (0);
}

/* Raises a parent's depth to hold child, failing past the limit. */
static int
pickle_deepen(struct pickle_parser *pp, struct pickle_node *parent,
    const struct pickle_node *child)
{
	if (child == NULL || child->depth + 1 <= parent->depth)
		return (0);
	parent->depth = child->depth + 1;
	if (parent->depth > pp->pk->limits.max_depth)
		return (util_fail(pp->cause, "pickle: nesting deeper than %u",
		    pp->pk->limits.max_depth));
	return (0);
}

/* Pushes a node on the stack. */
static int
pickle_push(struct pickle_parser *pp, struct pickle_node *nd)
{
	size_t	 cap;

	if (nd == NULL)
		return (-1);
	if (pp->n == pp->cap) {
		cap = pp->cap == 0 ? 64 : pp->cap * 2;
		if (pickle_account(pp->pk, (cap - pp->cap) * sizeof *pp->stack,
		    pp->cause) != 0)
			return (-1);
		pp->stack = xreallocarray(pp->stack, cap, sizeof *pp->stack);
		pp->cap = cap;
	}
	pp->stack[pp->n++] = nd;
	return (0);
}

/* The bottom of the current frame: the last mark, or 0. */
static size_t
pickle_frame(struct pickle_parser *pp)
{
	return (pp->nmarks == 0 ? 0 : pp->marks[pp->nmarks - 1]);
}

/* Pops the top of the stack, or NULL with a cause when the frame is empty. */
static struct pickle_node *
pickle_pop(struct pickle_parser *pp)
{
	if (pp->n <= pickle_frame(pp)) {
		pickle_error(pp, "stack underflow");
		return (NULL);
	}
	return (pp->stack[--pp->n]);
}

/* The top of the stack without popping it. */
static struct pickle_node *
pickle_top(struct pickle_parser *pp)
{
	if (pp->n <= pickle_frame(pp)) {
		pickle_error(pp, "stack underflow");
		return (NULL);
	}
	return (pp->stack[pp->n - 1]);
}

/* Pushes a mark. */
static int
pickle_mark(struct pickle_parser *pp)
{
	if (pp->nmarks >= pp->pk->limits.max_depth)
		return (util_fail(pp->cause, "pickle: nesting deeper than %u",
		    pp->pk->limits.max_depth));
	if (pp->nmarks == pp->capmarks) {
		pp->capmarks = pp->capmarks == 0 ? 16 : pp->capmarks * 2;
		pp->marks = xreallocarray(pp->marks, pp->capmarks,
		    sizeof *pp->marks);
	}
	pp->marks[pp->nmarks++] = pp->n;
	return (0);
}

/* Pops back to the last mark; the items stay readable at *items. */
static int
pickle_pop_mark(struct pickle_parser *pp, struct pickle_node ***items,
    size_t *n)
{
	size_t	 at;

	if (pp->nmarks == 0)
		return (pickle_error(pp, "no MARK before opcode"));
	at = pp->marks[--pp->nmarks];
	*items = pp->stack == NULL ? NULL : pp->stack + at;
	*n = pp->n - at;
	pp->n = at;
	return (0);
}

/* Makes room for more items in a sequence node. */
static int
pickle_seq_reserve(struct pickle_parser *pp, struct pickle_node *nd,
    size_t more)
{
	size_t	 cap, want;

	if (more > SIZE_MAX - nd->u.seq.n)
		return (pickle_error(pp, "sequence too long"));
	want = nd->u.seq.n + more;
	if (want <= nd->u.seq.cap)
		return (0);
	cap = nd->u.seq.cap == 0 ? 4 : nd->u.seq.cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 4 ? want : cap * 2;
	if (pickle_account(pp->pk, (cap - nd->u.seq.cap) * sizeof (void *),
	    pp->cause) != 0)
		return (-1);
	nd->u.seq.v = xreallocarray(nd->u.seq.v, cap, sizeof *nd->u.seq.v);
	nd->u.seq.cap = cap;
	return (0);
}

/* Appends items to a sequence node. */
static int
pickle_seq_add(struct pickle_parser *pp, struct pickle_node *nd,
    struct pickle_node **items, size_t n)
{
	size_t	 i;

	if (pickle_seq_reserve(pp, nd, n) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (pickle_deepen(pp, nd, items[i]) != 0)
			return (-1);
		nd->u.seq.v[nd->u.seq.n++] = items[i];
	}
	return (0);
}

/* Makes a sequence node of the given type from n items. */
static struct pickle_node *
pickle_seq_new(struct pickle_parser *pp, enum pickle_type type,
    struct pickle_node **items, size_t n)
{
	struct pickle_node	*nd;

	nd = pickle_node_new(pp->pk, type, pp->cause);
	if (nd == NULL)
		return (NULL);
	if (pickle_seq_add(pp, nd, items, n) != 0)
		return (NULL);
	return (nd);
}

/* Adds key-value pairs to a dict node. */
static int
pickle_dict_add(struct pickle_parser *pp, struct pickle_node *nd,
    struct pickle_node **kv, size_t n)
{
	size_t	 i, cap, want;

	if (n % 2 != 0)
		return (pickle_error(pp, "odd number of items for a dict"));
	want = nd->u.dict.n + n / 2;
	if (want > nd->u.dict.cap) {
		cap = nd->u.dict.cap == 0 ? 4 : nd->u.dict.cap;
		while (cap < want)
			cap = cap > SIZE_MAX / 8 ? want : cap * 2;
		if (pickle_account(pp->pk, (cap - nd->u.dict.cap) * 2 *
		    sizeof (void *), pp->cause) != 0)
			return (-1);
		nd->u.dict.kv = xreallocarray(nd->u.dict.kv, cap,
		    2 * sizeof *nd->u.dict.kv);
		nd->u.dict.cap = cap;
	}
	for (i = 0; i < n; i++) {
		if (pickle_deepen(pp, nd, kv[i]) != 0)
			return (-1);
		nd->u.dict.kv[2 * nd->u.dict.n + i] = kv[i];
	}
	nd->u.dict.n = want;
	return (0);
}

/* Makes a string-like node holding a copy of n bytes. */
static struct pickle_node *
pickle_bytes_new(struct pickle_parser *pp, enum pickle_type type,
    const void *data, size_t n)
{
	struct pickle_node	*nd;

	if (n == SIZE_MAX || pickle_account(pp->pk, n + 1, pp->cause) != 0)
		return (NULL);
	nd = pickle_node_new(pp->pk, type, pp->cause);
	if (nd == NULL)
		return (NULL);
	nd->u.s.data = xmalloc(n + 1);
	memcpy(nd->u.s.data, data, n);
	nd->u.s.data[n] = '\0';
	nd->u.s.len = n;
	return (nd);
}

/* Makes a node holding a 64-bit integer or a bool. */
static struct pickle_node *
pickle_int_new(struct pickle_parser *pp, enum pickle_type type, int64_t v)
{
	struct pickle_node	*nd;

	nd = pickle_node_new(pp->pk, type, pp->cause);
	if (nd != NULL)
		nd->u.i = v;
	return (nd);
}

/*
 * Makes an integer node from little-endian two's complement bytes: an
 * INT when the value fits in 64 bits, a BIGINT holding the bytes if not.
 */
static struct pickle_node *
pickle_long_new(struct pickle_parser *pp, const unsigned char *b, size_t n)
{
	unsigned char	 fill;
	uint64_t	 v;
	size_t		 i;

	if (n == 0)
		return (pickle_int_new(pp, PICKLE_INT, 0));
	fill = (b[n - 1] & 0x80) ? 0xff : 0x00;
	while (n > 1 && b[n - 1] == fill &&
	    ((b[n - 2] & 0x80) ? 0xff : 0x00) == fill)
		n--;
	if (n > 8)
		return (pickle_bytes_new(pp, PICKLE_BIGINT, b, n));
	v = fill ? UINT64_MAX : 0;
	for (i = n; i > 0; i--)
		v = (v << 8) | b[i - 1];
	return (pickle_int_new(pp, PICKLE_INT, (int64_t)v));
}

/* Makes an integer node from decimal text (INT, LONG, trailing L). */
static struct pickle_node *
pickle_decimal_new(struct pickle_parser *pp, const char *s, size_t len)
{
	struct pickle_node	*nd;
	unsigned char		*b;
	size_t			 i, j, nb = 1;
	unsigned		 carry;
	int			 neg = 0;

	if (len > 0 && s[len - 1] == 'L')
		len--;
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	if (len == 0 || len > PICKLE_DIGITS) {
		pickle_error(pp, len == 0 ? "empty integer" :
		    "integer of too many digits");
		return (NULL);
	}
	b = xcalloc(len / 2 + 2, 1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			free(b);
			pickle_error(pp, "bad integer text");
			return (NULL);
		}
		carry = s[i] - '0';
		for (j = 0; j < nb; j++) {
			carry += b[j] * 10u;
			b[j] = carry & 0xff;
			carry >>= 8;
		}
		if (carry != 0)
			b[nb++] = carry;
	}
	b[nb++] = 0;	/* room for the sign */
	if (neg) {
		carry = 1;
		for (j = 0; j < nb; j++) {
			carry += (unsigned char)~b[j];
			b[j] = carry & 0xff;
			carry >>= 8;
		}
	}
	nd = pickle_long_new(pp, b, nb);
	free(b);
	return (nd);
}

/* Makes a float node from text, whatever the C locale's decimal point. */
static struct pickle_node *
pickle_float_text(struct pickle_parser *pp, const char *s, size_t len)
{
	struct pickle_node	*nd;
	const char		*dp;
	char			 buf[128], *end, *c;
	double			 v;

	if (len == 0 || len >= sizeof buf) {
		pickle_error(pp, "bad float text");
		return (NULL);
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	dp = localeconv()->decimal_point;
	if (dp != NULL && dp[0] != '\0' && dp[0] != '.' && dp[1] == '\0') {
		if ((c = strchr(buf, '.')) != NULL)
			*c = dp[0];
	}
	v = strtod(buf, &end);
	if (end == buf || *end != '\0') {
		pickle_error(pp, "bad float text");
		return (NULL);
	}
	nd = pickle_node_new(pp->pk, PICKLE_FLOAT, pp->cause);
	if (nd != NULL)
		nd->u.f = v;
	return (nd);
}

/* Reads n hex digits as a number, or returns -1. */
static long
pickle_hex(const char *s, size_t n)
{
	long	 v = 0;
	size_t	 i;
	int	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return (-1);
		v = v * 16 + c;
	}
	return (v);
}

/*
 * Decodes protocol 0's UNICODE text (raw-unicode-escape: Latin-1 bytes
 * and \uXXXX or \UXXXXXXXX after an odd run of backslashes) to UTF-8.
 */
static struct pickle_node *
pickle_unicode_text(struct pickle_parser *pp, const char *s, size_t len)
{
	struct pickle_node	*nd;
	char			*out;
	size_t			 i = 0, o = 0, run, k, w;
	long			 cp;

	out = xmalloc(len * 4 + 1);
	while (i < len) {
		if (s[i] != '\\') {
			o += text_utf8((unsigned char)s[i++], out + o);
			continue;
		}
		for (run = 0; i + run < len && s[i + run] == '\\'; run++)
			/* nothing */;
		w = (i + run < len && s[i + run] == 'u') ? 4 :
		    (i + run < len && s[i + run] == 'U') ? 8 : 0;
		cp = -1;
		if (run % 2 == 1 && w != 0 && i + run + 1 + w <= len)
			cp = pickle_hex(s + i + run + 1, w);
		if (cp < 0 || cp > 0x10ffff) {
			for (k = 0; k < run; k++)
				out[o++] = '\\';
			i += run;
			continue;
		}
		for (k = 0; k + 1 < run; k++)
			out[o++] = '\\';
		o += text_utf8((uint32_t)cp, out + o);
		i += run + 1 + w;
	}
	nd = pickle_bytes_new(pp, PICKLE_STR, out, o);
	free(out);
	return (nd);
}

/* Decodes one backslash escape of a protocol 0 STRING; returns its length. */
static size_t
pickle_escape(const char *s, size_t len, char *out, size_t *o)
{
	static const char	 from[] = "abfnrtv\\'\"";
	static const char	 to[] = "\a\b\f\n\r\t\v\\'\"";
	const char		*c;
	size_t			 n;
	int			 v;

	if (len == 0) {
		out[(*o)++] = '\\';
		return (0);
	}
	if ((c = strchr(from, s[0])) != NULL && s[0] != '\0') {
		out[(*o)++] = to[c - from];
		return (1);
	}
	if (s[0] == 'x' && len >= 3 && pickle_hex(s + 1, 2) >= 0) {
		out[(*o)++] = (char)pickle_hex(s + 1, 2);
		return (3);
	}
	if (s[0] >= '0' && s[0] <= '7') {
		for (n = 0, v = 0; n < 3 && n < len && s[n] >= '0' &&
		    s[n] <= '7'; n++)
			v = v * 8 + (s[n] - '0');
		out[(*o)++] = (char)v;
		return (n);
	}
	out[(*o)++] = '\\';
	return (0);
}

/* Decodes protocol 0's quoted STRING text to an 8-bit string. */
static struct pickle_node *
pickle_string_text(struct pickle_parser *pp, const char *s, size_t len)
{
	struct pickle_node	*nd;
	char			*out;
	size_t			 i, o = 0;

	if (len < 2 || (s[0] != '\'' && s[0] != '"') || s[len - 1] != s[0]) {
		pickle_error(pp, "STRING opcode argument must be quoted");
		return (NULL);
	}
	s++;
	len -= 2;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '\\')
			i += pickle_escape(s + i + 1, len - i - 1, out, &o);
		else
			out[o++] = s[i];
	}
	nd = pickle_bytes_new(pp, PICKLE_STR, out, o);
	free(out);
	if (nd != NULL)
		nd->flags |= PICKLE_F_8BIT;
	return (nd);
}

/* Reads a length-prefixed string, bytes or long of prefix width w. */
static struct pickle_node *
pickle_counted(struct pickle_parser *pp, int w, enum pickle_type type,
    int flags)
{
	struct pickle_node	*nd;
	uint64_t		 n;

	if (pickle_read_le(pp, w, &n) != 0)
		return (NULL);
	if (w == 4 && (type == PICKLE_BIGINT || flags & PICKLE_F_8BIT) &&
	    (n & 0x80000000u)) {
		pickle_error(pp, "negative length");
		return (NULL);
	}
	if (pickle_need(pp, n) != 0)
		return (NULL);
	if (type == PICKLE_BIGINT)
		nd = pickle_long_new(pp, pp->p, n);
	else
		nd = pickle_bytes_new(pp, type, pp->p, n);
	pp->p += n;
	if (nd != NULL && type != PICKLE_BIGINT)
		nd->flags |= flags;
	return (nd);
}

/* Finds a memo slot for key: its own or the empty one it would take. */
static struct pickle_memo_slot *
pickle_memo_slot(struct pickle_parser *pp, uint64_t key)
{
	size_t	 i, mask = pp->memo_slots - 1;

	i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & mask;
	while (pp->memo[i].node != NULL && pp->memo[i].key != key)
		i = (i + 1) & mask;
	return (&pp->memo[i]);
}

/* Stores the top of the stack in the memo under key. */
static int
pickle_memo_put(struct pickle_parser *pp, uint64_t key)
{
	struct pickle_memo_slot	*old, *slot;
	struct pickle_node	*top;
	size_t			 i, n;

	if ((top = pickle_top(pp)) == NULL)
		return (-1);
	if (pp->memo_n * 2 >= pp->memo_slots) {
		old = pp->memo;
		n = pp->memo_slots;
		if (pickle_account(pp->pk, (n == 0 ? 64 : n) * sizeof *old,
		    pp->cause) != 0)
			return (-1);
		pp->memo_slots = n == 0 ? 64 : n * 2;
		pp->memo = xcalloc(pp->memo_slots, sizeof *pp->memo);
		for (i = 0; i < n; i++) {
			if (old[i].node != NULL)
				*pickle_memo_slot(pp, old[i].key) = old[i];
		}
		free(old);
	}
	slot = pickle_memo_slot(pp, key);
	if (slot->node == NULL)
		pp->memo_n++;
	slot->key = key;
	slot->node = top;
	return (0);
}

/* Pushes the memo entry under key. */
static int
pickle_memo_get(struct pickle_parser *pp, uint64_t key)
{
	struct pickle_memo_slot	*slot;
	char			 what[64];

	slot = pp->memo_slots == 0 ? NULL : pickle_memo_slot(pp, key);
	if (slot == NULL || slot->node == NULL) {
		snprintf(what, sizeof what, "memo key %llu is missing",
		    (unsigned long long)key);
		return (pickle_error(pp, what));
	}
	return (pickle_push(pp, slot->node));
}

/* Reads a decimal memo key from a text line (PUT, GET). */
static int
pickle_text_key(struct pickle_parser *pp, uint64_t *key)
{
	const char	*line;
	size_t		 len, i;

	if (pickle_read_line(pp, &line, &len) != 0)
		return (-1);
	if (len == 0 || len > 19)
		return (pickle_error(pp, "bad memo key"));
	*key = 0;
	for (i = 0; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return (pickle_error(pp, "bad memo key"));
		*key = *key * 10 + (line[i] - '0');
	}
	return (0);
}

/* Makes a GLOBAL node from a module and a name. */
static struct pickle_node *
pickle_global_new(struct pickle_parser *pp, const char *module, size_t mlen,
    const char *name, size_t nlen)
{
	struct pickle_node	*nd;

	if (pickle_account(pp->pk, mlen + nlen + 2, pp->cause) != 0)
		return (NULL);
	nd = pickle_node_new(pp->pk, PICKLE_GLOBAL, pp->cause);
	if (nd == NULL)
		return (NULL);
	nd->u.global.module = xstrndup(module, mlen);
	nd->u.global.name = xstrndup(name, nlen);
	if (strlen(nd->u.global.module) != mlen ||
	    strlen(nd->u.global.name) != nlen) {
		pickle_error(pp, "NUL in a class name");
		return (NULL);
	}
	return (nd);
}

/* Reads GLOBAL's or INST's two text lines, module and name. */
static struct pickle_node *
pickle_global_text(struct pickle_parser *pp)
{
	const char	*module, *name;
	size_t		 mlen, nlen;

	if (pickle_read_line(pp, &module, &mlen) != 0 ||
	    pickle_read_line(pp, &name, &nlen) != 0)
		return (NULL);
	return (pickle_global_new(pp, module, mlen, name, nlen));
}

/* STACK_GLOBAL: module and name strings from the stack. */
static int
pickle_op_stack_global(struct pickle_parser *pp)
{
	struct pickle_node	*name, *module;

	if ((name = pickle_pop(pp)) == NULL ||
	    (module = pickle_pop(pp)) == NULL)
		return (-1);
	if (name->type != PICKLE_STR || module->type != PICKLE_STR)
		return (pickle_error(pp, "STACK_GLOBAL needs two strings"));
	return (pickle_push(pp, pickle_global_new(pp, module->u.s.data,
	    module->u.s.len, name->u.s.data, name->u.s.len)));
}

/* Makes an OBJECT node recording a call that is not made. */
static struct pickle_node *
pickle_object_new(struct pickle_parser *pp, enum pickle_call how,
    struct pickle_node *callable, struct pickle_node *args,
    struct pickle_node *kwargs)
{
	struct pickle_node	*nd;

	nd = pickle_node_new(pp->pk, PICKLE_OBJECT, pp->cause);
	if (nd == NULL)
		return (NULL);
	nd->u.obj.how = how;
	nd->u.obj.callable = callable;
	nd->u.obj.args = args;
	nd->u.obj.kwargs = kwargs;
	if (pickle_deepen(pp, nd, callable) != 0 ||
	    pickle_deepen(pp, nd, args) != 0 ||
	    pickle_deepen(pp, nd, kwargs) != 0)
		return (NULL);
	return (nd);
}

/* REDUCE, NEWOBJ and NEWOBJ_EX: callable and arguments from the stack. */
static int
pickle_op_call(struct pickle_parser *pp, enum pickle_call how)
{
	struct pickle_node	*callable, *args, *kwargs = NULL;

	if (how == PICKLE_NEWOBJ_EX && (kwargs = pickle_pop(pp)) == NULL)
		return (-1);
	if ((args = pickle_pop(pp)) == NULL ||
	    (callable = pickle_pop(pp)) == NULL)
		return (-1);
	return (pickle_push(pp, pickle_object_new(pp, how, callable, args,
	    kwargs)));
}

/* INST and OBJ: a class and arguments after a mark. */
static int
pickle_op_inst(struct pickle_parser *pp, int text)
{
	struct pickle_node	**items = NULL, *cls = NULL, *args;
	size_t			 n = 0;

	if (text && (cls = pickle_global_text(pp)) == NULL)
		return (-1);
	if (pickle_pop_mark(pp, &items, &n) != 0)
		return (-1);
	if (!text) {
		if (n == 0)
			return (pickle_error(pp, "OBJ without a class"));
		cls = items[0];
		items++;
		n--;
	}
	if ((args = pickle_seq_new(pp, PICKLE_TUPLE, items, n)) == NULL)
		return (-1);
	return (pickle_push(pp, pickle_object_new(pp, PICKLE_INST, cls, args,
	    NULL)));
}

/* BUILD: records the state an object would have been given. */
static int
pickle_op_build(struct pickle_parser *pp)
{
	struct pickle_node	*state, *inst, *merged, *old;

	if ((state = pickle_pop(pp)) == NULL || (inst = pickle_top(pp)) == NULL)
		return (-1);
	old = inst->state;
	if (old != NULL && old->type == PICKLE_DICT &&
	    state->type == PICKLE_DICT) {
		merged = pickle_node_new(pp->pk, PICKLE_DICT, pp->cause);
		if (merged == NULL ||
		    pickle_dict_add(pp, merged, old->u.dict.kv,
		    2 * old->u.dict.n) != 0 ||
		    pickle_dict_add(pp, merged, state->u.dict.kv,
		    2 * state->u.dict.n) != 0)
			return (-1);
		state = merged;
	}
	inst->state = state;
	return (pickle_deepen(pp, inst, state));
}

/* The list an APPEND or ADDITEMS adds to: the node or an object's list. */
static struct pickle_node *
pickle_append_target(struct pickle_parser *pp, struct pickle_node *nd,
    enum pickle_type want)
{
	if (nd->type == want)
		return (nd);
	if (nd->type != PICKLE_OBJECT) {
		pickle_error(pp, want == PICKLE_SET ? "ADDITEMS to a non-set" :
		    "APPEND to a non-list");
		return (NULL);
	}
	if (nd->u.obj.list == NULL)
		nd->u.obj.list = pickle_node_new(pp->pk, PICKLE_LIST,
		    pp->cause);
	return (nd->u.obj.list);
}

/* APPEND, APPENDS and ADDITEMS. */
static int
pickle_op_append(struct pickle_parser *pp, int marked, enum pickle_type want)
{
	struct pickle_node	**items = NULL, *one, *target, *to;
	size_t			 n = 0;

	if (marked) {
		if (pickle_pop_mark(pp, &items, &n) != 0)
			return (-1);
	} else {
		if ((one = pickle_pop(pp)) == NULL)
			return (-1);
		items = &one;
		n = 1;
	}
	if ((target = pickle_top(pp)) == NULL)
		return (-1);
	if ((to = pickle_append_target(pp, target, want)) == NULL)
		return (-1);
	if (pickle_seq_add(pp, to, items, n) != 0)
		return (-1);
	return (to == target ? 0 : pickle_deepen(pp, target, to));
}

/* SETITEM and SETITEMS. */
static int
pickle_op_setitems(struct pickle_parser *pp, int marked)
{
	struct pickle_node	**items = NULL, *pair[2], *target, *to;
	size_t			 n = 0;

	if (marked) {
		if (pickle_pop_mark(pp, &items, &n) != 0)
			return (-1);
	} else {
		if ((pair[1] = pickle_pop(pp)) == NULL ||
		    (pair[0] = pickle_pop(pp)) == NULL)
			return (-1);
		items = pair;
		n = 2;
	}
	if ((target = pickle_top(pp)) == NULL)
		return (-1);
	to = target;
	if (target->type == PICKLE_OBJECT) {
		if (target->u.obj.items == NULL)
			target->u.obj.items = pickle_node_new(pp->pk,
			    PICKLE_DICT, pp->cause);
		if ((to = target->u.obj.items) == NULL)
			return (-1);
	} else if (target->type != PICKLE_DICT)
		return (pickle_error(pp, "SETITEM on a non-dict"));
	if (pickle_dict_add(pp, to, items, n) != 0)
		return (-1);
	return (to == target ? 0 : pickle_deepen(pp, target, to));
}

/* Containers made from the items after a mark: LIST, TUPLE, DICT... */
static int
pickle_op_from_mark(struct pickle_parser *pp, enum pickle_type type)
{
	struct pickle_node	**items = NULL, *nd;
	size_t			 n = 0;

	if (pickle_pop_mark(pp, &items, &n) != 0)
		return (-1);
	if (type == PICKLE_DICT) {
		nd = pickle_node_new(pp->pk, PICKLE_DICT, pp->cause);
		if (nd == NULL || pickle_dict_add(pp, nd, items, n) != 0)
			return (-1);
		return (pickle_push(pp, nd));
	}
	return (pickle_push(pp, pickle_seq_new(pp, type, items, n)));
}

/* TUPLE1, TUPLE2, TUPLE3: a tuple of the top n items. */
static int
pickle_op_tuple_n(struct pickle_parser *pp, size_t n)
{
	struct pickle_node	*nd;

	if (pp->n < pickle_frame(pp) + n)
		return (pickle_error(pp, "stack underflow"));
	pp->n -= n;
	nd = pickle_seq_new(pp, PICKLE_TUPLE, pp->stack + pp->n, n);
	return (pickle_push(pp, nd));
}

/* PERSID and BINPERSID: hands the id to the callback or keeps it. */
static int
pickle_op_persid(struct pickle_parser *pp, int binary)
{
	struct pickle_node	*pid, *nd;
	const char		*line;
	size_t			 len;

	if (binary)
		pid = pickle_pop(pp);
	else {
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		pid = pickle_bytes_new(pp, PICKLE_STR, line, len);
	}
	if (pid == NULL)
		return (-1);
	if (pp->persid != NULL)
		return (pickle_push(pp, pp->persid(pp->pk, pid, pp->arg,
		    pp->cause)));
	if ((nd = pickle_node_new(pp->pk, PICKLE_PERSID, pp->cause)) == NULL)
		return (-1);
	nd->u.pid = pid;
	if (pickle_deepen(pp, nd, pid) != 0)
		return (-1);
	return (pickle_push(pp, nd));
}

/* Integer opcodes: INT, BININT, BININT1, BININT2, LONG, LONG1, LONG4. */
static int
pickle_op_int(struct pickle_parser *pp, int op)
{
	const char	*line;
	size_t		 len;
	uint64_t	 v;

	switch (op) {
	case 'I':
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		if (len == 2 && memcmp(line, "01", 2) == 0)
			return (pickle_push(pp, pickle_int_new(pp, PICKLE_BOOL,
			    1)));
		if (len == 2 && memcmp(line, "00", 2) == 0)
			return (pickle_push(pp, pickle_int_new(pp, PICKLE_BOOL,
			    0)));
		return (pickle_push(pp, pickle_decimal_new(pp, line, len)));
	case 'L':
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		return (pickle_push(pp, pickle_decimal_new(pp, line, len)));
	case 'J':
		if (pickle_read_le(pp, 4, &v) != 0)
			return (-1);
		return (pickle_push(pp, pickle_int_new(pp, PICKLE_INT,
		    (int32_t)(uint32_t)v)));
	case 'K':
	case 'M':
		if (pickle_read_le(pp, op == 'K' ? 1 : 2, &v) != 0)
			return (-1);
		return (pickle_push(pp, pickle_int_new(pp, PICKLE_INT,
		    (int64_t)v)));
	case 0x8a:
		return (pickle_push(pp, pickle_counted(pp, 1, PICKLE_BIGINT,
		    0)));
	case 0x8b:
		return (pickle_push(pp, pickle_counted(pp, 4, PICKLE_BIGINT,
		    0)));
	}
	return (pickle_error(pp, "unknown integer opcode"));
}

/* Text and byte string opcodes of every protocol. */
static int
pickle_op_str(struct pickle_parser *pp, int op)
{
	const char	*line;
	size_t		 len;

	switch (op) {
	case 'S':
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		return (pickle_push(pp, pickle_string_text(pp, line, len)));
	case 'V':
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		return (pickle_push(pp, pickle_unicode_text(pp, line, len)));
	case 'T':
		return (pickle_push(pp, pickle_counted(pp, 4, PICKLE_STR,
		    PICKLE_F_8BIT)));
	case 'U':
		return (pickle_push(pp, pickle_counted(pp, 1, PICKLE_STR,
		    PICKLE_F_8BIT)));
	case 'X':
		return (pickle_push(pp, pickle_counted(pp, 4, PICKLE_STR, 0)));
	case 0x8c:
		return (pickle_push(pp, pickle_counted(pp, 1, PICKLE_STR, 0)));
	case 0x8d:
		return (pickle_push(pp, pickle_counted(pp, 8, PICKLE_STR, 0)));
	case 'B':
		return (pickle_push(pp, pickle_counted(pp, 4, PICKLE_BYTES,
		    0)));
	case 'C':
		return (pickle_push(pp, pickle_counted(pp, 1, PICKLE_BYTES,
		    0)));
	case 0x8e:
		return (pickle_push(pp, pickle_counted(pp, 8, PICKLE_BYTES,
		    0)));
	case 0x96:
		return (pickle_push(pp, pickle_counted(pp, 8, PICKLE_BYTES,
		    PICKLE_F_BYTEARRAY)));
	}
	return (pickle_error(pp, "unknown string opcode"));
}

/* Memo opcodes: PUT, BINPUT, LONG_BINPUT, MEMOIZE, GET and friends. */
static int
pickle_op_memo(struct pickle_parser *pp, int op)
{
	uint64_t	 key = 0;

	switch (op) {
	case 'p':
	case 'g':
		if (pickle_text_key(pp, &key) != 0)
			return (-1);
		break;
	case 'q':
	case 'h':
		if (pickle_read_le(pp, 1, &key) != 0)
			return (-1);
		break;
	case 'r':
	case 'j':
		if (pickle_read_le(pp, 4, &key) != 0)
			return (-1);
		break;
	default:	/* MEMOIZE */
		key = pp->memo_n;
		break;
	}
	if (op == 'g' || op == 'h' || op == 'j')
		return (pickle_memo_get(pp, key));
	return (pickle_memo_put(pp, key));
}

/* Opcodes that only move things on the stack or frame the input. */
static int
pickle_op_stack(struct pickle_parser *pp, int op)
{
	struct pickle_node	**items = NULL, *top;
	uint64_t		 v;
	size_t			 n = 0;
	char			 what[64];

	switch (op) {
	case '(':
		return (pickle_mark(pp));
	case '0':
		if (pp->n > pickle_frame(pp)) {
			pp->n--;
			return (0);
		}
		return (pickle_pop_mark(pp, &items, &n));
	case '1':
		return (pickle_pop_mark(pp, &items, &n));
	case '2':
		if ((top = pickle_top(pp)) == NULL)
			return (-1);
		return (pickle_push(pp, top));
	case 0x80:
		if (pickle_read_le(pp, 1, &v) != 0)
			return (-1);
		if (v > 5) {
			snprintf(what, sizeof what, "protocol %u is newer "
			    "than 5", (unsigned)v);
			return (pickle_error(pp, what));
		}
		return (0);
	case 0x95:
		if (pickle_read_le(pp, 8, &v) != 0)
			return (-1);
		return (pickle_need(pp, v));
	case 0x98:
		return (pickle_top(pp) == NULL ? -1 : 0);
	}
	return (pickle_error(pp, "unknown stack opcode"));
}

/* Runs one opcode other than STOP. */
static int
pickle_step(struct pickle_parser *pp, int op)
{
	struct pickle_node	*nd;
	const char		*line;
	size_t			 len;
	uint64_t		 v;

	switch (op) {
	case '(': case '0': case '1': case '2': case 0x80: case 0x95:
	case 0x98:
		return (pickle_op_stack(pp, op));
	case 'N':
		return (pickle_push(pp, pickle_node_new(pp->pk, PICKLE_NONE,
		    pp->cause)));
	case 0x88:
	case 0x89:
		return (pickle_push(pp, pickle_int_new(pp, PICKLE_BOOL,
		    op == 0x88)));
	case 'I': case 'J': case 'K': case 'M': case 'L': case 0x8a:
	case 0x8b:
		return (pickle_op_int(pp, op));
	case 'F':
		if (pickle_read_line(pp, &line, &len) != 0)
			return (-1);
		return (pickle_push(pp, pickle_float_text(pp, line, len)));
	case 'G':
		if (pickle_need(pp, 8) != 0)
			return (-1);
		for (v = 0, len = 0; len < 8; len++)
			v = (v << 8) | *pp->p++;
		if ((nd = pickle_node_new(pp->pk, PICKLE_FLOAT,
		    pp->cause)) == NULL)
			return (-1);
		memcpy(&nd->u.f, &v, sizeof nd->u.f);
		return (pickle_push(pp, nd));
	case 'S': case 'V': case 'T': case 'U': case 'X': case 0x8c:
	case 0x8d: case 'B': case 'C': case 0x8e: case 0x96:
		return (pickle_op_str(pp, op));
	case ']':
		return (pickle_push(pp, pickle_node_new(pp->pk, PICKLE_LIST,
		    pp->cause)));
	case ')':
		return (pickle_push(pp, pickle_node_new(pp->pk, PICKLE_TUPLE,
		    pp->cause)));
	case '}':
		return (pickle_push(pp, pickle_node_new(pp->pk, PICKLE_DICT,
		    pp->cause)));
	case 0x8f:
		return (pickle_push(pp, pickle_node_new(pp->pk, PICKLE_SET,
		    pp->cause)));
	case 'l':
		return (pickle_op_from_mark(pp, PICKLE_LIST));
	case 't':
		return (pickle_op_from_mark(pp, PICKLE_TUPLE));
	case 'd':
		return (pickle_op_from_mark(pp, PICKLE_DICT));
	case 0x91:
		return (pickle_op_from_mark(pp, PICKLE_FROZENSET));
	case 0x85: case 0x86: case 0x87:
		return (pickle_op_tuple_n(pp, op - 0x84));
	case 'a':
		return (pickle_op_append(pp, 0, PICKLE_LIST));
	case 'e':
		return (pickle_op_append(pp, 1, PICKLE_LIST));
	case 0x90:
		return (pickle_op_append(pp, 1, PICKLE_SET));
	case 's':
		return (pickle_op_setitems(pp, 0));
	case 'u':
		return (pickle_op_setitems(pp, 1));
	case 'p': case 'q': case 'r': case 0x94: case 'g': case 'h':
	case 'j':
		return (pickle_op_memo(pp, op));
	case 'c':
		return (pickle_push(pp, pickle_global_text(pp)));
	case 0x93:
		return (pickle_op_stack_global(pp));
	case 'R':
		return (pickle_op_call(pp, PICKLE_REDUCE));
	case 0x81:
		return (pickle_op_call(pp, PICKLE_NEWOBJ));
	case 0x92:
		return (pickle_op_call(pp, PICKLE_NEWOBJ_EX));
	case 'i':
		return (pickle_op_inst(pp, 1));
	case 'o':
		return (pickle_op_inst(pp, 0));
	case 'b':
		return (pickle_op_build(pp));
	case 'P':
		return (pickle_op_persid(pp, 0));
	case 'Q':
		return (pickle_op_persid(pp, 1));
	case 0x82: case 0x83: case 0x84:
		return (pickle_error(pp, "extension codes (EXT1, EXT2, EXT4) "
		    "are refused"));
	case 0x97:
		return (pickle_error(pp, "out-of-band buffer (NEXT_BUFFER) "
		    "not supplied"));
	}
	return (pickle_error(pp, "unknown opcode"));
}

/* Reads one pickle and returns its value. */
struct pickle_node *
pickle_load(struct pickle *pk, const void *buf, size_t len, size_t *used,
    pickle_persid_fn persid, void *arg, char **cause)
{
	struct pickle_parser	 pp;
	struct pickle_node	*result = NULL;
	char			 what[64];
	int			 op;

	memset(&pp, 0, sizeof pp);
	pp.pk = pk;
	pp.start = pp.p = pp.op = buf;
	pp.end = pp.start + len;
	pp.persid = persid;
	pp.arg = arg;
	pp.cause = cause;
	for (;;) {
		pp.op = pp.p;
		if (pp.p == pp.end) {
			util_fail(cause, "pickle: truncated: no STOP opcode "
			    "after %zu bytes", len);
			break;
		}
		op = *pp.p++;
		if (op == '.') {
			if ((result = pickle_pop(&pp)) != NULL && used != NULL)
				*used = pp.p - pp.start;
			break;
		}
		if (pickle_step(&pp, op) != 0) {
			if (cause != NULL && *cause == NULL) {
				snprintf(what, sizeof what, "opcode 0x%02x "
				    "failed", op);
				pickle_error(&pp, what);
			}
			break;
		}
	}
	free(pp.stack);
	free(pp.marks);
	free(pp.memo);
	return (result);
}

/* A string's text, or NULL. */
const char *
pickle_str(const struct pickle_node *nd)
{
	if (nd == NULL || nd->type != PICKLE_STR)
		return (NULL);
	return (nd->u.s.data);
}

/* An integer or bool's value. */
int
pickle_int(const struct pickle_node *nd, int64_t *v)
{
	if (nd == NULL || (nd->type != PICKLE_INT && nd->type != PICKLE_BOOL))
		return (-1);
	*v = nd->u.i;
	return (0);
}

/* A float's value, or an integer's as a float. */
int
pickle_float(const struct pickle_node *nd, double *v)
{
	if (nd != NULL && nd->type == PICKLE_FLOAT) {
		*v = nd->u.f;
		return (0);
	}
	if (nd != NULL && (nd->type == PICKLE_INT || nd->type == PICKLE_BOOL)) {
		*v = (double)nd->u.i;
		return (0);
	}
	return (-1);
}

/* Whether a node is None. */
int
pickle_is_none(const struct pickle_node *nd)
{
	return (nd != NULL && nd->type == PICKLE_NONE);
}

/* Whether a node is a sequence. */
static int
pickle_is_seq(const struct pickle_node *nd)
{
	return (nd != NULL && (nd->type == PICKLE_TUPLE ||
	    nd->type == PICKLE_LIST || nd->type == PICKLE_SET ||
	    nd->type == PICKLE_FROZENSET));
}

/* The number of items of a sequence, 0 for anything else. */
size_t
pickle_len(const struct pickle_node *nd)
{
	return (pickle_is_seq(nd) ? nd->u.seq.n : 0);
}

/* Item i of a sequence, or NULL. */
struct pickle_node *
pickle_item(const struct pickle_node *nd, size_t i)
{
	if (!pickle_is_seq(nd) || i >= nd->u.seq.n)
		return (NULL);
	return (nd->u.seq.v[i]);
}

/* The DICT holding a dictionary's pairs, or NULL. */
const struct pickle_node *
pickle_dict_of(const struct pickle_node *nd)
{
	if (nd == NULL)
		return (NULL);
	if (nd->type == PICKLE_DICT)
		return (nd);
	if (nd->type == PICKLE_OBJECT)
		return (nd->u.obj.items);
	return (NULL);
}

/* A dictionary's value under a string key; the last one set wins. */
struct pickle_node *
pickle_dict_get(const struct pickle_node *nd, const char *key)
{
	const struct pickle_node	*d = pickle_dict_of(nd), *k;
	size_t				 i;

	if (d == NULL)
		return (NULL);
	for (i = d->u.dict.n; i > 0; i--) {
		k = d->u.dict.kv[2 * (i - 1)];
		if (k->type == PICKLE_STR && strcmp(k->u.s.data, key) == 0)
			return (d->u.dict.kv[2 * (i - 1) + 1]);
	}
	return (NULL);
}

/* An attribute from a node's BUILD state. */
struct pickle_node *
pickle_attr(const struct pickle_node *nd, const char *name)
{
	const struct pickle_node	*st;
	struct pickle_node		*v;

	if (nd == NULL || (st = nd->state) == NULL)
		return (NULL);
	if (st->type == PICKLE_DICT)
		return (pickle_dict_get(st, name));
	if (st->type == PICKLE_TUPLE && st->u.seq.n == 2) {
		if ((v = pickle_dict_get(st->u.seq.v[0], name)) != NULL)
			return (v);
		return (pickle_dict_get(st->u.seq.v[1], name));
	}
	return (NULL);
}

/* Whether node is a GLOBAL module.name. */
int
pickle_is_global(const struct pickle_node *nd, const char *module,
    const char *name)
{
	if (nd == NULL || nd->type != PICKLE_GLOBAL)
		return (0);
	if (module != NULL && strcmp(nd->u.global.module, module) != 0)
		return (0);
	return (strcmp(nd->u.global.name, name) == 0);
}

/* The GLOBAL an object was made by, or NULL. */
const struct pickle_node *
pickle_class(const struct pickle_node *nd)
{
	if (nd == NULL || nd->type != PICKLE_OBJECT ||
	    nd->u.obj.callable == NULL ||
	    nd->u.obj.callable->type != PICKLE_GLOBAL)
		return (NULL);
	return (nd->u.obj.callable);
}

/* Whether node is an object made by module.name. */
int
pickle_is_instance(const struct pickle_node *nd, const char *module,
    const char *name)
{
	return (pickle_is_global(pickle_class(nd), module, name));
}

/* Pushes a node on the walk's stack if it was not seen yet. */
static void
pickle_walk_push(struct pickle *pk, struct pickle_node ***st, size_t *n,
    size_t *cap, struct pickle_node *nd)
{
	if (nd == NULL || nd->seen == pk->gen)
		return;
	if (*n == *cap) {
		*cap = *cap == 0 ? 256 : *cap * 2;
		*st = xreallocarray(*st, *cap, sizeof **st);
	}
	(*st)[(*n)++] = nd;
}

/* Pushes a node's children, last first, so they pop in pickle order. */
static void
pickle_walk_children(struct pickle *pk, struct pickle_node *nd,
    struct pickle_node ***st, size_t *n, size_t *cap)
{
	size_t	 i;

	pickle_walk_push(pk, st, n, cap, nd->state);
	switch (nd->type) {
	case PICKLE_TUPLE:
	case PICKLE_LIST:
	case PICKLE_SET:
	case PICKLE_FROZENSET:
		for (i = nd->u.seq.n; i > 0; i--)
			pickle_walk_push(pk, st, n, cap, nd->u.seq.v[i - 1]);
		break;
	case PICKLE_DICT:
		for (i = 2 * nd->u.dict.n; i > 0; i--)
			pickle_walk_push(pk, st, n, cap, nd->u.dict.kv[i - 1]);
		break;
	case PICKLE_OBJECT:
		pickle_walk_push(pk, st, n, cap, nd->u.obj.list);
		pickle_walk_push(pk, st, n, cap, nd->u.obj.items);
		pickle_walk_push(pk, st, n, cap, nd->u.obj.kwargs);
		pickle_walk_push(pk, st, n, cap, nd->u.obj.args);
		pickle_walk_push(pk, st, n, cap, nd->u.obj.callable);
		break;
	case PICKLE_PERSID:
		pickle_walk_push(pk, st, n, cap, nd->u.pid);
		break;
	default:
		break;
	}
}

/* Visits every node reachable from root once. */
int
pickle_walk(struct pickle *pk, struct pickle_node *root,
    int (*fn)(struct pickle_node *, void *), void *arg)
{
	struct pickle_node	**st = NULL, *nd;
	size_t			 n = 0, cap = 0;
	int			 r = 0;

	pk->gen++;
	pickle_walk_push(pk, &st, &n, &cap, root);
	while (n > 0) {
		nd = st[--n];
		if (nd->seen == pk->gen)
			continue;
		nd->seen = pk->gen;
		if ((r = fn(nd, arg)) != 0)
			break;
		pickle_walk_children(pk, nd, &st, &n, &cap);
	}
	free(st);
	return (r);
}
