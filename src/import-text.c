/*
 * import-text.c: word2vec, fastText and GloVe vectors, TensorBoard
 * projector files and .npy matrices.
 *
 * Files are mapped whole and parsed in place; every declared size is
 * checked against the file's size before anything is allocated.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "import.h"
#include "import-text.h"
#include "progress.h"
#include "util.h"

#define IMPORT_TEXT_BLANK(c)	((c) == ' ' || (c) == '\t')

/* Largest dimension accepted: more is a broken header, not a model. */
#define IMPORT_TEXT_MAXDIM	(1U << 20)

/* Rows between progress updates and interrupt checks. */
#define IMPORT_TEXT_EVERY	256

/* A line of a mapped file. */
struct import_line {
	const char	*p;		/* start */
	const char	*e;		/* end, before the newline or CR */
	const char	*next;		/* start of the next line */
	size_t		 no;		/* line number from 1 */
};

static const double import_text_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Maps a file read-only; an empty file is an error. */
int
import_text_map(const char *path, struct import_map *m, char **cause)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	memset(m, 0, sizeof *m);
	if ((fd = open(path, O_RDONLY)) == -1)
		return (util_fail(cause, "%s", strerror(errno)));
	if (fstat(fd, &st) == -1) {
		close(fd);
		return (util_fail(cause, "%s", strerror(errno)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return (util_fail(cause, "not a regular file"));
	}
	if (st.st_size == 0) {
		close(fd);
		return (util_fail(cause, "the file is empty"));
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return (util_fail(cause, "too large to map"));
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return (util_fail(cause, "mmap: %s", strerror(errno)));
	madvise(p, st.st_size, MADV_SEQUENTIAL);
	m->p = p;
	m->len = st.st_size;
	m->mapped = 1;
	return (0);
}

/* Unmaps a file. */
void
import_text_unmap(struct import_map *m)
{
	if (m->p != NULL && m->mapped)
		munmap((void *)m->p, m->len);
	m->p = NULL;
}

/* Finds the line starting at p; returns 0 at the end of the text. */
static int
import_text_line(const char *p, const char *end, struct import_line *l)
{
	const char	*nl;

	if (p >= end)
		return (0);
	l->p = p;
	nl = memchr(p, '\n', end - p);
	l->e = nl == NULL ? end : nl;
	l->next = nl == NULL ? end : nl + 1;
	if (l->e > l->p && l->e[-1] == '\r')
		l->e--;
	l->no++;
	return (1);
}

/* Tells whether a line holds only blanks. */
static int
import_text_blank(const struct import_line *l)
{
	const char	*p;

	for (p = l->p; p < l->e; p++) {
		if (!IMPORT_TEXT_BLANK(*p))
			return (0);
	}
	return (1);
}

/* Counts the blank-separated fields of a line. */
static size_t
import_text_fields(const char *p, const char *e)
{
	size_t	 n = 0;

	while (p < e) {
		while (p < e && IMPORT_TEXT_BLANK(*p))
			p++;
		if (p == e)
			break;
		n++;
		while (p < e && !IMPORT_TEXT_BLANK(*p))
			p++;
	}
	return (n);
}

/* Parses a number the slow way, through a terminated copy. */
static int
import_text_strtof(const char *s, size_t len, float *out)
{
	char	 buf[64], *end;
	float	 f;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	f = strtof(buf, &end);
	if (end != buf + len)
		return (-1);
	if (errno == ERANGE && (f == HUGE_VALF || f == -HUGE_VALF))
		return (-1);
	*out = f;
	return (0);
}

/*
 * Parses a decimal number. Most numbers in vector files have few digits:
 * their value is an exact integer times an exact power of ten, so one
 * division gives the correctly rounded double, which rounds correctly to
 * float unless it sits exactly halfway between two floats. Everything
 * else goes through strtof.
 */
int
import_text_float(const char *s, size_t len, float *out)
{
	const char	*p = s, *e = s + len;
	uint64_t	 m = 0, bits;
	int		 neg = 0, digits = 0, any = 0, exp10 = 0, ex = 0;
	int		 exneg = 0, exany = 0;
	double		 d;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		any = 1;
		if (m == 0 && *p == '0')
			continue;
		if (++digits > 19)
			goto slow;
		m = m * 10 + (*p - '0');
	}
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
			any = 1;
			exp10--;
			if (m == 0 && *p == '0')
				continue;
			if (++digits > 19)
				goto slow;
			m = m * 10 + (*p - '0');
		}
	}
	if (!any)
		goto slow;
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '-' || *p == '+'))
			exneg = *p++ == '-';
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			exany = 1;
			if (ex < 10000)
				ex = ex * 10 + (*p - '0');
		}
		if (!exany)
			return (-1);
		exp10 += exneg ? -ex : ex;
	}
	if (p != e)
		return (import_text_strtof(s, len, out));
	if (m == 0) {
		*out = neg ? -0.0f : 0.0f;
		return (0);
	}
	if (m > (1ULL << 53) || exp10 < -22 || exp10 > 22)
		goto slow;
	d = (double)m;
	d = exp10 < 0 ? d / import_text_pow10[-exp10] :
	    d * import_text_pow10[exp10];
	if (d < FLT_MIN || d > FLT_MAX)
		goto slow;
	memcpy(&bits, &d, sizeof bits);
	if ((bits & 0x1fffffffULL) == 0x10000000ULL)
		goto slow;
	*out = neg ? -(float)d : (float)d;
	return (0);

