/*
 * repl.c: one embrepl session: its store, its current model, and how a
 * line runs in it.
 */
#include <sys/ioctl.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "import.h"
#include "knn.h"
#include "lapi.h"
#include "progress.h"
#include "repl.h"
#include "text.h"
#include "util.h"

#define REPL_SUGGEST	5

/* Opens a store or model file and makes its first model current. */
int
repl_open(struct repl *r, const char *path, char **cause)
{
	struct import_opts opts;
	struct model_set *ms;

	memset(&opts, 0, sizeof opts);
	opts.progress = isatty(STDERR_FILENO);
	if ((ms = import_open(path, &opts, cause)) == NULL)
		return (-1);
	if (ms->nmodels == 0) {
		model_set_free(ms);
		return (util_fail(cause, "no model in the file"));
	}
	return (repl_adopt(r, ms));
}

/* Makes a model set the session's, dropping the old one. */
int
repl_adopt(struct repl *r, struct model_set *ms)
{
	model_set_free(r->set);
	r->set = ms;
	r->model = ms->models[0];
	return (0);
}

/* Reports a failure as "embrepl: what" on stderr. */
void
repl_error(struct repl *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *safe;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	safe = text_escape(msg);
	fflush(r->out);
	fprintf(stderr, "embrepl: %s\n", safe);
	free(safe);
	free(msg);
	r->failed = 1;
}

/* Finds an embedding of the current model, or reports its absence. */
struct emb *
repl_emb(struct repl *r, const char *name)
{
	struct emb	*e;
	size_t		 i, len;
	char		*names, *t;

	if (r->model == NULL) {
		repl_error(r, "no store is open: start embrepl with one, or "
		    "'open FILE'");
		return (NULL);
	}
	if ((e = model_find_emb(r->model, name)) != NULL)
		return (e);
	names = xstrdup("");
	for (i = 0; i < r->model->nemb; i++) {
		t = xasprintf("%s%s%s", names, i ? ", " : "",
		    r->model->embs[i]->name);
		free(names);
		names = t;
	}
	len = strlen(names);
	repl_error(r, "%s: no variable '%s' in %s (%s%s)", r->model->name,
	    name, r->model->name, len ? "it has " : "it has none",
	    names);
	free(names);
	return (NULL);
}

/* Tells whether hay contains needle, ignoring case. */
static int
repl_contains(const char *hay, const char *needle)
{
	return (strcasestr(hay, needle) != NULL);
}

/* Lists up to REPL_SUGGEST labels close to the one that was not found. */
char *
repl_suggest(struct emb *e, const char *want)
{
	size_t	 best[REPL_SUGGEST], score[REPL_SUGGEST], n = 0, i, j, s,
		 cap;
	const char *l;
	char	*out, *t, *esc;

	if (emb_load_labels(e, NULL) != 0)
		return (NULL);
	cap = strlen(want) / 3 + 2;
	for (i = 0; i < e->rows && !util_interrupted; i++) {
		l = emb_label(e, i);
		if (strlen(want) >= 3 && repl_contains(l, want))
			s = strlen(l) > strlen(want) ? (strlen(l) -
			    strlen(want)) / 8 : 0;
		else if ((s = util_distance(want, l, cap)) > cap)
			continue;
		if (n == REPL_SUGGEST && s >= score[n - 1])
			continue;
		if (n < REPL_SUGGEST)
			n++;
		for (j = n - 1; j > 0 && score[j - 1] > s; j--) {
			score[j] = score[j - 1];
			best[j] = best[j - 1];
		}
		score[j] = s;
		best[j] = i;
	}
	if (n == 0)
		return (NULL);
	out = xstrdup("");
	for (i = 0; i < n; i++) {
		esc = text_escape(emb_label(e, best[i]));
		t = xasprintf("%s%s\"%s\"", out, i ? ", " : "", esc);
		free(esc);
		free(out);
		out = t;
	}
	return (out);
}

