/*
 * export.c: writing an embedding out as numbers.
 *
 * Every file is written to a temporary beside it and renamed into place
 * once complete: an interrupted export leaves the old file as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "util.h"

static const char *export_names[] = { "csv", "tsv", "npy", "projector" };

/* Reads a format name. */
int
export_format_parse(const char *s, enum export_format *f)
{
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(export_names); i++) {
		if (strcmp(s, export_names[i]) == 0) {
			*f = i;
			return (0);
		}
	}
	return (-1);
}

/* Picks a format from the extension. */
int
export_guess(const char *path, enum export_format *f)
{
	const char	*dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return (-1);
	return (export_format_parse(dot + 1, f));
}

/* Names the labels file of a .npy or the metadata of a projector pair. */
char *
export_companion(const char *path, enum export_format f)
{
	const char	*dot = strrchr(path, '.');
	size_t		 stem;

	if (f != EXPORT_NPY && f != EXPORT_PROJECTOR)
		return (NULL);
	stem = dot != NULL && strchr(dot, '/') == NULL ? (size_t)(dot - path) :
	    strlen(path);
	if (f == EXPORT_NPY)
		return (xasprintf("%.*s.labels.txt", (int)stem, path));
	return (xasprintf("%.*s_meta.tsv", (int)stem, path));
}

/* Writes a label as a TSV field: tab, newline and backslash escaped. */
static void
export_tsv_field(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* Writes a label as a CSV field, quoted when it needs to be. */
static void
export_csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL && *s != ' ') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Writes CSV or TSV: row, label, bias where present, then the vector. */
static int
export_table(struct emb *e, FILE *f, enum export_format fmt)
{
	char	 sep = fmt == EXPORT_CSV ? ',' : '\t';
	size_t	 r, c;
	const float *v;

	fprintf(f, "row%clabel", sep);
	if (e->has_bias)
		fprintf(f, "%cbias", sep);
	for (c = 0; c < e->dim; c++)
		fprintf(f, "%cd%zu", sep, c);
	fputc('\n', f);
	for (r = 0; r < e->rows && !util_interrupted; r++) {
		fprintf(f, "%zu%c", r, sep);
		if (fmt == EXPORT_CSV)
			export_csv_field(f, emb_label(e, r));
		else
			export_tsv_field(f, emb_label(e, r));
		if (e->has_bias)
			fprintf(f, "%c%.9g", sep, e->bias[r]);
		v = e->matrix + r * e->dim;
		for (c = 0; c < e->dim; c++)
			fprintf(f, "%c%.9g", sep, v[c]);
		fputc('\n', f);
	}
	return (util_interrupted ? -1 : 0);
}

/* Writes a .npy version 1.0 file of float32 rows x dim. */
static int
export_npy(struct emb *e, FILE *f)
{
	char	 head[128];
	size_t	 n, pad;
	unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };

	n = snprintf(head, sizeof head, "{'descr': '<f4', 'fortran_order': "
	    "False, 'shape': (%zu, %zu), }", e->rows, e->dim);
	pad = 64 - (10 + n + 1) % 64;
	if (pad == 64)
		pad = 0;
	pre[8] = (n + pad + 1) & 0xff;
	pre[9] = (n + pad + 1) >> 8;
	fwrite(pre, 1, sizeof pre, f);
	fwrite(head, 1, n, f);
	fprintf(f, "%*s\n", (int)pad, "");
	if (fwrite(e->matrix, sizeof(float), e->rows * e->dim, f) !=
	    e->rows * e->dim)
		return (-1);
	return (0);
}

/* Writes one label per line (the companion of a .npy). */
static int
export_labels(struct emb *e, FILE *f)
{
	size_t	 r;

	for (r = 0; r < e->rows; r++) {
		export_tsv_field(f, emb_label(e, r));
		fputc('\n', f);
	}
	return (0);
}

/* Writes the projector's vectors: tab-separated, no header. */
static int
export_vectors(struct emb *e, FILE *f)
{
	size_t	 r, c;

	for (r = 0; r < e->rows && !util_interrupted; r++) {
		for (c = 0; c < e->dim; c++)
			fprintf(f, "%s%.9g", c ? "\t" : "",
			    e->matrix[r * e->dim + c]);
		fputc('\n', f);
	}
	return (util_interrupted ? -1 : 0);
}

/* Writes the projector's metadata: a header, then label, row, bias. */
static int
export_meta(struct emb *e, FILE *f)
{
	size_t	 r;

	fprintf(f, "label\trow%s\n", e->has_bias ? "\tbias" : "");
	for (r = 0; r < e->rows; r++) {
		export_tsv_field(f, emb_label(e, r));
		fprintf(f, "\t%zu", r);
		if (e->has_bias)
			fprintf(f, "\t%.9g", e->bias[r]);
		fputc('\n', f);
	}
	return (0);
}

/* Writes one file of an export through a temporary. */
static int
export_file(struct emb *e, const char *path, int (*fn)(struct emb *,
    FILE *), char **cause)
{
	FILE	*f;
	char	*tmp;
	int	 ok;

	if (strcmp(path, "-") == 0) {
		if (fn(e, stdout) != 0 || fflush(stdout) != 0)
			return (util_fail(cause, "standard output: %s",
			    util_interrupted ? "interrupted" :
			    strerror(errno)));
		return (0);
	}
	if ((f = util_temp_open(path, &tmp, cause)) == NULL)
		return (-1);
	ok = fn(e, f) == 0;
	if (!ok)
		util_fail(cause, "%s: %s", path, util_interrupted ?
		    "interrupted" : "write failed");
	return (util_temp_commit(f, tmp, path, ok, cause));
}

/* Writes CSV. */
static int
export_csv(struct emb *e, FILE *f)
{
	return (export_table(e, f, EXPORT_CSV));
}

/* Writes TSV. */
static int
export_tsv(struct emb *e, FILE *f)
{
	return (export_table(e, f, EXPORT_TSV));
}

/* Writes an embedding in a format. */
int
export_emb(struct emb *e, const char *path, enum export_format f,
    char **cause)
{
	char	*second;
	int	 rc;

	if (emb_load(e, cause) != 0 || emb_load_labels(e, cause) != 0)
		return (-1);
	if (e->has_bias && emb_load_bias(e, cause) != 0)
		return (-1);
	if (strcmp(path, "-") == 0 && f != EXPORT_CSV && f != EXPORT_TSV)
		return (util_fail(cause, "only csv and tsv go to standard "
		    "output"));
	switch (f) {
	case EXPORT_CSV:
		return (export_file(e, path, export_csv, cause));
	case EXPORT_TSV:
		return (export_file(e, path, export_tsv, cause));
	case EXPORT_NPY:
	case EXPORT_PROJECTOR:
		break;
	}
	second = export_companion(path, f);
	rc = export_file(e, path, f == EXPORT_NPY ? export_npy :
	    export_vectors, cause);
	if (rc == 0)
		rc = export_file(e, second, f == EXPORT_NPY ? export_labels :
		    export_meta, cause);
	free(second);
	return (rc);
}