slow:
	return (import_text_strtof(s, len, out));
}

/* Parses a size token: a decimal integer without sign. */
static int
import_text_size(const char *p, const char *e, uint64_t *out)
{
	uint64_t	 n = 0;

	if (p == e)
		return (-1);
	for (; p < e; p++) {
		if (*p < '0' || *p > '9' || n > (UINT64_MAX - 9) / 10)
			return (-1);
		n = n * 10 + (*p - '0');
	}
	*out = n;
	return (0);
}

/* Reads an "N D" header line; -1 when the line is something else. */
static int
import_text_header(const struct import_line *l, uint64_t *rows,
    uint64_t *dim)
{
	const char	*p = l->p, *t;

	while (p < l->e && IMPORT_TEXT_BLANK(*p))
		p++;
	for (t = p; t < l->e && !IMPORT_TEXT_BLANK(*t); t++)
		/* nothing */;
	if (import_text_size(p, t, rows) != 0)
		return (-1);
	for (p = t; p < l->e && IMPORT_TEXT_BLANK(*p); p++)
		/* nothing */;
	for (t = p; t < l->e && !IMPORT_TEXT_BLANK(*t); t++)
		/* nothing */;
	if (import_text_size(p, t, dim) != 0)
		return (-1);
	for (p = t; p < l->e && IMPORT_TEXT_BLANK(*p); p++)
		/* nothing */;
	return (p == l->e ? 0 : -1);
}

/* Tells whether every field of a line is a number; counts them. */
static int
import_text_numbers(const char *p, const char *e, size_t *n)
{
	const char	*t;
	float		 f;

	*n = 0;
	while (p < e) {
		while (p < e && IMPORT_TEXT_BLANK(*p))
			p++;
		if (p == e)
			break;
		for (t = p; t < e && !IMPORT_TEXT_BLANK(*t); t++)
			/* nothing */;
		if (import_text_float(p, t - p, &f) != 0)
			return (0);
		(*n)++;
		p = t;
	}
	return (*n != 0);
}

/* Quotes the start of a line for an error message, new. */
static char *
import_text_quote(const char *p, const char *e)
{
	size_t	 len = e - p, i;
	char	*s;

	if (len > 40)
		len = 40;
	s = xstrndup(p, len);
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			s[i] = '?';
	}
	return (s);
}

/*
 * Parses a row: a label, then dim numbers. The label is everything
 * before the last dim fields, so a word with a space in it (GloVe has a
 * few) is still one label, unless its last part is itself a number.
 */
static int
import_text_row(const struct import_line *l, size_t dim, float *row,
    const char **lab, const char **labend, char **cause)
{
	const char	*ls = l->p, *p = l->e, *t;
	char		*q;
	size_t		 k;
	float		 f;

	while (ls < p && IMPORT_TEXT_BLANK(*ls))
		ls++;
	for (k = dim; k > 0; k--) {
		while (p > ls && IMPORT_TEXT_BLANK(p[-1]))
			p--;
		for (t = p; t > ls && !IMPORT_TEXT_BLANK(t[-1]); t--)
			/* nothing */;
		if (t == ls)
			goto fields;
		if (import_text_float(t, p - t, &row[k - 1]) != 0) {
			q = import_text_quote(t, p);
			util_fail(cause, "line %zu: '%s' is not a number",
			    l->no, q);
			free(q);
			return (-1);
		}
		p = t;
	}
	while (p > ls && IMPORT_TEXT_BLANK(p[-1]))
		p--;
	for (t = p; t > ls && !IMPORT_TEXT_BLANK(t[-1]); t--)
		/* nothing */;
	if (t != ls && import_text_float(t, p - t, &f) == 0)
		goto fields;
	*lab = ls;
	*labend = p;
	return (0);

fields:
	return (util_fail(cause, "line %zu: %zu fields, expected %zu (a "
	    "word and %zu numbers)", l->no, import_text_fields(l->p, l->e),
	    dim + 1, dim));
}

/* Parses a projector row: exactly dim numbers and nothing else. */
static int
import_text_vector(const struct import_line *l, size_t dim, float *row,
    char **cause)
{
	const char	*p = l->p, *t;
	char		*q;
	size_t		 k = 0;

	for (;;) {
		while (p < l->e && IMPORT_TEXT_BLANK(*p))
			p++;
		if (p == l->e)
			break;
		for (t = p; t < l->e && !IMPORT_TEXT_BLANK(*t); t++)
			/* nothing */;
		if (k == dim)
			break;
		if (import_text_float(p, t - p, &row[k]) != 0) {
			q = import_text_quote(p, t);
			util_fail(cause, "line %zu: '%s' is not a number",
			    l->no, q);
			free(q);
			return (-1);
		}
		k++;
		p = t;
	}
	if (k != dim || p != l->e)
		return (util_fail(cause, "line %zu: %zu fields, expected %zu",
		    l->no, import_text_fields(l->p, l->e), dim));
	return (0);
}

