/*
 * cmd-query.c: questions about one embedding: labels, rows, neighbours,
 * principal components and biases.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bias.h"
#include "cmd.h"
#include "cmds.h"
#include "knn.h"
#include "model.h"
#include "out.h"
#include "pca.h"
#include "repl.h"
#include "text.h"
#include "util.h"

/* Prints a document in the session's format and frees it. */
static int
cmdq_emit(struct repl *r, struct out_doc *d)
{
	out_print(d, r->out, r->format, repl_width(r));
	out_doc_free(d);
	return (0);
}

/* Reads a count argument: a whole number from 1 to max. */
static int
cmdq_count(struct repl *r, const char *what, const char *s, size_t max,
    size_t *out)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v == 0 ||
	    !isdigit((unsigned char)*s)) {
		repl_error(r, "%s must be a whole number from 1, not '%s'",
		    what, s);
		return (-1);
	}
	*out = v > max ? max : v;
	return (0);
}

/* Reads --metric, cosine by default. */
static int
cmdq_metric(struct repl *r, struct cmd_args *a, enum knn_metric *m)
{
	const char	*s = cmd_opt(a, "metric");

	*m = KNN_COSINE;
	if (s != NULL && knn_metric_parse(s, m) != 0) {
		repl_error(r, "metric '%s': use cosine, euclidean or dot", s);
		return (-1);
	}
	return (0);
}

/* A compiled label pattern: a /regex/ or a glob, both ignoring case. */
struct cmdq_match {
	int	 regex;
	regex_t	 re;
	char	*glob;
};

/* Compiles a pattern; a glob without wildcards matches a substring. */
static int
cmdq_match_init(struct repl *r, struct cmdq_match *mt, const char *p)
{
	size_t	 len = strlen(p);
	char	*body, buf[256];
	int	 rc;

	memset(mt, 0, sizeof *mt);
	if (len >= 2 && p[0] == '/' && p[len - 1] == '/') {
		body = xstrndup(p + 1, len - 2);
		rc = regcomp(&mt->re, body, REG_EXTENDED | REG_ICASE |
		    REG_NOSUB);
		free(body);
		if (rc != 0) {
			regerror(rc, &mt->re, buf, sizeof buf);
			repl_error(r, "pattern %s: %s", p, buf);
			return (-1);
		}
		mt->regex = 1;
		return (0);
	}
	if (strpbrk(p, "*?[") != NULL)
		mt->glob = xstrdup(p);
	else
		mt->glob = xasprintf("*%s*", p);
	return (0);
}

/* Tells whether a label matches. */
static int
cmdq_match(struct cmdq_match *mt, const char *label)
{
	if (mt->regex)
		return (regexec(&mt->re, label, 0, NULL, 0) == 0);
	return (fnmatch(mt->glob, label, FNM_CASEFOLD) == 0);
}

/* Frees a compiled pattern. */
static void
cmdq_match_free(struct cmdq_match *mt)
{
	if (mt->regex)
		regfree(&mt->re);
	free(mt->glob);
}

/* labels VAR [PATTERN]: the vocabulary with row numbers. */
int
cmds_labels(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "row:i", "label" };
	struct cmdq_match mt;
	struct out_doc	*d;
	struct out_table *t;
	struct emb	*e;
	const char	*l;
	char		*cause = NULL;
	size_t		 i;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (emb_load_labels(e, &cause) != 0) {
		repl_error(r, "%s", cause);
		free(cause);
		return (-1);
	}
	if (a->argc == 2 && cmdq_match_init(r, &mt, a->argv[1]) != 0)
		return (-1);
	d = out_doc_new();
	t = out_table_add(d, "labels", cols, UTIL_NELEM(cols));
	for (i = 0; i < e->rows && !util_interrupted; i++) {
		l = emb_label(e, i);
		if (a->argc == 2 && !cmdq_match(&mt, l))
			continue;
		out_int(t, i);
		out_str(t, l);
	}
	if (a->argc == 2) {
		out_note(d, "%zu of %zu labels match", t->nrows, e->rows);
		cmdq_match_free(&mt);
	}
	return (cmdq_emit(r, d));
}

