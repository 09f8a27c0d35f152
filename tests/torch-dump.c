/*
 * torch-dump.c: imports a torch file with import_torch() and prints what
 * was read as one JSON object, for the Python oracle to compare.
 *
 * usage: torch-dump [-v] [-n name] file
 *
 * Run without arguments (as make check does with every check program) it
 * prints a TAP skip line.
 *
 * Without -v only shapes, names and labels are printed; with -v also
 * every value. A failure prints {"error": cause} and exits 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "model.h"
#include "util.h"

/* Prints a JSON string. */
static void
dump_str(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			printf("\\%c", *u);
		else if (*u < 0x20)
			printf("\\u%04x", *u);
		else
			putchar(*u);
	}
	putchar('"');
}

/* Prints a JSON number, or null for NaN and infinities. */
static void
dump_num(double v)
{
	if (isfinite(v))
		printf("%.17g", v);
	else
		fputs("null", stdout);
}

/* Prints n floats as a JSON array. */
static void
dump_floats(const float *v, size_t n)
{
	size_t	 i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		dump_num(v[i]);
	}
	putchar(']');
}

/* Prints one weight. */
static void
dump_weight(const struct weight *w, int values)
{
	static const char	*types[] = { "f32", "f64", "i64", "u8" };
	size_t			 i, n = weight_count(w);
	int			 d;

	printf("{\"name\":");
	dump_str(w->name);
	printf(",\"type\":\"%s\",\"shape\":[", types[w->type]);
	for (d = 0; d < w->ndim; d++)
		printf("%s%llu", d ? "," : "", (unsigned long long)w->shape[d]);
	putchar(']');
	if (values) {
		printf(",\"values\":[");
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			if (w->type == WEIGHT_F32)
				dump_num(((float *)w->data)[i]);
			else if (w->type == WEIGHT_F64)
				dump_num(((double *)w->data)[i]);
			else if (w->type == WEIGHT_I64)
				printf("%lld",
				    (long long)((int64_t *)w->data)[i]);
			else
				printf("%u", ((unsigned char *)w->data)[i]);
		}
		putchar(']');
	}
	putchar('}');
}

/* Prints one embedding. */
static void
dump_emb(struct emb *e, int values)
{
	size_t	 i;

	printf("{\"name\":");
	dump_str(e->name);
	printf(",\"role\":\"%s\",\"rows\":%zu,\"dim\":%zu,\"na_row\":%ld,"
	    "\"weight\":", emb_role_name(e->role), e->rows, e->dim, e->na_row);
	dump_str(e->weight_name);
	printf(",\"bias_weight\":");
	dump_str(e->bias_name);
	printf(",\"labels\":[");
	for (i = 0; i < e->rows; i++) {
		if (i)
			putchar(',');
		dump_str(emb_label(e, i));
	}
	putchar(']');
	if (values) {
		printf(",\"matrix\":");
		dump_floats(e->matrix, e->rows * e->dim);
		if (e->has_bias) {
			printf(",\"bias\":");
			dump_floats(e->bias, e->rows);
		}
	}
	putchar('}');
}

/* Prints one model. */
static void
dump_model(struct model *m, int values)
{
	size_t	 i;

	printf("{\"name\":");
	dump_str(m->name);
	printf(",\"kind\":\"%s\",\"source\":", model_kind_name(m->kind));
	dump_str(m->source);
	printf(",\"classes\":[");
	for (i = 0; i < m->nclasses; i++) {
		printf(i ? "," : "");
		dump_str(m->classes[i]);
	}
	printf("],\"cont\":[");
	for (i = 0; i < m->ncont; i++) {
		printf(i ? "," : "");
		dump_str(m->cont_names[i]);
	}
	printf("],\"mean\":[");
	for (i = 0; m->cont_mean != NULL && i < m->ncont; i++) {
		printf(i ? "," : "");
		dump_num(m->cont_mean[i]);
	}
	printf("],\"std\":[");
	for (i = 0; m->cont_std != NULL && i < m->ncont; i++) {
		printf(i ? "," : "");
		dump_num(m->cont_std[i]);
	}
	printf("],\"y_range\":");
	if (m->has_y_range) {
		printf("[");
		dump_num(m->y_range[0]);
		printf(",");
		dump_num(m->y_range[1]);
		printf("]");
	} else
		printf("null");
	printf(",\"embeddings\":[");
	for (i = 0; i < m->nemb; i++) {
		printf(i ? ",\n" : "\n");
		dump_emb(m->embs[i], values);
	}
	printf("],\"weights\":[");
	for (i = 0; i < m->nweights; i++) {
		printf(i ? ",\n" : "\n");
		dump_weight(&m->weights[i], values);
	}
	printf("]}");
}

int
main(int argc, char **argv)
{
	struct import_opts	 opts;
	struct model_set	*ms;
	char			*cause = NULL;
	size_t			 i;
	int			 c, values = 0;

	memset(&opts, 0, sizeof opts);
	while ((c = getopt(argc, argv, "n:v")) != -1) {
		switch (c) {
		case 'n':
			opts.name = optarg;
			break;
		case 'v':
			values = 1;
			break;
		default:
			fprintf(stderr, "usage: torch-dump [-v] [-n name] "
			    "file\n");
			return (2);
		}
	}
	if (argc == 1) {
		/* Run alone by make check: it is a driver, not a test. */
		printf("1..0 # SKIP driver for tests/test-torch.py\n");
		return (0);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: torch-dump [-v] [-n name] file\n");
		return (2);
	}
	if ((ms = import_torch(argv[optind], &opts, &cause)) == NULL) {
		printf("{\"error\":");
		dump_str(cause != NULL ? cause : "(no cause)");
		printf("}\n");
		free(cause);
		return (1);
	}
	printf("{\"models\":[");
	for (i = 0; i < ms->nmodels; i++) {
		printf(i ? ",\n" : "");
		dump_model(ms->models[i], values);
	}
	printf("]}\n");
	model_set_free(ms);
	return (0);
}