/* Counts the lines that are not blank from p on. */
static size_t
import_text_count(const char *p, const char *end)
{
	struct import_line	 l;
	size_t			 n = 0;

	memset(&l, 0, sizeof l);
	while (import_text_line(p, end, &l)) {
		if (l.p < l.e && !IMPORT_TEXT_BLANK(*l.p))
			n++;
		else if (!import_text_blank(&l))
			n++;
		p = l.next;
	}
	return (n);
}

/* Tells which kind of vector text a file holds. */
enum import_text_kind
import_text_sniff(const char *p, size_t len, char **cause)
{
	struct import_line	 l;
	const char		*end = p + len, *lab, *labend;
	uint64_t		 rows, dim;
	size_t			 n;
	float			*row;
	enum import_text_kind	 k;

	memset(&l, 0, sizeof l);
	while (import_text_line(p, end, &l) && import_text_blank(&l))
		p = l.next;
	if (p >= end) {
		util_fail(cause, "only blank lines");
		return (IMPORT_TEXT_NONE);
	}
	if (import_text_header(&l, &rows, &dim) == 0) {
		if (dim == 0 || dim > IMPORT_TEXT_MAXDIM) {
			util_fail(cause, "a header line declaring %llu "
			    "dimensions", (unsigned long long)dim);
			return (IMPORT_TEXT_NONE);
		}
		if (!import_text_line(l.next, end, &l))
			return (IMPORT_TEXT_WORD2VEC);
		row = xcalloc(dim, sizeof *row);
		if (import_text_row(&l, dim, row, &lab, &labend, NULL) == 0)
			k = IMPORT_TEXT_WORD2VEC;
		else
			k = IMPORT_TEXT_WORD2VEC_BIN;
		free(row);
		return (k);
	}
	if (import_text_numbers(l.p, l.e, &n)) {
		if (memchr(l.p, '\t', l.e - l.p) != NULL || n == 1)
			return (IMPORT_TEXT_PROJECTOR);
	}
	n = import_text_fields(l.p, l.e);
	if (n >= 2 && n - 1 <= IMPORT_TEXT_MAXDIM) {
		row = xcalloc(n, sizeof *row);
		n--;
		k = import_text_row(&l, n, row, &lab, &labend, NULL) == 0 ?
		    IMPORT_TEXT_GLOVE : IMPORT_TEXT_NONE;
		free(row);
		if (k != IMPORT_TEXT_NONE)
			return (k);
	}
	lab = import_text_quote(l.p, l.e);
	util_fail(cause, "text whose first line is not vectors: '%s'", lab);
	free((char *)lab);
	return (IMPORT_TEXT_NONE);
}

/* The file name without folders and its last extension, new. */
char *
import_text_stem(const char *path)
{
	const char	*b, *dot;

	b = strrchr(path, '/');
	b = b == NULL ? path : b + 1;
	dot = strrchr(b, '.');
	if (dot == NULL || dot == b)
		return (xstrdup(b));
	return (xstrndup(b, dot - b));
}

/* The file name without folders. */
static const char *
import_text_base(const char *path)
{
	const char	*b;

	b = strrchr(path, '/');
	return (b == NULL ? path : b + 1);
}

/* Starts a model set of one vectors model for a file. */
static struct model *
import_text_model(struct model_set **msp, const char *path,
    const struct import_opts *opts, const char *what)
{
	struct model_set	*ms;
	struct model		*m;
	char			*stem;

	ms = model_set_new();
	ms->path = xstrdup(path);
	stem = import_text_stem(path);
	m = model_set_add(ms, opts != NULL && opts->name != NULL ?
	    opts->name : stem, MODEL_VECTORS);
	free(stem);
	free(m->source);
	m->source = xasprintf("%s %s", what, import_text_base(path));
	*msp = ms;
	return (m);
}

/* Checks that rows x dim floats fit in memory and in the file. */
static int
import_text_fits(uint64_t rows, uint64_t dim, size_t perrow, size_t avail,
    char **cause)
{
	size_t	 need, cells;

	if (rows == 0 || dim == 0)
		return (util_fail(cause, "declares %llu x %llu, an empty "
		    "matrix", (unsigned long long)rows,
		    (unsigned long long)dim));
	if (dim > IMPORT_TEXT_MAXDIM || rows > SIZE_MAX ||
	    util_mul(rows, dim, &cells) != 0 ||
	    util_mul(cells, sizeof(float), &need) != 0 ||
	    util_mul(rows, perrow, &need) != 0 || need > avail)
		return (util_fail(cause, "declares %llu rows of %llu "
		    "dimensions, more than the file's %zu bytes can hold",
		    (unsigned long long)rows, (unsigned long long)dim, avail));
	return (0);
}

/* Tells whether the user pressed ^C; every so many rows, reports. */
static int
import_text_tick(struct progress *pr, size_t i, uint64_t done, char **cause)
{
	if (i % IMPORT_TEXT_EVERY != 0)
		return (0);
	progress_update(pr, done);
	if (util_interrupted)
		return (util_fail(cause, "interrupted"));
	return (0);
}

