/*
 * test-pickle.c: the data-only pickle reader and the Python value helpers
 * on hand-built byte strings: each opcode family, the memo, the limits
 * and hostile inputs. Expected values are what Python's pickle module
 * yields for the same bytes (checked by hand with pickletools).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pickle.h"
#include "pyvalue.h"
#include "tap.h"
#include "util.h"

#define P(s) s, sizeof s - 1

static struct pickle *pk;

/* Loads bytes into the shared arena; NULL with *cause on failure. */
static struct pickle_node *
load(const char *buf, size_t len, char **cause)
{
	free(*cause);
	*cause = NULL;
	return (pickle_load(pk, buf, len, NULL, NULL, NULL, cause));
}

/* Whether a failure's message holds the given words. */
static int
fails_with(const char *buf, size_t len, const char *words)
{
	char			*cause = NULL;
	struct pickle_node	*nd;
	int			 r;

	nd = load(buf, len, &cause);
	r = nd == NULL && cause != NULL && strstr(cause, words) != NULL;
	if (!r)
		printf("# got %s\n", cause != NULL ? cause : "a value");
	free(cause);
	return (r);
}

/* Protocol 0: text opcodes, marks, PUT/GET and escapes. */
static void
test_protocol0(void)
{
	static const char	 p[] =
	    "(lp0\nI1\naI01\naF-1.5\naS'a\\nb\\x41'\np1\naVcaf\\u00e9\n"
	    "p2\naL123456789012345678901234567890L\nag1\na.";
	struct pickle_node	*nd;
	char			*cause = NULL;
	int64_t			 v;
	double			 f;

	nd = load(P(p), &cause);
	ok(nd != NULL && nd->type == PICKLE_LIST && pickle_len(nd) == 7,
	    "protocol 0 list of 7");
	ok(pickle_int(pickle_item(nd, 0), &v) == 0 && v == 1 &&
	    pickle_item(nd, 0)->type == PICKLE_INT, "I1 is the int 1");
	ok(pickle_item(nd, 1)->type == PICKLE_BOOL &&
	    pickle_item(nd, 1)->u.i == 1, "I01 is True");
	ok(pickle_float(pickle_item(nd, 2), &f) == 0 && f == -1.5,
	    "F-1.5 is a float");
	is_str(pickle_str(pickle_item(nd, 3)), "a\nbA", "STRING escapes");
	is_str(pickle_str(pickle_item(nd, 4)), "caf\xc3\xa9",
	    "UNICODE raw-unicode-escape to UTF-8");
	ok(pickle_item(nd, 5)->type == PICKLE_BIGINT &&
	    pickle_item(nd, 5)->u.s.len == 13, "a long past 64 bits is kept "
	    "as 13 bytes");
	ok(pickle_item(nd, 6) == pickle_item(nd, 3), "GET shares the node "
	    "PUT stored");
	free(cause);
}

/* Protocol 2: binary numbers, tuples, dicts, memo, NEWOBJ and BUILD. */
static void
test_protocol2(void)
{
	static const char	 p[] =
	    "\x80\x02}q\x00(X\x01\x00\x00\x00" "aJ\xfe\xff\xff\xff"
	    "K\x07M\x01\x01\x87q\x01"
	    "X\x01\x00\x00\x00" "c\x8a\x01\xff"
	    "X\x01\x00\x00\x00" "dG\x3f\xf8\x00\x00\x00\x00\x00\x00"
	    "X\x01\x00\x00\x00" "eh\x01u.";
	static const char	 obj[] =
	    "\x80\x02" "ccollections\nOrderedDict\nq\x00)Rq\x01"
	    "X\x01\x00\x00\x00k\x88s}q\x02X\x01\x00\x00\x00xK\x05sb.";
	static const char	 magic[] =
	    "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
	struct pickle_node	*nd, *t;
	char			*cause = NULL;
	int64_t			 v;
	double			 f;

	nd = load(P(p), &cause);
	ok(nd != NULL && nd->type == PICKLE_DICT && nd->u.dict.n == 4,
	    "protocol 2 dict of 4");
	ok(pickle_int(pickle_item(pickle_dict_get(nd, "a"), 0), &v) == 0 &&
	    v == -2, "BININT -2");
	t = pickle_dict_get(nd, "a");
	ok(t != NULL && t->type == PICKLE_TUPLE && pickle_len(t) == 3 &&
	    pickle_int(pickle_item(t, 2), &v) == 0 && v == 257,
	    "TUPLE3 of BININT, BININT1, BININT2 (257)");
	ok(pickle_int(pickle_dict_get(nd, "c"), &v) == 0 && v == -1,
	    "LONG1 0xff is -1");
	ok(pickle_float(pickle_dict_get(nd, "d"), &f) == 0 && f == 1.5,
	    "BINFLOAT 1.5");
	ok(pickle_dict_get(nd, "e") == t, "BINGET shares the tuple");

	nd = load(P(obj), &cause);
	ok(nd != NULL && pickle_is_instance(nd, "collections", "OrderedDict"),
	    "REDUCE of a GLOBAL is an inert object");
	ok(pickle_dict_get(nd, "k") != NULL &&
	    pickle_dict_get(nd, "k")->type == PICKLE_BOOL,
	    "SETITEM on an object lands in its items");
	ok(pickle_int(pickle_attr(nd, "x"), &v) == 0 && v == 5,
	    "BUILD state is read by pickle_attr");

	nd = load(P(magic), &cause);
	ok(nd != NULL && nd->type == PICKLE_BIGINT && nd->u.s.len == 10,
	    "torch's 80-bit magic number stays bytes");
	free(cause);
}

