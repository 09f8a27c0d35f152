/*
 * pyvalue.c: Python values as pickles spell them, read from inert trees.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"
#include "pyvalue.h"
#include "text.h"
#include "util.h"

/* How many wrappers pyvalue_list looks through. */
#define PYVALUE_NESTING	8

/* A numpy dtype: kind ('f', 'i', 'u', 'b', 'U', 'S', 'O'), size, order. */
struct pyvalue_dtype {
	char	 kind;
	size_t	 size;
	int	 big;
};

/* Whether an object was made by a numpy function of the given name. */
static int
pyvalue_is_numpy(const struct pickle_node *nd, const char *name)
{
	return (pickle_is_instance(nd, "numpy.core.multiarray", name) ||
	    pickle_is_instance(nd, "numpy._core.multiarray", name));
}

/* Decodes UTF-8 text whose code points are all below 256 to Latin-1. */
static int
pyvalue_latin1(const char *s, size_t len, unsigned char *out, size_t *n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0;

	*n = 0;
	while (i < len) {
		if (u[i] < 0x80)
			out[(*n)++] = u[i++];
		else if ((u[i] & 0xfe) == 0xc2 && i + 1 < len &&
		    (u[i + 1] & 0xc0) == 0x80) {
			out[(*n)++] = ((u[i] & 0x03) << 6) | (u[i + 1] & 0x3f);
			i += 2;
		} else
			return (-1);
	}
	return (0);
}

/* The bytes of a bytes-like value, as a new buffer. */
int
pyvalue_bytes(const struct pickle_node *nd, unsigned char **out,
    size_t *len, char **cause)
{
	const struct pickle_node	*args, *text, *codec;
	const char			*enc;

	if (nd != NULL && (nd->type == PICKLE_BYTES ||
	    (nd->type == PICKLE_STR && (nd->flags & PICKLE_F_8BIT)))) {
		*out = xmalloc(nd->u.s.len + 1);
		memcpy(*out, nd->u.s.data, nd->u.s.len + 1);
		*len = nd->u.s.len;
		return (0);
	}
	if (!pickle_is_instance(nd, "_codecs", "encode"))
		return (util_fail(cause, "expected bytes, found a %s",
		    nd == NULL ? "nothing" : pickle_type_name(nd->type)));
	args = nd->u.obj.args;
	text = pickle_item(args, 0);
	codec = pickle_item(args, 1);
	enc = pickle_str(codec);
	if (text == NULL || text->type != PICKLE_STR || enc == NULL ||
	    (strcmp(enc, "latin1") != 0 && strcmp(enc, "latin-1") != 0))
		return (util_fail(cause, "_codecs.encode call that is not "
		    "latin1 text"));
	*out = xmalloc(text->u.s.len + 1);
	if (pyvalue_latin1(text->u.s.data, text->u.s.len, *out, len) != 0) {
		free(*out);
		return (util_fail(cause, "_codecs.encode of text beyond "
		    "latin1"));
	}
	(*out)[*len] = '\0';
	return (0);
}

/* Prints the shortest digits that read back as v (or as float v). */
static void
pyvalue_digits(double v, int single, char *digits, size_t len, int *exp10)
{
	char	 buf[64], *e;
	size_t	 i, n = 0;
	int	 prec;

	for (prec = 0; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec, v);
		if (single ? strtof(buf, NULL) == (float)v :
		    strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	for (i = 0; buf + i < e && n + 1 < len; i++) {
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[n++] = buf[i];
	}
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = e == NULL ? 0 : atoi(e + 1);
}

/* Formats a float as Python's repr and numpy's str do. */
void
pyvalue_format_float(double v, int single, char *out, size_t len)
{
	char	 digits[32], *o = out;
	size_t	 nd, i;
	int	 exp10, pos;

	if (isnan(v)) {
		snprintf(out, len, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, len, v < 0 ? "-inf" : "inf");
		return;
	}
	if (len < 40) {
		snprintf(out, len, "?");
		return;
	}
	if (signbit(v)) {
		*o++ = '-';
		v = -v;
	}
	if (v == 0) {
		strcpy(o, "0.0");
		return;
	}
	pyvalue_digits(v, single, digits, sizeof digits, &exp10);
	nd = strlen(digits);
	if (exp10 < -4 || exp10 >= 16) {
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, nd - 1);
			o += nd - 1;
		}
		snprintf(o, 16, "e%c%02d", exp10 < 0 ? '-' : '+',
		    abs(exp10) % 1000);
		return;
	}
	if (exp10 < 0) {
		*o++ = '0';
		*o++ = '.';
		for (pos = -1; pos > exp10; pos--)
			*o++ = '0';
		memcpy(o, digits, nd);
		o[nd] = '\0';
		return;
	}
	for (i = 0; i <= (size_t)exp10; i++)
		*o++ = i < nd ? digits[i] : '0';
	*o++ = '.';
	if (nd > (size_t)exp10 + 1) {
		memcpy(o, digits + exp10 + 1, nd - exp10 - 1);
		o += nd - exp10 - 1;
	} else
		*o++ = '0';
	*o = '\0';
}