/* Reads "#N" or "N" as a row number; -1 when it is not one. */
static long
repl_number(struct emb *e, const char *s)
{
	char		*end;
	unsigned long	 v;

	if (*s == '#')
		s++;
	if (!isdigit((unsigned char)*s))
		return (-1);
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v >= e->rows)
		return (-1);
	return ((long)v);
}

/* Resolves a label, "#ROW" or a bare row number to a row, or reports. */
long
repl_row(struct repl *r, struct emb *e, const char *s)
{
	char	*cause = NULL, *near;
	long	 row;

	if (s[0] != '#' || s[1] == '\0' || strcmp(s, "#na#") == 0) {
		row = emb_find(e, s, &cause);
		if (row >= 0)
			return (row);
		if (row == -2) {
			repl_error(r, "%s", cause);
			free(cause);
			return (-1);
		}
	}
	if ((row = repl_number(e, s)) >= 0)
		return (row);
	if (s[0] == '#' && isdigit((unsigned char)s[1])) {
		repl_error(r, "%s: no row %s (rows are 0 to %zu)", e->name, s,
		    e->rows - 1);
		return (-1);
	}
	near = repl_suggest(e, s);
	if (near != NULL)
		repl_error(r, "%s: no label \"%s\"; closest: %s", e->name, s,
		    near);
	else
		repl_error(r, "%s: no label \"%s\" (try 'labels %s PATTERN')",
		    e->name, s, e->name);
	free(near);
	return (-1);
}

/* Columns of the output: the terminal's, or unlimited when piped. */
int
repl_width(struct repl *r)
{
	struct winsize	 ws;
	const char	*cols;

	if (isatty(fileno(r->out)) &&
	    ioctl(fileno(r->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return (ws.ws_col);
	if ((cols = getenv("COLUMNS")) != NULL && atoi(cols) > 20)
		return (atoi(cols));
	return (isatty(fileno(r->out)) ? 80 : 100000);
}

static struct progress *repl_pr;

/* Shows how far a scan that streams from the file has come. */
static void
repl_progress(size_t done, size_t total, void *arg)
{
	if (done == 0) {
		progress_end(repl_pr);
		repl_pr = progress_start("scanning", "rows", total, 1);
	}
	progress_update(repl_pr, done);
	if (done == total) {
		progress_end(repl_pr);
		repl_pr = NULL;
	}
}

/*
 * Turns the progress line of streamed scans on (when standard error is a
 * terminal) or off (while a full-screen view owns the terminal).
 */
void
repl_show_progress(int on)
{
	progress_end(repl_pr);
	repl_pr = NULL;
	if (on && isatty(STDERR_FILENO))
		knn_set_progress(repl_progress, NULL);
	else
		knn_set_progress(NULL, NULL);
}

/* Runs a chunk: a command line, else Lua; *incomplete asks for more. */
int
repl_chunk(struct repl *r, const char *text, int *incomplete)
{
	int	 is_cmd, rc, lua_only;

	*incomplete = 0;
	util_interrupted = 0;
	lua_only = strchr(text, '\n') != NULL || *text == '=';
	if (!lua_only) {
		rc = cmd_line(r, text, &is_cmd);
		if (is_cmd) {
			if (rc != 0)
				r->failed = 1;
			progress_end(repl_pr);
			repl_pr = NULL;
			return (rc);
		}
	}
	if (*text == '=')
		text++;
	rc = lapi_line(r, text, lua_only, incomplete);
	if (rc != 0)
		r->failed = 1;
	progress_end(repl_pr);
	repl_pr = NULL;
	return (rc);
}

/* Runs one complete line. */
int
repl_line(struct repl *r, const char *line)
{
	int	 incomplete, rc;

	rc = repl_chunk(r, line, &incomplete);
	if (rc == 0 && incomplete) {
		repl_error(r, "lua: unfinished chunk: %s", line);
		return (-1);
	}
	return (rc);
}
