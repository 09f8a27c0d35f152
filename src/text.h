/*
 * text.h: UTF-8 checks and safe display of untrusted labels.
 */
#ifndef EMBREPL_TEXT_H
#define EMBREPL_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 when the bytes are well-formed UTF-8 without NUL. */
int	 text_utf8_valid(const char *, size_t);

/* Writes a code point as 1 to 4 bytes of UTF-8; returns the count. */
size_t	 text_utf8(uint32_t, char *);

/* Converts Latin-1 bytes to a new UTF-8 string. */
char	*text_latin1(const char *, size_t);

/*
 * Escapes a label for a terminal: control characters, invalid bytes and
 * bidirectional overrides become \xNN (a byte below 0x80, or one that is
 * not UTF-8) or \u{NNNN} (a code point), backslashes doubled; the result is
 * new. Lua string literals and command words read these escapes back.
 */
char	*text_escape(const char *);

/*
 * Decodes the escape at s, a backslash and what follows (len bytes left):
 * \xHH, \u{H...}, or a backslash before a backslash, quote or blank; any
 * other backslash is itself. Writes up to four bytes to out and their
 * count to *outlen; returns the bytes of s read.
 */
size_t	 text_unescape(const char *, size_t, char *, size_t *);

/* Decodes every escape in a string; the result is new. */
char	*text_unescape_all(const char *);

/*
 * Decodes the code point at s: returns its length in bytes (0 when the
 * bytes are malformed) and tells whether it must not reach a terminal raw.
 */
size_t	 text_next(const char *, size_t, unsigned int *, int *);

/* Display columns of a string (after escaping), wide characters as 2. */
size_t	 text_width(const char *);

/* Copies at most cols display columns of s into a new string. */
char	*text_fit(const char *, size_t);

/* Bytes of the first line of s wrapped to cols columns, at a space. */
size_t	 text_wrap(const char *, size_t);

#endif
