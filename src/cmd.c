/*
 * cmd.c: the command table, the line splitter and dispatch.
 *
 * The commands themselves live in cmd-*.c; this file holds the one table
 * that dispatch, usage messages, help and completion all read.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "lapi.h"
#include "repl.h"
#include "text.h"
#include "util.h"

static const struct cmd cmd_builtin[] = {
	{ "models", NULL, 0, 0, "models",
	  "list the models in the store", NULL, "", cmds_models, -1 },
	{ "use", NULL, 1, 1, "use MODEL",
	  "make MODEL the one commands work on", NULL, "m", cmds_use, -1 },
	{ "info", NULL, 0, 1, "info [MODEL]",
	  "kind, source, targets and size of a model", NULL, "m",
	  cmds_info, -1 },
	{ "vars", "variables", 0, 0, "vars",
	  "embeddings with role, rows, width, bias; continuous variables",
	  NULL, "", cmds_vars, -1 },
	{ "labels", NULL, 1, 2, "labels VAR [PATTERN]",
	  "vocabulary with row numbers; PATTERN is a glob or /regex/",
	  NULL, "v-", cmds_labels, -1 },
	{ "show", "row", 2, -1, "show VAR LABEL...",
	  "row number and vector of each label (or #ROW)", NULL, "vl",
	  cmds_show, -1 },
	{ "similar", "nn", 2, 3,
	  "similar VAR LABEL [K] [--metric cosine|euclidean|dot]",
	  "exact nearest neighbours over every row", "metric:", "vl-",
	  cmds_similar, -1 },
	{ "neighbours", "knn", 2, 2,
	  "neighbours VAR FILE [--k K] [--metric M] [--labels L1,L2,...]",
	  "the K nearest rows of every row (or of some), written to FILE",
	  "k:,metric:,labels:", "vf", cmds_neighbours, -1 },
	{ "pca", NULL, 1, 2, "pca VAR [N] [--top K] [--with-na]",
	  "explained variance of N components and their extreme labels",
	  "top:,with-na", "v-", cmds_pca, -1 },
	{ "bias", NULL, 1, 2, "bias VAR [K]",
	  "the highest and lowest learned biases", NULL, "v-", cmds_bias,
	  -1 },
	{ "export", NULL, 2, 2,
	  "export VAR FILE [--format csv|tsv|npy|projector]",
	  "write a matrix with its labels: CSV, TSV, .npy or projector TSVs",
	  "format:", "vf", cmds_export, -1 },
	{ "view", NULL, 1, 1, "view VAR",
	  "full-screen browser of an embedding", NULL, "v", cmds_view, -1 },
	{ "plot", NULL, 1, 3, "plot VAR [CX CY] [--output FILE.svg]",
	  "map of two principal components (1-based)", "output:", "v--",
	  cmds_plot, -1 },
	{ "open", NULL, 1, 1, "open FILE",
	  "open another store or model file", NULL, "f", cmds_open, -1 },
	{ "format", NULL, 0, 1, "format [table|tsv|csv|json]",
	  "show or set the output format", NULL, "-", cmds_format, -1 },
	{ "help", "?", 0, 1, "help [COMMAND]",
	  "list commands, or explain one", NULL, "c", cmds_help, -1 },
	{ "quit", "exit", 0, 0, "quit", "leave embrepl", NULL, "",
	  cmds_quit, -1 },
};

static struct cmd *cmd_table;
static size_t	 cmd_n;

/* Fills the table with the built-in commands on first use. */
static void
cmd_init(void)
{
	if (cmd_table != NULL)
		return;
	cmd_n = UTIL_NELEM(cmd_builtin);
	cmd_table = xcalloc(cmd_n, sizeof *cmd_table);
	memcpy(cmd_table, cmd_builtin, sizeof cmd_builtin);
}

/* Number of commands. */
size_t
cmd_count(void)
{
	cmd_init();
	return (cmd_n);
}

/* The i-th command. */
const struct cmd *
cmd_at(size_t i)
{
	cmd_init();
	return (i < cmd_n ? &cmd_table[i] : NULL);
}

/* Looks a command up by name or alias. */
const struct cmd *
cmd_find(const char *name)
{
	size_t	 i;

	cmd_init();
	for (i = 0; i < cmd_n; i++) {
		if (strcmp(cmd_table[i].name, name) == 0)
			return (&cmd_table[i]);
	}
	for (i = 0; i < cmd_n; i++) {
		if (cmd_table[i].alias != NULL &&
		    strcmp(cmd_table[i].alias, name) == 0)
			return (&cmd_table[i]);
	}
	return (NULL);
}

