/*
 * test-text.c: escaping, measuring, cutting and wrapping untrusted text,
 * edit distances, and tables for people that cut or wrap their text;
 * every expected value was worked out by hand.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "tap.h"
#include "text.h"
#include "util.h"

/* Control, C1 and bidirectional characters never come out raw. */
static void
test_escape(void)
{
	char	*s;

	s = text_escape("a\x1b[2Jb");
	is_str(s, "a\\x1b[2Jb", "ESC becomes \\x1b");
	free(s);
	s = text_escape("x\xc2\x9by");
	is_str(s, "x\\u{009b}y", "the C1 control CSI is escaped as a code "
	    "point, since \\x9b is the byte");
	free(s);
	s = text_escape("\xe2\x80\xae" "abc");
	is_str(s, "\\u{202e}abc", "RIGHT-TO-LEFT OVERRIDE is escaped");
	free(s);
	s = text_escape("caf\xc3\xa9");
	is_str(s, "caf\xc3\xa9", "printable UTF-8 stays as it is");
	free(s);
	s = text_escape("C:\\x1b");
	is_str(s, "C:\\\\x1b", "a backslash is doubled, so escapes are "
	    "unambiguous");
	free(s);
	s = text_escape("a\xffz");
	is_str(s, "a\\xffz", "a byte that is not UTF-8 is escaped");
	free(s);
}

/* Escapes read back to the bytes they stand for; others stay literal. */
static void
test_unescape(void)
{
	static const char *labels[] = { "a\x1b[2Jb", "x\xc2\x9by",
	    "\xe2\x80\xae" "abc", "C:\\x1b", "a\xffz", "tab\there",
	    "\xf0\x9f\x98\x80 smile", "\xef\xbb\xbf" "bom", "\\" };
	char	 out[4], *esc, *back;
	size_t	 i, got;

	is_int(text_unescape("\\x41rest", 9, out, &got), 4, "\\x41 reads 4");
	ok(got == 1 && out[0] == 'A', "\\x41 is A");
	is_int(text_unescape("\\u{e9}", 6, out, &got), 6, "\\u{e9} reads 6");
	ok(got == 2 && memcmp(out, "\xc3\xa9", 2) == 0, "\\u{e9} is \xc3\xa9");
	is_int(text_unescape("\\u{1f600}", 9, out, &got), 9,
	    "\\u{1f600} reads 9");
	ok(got == 4 && memcmp(out, "\xf0\x9f\x98\x80", 4) == 0,
	    "\\u{1f600} is four bytes");
	is_int(text_unescape("\\\"", 2, out, &got), 2, "\\\" reads 2");
	ok(got == 1 && out[0] == '"', "\\\" is a quote");
	back = text_unescape_all("\\x4g \\u{d800} \\u{110000} \\u{} "
	    "\\u{41 \\x00");
	is_str(back, "\\x4g \\u{d800} \\u{110000} \\u{} \\u{41 \\x00",
	    "bad escapes stay as typed: one hex digit, a surrogate, beyond "
	    "U+10FFFF, empty, unclosed, NUL");
	free(back);
	back = text_unescape_all("/\\(19[0-9]+\\)\\./ \\d C:\\tmp");
	is_str(back, "/\\(19[0-9]+\\)\\./ \\d C:\\tmp",
	    "a backslash before other characters stays: a regular "
	    "expression or a path keeps it");
	free(back);
	back = text_unescape_all("a\\ b \\\\ \\' \\\"");
	is_str(back, "a b \\ ' \"",
	    "a backslash before a blank, a backslash or a quote escapes it");
	free(back);
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		esc = text_escape(labels[i]);
		back = text_unescape_all(esc);
		ok(strcmp(back, labels[i]) == 0,
		    "label %zu: its escaped form reads back to it exactly", i);
		free(back);
		free(esc);
	}
}

/* Widths count columns: wide characters take two. */
static void
test_width(void)
{
	char	*s;

	is_int(text_width("abc"), 3, "ASCII: one column a character");
	is_int(text_width("caf\xc3\xa9"), 4, "an accented letter is one");
	is_int(text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4,
	    "two CJK characters take four columns");
	s = text_fit("Star Wars (1977)", 8);
	is_str(s, "Star Wa~", "a cut keeps 7 columns and marks it");
	free(s);
	s = text_fit("short", 8);
	is_str(s, "short", "text that fits is not cut");
	free(s);
}

/* Lines break at the last space that fits, or inside a long word. */
static void
test_wrap(void)
{
	const char *s = "exact nearest neighbours over every row";

	is_int(text_wrap(s, 80), strlen(s), "a line that fits is whole");
	is_int(text_wrap(s, 20), 13, "20 columns: 'exact nearest'");
	is_int(text_wrap(s, 14), 13, "14 columns: the same");
	is_int(text_wrap(s, 5), 5, "5 columns: 'exact', ending at a space");
	is_int(text_wrap("cosine|euclidean|dot]", 8), 8,
	    "a word longer than the line is cut at the width");
	is_int(text_wrap("\xe6\x97\xa5\xe6\x9c\xac", 3), 3,
	    "a wide character that would cross the edge goes to the next");
	is_int(text_wrap("abc", 0), 1, "no room: one character, never none");
	is_int(text_wrap("", 10), 0, "nothing to wrap");
}

/* Edit distances worked out by hand; a swap of neighbours is one edit. */
static void
test_distance(void)
{
	is_int(util_distance("kitten", "sitting", 5), 3,
	    "kitten, sitting: two substitutions and an insertion");
	is_int(util_distance("bais", "bias", 5), 1, "a swap is one edit");
	is_int(util_distance("ca", "abc", 5), 3,
	    "ca, abc: 3, a swapped pair is not edited again");
	is_int(util_distance("VARS", "vars", 2), 0, "case is ignored");
	is_int(util_distance("", "abc", 5), 3, "from nothing: insertions");
	is_int(util_distance("abcdef", "uvwxyz", 2), 3,
	    "past the cap: cap + 1");
	is_int(util_distance("a", "abcdef", 2), 3,
	    "lengths further apart than the cap: cap + 1");
}

/* Prints a document to a string at a width; the result is new. */
static char *
render(struct out_doc *d, int width)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&buf, &len);
	out_print(d, f, OUT_TABLE, width);
	fclose(f);
	return (buf);
}

/* A table cuts wide text, or wraps it into its column when asked. */
static void
test_table(void)
{
	static const char *const cols[] = { "name", "text", "n:i" };
	struct out_doc	*d;
	struct out_table *t;
	char		*s;
	int		 wrap;

	for (wrap = 0; wrap < 2; wrap++) {
		d = out_doc_new();
		t = out_table_add(d, "t", cols, UTIL_NELEM(cols));
		if (wrap)
			out_table_wrap(t);
		out_str(t, "alpha");
		out_str(t, "one two three four five six");
		out_int(t, 7);
		out_note(d, "a note that is longer than the width");
		s = render(d, 24);
		if (wrap)
			is_str(s,
			    "name   text            n\n"
			    "alpha  one two three   7\n"
			    "       four five six\n"
			    "a note that is longer\n"
			    "than the width\n",
			    "wrapped at 24 columns, no trailing blanks");
		else
			is_str(s,
			    "name   text            n\n"
			    "alpha  one two three~  7\n"
			    "a note that is longer\n"
			    "than the width\n",
			    "cut at 24 columns");
		free(s);
		out_doc_free(d);
	}
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_escape();
	test_unescape();
	test_width();
	test_wrap();
	test_distance();
	test_table();
	return (tap_done());
}
