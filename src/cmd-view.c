/*
 * cmd-view.c: export, the full-screen views and the PCA map.
 *
 * When the output is not a terminal (or TERM is dumb) a view prints plain
 * text instead of opening: the labels and vectors for view, a text map
 * for plot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "export.h"
#include "plot.h"
#include "repl.h"
#include "ui.h"
#include "util.h"

/* export VAR FILE [--format F]: the matrix with its labels. */
int
cmds_export(struct repl *r, struct cmd_args *a)
{
	enum export_format f;
	struct emb	*e;
	const char	*fs, *path = a->argv[1];
	char		*cause = NULL, *second;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if ((fs = cmd_opt(a, "format")) != NULL) {
		if (export_format_parse(fs, &f) != 0) {
			repl_error(r, "export: format '%s': use csv, tsv, npy "
			    "or projector", fs);
			return (-1);
		}
	} else if (strcmp(path, "-") == 0)
		f = EXPORT_TSV;
	else if (export_guess(path, &f) != 0) {
		repl_error(r, "export: %s: name a .csv, .tsv or .npy file, or "
		    "give --format", path);
		return (-1);
	}
	if (export_emb(e, path, f, &cause) != 0) {
		repl_error(r, "export: %s", cause);
		free(cause);
		return (-1);
	}
	if (r->interactive && strcmp(path, "-") != 0) {
		second = export_companion(path, f);
		fprintf(r->out, "wrote %zu rows x %zu to %s%s%s\n", e->rows,
		    e->dim, path, second ? " and " : "", second ? second : "");
		free(second);
	}
	return (0);
}

/* view VAR: the browser, or the labels when no view can open. */
int
cmds_view(struct repl *r, struct cmd_args *a)
{
	struct ui_ctx	 ctx;
	struct emb	*e;
	char		*cause = NULL;
	char		*argv[2];
	struct cmd_args	 la;
	int		 rc;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (!ui_available() || r->out != stdout) {
		memset(&la, 0, sizeof la);
		argv[0] = a->argv[0];
		argv[1] = NULL;
		la.argc = 1;
		la.argv = argv;
		return (cmds_labels(r, &la));
	}
	ui_ctx_init(&ctx, r->model);
	repl_show_progress(0);
	rc = ui_view(e, &ctx, &cause);
	repl_show_progress(1);
	if (rc != 0) {
		repl_error(r, "view: %s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* Reads a 1-based component number. */
static int
cmdv_component(struct repl *r, const char *s, size_t dim, int *out)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || (size_t)v > dim) {
		repl_error(r, "plot: component '%s': use 1 to %zu", s, dim);
		return (-1);
	}
	*out = (int)v - 1;
	return (0);
}

/* plot VAR [CX CY] [--output FILE.svg]: the map of two components. */
int
cmds_plot(struct repl *r, struct cmd_args *a)
{
	struct ui_ctx	 ctx;
	struct emb	*e;
	const char	*svg;
	char		*cause = NULL;
	int		 cx = 0, cy = 1, rc;

	if ((e = repl_emb(r, a->argv[0])) == NULL)
		return (-1);
	if (e->dim < 2) {
		repl_error(r, "plot: %s has one dimension; a map needs two",
		    e->name);
		return (-1);
	}
	if (a->argc == 2) {
		repl_error(r, "usage: plot VAR [CX CY] [--output FILE.svg]");
		return (-1);
	}
	if (a->argc == 3 && (cmdv_component(r, a->argv[1], e->dim, &cx) != 0
	    || cmdv_component(r, a->argv[2], e->dim, &cy) != 0))
		return (-1);
	if ((svg = cmd_opt(a, "output")) != NULL)
		rc = plot_svg(e, cx, cy, svg, &cause);
	else if (!ui_available() || r->out != stdout)
		rc = plot_text(r->out, e, cx, cy, repl_width(r) > 200 ? 100 :
		    repl_width(r), 30, r->utf8, &cause);
	else {
		ui_ctx_init(&ctx, r->model);
		repl_show_progress(0);
		rc = ui_plot(e, cx, cy, &ctx, &cause);
		repl_show_progress(1);
	}
	if (rc != 0) {
		repl_error(r, "plot: %s", cause);
		free(cause);
		return (-1);
	}
	if (svg != NULL && r->interactive)
		fprintf(r->out, "wrote %s\n", svg);
	return (0);
}
