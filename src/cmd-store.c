/*
 * cmd-store.c: commands about the store, the session and help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "model.h"
#include "out.h"
#include "repl.h"
#include "util.h"

/* Prints a document in the session's format and frees it. */
static int
cmds_emit(struct repl *r, struct out_doc *d)
{
	out_print(d, r->out, r->format, repl_width(r));
	out_doc_free(d);
	return (0);
}

/* Checks that a store is open. */
static int
cmds_need_set(struct repl *r)
{
	if (r->set != NULL && r->model != NULL)
		return (0);
	repl_error(r, "no store is open: start embrepl with one, or 'open "
	    "FILE'");
	return (-1);
}

/* Counts a model's trained parameters. */
static unsigned long long
cmds_params(struct model *m)
{
	unsigned long long n = 0;
	size_t		 i;

	for (i = 0; i < m->nweights; i++)
		n += weight_count(&m->weights[i]);
	if (n == 0) {
		for (i = 0; i < m->nemb; i++)
			n += m->embs[i]->rows * m->embs[i]->dim;
	}
	return (n);
}

/* models: the models in the store. */
int
cmds_models(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "model", "kind", "embeddings:i",
	    "parameters:i", "current:b", "source" };
	struct out_doc	*d;
	struct out_table *t;
	struct model	*m;
	size_t		 i;

	if (cmds_need_set(r) != 0)
		return (-1);
	d = out_doc_new();
	t = out_table_add(d, "models", cols, UTIL_NELEM(cols));
	for (i = 0; i < r->set->nmodels; i++) {
		m = r->set->models[i];
		out_str(t, m->name);
		out_str(t, model_kind_name(m->kind));
		out_int(t, m->nemb);
		out_int(t, cmds_params(m));
		out_bool(t, m == r->model);
		out_str(t, m->source);
	}
	return (cmds_emit(r, d));
}

/* use MODEL: switch the current model. */
int
cmds_use(struct repl *r, struct cmd_args *a)
{
	struct model	*m;

	if (cmds_need_set(r) != 0)
		return (-1);
	if ((m = model_set_find(r->set, a->argv[0])) == NULL) {
		repl_error(r, "no model '%s' (try 'models')", a->argv[0]);
		return (-1);
	}
	r->model = m;
	if (r->interactive)
		fprintf(r->out, "using %s (%s, %zu embeddings)\n", m->name,
		    model_kind_name(m->kind), m->nemb);
	return (0);
}

/* Joins a model's classes with commas. */
static char *
cmds_classes(struct model *m)
{
	char	*s, *t;
	size_t	 i;

	s = xstrdup("");
	for (i = 0; i < m->nclasses; i++) {
		t = xasprintf("%s%s%s", s, i ? ", " : "", m->classes[i]);
		free(s);
		s = t;
	}
	return (s);
}

/* info [MODEL]: what is known of a model. */
int
cmds_info(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "field", "value" };
	struct out_doc	*d;
	struct out_table *t;
	struct model	*m;
	char		*s;

	if (cmds_need_set(r) != 0)
		return (-1);
	m = r->model;
	if (a->argc == 1 && (m = model_set_find(r->set, a->argv[0])) == NULL) {
		repl_error(r, "no model '%s' (try 'models')", a->argv[0]);
		return (-1);
	}
	d = out_doc_new();
	t = out_table_add(d, "info", cols, UTIL_NELEM(cols));
	out_table_wrap(t);
	out_str(t, "file");
	out_str(t, r->set->path ? r->set->path : "-");
	out_str(t, "model");
	out_str(t, m->name);
	out_str(t, "kind");
	out_str(t, model_kind_name(m->kind));
	out_str(t, "source");
	out_str(t, m->source);
	out_str(t, "embeddings");
	s = xasprintf("%zu", m->nemb);
	out_str(t, s);
	free(s);
	out_str(t, "continuous");
	s = xasprintf("%zu", m->ncont);
	out_str(t, s);
	free(s);
	if (m->nclasses > 0) {
		out_str(t, "target classes");
		s = cmds_classes(m);
		out_str(t, s);
		free(s);
	}
	if (m->has_y_range) {
		out_str(t, "y_range");
		s = xasprintf("%g to %g", m->y_range[0], m->y_range[1]);
		out_str(t, s);
		free(s);
	}
	out_str(t, "weights");
	s = xasprintf("%zu tensors, %llu parameters", m->nweights,
	    cmds_params(m));
	out_str(t, s);
	free(s);
	return (cmds_emit(r, d));
}