/* Reads text rows of a word and dim numbers, rows of them if known. */
static int
import_text_words(const char *p, const char *end, size_t lineno,
    size_t rows, size_t dim, float *mat, struct import_labels *lb,
    struct progress *pr, const char *base, char **cause)
{
	struct import_line	 l;
	const char		*lab, *labend;
	size_t			 i = 0;

	memset(&l, 0, sizeof l);
	l.no = lineno;
	while (import_text_line(p, end, &l)) {
		p = l.next;
		if (import_text_blank(&l))
			continue;
		if (i == rows)
			return (util_fail(cause, "line %zu: more rows than "
			    "the %zu declared", l.no, rows));
		if (import_text_row(&l, dim, mat + i * dim, &lab, &labend,
		    cause) != 0)
			return (-1);
		import_labels_add(lb, lab, labend - lab);
		if (import_text_tick(pr, ++i, p - base, cause) != 0)
			return (-1);
	}
	if (i != rows)
		return (util_fail(cause, "truncated: %zu rows declared, %zu "
		    "found", rows, i));
	return (0);
}

/* Reads a float32 in little-endian byte order. */
static float
import_text_le32(const unsigned char *b)
{
	uint32_t	 u;
	float		 f;

	u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
	memcpy(&f, &u, sizeof f);
	return (f);
}