/* Protocol 4 and 5: frames, STACK_GLOBAL, MEMOIZE, sets, NEWOBJ_EX. */
static void
test_protocol4(void)
{
	static const char	 p[] =
	    "\x80\x04\x95\x30\x00\x00\x00\x00\x00\x00\x00"
	    "\x8c\x03" "abc\x94\x8c\x03" "def\x94\x93\x94"
	    ")}\x92\x94\x8f\x94(K\x01K\x02\x90"
	    "(h\x00\x91\x94\x87\x94" "C\x02hi\x96\x01\x00\x00\x00\x00\x00"
	    "\x00\x00z\x98\x86\x86.";
	struct pickle_node	*nd, *o;
	char			*cause = NULL;

	nd = load(P(p), &cause);
	ok(nd != NULL && nd->type == PICKLE_TUPLE && pickle_len(nd) == 2,
	    "protocol 4 pickle reads%s%s", cause ? ": " : "",
	    cause ? cause : "");
	o = pickle_item(pickle_item(nd, 0), 0);
	ok(o != NULL && o->type == PICKLE_OBJECT &&
	    o->u.obj.how == PICKLE_NEWOBJ_EX &&
	    pickle_is_global(o->u.obj.callable, "abc", "def"),
	    "STACK_GLOBAL + NEWOBJ_EX give an inert abc.def object");
	o = pickle_item(pickle_item(nd, 0), 1);
	ok(o != NULL && o->type == PICKLE_SET && pickle_len(o) == 2,
	    "EMPTY_SET + ADDITEMS");
	o = pickle_item(pickle_item(nd, 0), 2);
	ok(o != NULL && o->type == PICKLE_FROZENSET && pickle_len(o) == 1 &&
	    strcmp(pickle_str(pickle_item(o, 0)), "abc") == 0,
	    "FROZENSET of a MEMOIZEd string");
	o = pickle_item(nd, 1);
	ok(o != NULL && o->type == PICKLE_TUPLE &&
	    pickle_item(o, 0)->type == PICKLE_BYTES &&
	    pickle_item(o, 1)->flags & PICKLE_F_BYTEARRAY,
	    "SHORT_BINBYTES and BYTEARRAY8");
	free(cause);
}

/* Persistent ids, kept as nodes or handed to a callback. */
static struct pickle_node *
persid(struct pickle *a, struct pickle_node *pid, void *arg, char **cause)
{
	(*(int *)arg)++;
	return (pid);
}

/* Persistent ids. */
static void
test_persid(void)
{
	static const char	 p[] = "\x80\x02X\x03\x00\x00\x00keyQ.";
	static const char	 t[] = "Pabc\n.";
	struct pickle_node	*nd;
	char			*cause = NULL;
	int			 calls = 0;

	nd = load(P(p), &cause);
	ok(nd != NULL && nd->type == PICKLE_PERSID &&
	    strcmp(pickle_str(nd->u.pid), "key") == 0,
	    "BINPERSID kept as a node");
	nd = pickle_load(pk, P(t), NULL, persid, &calls, &cause);
	ok(nd != NULL && calls == 1 && strcmp(pickle_str(nd), "abc") == 0,
	    "PERSID handed to the callback");
	free(cause);
}

/* A pickle that names os.system yields an inert node; nothing runs. */
static void
test_hostile_call(void)
{
	static const char	 p[] =
	    "cos\nsystem\n(S'touch test-pickle.marker'\ntR.";
	struct pickle_node	*nd;
	char			*cause = NULL;

	unlink("test-pickle.marker");
	nd = load(P(p), &cause);
	ok(nd != NULL && pickle_is_instance(nd, "os", "system") &&
	    strcmp(pickle_str(pickle_item(nd->u.obj.args, 0)),
	    "touch test-pickle.marker") == 0,
	    "os.system(...) is an inert object holding its argument");
	ok(access("test-pickle.marker", F_OK) != 0, "and nothing ran");
	free(cause);
}