/* show VAR LABEL...: each row's number, label, bias and vector. */
int
cmds_show(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "row:i", "label", "bias:n",
	    "vector:v" };
	struct out_doc	*d;
	struct out_table *t;
	struct emb	*e;
	char		*cause = NULL;
	float		*v;
	long		 row;
	int		 i;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (e->has_bias && emb_load_bias(e, &cause) != 0) {
		repl_error(r, "%s", cause);
		free(cause);
		return (-1);
	}
	d = out_doc_new();
	t = out_table_add(d, "rows", cols, UTIL_NELEM(cols));
	v = xcalloc(e->dim, sizeof *v);
	for (i = 1; i < a->argc; i++) {
		if ((row = repl_row(r, e, a->argv[i])) < 0 ||
		    emb_row(e, row, v, &cause) != 0) {
			if (cause != NULL)
				repl_error(r, "%s", cause);
			free(cause);
			free(v);
			out_doc_free(d);
			return (-1);
		}
		out_int(t, row);
		out_str(t, emb_label(e, row));
		if (e->has_bias)
			out_num(t, e->bias[row]);
		else
			out_null(t);
		out_vec(t, v, e->dim);
	}
	free(v);
	return (cmdq_emit(r, d));
}

/* Adds a hit list to a table: rank, row, label, score. */
static void
cmdq_hits(struct out_table *t, struct emb *e, const struct knn_hit *h,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		out_int(t, i + 1);
		out_int(t, h[i].row);
		out_str(t, emb_label(e, h[i].row));
		out_num(t, h[i].score);
	}
}

/* Notes rows that queries left out. */
static void
cmdq_note_skipped(struct out_doc *d, struct emb *e, enum knn_metric m)
{
	long	 bad = knn_nonfinite(e, NULL);

	if (bad > 0)
		out_note(d, "%ld row%s with NaN or infinity left out", bad,
		    bad == 1 ? "" : "s");
}

/* similar VAR LABEL [K]: exact nearest neighbours. */
int
cmds_similar(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "rank:i", "row:i", "label",
	    "score:n" };
	enum knn_metric	 m;
	struct out_doc	*d;
	struct out_table *t;
	struct knn_hit	*hits;
	struct emb	*e;
	char		*cause = NULL;
	float		*q;
	size_t		 k = 10, n;
	long		 row;
	int		 rc;

	if ((e = repl_emb(r, a->argv[0])) == NULL ||
	    cmdq_metric(r, a, &m) != 0)
		return (-1);
	if (a->argc == 3 && cmdq_count(r, "K", a->argv[2], e->rows, &k) != 0)
		return (-1);
	if ((row = repl_row(r, e, a->argv[1])) < 0)
		return (-1);
	q = xcalloc(e->dim, sizeof *q);
	hits = xcalloc(k, sizeof *hits);
	rc = emb_row(e, row, q, &cause);
	if (rc == 0)
		rc = knn_query(e, q, m, k, row, hits, &n, &cause);
	free(q);
	if (rc != 0) {
		repl_error(r, "similar: %s", cause);
		free(cause);
		free(hits);
		return (-1);
	}
	d = out_doc_new();
	t = out_table_add(d, "similar", cols, UTIL_NELEM(cols));
	cmdq_hits(t, e, hits, n);
	cmdq_note_skipped(d, e, m);
	free(hits);
	return (cmdq_emit(r, d));
}

