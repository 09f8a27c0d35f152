/*
 * dump-import.c: imports a file and prints what was read, for tests.
 *
 * usage: dump-import [-fmw] [-l labels] [-n name] [-V vocab] file
 *
 * Prints tab-separated lines: model, emb, label and, with -m, row and
 * bias lines (%.9g), with -w the values of every weight. -f prints only
 * the format's name. A failure prints "error<TAB>cause" and exits 1.
 * Without arguments it prints an empty TAP plan, since make check runs
 * every check program as a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "model.h"
#include "util.h"

/* Prints a string with tabs, newlines and backslashes escaped. */
static void
dump_string(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else
			putchar(*s);
	}
}

/* Prints the values of one weight on one line. */
static void
dump_weight(const struct weight *w, int values)
{
	static const char	*types[] = { "f32", "f64", "i64", "u8" };
	size_t			 i, n = weight_count(w);
	int			 d;

	fputs("weight\t", stdout);
	dump_string(w->name);
	printf("\t%s\t", types[w->type]);
	for (d = 0; d < w->ndim; d++)
		printf("%s%llu", d ? "," : "", (unsigned long long)w->shape[d]);
	if (values && w->data != NULL) {
		putchar('\t');
		for (i = 0; i < n; i++) {
			if (i)
				putchar(' ');
			if (w->type == WEIGHT_F32)
				printf("%.9g", ((float *)w->data)[i]);
			else if (w->type == WEIGHT_F64)
				printf("%.17g", ((double *)w->data)[i]);
			else if (w->type == WEIGHT_I64)
				printf("%lld",
				    (long long)((int64_t *)w->data)[i]);
			else
				printf("%u", ((unsigned char *)w->data)[i]);
		}
	}
	putchar('\n');
}

/* Prints one embedding. */
static int
dump_emb(struct emb *e, int rows)
{
	char	*cause;
	size_t	 i, j;

	printf("emb\t%s\t%s\t%zu\t%zu\t%ld\t%d\t%s\t%s\n", e->name,
	    emb_role_name(e->role), e->rows, e->dim, e->na_row, e->has_bias,
	    e->weight_name ? e->weight_name : "-",
	    e->bias_name ? e->bias_name : "-");
	for (i = 0; i < e->rows; i++) {
		printf("label\t%zu\t", i);
		dump_string(emb_label(e, i));
		putchar('\n');
	}
	if (!rows)
		return (0);
	if (emb_load(e, &cause) != 0 || (e->has_bias &&
	    emb_load_bias(e, &cause) != 0)) {
		printf("error\t%s\n", cause);
		return (-1);
	}
	for (i = 0; i < e->rows; i++) {
		printf("row\t%zu\t", i);
		for (j = 0; j < e->dim; j++)
			printf("%s%.9g", j ? " " : "",
			    e->matrix[i * e->dim + j]);
		putchar('\n');
		if (e->has_bias)
			printf("bias\t%zu\t%.9g\n", i, e->bias[i]);
	}
	return (0);
}

/* Prints one model. */
static int
dump_model(struct model *m, int rows, int values)
{
	char	*cause;
	size_t	 i;

	printf("model\t%s\t%s\t", m->name, model_kind_name(m->kind));
	dump_string(m->source);
	putchar('\n');
	if (model_validate(m, &cause) != 0) {
		printf("invalid\t%s\n", cause);
		free(cause);
	}
	for (i = 0; i < m->nclasses; i++)
		printf("class\t%zu\t%s\n", i, m->classes[i]);
	for (i = 0; i < m->ncont; i++)
		printf("cont\t%zu\t%s\n", i, m->cont_names[i]);
	for (i = 0; i < m->nemb; i++) {
		if (dump_emb(m->embs[i], rows) != 0)
			return (-1);
	}
	for (i = 0; i < m->nweights; i++)
		dump_weight(&m->weights[i], values);
	return (0);
}

int
main(int argc, char **argv)
{
	struct import_opts	 opts;
	struct model_set	*ms;
	const char		*fmt;
	char			*cause = NULL;
	size_t			 i;
	int			 c, rows = 0, values = 0, format = 0, rc = 0;

	if (argc == 1) {
		/* Run by make check as a test of its own: nothing to do. */
		printf("1..0 # SKIP a driver for the import tests\n");
		return (0);
	}
	memset(&opts, 0, sizeof opts);
	while ((c = getopt(argc, argv, "fl:mn:pV:w")) != -1) {
		switch (c) {
		case 'f':
			format = 1;
			break;
		case 'l':
			opts.labels = optarg;
			break;
		case 'm':
			rows = 1;
			break;
		case 'n':
			opts.name = optarg;
			break;
		case 'p':
			opts.progress = 1;
			break;
		case 'V':
			opts.vocab = optarg;
			break;
		case 'w':
			values = 1;
			break;
		default:
			fprintf(stderr, "usage: dump-import [-fmpw] "
			    "[-l labels] [-n name] [-V vocab] file\n");
			return (2);
		}
	}
	if (optind != argc - 1)
		return (2);
	if (format) {
		fmt = import_format(argv[optind]);
		printf("%s\n", fmt == NULL ? "none" : fmt);
		return (0);
	}
	if ((ms = import_open(argv[optind], &opts, &cause)) == NULL) {
		printf("error\t%s\n", cause != NULL ? cause : "(no cause)");
		free(cause);
		return (1);
	}
	for (i = 0; i < ms->nmodels && rc == 0; i++)
		rc = dump_model(ms->models[i], rows, values);
	model_set_free(ms);
	return (rc == 0 ? 0 : 1);
}