/* Limits, truncation and malformed input: clear errors, no crash. */
static void
test_limits(void)
{
	static const char	 good[] =
	    "\x80\x02}q\x00(X\x01\x00\x00\x00" "aJ\xfe\xff\xff\xff"
	    "X\x01\x00\x00\x00" "b\x8a\x01\x05u.";
	struct pickle_limits	 l;
	char			*deep, *cause = NULL;
	size_t			 i, crashes = 0;

	deep = xmalloc(5003);
	memcpy(deep, "\x80\x02", 2);
	memset(deep + 2, ']', 2500);
	memset(deep + 2502, 'a', 2499);
	deep[5001] = '.';
	ok(fails_with(deep, 5002, "nesting deeper than 1000"),
	    "nested lists past 1000 are refused");
	memset(deep, '(', 5000);
	ok(fails_with(deep, 5000, "nesting deeper than 1000"),
	    "marks past 1000 are refused");
	memset(deep, ')', 1);
	memset(deep + 1, '\x85', 2000);
	ok(fails_with(deep, 2001, "nesting deeper than 1000"),
	    "nested tuples past 1000 are refused");
	free(deep);
	ok(fails_with(P("\x80\x02X\xff\xff\xff\x7f" "abc."), "truncated"),
	    "a 2 GiB BINUNICODE in 8 bytes is refused before allocating");
	ok(fails_with(P("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f."),
	    "truncated"), "a huge BINUNICODE8 is refused");
	ok(fails_with(P("\x80\x02\x8b\xff\xff\xff\xff."), "negative"),
	    "a negative LONG4 length is refused");
	ok(fails_with(P("\x80\x02h\x05."), "memo key 5 is missing"),
	    "a missing memo key is an error");
	ok(fails_with(P("\x80\x02\x82\x01."), "extension codes"),
	    "EXT1 is refused");
	ok(fails_with(P("\x80\x05\x97."), "out-of-band"),
	    "NEXT_BUFFER without buffers is refused");
	ok(fails_with(P("\x80\x06N."), "protocol 6"), "protocol 6 refused");
	ok(fails_with(P("a."), "stack underflow"), "APPEND on nothing");
	ok(fails_with(P("\xff."), "unknown opcode"), "an unknown opcode");
	for (i = 0; i + 1 < sizeof good - 1; i++) {
		if (load(good, i, &cause) != NULL || cause == NULL)
			crashes++;
	}
	ok(crashes == 0, "every truncation of a pickle is a clear error");
	free(cause);

	l.max_depth = 1000;
	l.max_objects = 10;
	l.max_bytes = (size_t)1 << 30;
	pickle_free(pk);
	pk = pickle_new(&l);
	ok(fails_with(P("(NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNl."),
	    "more than 10 objects"), "the object limit holds");
	l.max_objects = 1000;
	l.max_bytes = 4096;
	pickle_free(pk);
	pk = pickle_new(&l);
	ok(fails_with(P("\x80\x02]" "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
	    "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a."),
	    "more than 4096 bytes"), "the byte limit holds");
	pickle_free(pk);
	pk = pickle_new(NULL);
}

/* Counts nodes for pickle_walk. */
static int
count(struct pickle_node *nd, void *arg)
{
	(*(size_t *)arg)++;
	return (0);
}

/* A list that holds itself: the walk visits it once. */
static void
test_cycle(void)
{
	struct pickle_node	*nd;
	char			*cause = NULL;
	size_t			 n = 0;

	nd = load(P("\x80\x02]q\x00h\x00" "a."), &cause);
	ok(nd != NULL && pickle_item(nd, 0) == nd, "a list holding itself");
	pickle_walk(pk, nd, count, &n);
	is_int(n, 1, "pickle_walk visits a cycle once");
	free(cause);
}

