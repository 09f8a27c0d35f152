/*
 * text.c: UTF-8 checks and safe display of untrusted labels.
 *
 * Labels come from files that strangers wrote. Before one reaches a
 * terminal, every byte that could move the cursor, change colours or turn
 * the text around is shown as an escape instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"
#include "util.h"

/* Decodes one UTF-8 sequence; returns its length or 0 when malformed. */
static size_t
text_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t	 n, i;
	uint32_t c;

	if (len == 0)
		return (0);
	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (n);
}

/* Checks that the bytes are UTF-8 and hold no NUL. */
int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t	 i, n;

	for (i = 0; i < len; i += n) {
		n = text_decode(u + i, len - i, &cp);
		if (n == 0 || cp == 0)
			return (0);
	}
	return (1);
}

/* Converts Latin-1 to UTF-8. */
char *
text_latin1(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char	*out, *p;
	size_t	 i;

	out = p = xmalloc(2 * len + 1);
	for (i = 0; i < len; i++)
		p += text_utf8(u[i], p);
	*p = '\0';
	return (out);
}

/* Tells whether a code point must not reach the terminal raw. */
static int
text_unsafe(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return (1);
	if (cp >= 0x200b && cp <= 0x200f)	/* zero width, LRM, RLM */
		return (1);
	if (cp >= 0x2028 && cp <= 0x202e)	/* separators, embeddings */
		return (1);
	if (cp >= 0x2066 && cp <= 0x2069)	/* isolates */
		return (1);
	if (cp == 0xfeff || cp == 0x061c)
		return (1);
	return (0);
}

/* Decodes one code point and tells whether it is unsafe to show raw. */
size_t
text_next(const char *s, size_t len, unsigned int *cp, int *unsafe)
{
	uint32_t c = 0;
	size_t	 n;

	n = text_decode((const unsigned char *)s, len, &c);
	*cp = c;
	*unsafe = n == 0 || text_unsafe(c);
	return (n);
}

/* Escapes control characters, invalid bytes and direction overrides. */
char *
text_escape(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 len, i, n, size, used = 0;
	uint32_t cp;
	char	*out;

	len = strlen(s);
	size = len + 1;
	out = xmalloc(size);
	for (i = 0; i < len; i += n) {
		if (size - used < 16) {
			size = size * 2 + 16;
			out = xreallocarray(out, size, 1);
		}
		n = text_decode(u + i, len - i, &cp);
		if (n == 0) {
			used += snprintf(out + used, size - used, "\\x%02x",
			    u[i]);
			n = 1;
		} else if (cp == '\\') {
			used += snprintf(out + used, size - used, "\\\\");
		} else if (text_unsafe(cp)) {
			if (cp < 0x80)
				used += snprintf(out + used, size - used,
				    "\\x%02x", (unsigned)cp);
			else
				used += snprintf(out + used, size - used,
				    "\\u{%04x}", (unsigned)cp);
		} else {
			memcpy(out + used, u + i, n);
			used += n;
		}
	}
	out[used] = '\0';
	return (out);
}

/* Tells the value of a hexadecimal digit, or -1. */
static int
text_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Writes the UTF-8 of a code point to out (surrogates pass through). */
size_t
text_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return (2);
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return (3);
	}
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return (4);
}

/*
 * Reads the escape at s, which starts with a backslash: \xHH is the byte
 * HH, \u{H...} the UTF-8 of a code point other than NUL or a surrogate,
 * and a backslash before a backslash, a quote or a blank is that byte.
 * Before anything else the backslash stands for itself, as in a shell's
 * double quotes, so that a regular expression keeps its \( and \. and a
 * malformed escape stays as it was typed. The decoded bytes go to out
 * (room for four), their count to *outlen; returns the bytes of s read.
 */
size_t
text_unescape(const char *s, size_t len, char *out, size_t *outlen)
{
	uint32_t cp = 0;
	size_t	 i;
	int	 h, l;

	if (len < 2) {
		out[0] = s[0];
		*outlen = 1;
		return (1);
	}
	if (s[1] == 'x' && len >= 4 && (h = text_hex(s[2])) >= 0 &&
	    (l = text_hex(s[3])) >= 0 && (h | l) != 0) {
		out[0] = h << 4 | l;
		*outlen = 1;
		return (4);
	}
	if (s[1] == 'u' && len >= 4 && s[2] == '{') {
		for (i = 3; i < len && i < 10 && text_hex(s[i]) >= 0; i++)
			cp = cp << 4 | text_hex(s[i]);
		if (i > 3 && i < len && s[i] == '}' && cp != 0 &&
		    cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
			*outlen = text_utf8(cp, out);
			return (i + 1);
		}
	}
	*outlen = 1;
	if (s[1] != '\0' && strchr("\\\"' \t", s[1]) != NULL) {
		out[0] = s[1];
		return (2);
	}
	out[0] = '\\';
	return (1);
}

/* Decodes every escape of s, as text_unescape reads one, into a new string. */
char *
text_unescape_all(const char *s)
{
	char	*out;
	size_t	 len = strlen(s), i = 0, o = 0, got;

	out = xmalloc(len + 1);
	while (i < len) {
		if (s[i] == '\\') {
			i += text_unescape(s + i, len - i, out + o, &got);
			o += got;
		} else
			out[o++] = s[i++];
	}
	out[o] = '\0';
	return (out);
}

/* Counts the columns a code point takes; unknown ones take one. */
static size_t
text_cols(uint32_t cp)
{
	int	 w;

	w = wcwidth((wchar_t)cp);
	return (w < 0 ? 1 : (size_t)w);
}

/*
 * Steps over the character at s[i]: returns its length in bytes (one for
 * a malformed byte) and puts its display columns in *w.
 */
static size_t
text_step(const char *s, size_t len, size_t i, size_t *w)
{
	uint32_t cp;
	size_t	 n;

	n = text_decode((const unsigned char *)s + i, len - i, &cp);
	*w = n == 0 ? 1 : text_cols(cp);
	return (n == 0 ? 1 : n);
}

/* Display columns of an already escaped string. */
size_t
text_width(const char *s)
{
	size_t	 len, i, w, cols = 0;

	len = strlen(s);
	for (i = 0; i < len; ) {
		i += text_step(s, len, i, &w);
		cols += w;
	}
	return (cols);
}

/* Cuts an already escaped string to cols columns, marking the cut. */
char *
text_fit(const char *s, size_t cols)
{
	size_t	 len, i, n, w, used = 0;

	if (text_width(s) <= cols)
		return (xstrdup(s));
	len = strlen(s);
	for (i = 0; i < len; i += n) {
		n = text_step(s, len, i, &w);
		if (used + w + 1 > cols)
			break;
		used += w;
	}
	return (xasprintf("%.*s~", (int)i, s));
}

/*
 * Measures the first line of an already escaped string wrapped to cols
 * columns: its length in bytes, ending before the last space that fits,
 * or cut inside a word that is longer than the line, never empty.
 */
size_t
text_wrap(const char *s, size_t cols)
{
	size_t	 len, i, n = 1, w, used = 0, space = 0;

	len = strlen(s);
	for (i = 0; i < len; i += n) {
		n = text_step(s, len, i, &w);
		if (s[i] == ' ')
			space = i;
		if (used + w > cols)
			break;
		used += w;
	}
	if (i >= len || s[i] == ' ')
		return (i);
	if (space > 0)
		return (space);
	return (i > 0 ? i : n);
}