/* Reads a numpy dtype object: numpy.dtype('f8', ...) with its state. */
static int
pyvalue_dtype(const struct pickle_node *nd, struct pyvalue_dtype *dt,
    char **cause)
{
	const struct pickle_node	*st;
	const char			*spec, *order;
	int64_t				 elsize;

	if (!pickle_is_instance(nd, "numpy", "dtype") ||
	    (spec = pickle_str(pickle_item(nd->u.obj.args, 0))) == NULL ||
	    spec[0] == '\0')
		return (util_fail(cause, "numpy value without a dtype"));
	dt->kind = spec[0] == '?' ? 'b' : spec[0];
	dt->size = spec[1] == '\0' ? 1 : strtoul(spec + 1, NULL, 10);
	dt->big = 0;
	st = nd->state;
	order = pickle_str(pickle_item(st, 1));
	if (order != NULL && strcmp(order, ">") == 0)
		dt->big = 1;
	if (pickle_int(pickle_item(st, 5), &elsize) == 0 && elsize > 0)
		dt->size = (size_t)elsize;
	if (strchr("fiubUSO", dt->kind) == NULL || dt->size == 0 ||
	    (dt->kind == 'f' && dt->size != 2 && dt->size != 4 &&
	    dt->size != 8) || (strchr("iu", dt->kind) && dt->size > 8) ||
	    (dt->kind == 'U' && dt->size % 4 != 0))
		return (util_fail(cause, "numpy dtype '%s' is not supported",
		    spec));
	return (0);
}

/* Widens an IEEE half. */
static double
pyvalue_half(unsigned h)
{
	int	 exp = (h >> 10) & 0x1f;
	double	 man = h & 0x3ff, v;

	if (exp == 0x1f)
		v = man != 0 ? NAN : INFINITY;
	else if (exp == 0)
		v = ldexp(man, -24);
	else
		v = ldexp(man + 1024, exp - 25);
	return ((h & 0x8000) ? -v : v);
}

/* Decodes fixed-width UTF-32 text, dropping the trailing NULs. */
static char *
pyvalue_utf32(const unsigned char *b, size_t size, int big, char **cause)
{
	char		*out, *o;
	uint32_t	 cp;
	size_t		 i, n = size / 4;

	while (n > 0 && memcmp(b + 4 * (n - 1), "\0\0\0\0", 4) == 0)
		n--;
	o = out = xmalloc(n * 4 + 1);
	for (i = 0; i < n; i++) {
		if (big)
			cp = (uint32_t)b[4 * i] << 24 | b[4 * i + 1] << 16 |
			    b[4 * i + 2] << 8 | b[4 * i + 3];
		else
			cp = (uint32_t)b[4 * i + 3] << 24 |
			    b[4 * i + 2] << 16 | b[4 * i + 1] << 8 | b[4 * i];
		if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
			free(out);
			util_fail(cause, "bad code point in numpy unicode");
			return (NULL);
		}
		o += text_utf8(cp, o);
	}
	*o = '\0';
	return (out);
}

