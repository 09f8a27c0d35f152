/*
 * out.c: command output as tables, for people or for programs.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "text.h"
#include "util.h"

static const char *out_formats[] = { "table", "tsv", "csv", "json" };

/* Names an output format. */
const char *
out_format_name(enum out_format f)
{
	return (out_formats[f]);
}

/* Reads an output format name; -1 when unknown. */
int
out_format_parse(const char *s, enum out_format *f)
{
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(out_formats); i++) {
		if (strcmp(s, out_formats[i]) == 0) {
			*f = i;
			return (0);
		}
	}
	return (-1);
}

/* Creates an empty document. */
struct out_doc *
out_doc_new(void)
{
	return (xcalloc(1, sizeof(struct out_doc)));
}

/* Frees one table and its cells. */
static void
out_table_free(struct out_table *t)
{
	size_t	 i;

	for (i = 0; i < t->at; i++) {
		free(t->cells[i].s);
		free(t->cells[i].v);
	}
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cells);
	free(t->cols);
	free(t->types);
	free(t->name);
	free(t);
}

/* Frees a document. */
void
out_doc_free(struct out_doc *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ntables; i++)
		out_table_free(d->tables[i]);
	free(d->tables);
	free(d->note);
	free(d);
}

/* Sets a line shown to people under the tables. */
void
out_note(struct out_doc *d, const char *fmt, ...)
{
	va_list	 ap;

	free(d->note);
	va_start(ap, fmt);
	d->note = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Adds a table whose columns are given as "name:type". */
struct out_table *
out_table_add(struct out_doc *d, const char *name, const char *const *cols,
    size_t ncols)
{
	struct out_table *t;
	const char	*colon;
	size_t		 i;

	t = xcalloc(1, sizeof *t);
	t->name = xstrdup(name);
	t->ncols = ncols;
	t->cols = xcalloc(ncols, sizeof *t->cols);
	t->types = xcalloc(ncols, sizeof *t->types);
	for (i = 0; i < ncols; i++) {
		colon = strchr(cols[i], ':');
		t->cols[i] = colon ? xstrndup(cols[i], colon - cols[i]) :
		    xstrdup(cols[i]);
		t->types[i] = OUT_STR;
		if (colon != NULL) {
			switch (colon[1]) {
			case 'i':
				t->types[i] = OUT_INT;
				break;
			case 'n':
				t->types[i] = OUT_NUM;
				break;
			case 'v':
				t->types[i] = OUT_VEC;
				break;
			case 'b':
				t->types[i] = OUT_BOOL;
				break;
			}
		}
	}
	d->tables = xreallocarray(d->tables, d->ntables + 1,
	    sizeof *d->tables);
	d->tables[d->ntables++] = t;
	return (t);
}

/* Makes the table's wide text wrap instead of being cut. */
void
out_table_wrap(struct out_table *t)
{
	t->wrap = 1;
}

/*
 * The next cell to fill, growing the table by a row when needed. Room
 * doubles whenever the row count reaches a power of two, so a table of n
 * rows costs O(n) copying, not O(n^2).
 */
static struct out_cell *
out_next(struct out_table *t, enum out_type type)
{
	struct out_cell	*c;

	if (t->at == t->nrows * t->ncols) {
		t->nrows++;
		if ((t->nrows & (t->nrows - 1)) == 0)
			t->cells = xreallocarray(t->cells, 2 * t->nrows *
			    t->ncols, sizeof *t->cells);
		memset(t->cells + t->at, 0, t->ncols * sizeof *t->cells);
	}
	c = &t->cells[t->at++];
	c->type = type;
	return (c);
}

/* Appends a string cell. */
void
out_str(struct out_table *t, const char *s)
{
	struct out_cell	*c = out_next(t, OUT_STR);

	if (s == NULL)
		c->null = 1;
	else
		c->s = xstrdup(s);
}

/* Appends an integer cell. */
void
out_int(struct out_table *t, long long i)
{
	out_next(t, OUT_INT)->i = i;
}

/* Appends a number cell. */
void
out_num(struct out_table *t, double d)
{
	out_next(t, OUT_NUM)->d = d;
}

/* Appends a vector cell. */
void
out_vec(struct out_table *t, const float *v, size_t n)
{
	struct out_cell	*c = out_next(t, OUT_VEC);

	c->v = xcalloc(n, sizeof *v);
	memcpy(c->v, v, n * sizeof *v);
	c->n = n;
}

/* Appends a true/false cell. */
void
out_bool(struct out_table *t, int b)
{
	out_next(t, OUT_BOOL)->i = b != 0;
}

/* Appends an empty cell. */
void
out_null(struct out_table *t)
{
	out_next(t, OUT_STR)->null = 1;
}

/* Formats a number compactly: integers plainly, others to 6 digits. */
static char *
out_fmt_num(double d)
{
	if (isnan(d))
		return (xstrdup("nan"));
	if (isinf(d))
		return (xstrdup(d > 0 ? "inf" : "-inf"));
	return (xasprintf("%.6g", d));
}

/*
 * Tells whether a number column reads well with four fixed decimals:
 * every finite value between 0.001 and a million in magnitude, or zero.
 */
static int
out_fixed(const struct out_table *t, size_t col)
{
	const struct out_cell *c;
	double	 a;
	size_t	 r;

	for (r = 0; r < t->nrows; r++) {
		c = &t->cells[r * t->ncols + col];
		if (c->null || c->type != OUT_NUM || !isfinite(c->d))
			continue;
		a = fabs(c->d);
		if (a != 0 && (a < 1e-3 || a >= 1e6))
			return (0);
	}
	return (1);
}

/* Formats a cell for text output (not vectors); the result is new. */
static char *
out_fmt(const struct out_cell *c, int table)
{
	if (c->null)
		return (xstrdup(table ? "-" : ""));
	switch (c->type) {
	case OUT_STR:
		return (text_escape(c->s));
	case OUT_INT:
		return (xasprintf("%lld", c->i));
	case OUT_NUM:
		return (out_fmt_num(c->d));
	case OUT_BOOL:
		return (xstrdup(c->i ? (table ? "yes" : "true") :
		    (table ? "no" : "false")));
	case OUT_VEC:
		break;
	}
	return (xstrdup(""));
}

/*
 * Writes s as a JSON string literal: control characters, direction
 * overrides and the rest of what text_escape() hides become \uNNNN, and
 * a malformed byte becomes U+FFFD, so the output is valid JSON and safe
 * to print.
 */
void
out_json_string(FILE *f, const char *s)
{
	size_t		 len = strlen(s), i, n;
	unsigned int	 cp;
	int		 unsafe;

	fputc('"', f);
	for (i = 0; i < len; i += n) {
		n = text_next(s + i, len - i, &cp, &unsafe);
		if (n == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (unsafe)
			fprintf(f, "\\u%04x", cp);
		else
			fwrite(s + i, 1, n, f);
	}
	fputc('"', f);
}

/* Prints one cell as a JSON value. */
static void
out_json_cell(FILE *f, const struct out_cell *c)
{
	size_t	 i;

	if (c->null) {
		fputs("null", f);
		return;
	}
	switch (c->type) {
	case OUT_STR:
		out_json_string(f, c->s);
		break;
	case OUT_INT:
		fprintf(f, "%lld", c->i);
		break;
	case OUT_NUM:
		if (isfinite(c->d))
			fprintf(f, "%.9g", c->d);
		else
			fputs("null", f);
		break;
	case OUT_BOOL:
		fputs(c->i ? "true" : "false", f);
		break;
	case OUT_VEC:
		fputc('[', f);
		for (i = 0; i < c->n; i++) {
			if (i > 0)
				fputs(", ", f);
			if (isfinite(c->v[i]))
				fprintf(f, "%.9g", c->v[i]);
			else
				fputs("null", f);
		}
		fputc(']', f);
		break;
	}
}

/* Prints a table as a JSON array of objects. */
static void
out_json_table(FILE *f, const struct out_table *t)
{
	size_t	 r, c;

	fputc('[', f);
	for (r = 0; r < t->nrows; r++) {
		fputs(r == 0 ? "\n  {" : ",\n  {", f);
		for (c = 0; c < t->ncols && r * t->ncols + c < t->at; c++) {
			if (c > 0)
				fputs(", ", f);
			out_json_string(f, t->cols[c]);
			fputs(": ", f);
			out_json_cell(f, &t->cells[r * t->ncols + c]);
		}
		fputc('}', f);
	}
	fputs(t->nrows > 0 ? "\n]" : "]", f);
}

/* Prints a field of a delimited line; CSV quotes when needed. */
static void
out_field(FILE *f, const char *s, enum out_format fmt)
{
	const char	*p;

	if (fmt == OUT_TSV || strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* Prints a table as TSV or CSV; a vector spreads over columns. */
static void
out_delimited(FILE *f, const struct out_table *t, enum out_format fmt)
{
	char	 sep = fmt == OUT_TSV ? '\t' : ',';
	const struct out_cell *cell;
	size_t	 r, c, i, n;
	char	*s;

	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			fputc(sep, f);
		if (t->types[c] == OUT_VEC && t->nrows > 0) {
			n = t->cells[c].n;
			for (i = 0; i < n; i++) {
				fprintf(f, "%s%s%zu", i ? (fmt == OUT_TSV ?
				    "\t" : ",") : "", t->cols[c], i);
			}
		} else
			out_field(f, t->cols[c], fmt);
	}
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				fputc(sep, f);
			cell = &t->cells[r * t->ncols + c];
			if (cell->type == OUT_VEC) {
				for (i = 0; i < cell->n; i++)
					fprintf(f, "%s%.9g", i ? (fmt ==
					    OUT_TSV ? "\t" : ",") : "",
					    cell->v[i]);
				continue;
			}
			s = out_fmt(cell, 0);
			out_field(f, s, fmt);
			free(s);
		}
		fputc('\n', f);
	}
}

/* Prints a vector for people, wrapped to the width, indented. */
static void
out_vector_block(FILE *f, const struct out_cell *c, int width)
{
	size_t	 i, col = 2, per;

	per = width > 12 ? (width - 2) / 10 : 1;
	for (i = 0; i < c->n; i++) {
		if (i % per == 0) {
			fputs(i == 0 ? "  " : "\n  ", f);
			col = 2;
		}
		fprintf(f, "%s%9.4f", col > 2 ? " " : "", c->v[i]);
		col += 10;
	}
	fputc('\n', f);
}

/* Shrinks the widest string column until the table fits the width. */
static void
out_fit_widths(const struct out_table *t, size_t *w, size_t width)
{
	size_t	 total, c, widest;

	for (;;) {
		total = 0;
		widest = t->ncols;
		for (c = 0; c < t->ncols; c++) {
			if (t->types[c] == OUT_VEC)
				continue;
			total += w[c] + 2;
			if (t->types[c] == OUT_STR && (widest == t->ncols ||
			    w[c] > w[widest]))
				widest = c;
		}
		if (total <= width + 2 || widest == t->ncols ||
		    w[widest] <= 8)
			return;
		w[widest]--;
	}
}

/*
 * Prints one line of a row: each column's next piece of text, cut to its
 * width or, in a wrapping table, up to where it wraps; no padding after
 * the last piece. Advances rest[] past what was printed; returns whether
 * any column has text left.
 */
static int
out_row_line(FILE *f, const struct out_table *t, const char **rest,
    const size_t *w, int header)
{
	char	**piece;
	size_t	 c, n, pad, end = 0;
	int	 more = 0;

	piece = xcalloc(t->ncols, sizeof *piece);
	for (c = 0; c < t->ncols; c++) {
		if (t->types[c] == OUT_VEC)
			continue;
		if (t->wrap) {
			n = text_wrap(rest[c], w[c]);
			piece[c] = xstrndup(rest[c], n);
			rest[c] += n;
			while (*rest[c] == ' ')
				rest[c]++;
			more |= *rest[c] != '\0';
		} else {
			piece[c] = text_fit(rest[c], w[c]);
			rest[c] += strlen(rest[c]);
		}
		if (*piece[c] != '\0')
			end = c + 1;
	}
	for (c = 0; c < end; c++) {
		if (t->types[c] == OUT_VEC)
			continue;
		n = text_width(piece[c]);
		pad = n < w[c] ? w[c] - n : 0;
		if (t->types[c] != OUT_STR && !header)
			fprintf(f, "%*s%s", (int)pad, "", piece[c]);
		else
			fprintf(f, "%s%*s", piece[c],
			    c + 1 < end ? (int)pad : 0, "");
		if (c + 1 < end)
			fputs("  ", f);
	}
	fputc('\n', f);
	for (c = 0; c < t->ncols; c++)
		free(piece[c]);
	free(piece);
	return (more);
}

/* Prints a table aligned for people; vectors go on their own lines. */
static void
out_table_text(FILE *f, const struct out_table *t, int width)
{
	char		**s;
	const char	**rest;
	size_t		*w, r, c, n = t->nrows * t->ncols;
	int		 has_vec = 0, *fixed;

	w = xcalloc(t->ncols, sizeof *w);
	fixed = xcalloc(t->ncols, sizeof *fixed);
	rest = xcalloc(t->ncols, sizeof *rest);
	s = xcalloc(n ? n : 1, sizeof *s);
	for (c = 0; c < t->ncols; c++) {
		fixed[c] = out_fixed(t, c);
		w[c] = text_width(t->cols[c]);
		has_vec |= t->types[c] == OUT_VEC;
	}
	for (r = 0; r < n && r < t->at; r++) {
		c = r % t->ncols;
		if (t->types[c] == OUT_VEC)
			continue;
		if (t->types[c] == OUT_NUM && fixed[c] &&
		    t->cells[r].type == OUT_NUM && !t->cells[r].null &&
		    isfinite(t->cells[r].d))
			s[r] = xasprintf("%.4f", t->cells[r].d);
		else
			s[r] = out_fmt(&t->cells[r], 1);
		if (text_width(s[r]) > w[c])
			w[c] = text_width(s[r]);
	}
	out_fit_widths(t, w, width);
	for (r = 0; r <= t->nrows; r++) {
		if (r > 0 && has_vec && r > 1)
			fputc('\n', f);
		for (c = 0; c < t->ncols; c++) {
			rest[c] = r == 0 ? t->cols[c] :
			    s[(r - 1) * t->ncols + c];
			if (rest[c] == NULL)
				rest[c] = "";
		}
		while (out_row_line(f, t, rest, w, r == 0))
			;
		for (c = 0; r > 0 && c < t->ncols; c++) {
			if (t->types[c] == OUT_VEC)
				out_vector_block(f,
				    &t->cells[(r - 1) * t->ncols + c],
				    width > 120 ? 80 : width);
		}
	}
	for (r = 0; r < n; r++)
		free(s[r]);
	free(s);
	free(rest);
	free(w);
	free(fixed);
}

/*
 * Prints the note under the tables, escaped and wrapped at spaces to the
 * width; a newline in it starts a new line.
 */
static void
out_note_text(FILE *f, const char *note, int width)
{
	char		*line, *esc;
	const char	*p, *nl, *q;
	size_t		 n;

	for (p = note; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		line = xstrndup(p, nl - p);
		esc = text_escape(line);
		q = esc;
		do {
			n = text_wrap(q, width > 0 ? (size_t)width : 80);
			fprintf(f, "%.*s\n", (int)n, q);
			for (q += n; *q == ' '; q++)
				;
		} while (*q != '\0');
		free(esc);
		free(line);
	}
}

/* Prints a document in the given format. */
void
out_print(struct out_doc *d, FILE *f, enum out_format fmt, int width)
{
	size_t	 i;

	if (fmt == OUT_JSON) {
		if (d->ntables == 1)
			out_json_table(f, d->tables[0]);
		else {
			fputc('{', f);
			for (i = 0; i < d->ntables; i++) {
				fputs(i ? ",\n" : "\n", f);
				out_json_string(f, d->tables[i]->name);
				fputs(": ", f);
				out_json_table(f, d->tables[i]);
			}
			fputs("\n}", f);
		}
		fputc('\n', f);
	} else {
		for (i = 0; i < d->ntables; i++) {
			if (i > 0)
				fputc('\n', f);
			if (fmt == OUT_TABLE && d->ntables > 1)
				fprintf(f, "%s:\n", d->tables[i]->name);
			if (fmt == OUT_TABLE)
				out_table_text(f, d->tables[i], width);
			else
				out_delimited(f, d->tables[i], fmt);
		}
		if (fmt == OUT_TABLE && d->note != NULL)
			out_note_text(f, d->note, width);
	}
	fflush(f);
}