/* Reads word2vec binary records: a word, a space, dim float32 LE. */
static int
import_text_binary(const char *p, const char *end, size_t rows, size_t dim,
    float *mat, struct import_labels *lb, struct progress *pr,
    const char *base, char **cause)
{
	const char	*w;
	size_t		 i, j, need = dim * 4;
	float		*row;

	for (i = 0; i < rows; i++) {
		while (p < end && (*p == '\n' || *p == '\r'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\n' && p - w < 65536)
			p++;
		if (p == end || *p != ' ' || p == w)
			return (util_fail(cause, "record %zu of %zu (byte "
			    "%zu): %s", i + 1, rows, (size_t)(w - base),
			    p == end ? "truncated" : "no word and space"));
		import_labels_add(lb, w, p - w);
		p++;
		if ((size_t)(end - p) < need)
			return (util_fail(cause, "record %zu of %zu: "
			    "truncated (%zu of %zu bytes)", i + 1, rows,
			    (size_t)(end - p), need));
		row = mat + i * dim;
		for (j = 0; j < dim; j++)
			row[j] = import_text_le32((const unsigned char *)p +
			    4 * j);
		p += need;
		if (import_text_tick(pr, i + 1, p - base, cause) != 0)
			return (-1);
	}
	while (p < end && (*p == '\n' || *p == '\r' || *p == ' '))
		p++;
	if (p != end)
		return (util_fail(cause, "%zu bytes after the %zu declared "
		    "rows", (size_t)(end - p), rows));
	return (0);
}

/* Adds the embedding and its labels once the rows are read. */
static int
import_text_finish(struct model *m, const char *name, size_t rows,
    size_t dim, float *mat, struct import_labels *lb, char **cause)
{
	struct emb	*e;

	e = model_add_emb(m, name, ROLE_VECTOR, rows, dim);
	e->matrix = mat;
	if (lb == NULL) {
		emb_number_labels(e);
		return (0);
	}
	return (import_labels_apply(lb, m, e, cause));
}

/* Hands back the set, or frees it and returns NULL when rc failed. */
static struct model_set *
import_text_result(struct model_set *ms, int rc)
{
	if (rc == 0)
		return (ms);
	model_set_free(ms);
	return (NULL);
}

/* Reads word2vec/fastText text or binary, or GloVe text. */
struct model_set *
import_word2vec(const char *path, const struct import_opts *opts,
    char **cause)
{
	struct import_map	 map;
	struct import_line	 l;
	struct model_set	*ms = NULL;
	struct model		*m;
	struct import_labels	*lb = NULL;
	struct progress		*pr = NULL;
	enum import_text_kind	 kind;
	const char		*p, *end, *what;
	uint64_t		 rows, dim;
	float			*mat = NULL;
	int			 rc = -1;

	if (import_text_map(path, &map, cause) != 0)
		return (NULL);
	p = map.p;
	end = p + map.len;
	kind = import_text_sniff(p, map.len, cause);
	memset(&l, 0, sizeof l);
	while (import_text_line(p, end, &l) && import_text_blank(&l))
		p = l.next;
	switch (kind) {
	case IMPORT_TEXT_WORD2VEC:
	case IMPORT_TEXT_WORD2VEC_BIN:
		import_text_header(&l, &rows, &dim);
		p = l.next;
		what = kind == IMPORT_TEXT_WORD2VEC ? "word2vec text" :
		    "word2vec binary";
		if (import_text_fits(rows, dim, kind == IMPORT_TEXT_WORD2VEC ?
		    2 * dim : 4 * dim + 2, end - p, cause) != 0)
			goto out;
		break;
	case IMPORT_TEXT_GLOVE:
		what = "GloVe text";
		dim = import_text_fields(l.p, l.e) - 1;
		rows = import_text_count(p, end);
		l.no--;
		break;
	default:
		if (kind != IMPORT_TEXT_NONE)
			util_fail(cause, "projector vectors, not word vectors");
		goto out;
	}
	mat = xcalloc(rows * dim, sizeof *mat);
	lb = import_labels_new();
	m = import_text_model(&ms, path, opts, what);
	pr = progress_start(import_text_base(path), NULL, map.len,
	    opts != NULL && opts->progress);
	if (kind == IMPORT_TEXT_WORD2VEC_BIN)
		rc = import_text_binary(p, end, rows, dim, mat, lb, pr, map.p,
		    cause);
	else
		rc = import_text_words(p, end, l.no, rows, dim, mat, lb, pr,
		    map.p, cause);
	if (rc == 0) {
		rc = import_text_finish(m, "words", rows, dim, mat, lb, cause);
		mat = NULL;
	}

out:
	progress_end(pr);
	import_labels_free(lb);
	free(mat);
	import_text_unmap(&map);
	return (import_text_result(ms, rc));
}

/* Reads a file of one label per line; a final newline ends the last. */
struct import_labels *
import_text_labels(const char *path, char **cause)
{
	struct import_map	 map;
	struct import_line	 l;
	struct import_labels	*lb;
	const char		*p;
	char			*why;

	if (import_text_map(path, &map, &why) != 0) {
		util_fail(cause, "labels %s: %s", path, why);
		free(why);
		return (NULL);
	}
	lb = import_labels_new();
	memset(&l, 0, sizeof l);
	for (p = map.p; import_text_line(p, map.p + map.len, &l); p = l.next)
		import_labels_add(lb, l.p, l.e - l.p);
	import_text_unmap(&map);
	return (lb);
}

/* Tells whether a column title names the label column. */
static int
import_text_label_title(const char *p, size_t len)
{
	static const char	*titles[] = {
		"label", "name", "title", "word", "labels", "names", "words"
	};
	size_t			 i;

	for (i = 0; i < UTIL_NELEM(titles); i++) {
		if (strlen(titles[i]) == len &&
		    strncasecmp(p, titles[i], len) == 0)
			return (1);
	}
	return (0);
}

/* Finds field col of a tab-separated line; counts the fields. */
static size_t
import_text_tsv(const struct import_line *l, size_t col, const char **fp,
    const char **fe)
{
	const char	*p = l->p, *t;
	size_t		 n = 0;

	for (;;) {
		t = memchr(p, '\t', l->e - p);
		if (t == NULL)
			t = l->e;
		if (n == col) {
			*fp = p;
			*fe = t;
		}
		n++;
		if (t == l->e)
			break;
		p = t + 1;
	}
	return (n);
}

/* Picks the label column from a metadata header line. */
static size_t
import_text_meta_column(const struct import_line *l, size_t ncols)
{
	const char	*fp = NULL, *fe = NULL;
	size_t		 i;

	for (i = 0; i < ncols; i++) {
		import_text_tsv(l, i, &fp, &fe);
		if (import_text_label_title(fp, fe - fp))
			return (i);
	}
	return (0);
}

/*
 * Reads projector metadata: one label per line, or, with several
 * columns, a header line and then rows whose label column is the one
 * titled label, name, title or word, else the first.
 */
static struct import_labels *
import_text_meta(const char *path, size_t rows, char **cause)
{
	struct import_map	 map;
	struct import_line	 l;
	struct import_labels	*lb = NULL;
	const char		*p, *end, *fp = NULL, *fe = NULL;
	size_t			 ncols, col = 0, n;
	char			*why;

	if (import_text_map(path, &map, &why) != 0) {
		util_fail(cause, "metadata %s: %s", path, why);
		free(why);
		return (NULL);
	}
	end = map.p + map.len;
	while (end > map.p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	memset(&l, 0, sizeof l);
	if (!import_text_line(map.p, end, &l)) {
		util_fail(cause, "metadata %s: no labels", path);
		goto out;
	}
	ncols = import_text_tsv(&l, 0, &fp, &fe);
	p = map.p;
	if (ncols > 1) {
		col = import_text_meta_column(&l, ncols);
		p = l.next;
	} else if (import_text_label_title(l.p, l.e - l.p) &&
	    import_text_count(map.p, end) == rows + 1)
		p = l.next;
	lb = import_labels_new();
	for (; import_text_line(p, end, &l); p = l.next) {
		n = import_text_tsv(&l, col, &fp, &fe);
		if (ncols > 1 && n != ncols) {
			util_fail(cause, "metadata %s: line %zu: %zu fields, "
			    "the header has %zu", path, l.no, n, ncols);
			import_labels_free(lb);
			lb = NULL;
			goto out;
		}
		import_labels_add(lb, fp, fe - fp);
	}
	if (import_labels_count(lb) != rows) {
		util_fail(cause, "metadata %s: %zu labels for %zu vectors",
		    path, import_labels_count(lb), rows);
		import_labels_free(lb);
		lb = NULL;
	}

out:
	import_text_unmap(&map);
	return (lb);
}

/* Tries one metadata name beside the vectors; returns it if readable. */
static char *
import_text_try(const char *path, const char *dir, size_t dirlen,
    const char *a, size_t alen, const char *b, const char *c)
{
	char	*cand;

	cand = xasprintf("%.*s%.*s%s%s", (int)dirlen, dir, (int)alen, a, b,
	    c);
	if (strcmp(cand, path) != 0 && access(cand, R_OK) == 0)
		return (cand);
	free(cand);
	return (NULL);
}

/* The words that name a projector's vectors file and its metadata. */
static const char *const import_text_vec_words[] = {
	"vectors", "vecs", "vector", "vec", "embeddings", "embedding"
};
static const char *const import_text_meta_words[] = { "metadata", "meta" };

/*
 * Tries the names made from a file's name by replacing the last place
 * where one of the words from stands with each of the words to, in
 * order; returns the first readable one, new, or NULL.
 */
static char *
import_text_swap(const char *path, const char *const *from, size_t nfrom,
    const char *const *to, size_t nto)
{
	const char	*base, *at, *hit;
	size_t		 i, j, dirlen;
	char		*cand;

	base = import_text_base(path);
	dirlen = base - path;
	for (i = 0; i < nfrom; i++) {
		hit = NULL;
		for (at = base; (at = strstr(at, from[i])) != NULL; at++)
			hit = at;
		for (j = 0; hit != NULL && j < nto; j++) {
			cand = import_text_try(path, path, dirlen, base,
			    hit - base, to[j], hit + strlen(from[i]));
			if (cand != NULL)
				return (cand);
		}
	}
	return (NULL);
}

/* Finds the metadata file of a projector vectors file, or NULL. */
static char *
import_text_meta_path(const char *path)
{
	const char	*base, *dot;
	char		*cand, *hit;
	size_t		 j;

	cand = import_text_swap(path, import_text_vec_words,
	    UTIL_NELEM(import_text_vec_words), import_text_meta_words,
	    UTIL_NELEM(import_text_meta_words));
	if (cand != NULL)
		return (cand);
	base = import_text_base(path);
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	for (j = 0; j < UTIL_NELEM(import_text_meta_words); j++) {
		cand = xasprintf("_%s", import_text_meta_words[j]);
		hit = import_text_try(path, path, base - path, base,
		    dot - base, cand, dot);
		free(cand);
		if (hit != NULL)
			return (hit);
	}
	return (NULL);
}

/*
 * Finds the vectors file that a projector metadata file labels, the
 * inverse of import_text_meta_path, or NULL.
 */
char *
import_text_vectors_path(const char *path)
{
	static const char *const suffixes[] = { "_metadata", "_meta" };
	static const char *const none[] = { "" };
	char	*cand;

	cand = import_text_swap(path, suffixes, UTIL_NELEM(suffixes), none,
	    UTIL_NELEM(none));
	if (cand != NULL)
		return (cand);
	return (import_text_swap(path, import_text_meta_words,
	    UTIL_NELEM(import_text_meta_words), import_text_vec_words,
	    UTIL_NELEM(import_text_vec_words)));
}

/* Reads the rows of a projector vectors file. */
static int
import_text_vectors(const char *p, const char *end, size_t rows,
    size_t dim, float *mat, struct progress *pr, char **cause)
{
	struct import_line	 l;
	const char		*base = p;
	size_t			 i = 0;

	memset(&l, 0, sizeof l);
	while (import_text_line(p, end, &l)) {
		p = l.next;
		if (import_text_blank(&l))
			continue;
		if (import_text_vector(&l, dim, mat + i * dim, cause) != 0)
			return (-1);
		if (import_text_tick(pr, ++i, p - base, cause) != 0)
			return (-1);
	}
	return (i == rows ? 0 : util_fail(cause, "%zu rows read, %zu counted",
	    i, rows));
}

/* Labels the projector's rows from the metadata file, if there is one. */
static int
import_text_projector_labels(const char *path, const struct import_opts *opts,
    struct model *m, size_t rows, struct import_labels **lbp, char **cause)
{
	char	*meta;

	*lbp = NULL;
	if (opts != NULL && opts->labels != NULL)
		meta = xstrdup(opts->labels);
	else if ((meta = import_text_meta_path(path)) == NULL) {
		import_labels_note(m, "no metadata file: rows labelled by "
		    "number");
		return (0);
	}
	*lbp = import_text_meta(meta, rows, cause);
	if (*lbp != NULL)
		import_labels_note(m, "labels from %s",
		    import_text_base(meta));
	free(meta);
	return (*lbp == NULL ? -1 : 0);
}

/* Reads a TensorBoard projector vectors TSV and its metadata. */
struct model_set *
import_projector(const char *path, const struct import_opts *opts,
    char **cause)
{
	struct import_map	 map;
	struct import_line	 l;
	struct model_set	*ms = NULL;
	struct model		*m;
	struct import_labels	*lb = NULL;
	struct progress		*pr = NULL;
	const char		*p, *end;
	size_t			 rows, dim;
	float			*mat = NULL;
	int			 rc = -1;

	if (import_text_map(path, &map, cause) != 0)
		return (NULL);
	end = map.p + map.len;
	switch (import_text_sniff(map.p, map.len, cause)) {
	case IMPORT_TEXT_PROJECTOR:
		break;
	case IMPORT_TEXT_NONE:
		goto out;
	default:
		util_fail(cause, "word vectors, not projector vectors");
		goto out;
	}
	memset(&l, 0, sizeof l);
	for (p = map.p; import_text_line(p, end, &l) &&
	    import_text_blank(&l); p = l.next)
		/* nothing */;
	dim = import_text_fields(l.p, l.e);
	rows = import_text_count(map.p, end);
	mat = xcalloc(rows * dim, sizeof *mat);
	m = import_text_model(&ms, path, opts, "projector vectors");
	pr = progress_start(import_text_base(path), NULL, map.len,
	    opts != NULL && opts->progress);
	if (import_text_vectors(map.p, end, rows, dim, mat, pr, cause) != 0)
		goto out;
	if (import_text_projector_labels(path, opts, m, rows, &lb, cause) != 0)
		goto out;
	rc = import_text_finish(m, "vectors", rows, dim, mat, lb, cause);
	mat = NULL;

out:
	progress_end(pr);
	import_labels_free(lb);
	free(mat);
	import_text_unmap(&map);
	return (import_text_result(ms, rc));
}

/* What a .npy header says. */
struct import_npy {
	int		 big;		/* big-endian data */
	size_t		 size;		/* bytes per element */
	int		 fortran;
	int		 ndim;
	uint64_t	 shape[8];
	char		 descr[32];
};

/* Finds a quoted key of the header dict and the value after its colon. */
static const char *
import_npy_key(const char *h, const char *e, const char *key)
{
	const char	*p;
	size_t		 len = strlen(key);

	for (p = h; p + len + 2 <= e; p++) {
		if ((*p == '\'' || *p == '"') && p[len + 1] == *p &&
		    memcmp(p + 1, key, len) == 0) {
			p += len + 2;
			while (p < e && (*p == ' ' || *p == ':'))
				p++;
			return (p);
		}
	}
	return (NULL);
}

/* Reads the shape tuple of a .npy header. */
static int
import_npy_shape(const char *p, const char *e, struct import_npy *n,
    char **cause)
{
	const char	*t;

	if (p == NULL || p >= e || *p != '(')
		return (util_fail(cause, "npy header without a shape"));
	for (p++; p < e && *p != ')';) {
		while (p < e && (*p == ' ' || *p == ','))
			p++;
		if (p < e && *p == ')')
			break;
		for (t = p; t < e && *t >= '0' && *t <= '9'; t++)
			/* nothing */;
		if (n->ndim == (int)UTIL_NELEM(n->shape) ||
		    import_text_size(p, t, &n->shape[n->ndim]) != 0)
			return (util_fail(cause, "npy shape is not a tuple "
			    "of sizes"));
		n->ndim++;
		p = t;
		if (p < e && *p == 'L')
			p++;
	}
	if (p >= e)
		return (util_fail(cause, "npy shape is not closed"));
	return (0);
}

/* Reads the dtype of a .npy header: float16, 32 or 64, either order. */
static int
import_npy_descr(const char *p, const char *e, struct import_npy *n,
    char **cause)
{
	const char	*t;
	char		 q;

	if (p == NULL || p >= e || (*p != '\'' && *p != '"'))
		return (util_fail(cause, "npy dtype is not a simple type "
		    "(a record array?)"));
	q = *p++;
	for (t = p; t < e && *t != q; t++)
		/* nothing */;
	if (t == e || (size_t)(t - p) >= sizeof n->descr)
		return (util_fail(cause, "npy dtype is not closed"));
	memcpy(n->descr, p, t - p);
	n->descr[t - p] = '\0';
	p = n->descr;
	n->big = *p == '>';
	if (*p == '=')
		n->big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	if (*p == '<' || *p == '>' || *p == '=' || *p == '|')
		p++;
	if (strcmp(p, "f2") == 0)
		n->size = 2;
	else if (strcmp(p, "f4") == 0)
		n->size = 4;
	else if (strcmp(p, "f8") == 0)
		n->size = 8;
	else
		return (util_fail(cause, "npy dtype '%s' is not float16, "
		    "float32 or float64", n->descr));
	return (0);
}

/* Parses the magic, version and header dict of a .npy file. */
static int
import_npy_header(const struct import_map *map, struct import_npy *n,
    size_t *off, char **cause)
{
	const unsigned char	*u = (const unsigned char *)map->p;
	const char		*h, *e, *v;
	size_t			 hlen, start;

	memset(n, 0, sizeof *n);
	if (map->len < 10 || memcmp(map->p, "\x93NUMPY", 6) != 0)
		return (util_fail(cause, "not a .npy file"));
	if (u[6] == 1) {
		hlen = u[8] | (size_t)u[9] << 8;
		start = 10;
	} else if (u[6] == 2 || u[6] == 3) {
		if (map->len < 12)
			return (util_fail(cause, "npy header truncated"));
		hlen = u[8] | (size_t)u[9] << 8 | (size_t)u[10] << 16 |
		    (size_t)u[11] << 24;
		start = 12;
	} else
		return (util_fail(cause, "npy version %d.%d is unknown",
		    u[6], u[7]));
	if (hlen > map->len - start)
		return (util_fail(cause, "npy header of %zu bytes, file has "
		    "%zu", hlen, map->len));
	h = map->p + start;
	e = h + hlen;
	*off = start + hlen;
	if (import_npy_descr(import_npy_key(h, e, "descr"), e, n, cause) != 0)
		return (-1);
	v = import_npy_key(h, e, "fortran_order");
	if (v == NULL || (e - v < 4))
		return (util_fail(cause, "npy header without fortran_order"));
	n->fortran = memcmp(v, "True", 4) == 0;
	return (import_npy_shape(import_npy_key(h, e, "shape"), e, n, cause));
}

/* Converts an IEEE half to float. */
static float
import_npy_half(uint16_t h)
{
	uint32_t	 sign = (uint32_t)(h >> 15) << 31;
	uint32_t	 ex = (h >> 10) & 0x1f, man = h & 0x3ff, u;
	float		 f;

	if (ex == 0) {
		f = ldexpf((float)man, -24);
		return (sign ? -f : f);
	}
	if (ex == 31)
		u = sign | 0x7f800000 | man << 13;
	else
		u = sign | (ex + 112) << 23 | man << 13;
	memcpy(&f, &u, sizeof f);
	return (f);
}

/* Reads one element of size bytes in the file's byte order as float. */
static float
import_npy_value(const unsigned char *b, const struct import_npy *n)
{
	uint64_t	 u = 0;
	uint32_t	 u32;
	double		 d;
	float		 f;
	size_t		 i;

	for (i = 0; i < n->size; i++) {
		if (n->big)
			u = u << 8 | b[i];
		else
			u |= (uint64_t)b[i] << (8 * i);
	}
	if (n->size == 2)
		return (import_npy_half((uint16_t)u));
	if (n->size == 4) {
		u32 = (uint32_t)u;
		memcpy(&f, &u32, sizeof f);
		return (f);
	}
	memcpy(&d, &u, sizeof d);
	return ((float)d);
}

/* Copies the elements into a row-major float32 matrix. */
static void
import_npy_copy(const unsigned char *data, const struct import_npy *n,
    float *mat, struct progress *pr)
{
	size_t	 rows = n->shape[0], dim = n->shape[1], i, j, at;

	for (i = 0; i < rows; i++) {
		for (j = 0; j < dim; j++) {
			at = n->fortran ? j * rows + i : i * dim + j;
			mat[i * dim + j] = import_npy_value(data +
			    at * n->size, n);
		}
		if (i % IMPORT_TEXT_EVERY == 0)
			progress_update(pr, i);
	}
}

/* Reads a 2-D float .npy matrix, labelled from opts->labels or by number. */
struct model_set *
import_npy(const char *path, const struct import_opts *opts, char **cause)
{
	struct import_map	 map;
	struct import_npy	 n;
	struct model_set	*ms = NULL;
	struct model		*m;
	struct import_labels	*lb = NULL;
	struct progress		*pr;
	size_t			 off = 0, cells, bytes;
	float			*mat = NULL;
	int			 rc = -1;

	if (import_text_map(path, &map, cause) != 0)
		return (NULL);
	if (import_npy_header(&map, &n, &off, cause) != 0)
		goto out;
	if (n.ndim != 2) {
		util_fail(cause, "npy array has %d dimensions, not 2", n.ndim);
		goto out;
	}
	if (n.shape[0] == 0 || n.shape[1] == 0) {
		util_fail(cause, "npy array is empty (%llu, %llu)",
		    (unsigned long long)n.shape[0],
		    (unsigned long long)n.shape[1]);
		goto out;
	}
	if (n.shape[0] > SIZE_MAX || n.shape[1] > SIZE_MAX ||
	    util_mul(n.shape[0], n.shape[1], &cells) != 0 ||
	    util_mul(cells, n.size, &bytes) != 0 || bytes > map.len - off) {
		util_fail(cause, "npy shape (%llu, %llu) of %s needs more than "
		    "the %zu bytes after the header: truncated",
		    (unsigned long long)n.shape[0],
		    (unsigned long long)n.shape[1], n.descr, map.len - off);
		goto out;
	}
	if (opts != NULL && opts->labels != NULL &&
	    (lb = import_text_labels(opts->labels, cause)) == NULL)
		goto out;
	if (lb != NULL && import_labels_count(lb) != n.shape[0]) {
		util_fail(cause, "labels %s: %zu labels for %llu rows",
		    opts->labels, import_labels_count(lb),
		    (unsigned long long)n.shape[0]);
		goto out;
	}
	mat = xcalloc(n.shape[0] * n.shape[1], sizeof *mat);
	m = import_text_model(&ms, path, opts, "npy");
	pr = progress_start(import_text_base(path), "rows", n.shape[0],
	    opts != NULL && opts->progress);
	import_npy_copy((const unsigned char *)map.p + off, &n, mat, pr);
	progress_end(pr);
	rc = import_text_finish(m, "vectors", n.shape[0], n.shape[1], mat, lb,
	    cause);
	mat = NULL;

out:
	import_labels_free(lb);
	free(mat);
	import_text_unmap(&map);
	return (import_text_result(ms, rc));
}