/* One numpy element of a numeric dtype, as text or as a number. */
static char *
pyvalue_element(const unsigned char *raw, const struct pyvalue_dtype *dt,
    double *num, char **cause)
{
	unsigned char	 b[8];
	uint64_t	 u = 0;
	double		 d;
	float		 f;
	char		 buf[64];
	size_t		 i;

	if (dt->kind == 'U')
		return (pyvalue_utf32(raw, dt->size, dt->big, cause));
	if (dt->kind == 'S')
		return (xstrndup((const char *)raw, dt->size));
	for (i = 0; i < dt->size; i++)
		b[i] = dt->big ? raw[dt->size - 1 - i] : raw[i];
	for (i = dt->size; i > 0; i--)
		u = (u << 8) | b[i - 1];
	switch (dt->kind) {
	case 'b':
		*num = u != 0;
		return (xstrdup(u != 0 ? "True" : "False"));
	case 'u':
		*num = (double)u;
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
		return (xstrdup(buf));
	case 'i':
		if (dt->size < 8 && (u >> (dt->size * 8 - 1)) != 0)
			u |= UINT64_MAX << (dt->size * 8);
		*num = (double)(int64_t)u;
		snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)u);
		return (xstrdup(buf));
	}
	if (dt->size == 8) {
		memcpy(&d, b, 8);
		pyvalue_format_float(d, 0, buf, sizeof buf);
	} else if (dt->size == 4) {
		memcpy(&f, b, 4);
		d = f;
		pyvalue_format_float(d, 1, buf, sizeof buf);
	} else {
		d = pyvalue_half((unsigned)u);
		pyvalue_format_float(d, 1, buf, sizeof buf);
	}
	*num = d;
	return (xstrdup(buf));
}

/* A numpy scalar: scalar(dtype, bytes), as text and as a number. */
static char *
pyvalue_scalar(const struct pickle_node *nd, double *num, char **cause)
{
	struct pyvalue_dtype	 dt;
	unsigned char		*raw;
	size_t			 len;
	char			*s;

	if (pyvalue_dtype(pickle_item(nd->u.obj.args, 0), &dt, cause) != 0)
		return (NULL);
	if (dt.kind == 'O') {
		util_fail(cause, "numpy object scalar");
		return (NULL);
	}
	if (pyvalue_bytes(pickle_item(nd->u.obj.args, 1), &raw, &len,
	    cause) != 0)
		return (NULL);
	if (len != dt.size) {
		free(raw);
		util_fail(cause, "numpy scalar of %zu bytes, its dtype needs "
		    "%zu", len, dt.size);
		return (NULL);
	}
	s = pyvalue_element(raw, &dt, num, cause);
	free(raw);
	return (s);
}

/* A scalar as Python's str() prints it. */
char *
pyvalue_text(const struct pickle_node *nd, char **cause)
{
	char	 buf[64];
	double	 num;

	if (nd == NULL) {
		util_fail(cause, "missing value");
		return (NULL);
	}
	switch (nd->type) {
	case PICKLE_STR:
		return (xstrdup(nd->u.s.data));
	case PICKLE_BOOL:
		return (xstrdup(nd->u.i ? "True" : "False"));
	case PICKLE_INT:
		snprintf(buf, sizeof buf, "%lld", (long long)nd->u.i);
		return (xstrdup(buf));
	case PICKLE_FLOAT:
		pyvalue_format_float(nd->u.f, 0, buf, sizeof buf);
		return (xstrdup(buf));
	case PICKLE_NONE:
		return (xstrdup("None"));
	default:
		break;
	}
	if (pyvalue_is_numpy(nd, "scalar"))
		return (pyvalue_scalar(nd, &num, cause));
	if (nd->type == PICKLE_OBJECT && pickle_class(nd) != NULL)
		util_fail(cause, "a %s.%s cannot be printed as a label",
		    pickle_class(nd)->u.global.module,
		    pickle_class(nd)->u.global.name);
	else
		util_fail(cause, "a %s cannot be printed as a label",
		    pickle_type_name(nd->type));
	return (NULL);
}

/* A number from an int, bool, float or numpy scalar. */
int
pyvalue_number(const struct pickle_node *nd, double *v)
{
	char	*s;

	if (pickle_float(nd, v) == 0)
		return (0);
	if (!pyvalue_is_numpy(nd, "scalar"))
		return (-1);
	if ((s = pyvalue_scalar(nd, v, NULL)) == NULL)
		return (-1);
	free(s);
	return (0);
}