/* Builds numpy.core.multiarray.scalar(dtype(spec), raw) as pickled. */
static size_t
np_scalar(char *buf, const char *spec, const char *order, const char *raw,
    size_t rawlen)
{
	size_t	 n = 0;

	n += sprintf(buf + n, "\x80\x02" "cnumpy.core.multiarray\nscalar\n"
	    "cnumpy\ndtype\nX");
	buf[n++] = strlen(spec);
	memcpy(buf + n, "\0\0\0", 3);
	n += 3;
	n += sprintf(buf + n, "%s\x89\x88\x87R(K\x03X", spec);
	memcpy(buf + n, "\x01\0\0\0", 4);
	n += 4;
	n += sprintf(buf + n, "%sNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK",
	    order);
	buf[n++] = 0;
	n += sprintf(buf + n, "tbc_codecs\nencode\nX");
	buf[n++] = rawlen;
	memcpy(buf + n, "\0\0\0", 3);
	n += 3;
	memcpy(buf + n, raw, rawlen);
	n += rawlen;
	n += sprintf(buf + n, "X\x06");
	memcpy(buf + n, "\0\0\0", 3);
	n += 3;
	n += sprintf(buf + n, "latin1\x86R\x86R.");
	return (n);
}

/* Numpy scalars and arrays print as Python prints them. */
static void
test_pyvalue(void)
{
	static const struct {
		const char	*spec, *order, *raw;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "f4", "<", "\xc3\x8d\xc3\x8c\xc3\x8c=", 7, "0.1" },
		{ "i2", "<", "\xc3\xa8\x03", 3, "1000" },
		{ "b1", "|", "\x01", 1, "True" },
		{ "f8", "<", "\0\0\0\0\0\xc3\x80r@", 9, "300.0" },
		{ "i8", ">", "\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf"
		    "\xc3\xbf\xc3\xbf\xc3\xbe", 16, "-2" }
	};
	static const char	 arr[] =
	    "\x80\x02" "cnumpy.core.multiarray\n_reconstruct\nq\x00"
	    "cnumpy\nndarray\nq\x01K\x00\x85q\x02" "c_codecs\nencode\nq\x03"
	    "X\x01\x00\x00\x00" "bq\x04X\x06\x00\x00\x00latin1q\x05\x86q\x06"
	    "Rq\x07\x87q\x08Rq\x09(K\x01K\x02\x85q\x0a" "cnumpy\ndtype\nq\x0b"
	    "X\x02\x00\x00\x00U4q\x0c\x89\x88\x87q\x0dRq\x0e(K\x03"
	    "X\x01\x00\x00\x00<q\x0fNNNK\x10K\x04K\x08tq\x10" "b\x89h\x03"
	    "X\x20\x00\x00\x00#\x00\x00\x00n\x00\x00\x00" "a\x00\x00\x00"
	    "#\x00\x00\x00" "a\x00\x00\x00" "b\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00q\x11h\x05\x86q\x12Rq\x13tq\x14" "b.";
	static const struct {
		double		 v;
		int		 single;
		const char	*want;
	} floats[] = {
		{ 1.0, 0, "1.0" }, { 0.1, 0, "0.1" }, { 1e16, 0, "1e+16" },
		{ 2.5e-05, 0, "2.5e-05" }, { 0.0001, 0, "0.0001" },
		{ 123456.789, 0, "123456.789" }, { -0.0, 0, "-0.0" },
		{ 0.1f, 1, "0.1" }, { 1.0 / 3, 0, "0.3333333333333333" },
		{ 1e22, 0, "1e+22" }, { 1234567890123456.0, 0,
		    "1234567890123456.0" }
	};
	struct pickle_node	*nd;
	char			 buf[512], *cause = NULL, *s, **texts;
	size_t			 i, n;

	for (i = 0; i < UTIL_NELEM(floats); i++) {
		pyvalue_format_float(floats[i].v, floats[i].single, buf,
		    sizeof buf);
		is_str(buf, floats[i].want, "float prints as %s",
		    floats[i].want);
	}
	for (i = 0; i < UTIL_NELEM(cases); i++) {
		n = np_scalar(buf, cases[i].spec, cases[i].order,
		    cases[i].raw, cases[i].len);
		nd = load(buf, n, &cause);
		s = nd == NULL ? NULL : pyvalue_text(nd, &cause);
		is_str(s, cases[i].want, "numpy %s scalar prints as %s",
		    cases[i].spec, cases[i].want);
		free(s);
	}
	nd = load(P(arr), &cause);
	ok(pyvalue_texts(nd, &texts, &n, &cause) == 0 && n == 2 &&
	    strcmp(texts[0], "#na#") == 0 && strcmp(texts[1], "ab") == 0,
	    "a <U4 numpy array decodes from UTF-32");
	pyvalue_texts_free(texts, n);
	free(cause);
}

int
main(void)
{
	pk = pickle_new(NULL);
	test_protocol0();
	test_protocol2();
	test_protocol4();
	test_persid();
	test_hostile_call();
	test_limits();
	test_cycle();
	test_pyvalue();
	pickle_free(pk);
	return (tap_done());
}