/*
 * The name of the command closest to a word that names none, by edit
 * distance (two edits at most, and no more than half its length), or
 * NULL.
 */
const char *
cmd_closest(const char *word)
{
	const char	*best = NULL;
	size_t		 i, d, cap, bestd;

	cmd_init();
	cap = strlen(word) / 2;
	if (cap > 2)
		cap = 2;
	bestd = cap + 1;
	for (i = 0; i < cmd_n; i++) {
		d = util_distance(word, cmd_table[i].name, cap);
		if (d < bestd) {
			bestd = d;
			best = cmd_table[i].name;
		}
		if (cmd_table[i].alias == NULL)
			continue;
		d = util_distance(word, cmd_table[i].alias, cap);
		if (d < bestd) {
			bestd = d;
			best = cmd_table[i].name;
		}
	}
	return (best);
}

/* Copies a string that may be NULL. */
static const char *
cmd_copy(const char *s, const char *def)
{
	return (xstrdup(s != NULL ? s : def));
}

/* Adds or replaces a command; built-in ones cannot be replaced. */
int
cmd_register(const struct cmd *c, char **cause)
{
	struct cmd	*slot = NULL;
	const char	*p;
	size_t		 i;

	cmd_init();
	if (c->name == NULL || *c->name == '\0')
		return (util_fail(cause, "a command needs a name"));
	for (p = c->name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return (util_fail(cause, "command name '%s': use "
			    "letters, digits, - and _", c->name));
	}
	for (i = 0; i < cmd_n; i++) {
		if (strcmp(cmd_table[i].name, c->name) != 0)
			continue;
		if (cmd_table[i].lua_ref < 0)
			return (util_fail(cause, "%s is a built-in command",
			    c->name));
		slot = &cmd_table[i];
	}
	if (slot == NULL) {
		cmd_table = xreallocarray(cmd_table, cmd_n + 1,
		    sizeof *cmd_table);
		slot = &cmd_table[cmd_n++];
	} else {
		free((char *)slot->name);
		free((char *)slot->alias);
		free((char *)slot->usage);
		free((char *)slot->help);
		free((char *)slot->opts);
		free((char *)slot->complete);
	}
	*slot = *c;
	slot->name = cmd_copy(c->name, "");
	slot->alias = c->alias ? xstrdup(c->alias) : NULL;
	slot->usage = cmd_copy(c->usage, c->name);
	slot->help = cmd_copy(c->help, "");
	slot->opts = c->opts ? xstrdup(c->opts) : NULL;
	slot->complete = cmd_copy(c->complete, "");
	return (0);
}

/* Frees the words of a split line. */
void
cmd_free_words(char **w, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/*
 * Splits a line into words: quotes group; outside single quotes a
 * backslash is read as text_unescape reads it (\xHH, \u{H...}, or before
 * a backslash, quote or blank), so that a label shown escaped can be
 * typed back as it is shown.
 */
char **
cmd_split(const char *line, int *n, char **cause)
{
	const char *end = line + strlen(line);
	char	**w = NULL, *buf;
	size_t	 len = 0, got;
	char	 quote;
	int	 inword;

	*n = 0;
	buf = xmalloc(strlen(line) + 1);
	while (*line != '\0') {
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0')
			break;
		len = 0;
		quote = 0;
		inword = 1;
		while (inword && *line != '\0') {
			if (quote == 0 && isspace((unsigned char)*line))
				inword = 0;
			else if (quote == 0 && (*line == '"' || *line == '\''))
				quote = *line++;
			else if (quote != 0 && *line == quote) {
				quote = 0;
				line++;
			} else if (*line == '\\' && quote != '\'' &&
			    line[1] != '\0') {
				line += text_unescape(line, end - line,
				    buf + len, &got);
				len += got;
			} else
				buf[len++] = *line++;
		}
		if (quote != 0) {
			free(buf);
			cmd_free_words(w, *n);
			*n = 0;
			util_fail(cause, "unterminated %c quote", quote);
			return (NULL);
		}
		w = xreallocarray(w, *n + 1, sizeof *w);
		w[(*n)++] = xstrndup(buf, len);
	}
	free(buf);
	if (w == NULL)
		w = xcalloc(1, sizeof *w);
	return (w);
}

/* The value of an option, or NULL. */
const char *
cmd_opt(struct cmd_args *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->nopts; i++) {
		if (strcmp(a->optname[i], name) == 0)
			return (a->optval[i]);
	}
	return (NULL);
}

/*
 * Looks an option up in a command's list ("metric:,with-na"): 0 when
 * absent, 1 for a flag, 2 for an option that takes a value.
 */