/* Resolves --labels L1,L2 (or every row) to the query rows. */
static long *
cmdq_query_rows(struct repl *r, struct emb *e, const char *list,
    size_t *nq)
{
	long	*rows;
	char	**w;
	int	 n, i;

	if (list == NULL) {
		rows = xcalloc(e->rows, sizeof *rows);
		for (*nq = 0; *nq < e->rows; (*nq)++)
			rows[*nq] = *nq;
		return (rows);
	}
	w = xcalloc(1, sizeof *w);
	n = 0;
	for (;;) {
		size_t len = strcspn(list, ",");

		w = xreallocarray(w, n + 1, sizeof *w);
		w[n++] = xstrndup(list, len);
		if (list[len] == '\0')
			break;
		list += len + 1;
	}
	rows = xcalloc(n, sizeof *rows);
	for (i = 0; i < n; i++) {
		if ((rows[i] = repl_row(r, e, w[i])) < 0) {
			cmd_free_words(w, n);
			free(rows);
			return (NULL);
		}
	}
	cmd_free_words(w, n);
	*nq = n;
	return (rows);
}

/* Writes one batch of neighbour lists as TSV lines. */
static void
cmdq_write_batch(FILE *f, struct emb *e, const long *rows, size_t nq,
    const struct knn_hit *hits, const size_t *nhits, size_t k)
{
	char	*ql, *l;
	size_t	 i, j;

	for (i = 0; i < nq; i++) {
		ql = text_escape(emb_label(e, rows[i]));
		for (j = 0; j < nhits[i]; j++) {
			l = text_escape(emb_label(e, hits[i * k + j].row));
			fprintf(f, "%ld\t%s\t%zu\t%zu\t%s\t%.9g\n", rows[i], ql,
			    j + 1, hits[i * k + j].row, l,
			    hits[i * k + j].score);
			free(l);
		}
		free(ql);
	}
}

/* neighbours VAR FILE: the K nearest rows of many rows, to a TSV file. */
int
cmds_neighbours(struct repl *r, struct cmd_args *a)
{
	enum knn_metric	 m;
	struct knn_hit	*hits;
	struct emb	*e;
	const char	*ks;
	char		*cause = NULL, *tmp;
	float		*q;
	size_t		 k = 10, nq, at, b, batch = 256, *nhits;
	long		*rows;
	FILE		*f;
	int		 rc = 0;

	if ((e = repl_emb(r, a->argv[0])) == NULL ||
	    cmdq_metric(r, a, &m) != 0)
		return (-1);
	if ((ks = cmd_opt(a, "k")) != NULL &&
	    cmdq_count(r, "K", ks, e->rows, &k) != 0)
		return (-1);
	if (emb_load_labels(e, &cause) != 0 ||
	    (rows = cmdq_query_rows(r, e, cmd_opt(a, "labels"), &nq)) ==
	    NULL) {
		if (cause != NULL)
			repl_error(r, "%s", cause);
		free(cause);
		return (-1);
	}
	if ((f = util_temp_open(a->argv[1], &tmp, &cause)) == NULL) {
		repl_error(r, "%s", cause);
		free(cause);
		free(rows);
		return (-1);
	}
	fprintf(f, "query_row\tquery\trank\trow\tlabel\tscore\n");
	q = xcalloc(batch * e->dim, sizeof *q);
	hits = xcalloc(batch * k, sizeof *hits);
	nhits = xcalloc(batch, sizeof *nhits);
	for (at = 0; at < nq && rc == 0; at += b) {
		b = nq - at < batch ? nq - at : batch;
		for (size_t i = 0; i < b && rc == 0; i++)
			rc = emb_row(e, rows[at + i], q + i * e->dim, &cause);
		if (rc == 0)
			rc = knn_batch(e, q, b, m, k, rows + at, hits, nhits,
			    &cause);
		if (rc == 0)
			cmdq_write_batch(f, e, rows + at, b, hits, nhits, k);
	}
	if (util_temp_commit(f, tmp, a->argv[1], rc == 0, &cause) != 0)
		rc = -1;
	if (rc != 0) {
		repl_error(r, "neighbours: %s", cause);
		free(cause);
	} else if (r->interactive)
		fprintf(r->out, "wrote %zu neighbours of %zu rows to %s\n", k,
		    nq, a->argv[1]);
	free(q);
	free(hits);
	free(nhits);
	free(rows);
	return (rc);
}