/* vars: every embedding, and the continuous variables. */
int
cmds_vars(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "var", "role", "rows:i",
	    "width:i", "bias:b", "na_row:i" };
	static const char *const ccols[] = { "continuous", "mean:n",
	    "std:n" };
	struct out_doc	*d;
	struct out_table *t;
	struct model	*m;
	struct emb	*e;
	size_t		 i;

	if (cmds_need_set(r) != 0)
		return (-1);
	m = r->model;
	d = out_doc_new();
	t = out_table_add(d, "embeddings", cols, UTIL_NELEM(cols));
	for (i = 0; i < m->nemb; i++) {
		e = m->embs[i];
		out_str(t, e->name);
		out_str(t, emb_role_name(e->role));
		out_int(t, e->rows);
		out_int(t, e->dim);
		out_bool(t, e->has_bias);
		if (e->na_row >= 0)
			out_int(t, e->na_row);
		else
			out_null(t);
	}
	if (m->ncont > 0) {
		t = out_table_add(d, "continuous", ccols, UTIL_NELEM(ccols));
		for (i = 0; i < m->ncont; i++) {
			out_str(t, m->cont_names[i]);
			if (m->cont_mean != NULL)
				out_num(t, m->cont_mean[i]);
			else
				out_null(t);
			if (m->cont_std != NULL)
				out_num(t, m->cont_std[i]);
			else
				out_null(t);
		}
	}
	return (cmds_emit(r, d));
}

/* open FILE: replace the session's store. */
int
cmds_open(struct repl *r, struct cmd_args *a)
{
	char	*cause = NULL;

	if (repl_open(r, a->argv[0], &cause) != 0) {
		repl_error(r, "%s: %s", a->argv[0], cause);
		free(cause);
		return (-1);
	}
	if (r->interactive)
		fprintf(r->out, "opened %s: %zu model%s, using %s\n",
		    a->argv[0], r->set->nmodels, r->set->nmodels == 1 ?
		    "" : "s", r->model->name);
	return (0);
}

/* format [F]: show or set the output format. */
int
cmds_format(struct repl *r, struct cmd_args *a)
{
	enum out_format	 f;

	if (a->argc == 0) {
		fprintf(r->out, "%s\n", out_format_name(r->format));
		return (0);
	}
	if (out_format_parse(a->argv[0], &f) != 0) {
		repl_error(r, "format '%s': use table, tsv, csv or json",
		    a->argv[0]);
		return (-1);
	}
	r->format = f;
	return (0);
}

/* help [COMMAND]: the command table, or one command. */
int
cmds_help(struct repl *r, struct cmd_args *a)
{
	static const char *const cols[] = { "command", "help" };
	static const char *const one[] = { "usage", "help", "alias" };
	const struct cmd *c;
	struct out_doc	*d;
	struct out_table *t;
	size_t		 i;

	d = out_doc_new();
	if (a->argc == 1) {
		if ((c = cmd_find(a->argv[0])) == NULL) {
			out_doc_free(d);
			repl_error(r, "no command '%s' (try 'help')",
			    a->argv[0]);
			return (-1);
		}
		t = out_table_add(d, "help", one, UTIL_NELEM(one));
		out_table_wrap(t);
		out_str(t, c->usage);
		out_str(t, c->help);
		out_str(t, c->alias);
		return (cmds_emit(r, d));
	}
	t = out_table_add(d, "help", cols, UTIL_NELEM(cols));
	out_table_wrap(t);
	for (i = 0; i < cmd_count(); i++) {
		c = cmd_at(i);
		out_str(t, c->usage);
		out_str(t, c->help);
	}
	out_note(d, "Any other line runs as Lua; every command also takes "
	    "--format table|tsv|csv|json.");
	return (cmds_emit(r, d));
}

/* quit: leave. */
int
cmds_quit(struct repl *r, struct cmd_args *a)
{
	r->quit = 1;
	return (0);
}