static int
cmd_option(const char *list, const char *name, size_t len)
{
	const char	*p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0) {
			if (p[len] == ':')
				return (2);
			if (p[len] == ',' || p[len] == '\0')
				return (1);
		}
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return (0);
}

/* Separates --options from positional words; -1 on a bad option. */
static int
cmd_parse(struct repl *r, const struct cmd *c, char **w, int n,
    struct cmd_args *a)
{
	const char	*name, *eq;
	size_t		 len;
	int		 i, kind;

	memset(a, 0, sizeof *a);
	a->argv = xcalloc(n + 1, sizeof *a->argv);
	for (i = 1; i < n; i++) {
		if (strncmp(w[i], "--", 2) != 0 || w[i][2] == '\0') {
			a->argv[a->argc++] = w[i];
			continue;
		}
		name = w[i] + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		kind = cmd_option(c->opts, name, len);
		if (kind == 0 && len == 6 && strncmp(name, "format", 6) == 0)
			kind = 2;	/* every command takes --format */
		if (kind == 0 || a->nopts == CMD_MAXOPTS) {
			repl_error(r, "%s: unknown option %s; usage: %s",
			    c->name, w[i], c->usage);
			return (-1);
		}
		if (kind == 1 && eq != NULL) {
			repl_error(r, "%s: --%.*s takes no value", c->name,
			    (int)len, name);
			return (-1);
		}
		if (kind == 2 && eq == NULL && i + 1 >= n) {
			repl_error(r, "%s: --%s needs a value", c->name, name);
			return (-1);
		}
		a->optname[a->nopts] = xstrndup(name, len);
		if (kind == 1)
			a->optval[a->nopts++] = xstrdup("");
		else if (eq != NULL)
			a->optval[a->nopts++] = xstrdup(eq + 1);
		else
			a->optval[a->nopts++] = xstrdup(w[++i]);
	}
	return (0);
}

/* Frees parsed arguments (the words belong to the caller). */
static void
cmd_args_free(struct cmd_args *a)
{
	size_t	 i;

	for (i = 0; i < a->nopts; i++) {
		free(a->optname[i]);
		free(a->optval[i]);
	}
	free(a->argv);
}

/* Tells whether a line that starts with a command's name is Lua. */
static int
cmd_looks_lua(const char *rest)
{
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (rest[0] == '=' && rest[1] != '=')
		return (1);
	return (strchr(".:[(", rest[0]) != NULL && rest[0] != '\0');
}

/* Runs a command with its words; the per-command --format applies. */
static int
cmd_run(struct repl *r, const struct cmd *c, char **w, int n)
{
	struct cmd_args	 a;
	enum out_format	 saved = r->format, f;
	const char	*fmt;
	int		 rc, own = 0;

	if (cmd_parse(r, c, w, n, &a) != 0) {
		cmd_args_free(&a);
		return (-1);
	}
	rc = 0;
	if (a.argc < c->minargs || (c->maxargs >= 0 && a.argc > c->maxargs)) {
		repl_error(r, "usage: %s", c->usage);
		rc = -1;
	}
	fmt = cmd_opt(&a, "format");
	if (rc == 0 && fmt != NULL && cmd_option(c->opts, "format", 6) == 0) {
		if (out_format_parse(fmt, &f) != 0) {
			repl_error(r, "%s: format '%s': use table, tsv, csv "
			    "or json", c->name, fmt);
			rc = -1;
		} else {
			r->format = f;
			own = 1;
		}
	}
	if (rc == 0) {
		if (c->lua_ref >= 0)
			rc = lapi_command(r, c, &a);
		else
			rc = c->fn(r, &a);
	}
	if (own)
		r->format = saved;	/* the format command's own stays */
	cmd_args_free(&a);
	return (rc);
}

/* Runs a line when its first word names a command. */
int
cmd_line(struct repl *r, const char *line, int *is_cmd)
{
	const struct cmd *c;
	char		**w, *cause = NULL, first[64];
	size_t		 len;
	int		 n, rc;

	*is_cmd = 0;
	while (isspace((unsigned char)*line))
		line++;
	len = strcspn(line, " \t");
	if (len == 0 || len >= sizeof first)
		return (0);
	memcpy(first, line, len);
	first[len] = '\0';
	if ((c = cmd_find(first)) == NULL || cmd_looks_lua(line + len))
		return (0);
	*is_cmd = 1;
	if ((w = cmd_split(line, &n, &cause)) == NULL) {
		repl_error(r, "%s: %s", first, cause);
		free(cause);
		return (-1);
	}
	rc = cmd_run(r, c, w, n);
	cmd_free_words(w, n);
	return (rc);
}