/* pca VAR [N]: explained variance and the extreme labels. */
int
cmds_pca(struct repl *r, struct cmd_args *a)
{
	static const char *const vcols[] = { "component:i", "variance:n",
	    "ratio:n", "cumulative:n" };
	static const char *const xcols[] = { "component:i", "side", "rank:i",
	    "row:i", "label", "score:n" };
	struct pca_result pr;
	struct out_doc	*d;
	struct out_table *t, *x;
	struct knn_hit	*top, *bot;
	struct emb	*e;
	const char	*ts;
	char		*cause = NULL;
	size_t		 n = 3, k = 5, c, nt, nb, i;
	double		 cum = 0;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (a->argc == 2 && cmdq_count(r, "N", a->argv[1], e->dim, &n) != 0)
		return (-1);
	if ((ts = cmd_opt(a, "top")) != NULL &&
	    cmdq_count(r, "--top", ts, e->rows, &k) != 0)
		return (-1);
	if (pca_run(e, n, cmd_opt(a, "with-na") == NULL, &pr, &cause) != 0) {
		repl_error(r, "pca: %s", cause);
		free(cause);
		return (-1);
	}
	d = out_doc_new();
	t = out_table_add(d, "variance", vcols, UTIL_NELEM(vcols));
	x = out_table_add(d, "extremes", xcols, UTIL_NELEM(xcols));
	top = xcalloc(k, sizeof *top);
	bot = xcalloc(k, sizeof *bot);
	for (c = 0; c < pr.ncomp; c++) {
		cum += pr.ratio[c];
		out_int(t, c + 1);
		out_num(t, pr.variance[c]);
		out_num(t, pr.ratio[c]);
		out_num(t, cum);
		if (pca_extremes(e, &pr, c, k, top, &nt, bot, &nb,
		    &cause) != 0)
			break;
		for (i = 0; i < nt + nb; i++) {
			out_int(x, c + 1);
			out_str(x, i < nt ? "top" : "bottom");
			out_int(x, i < nt ? i + 1 : i - nt + 1);
			out_int(x, i < nt ? top[i].row : bot[i - nt].row);
			out_str(x, emb_label(e, i < nt ? top[i].row :
			    bot[i - nt].row));
			out_num(x, i < nt ? top[i].score : bot[i - nt].score);
		}
	}
	out_note(d, "%zu rows%s%s", pr.nrows, pr.skip_na ? ", #na# left out" :
	    "", pr.nskipped ? ", some rows with NaN left out" : "");
	free(top);
	free(bot);
	pca_result_free(&pr);
	if (cause != NULL) {
		repl_error(r, "pca: %s", cause);
		free(cause);
		out_doc_free(d);
		return (-1);
	}
	return (cmdq_emit(r, d));
}

/* bias VAR [K]: the highest and lowest learned biases. */
int
cmds_bias(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "rank:i", "row:i", "label",
	    "bias:n" };
	struct out_doc	*d;
	struct out_table *t;
	struct knn_hit	*hits;
	struct emb	*e;
	char		*cause = NULL;
	size_t		 k = 10, n;
	int		 side;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (!e->has_bias) {
		repl_error(r, "%s has no bias (see 'vars')", e->name);
		return (-1);
	}
	if (a->argc == 2 && cmdq_count(r, "K", a->argv[1], e->rows, &k) != 0)
		return (-1);
	d = out_doc_new();
	hits = xcalloc(k, sizeof *hits);
	for (side = 0; side < 2; side++) {
		if (bias_top(e, k, side, 1, hits, &n, &cause) != 0) {
			repl_error(r, "bias: %s", cause);
			free(cause);
			free(hits);
			out_doc_free(d);
			return (-1);
		}
		t = out_table_add(d, side ? "lowest" : "highest", cols,
		    UTIL_NELEM(cols));
		cmdq_hits(t, e, hits, n);
	}
	free(hits);
	return (cmdq_emit(r, d));
}