/* The sequence behind a list-like value. */
const struct pickle_node *
pyvalue_list(const struct pickle_node *nd)
{
	const struct pickle_node	*items;
	int				 i;

	for (i = 0; i < PYVALUE_NESTING && nd != NULL; i++) {
		if (nd->type == PICKLE_LIST || nd->type == PICKLE_TUPLE)
			return (nd);
		if (nd->type != PICKLE_OBJECT)
			return (NULL);
		if ((items = pickle_attr(nd, "items")) != NULL)
			nd = items;
		else if (nd->u.obj.list != NULL)
			return (nd->u.obj.list);
		else
			return (NULL);
	}
	return (NULL);
}

/* Whether a node is a numpy array. */
int
pyvalue_is_array(const struct pickle_node *nd)
{
	return (pyvalue_is_numpy(nd, "_reconstruct") && nd->state != NULL &&
	    nd->state->type == PICKLE_TUPLE && pickle_len(nd->state) == 5);
}

/* Frees an array of strings. */
void
pyvalue_texts_free(char **texts, size_t n)
{
	util_free_strings(texts, n);
}

/* The texts of a sequence's items. */
static int
pyvalue_seq_texts(const struct pickle_node *seq, char ***texts, size_t *n,
    char **cause)
{
	size_t	 i;

	*n = pickle_len(seq);
	*texts = xcalloc(*n, sizeof **texts);
	for (i = 0; i < *n; i++) {
		if (((*texts)[i] = pyvalue_text(pickle_item(seq, i),
		    cause)) == NULL) {
			pyvalue_texts_free(*texts, i);
			*texts = NULL;
			return (-1);
		}
	}
	return (0);
}

/* The texts of a one-dimensional numpy array's elements. */
static int
pyvalue_array_texts(const struct pickle_node *nd, char ***texts, size_t *n,
    char **cause)
{
	const struct pickle_node	*st = nd->state, *shape;
	struct pyvalue_dtype		 dt;
	unsigned char			*raw;
	size_t				 len, i;
	int64_t				 count;
	double				 num;

	shape = pickle_item(st, 1);
	if (pickle_len(shape) != 1 ||
	    pickle_int(pickle_item(shape, 0), &count) != 0 || count < 0)
		return (util_fail(cause, "numpy array is not one-dimensional"));
	if (pyvalue_dtype(pickle_item(st, 2), &dt, cause) != 0)
		return (-1);
	if (dt.kind == 'O') {
		if (pickle_len(pickle_item(st, 4)) != (uint64_t)count)
			return (util_fail(cause, "numpy object array of %lld "
			    "items holds %zu", (long long)count,
			    pickle_len(pickle_item(st, 4))));
		return (pyvalue_seq_texts(pickle_item(st, 4), texts, n,
		    cause));
	}
	if (pyvalue_bytes(pickle_item(st, 4), &raw, &len, cause) != 0)
		return (-1);
	if ((uint64_t)count > len / dt.size || len != count * dt.size) {
		free(raw);
		return (util_fail(cause, "numpy array of %lld items of %zu "
		    "bytes holds %zu bytes", (long long)count, dt.size, len));
	}
	*n = (size_t)count;
	*texts = xcalloc(*n, sizeof **texts);
	for (i = 0; i < *n; i++) {
		(*texts)[i] = pyvalue_element(raw + i * dt.size, &dt, &num,
		    cause);
		if ((*texts)[i] == NULL) {
			pyvalue_texts_free(*texts, i);
			*texts = NULL;
			free(raw);
			return (-1);
		}
	}
	free(raw);
	return (0);
}

/* The items of a list-like value or numpy array, as texts. */
int
pyvalue_texts(const struct pickle_node *nd, char ***texts, size_t *n,
    char **cause)
{
	const struct pickle_node	*seq;

	*texts = NULL;
	*n = 0;
	if (pyvalue_is_array(nd))
		return (pyvalue_array_texts(nd, texts, n, cause));
	if ((seq = pyvalue_list(nd)) == NULL)
		return (util_fail(cause, "expected a list of labels, found "
		    "a %s", nd == NULL ? "nothing" :
		    pickle_type_name(nd->type)));
	if (pyvalue_is_array(seq))
		return (pyvalue_array_texts(seq, texts, n, cause));
	return (pyvalue_seq_texts(seq, texts, n, cause));
}
