/*
 * fuzz-cmd.c: the command line: word splitting, option parsing and
 * dispatch of every command against a small model set in memory.
 *
 * Each line of the input goes through cmd_split() and then repl_line(),
 * as if typed at the prompt. Lua is not linked: a line that is not a
 * command fails as a Lua error would. The commands that reach past the
 * process are stubbed (export writes files, view and plot take the
 * screen: their options still parse) or only split (open reads any path,
 * neighbours writes one).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmds.h"
#include "fuzz.h"
#include "knn.h"
#include "lapi.h"
#include "model.h"
#include "repl.h"
#include "util.h"

#define FUZZ_CMD_MAXLINES	16

/* Lua is not there: a chunk fails quietly. */
int
lapi_line(struct repl *r, const char *text, int lua_only, int *incomplete)
{
	*incomplete = 0;
	return (-1);
}

/* No command was registered from Lua, so none can run. */
int
lapi_command(struct repl *r, const struct cmd *c, struct cmd_args *a)
{
	return (-1);
}

/* Export would write files: its options parsed, it does nothing. */
int
cmds_export(struct repl *r, struct cmd_args *a)
{
	return (0);
}

/* The full-screen view needs a terminal. */
int
cmds_view(struct repl *r, struct cmd_args *a)
{
	return (0);
}

/* Plots need a terminal or write files. */
int
cmds_plot(struct repl *r, struct cmd_args *a)
{
	return (0);
}

/* An embedding with a regular pattern of values and the given labels. */
static void
fuzz_cmd_emb(struct model *m, const char *name, enum emb_role role,
    const char *const *labels, size_t rows, size_t dim, int bias)
{
	struct emb	*e;
	size_t		 i;

	e = model_add_emb(m, name, role, rows, dim);
	e->matrix = xcalloc(rows * dim, sizeof *e->matrix);
	for (i = 0; i < rows * dim; i++)
		e->matrix[i] = (float)((i * 7) % 11) - 5.0f;
	e->matrix[0] = e->matrix[1] = 0.0f;	/* a zero-norm first row */
	e->has_bias = bias;
	if (bias) {
		e->bias = xcalloc(rows, sizeof *e->bias);
		for (i = 0; i < rows; i++)
			e->bias[i] = (float)i / 2 - 1;
	}
	if (labels == NULL)
		emb_number_labels(e);
	else if (emb_set_labels(e, labels, NULL) != 0)
		abort();
}

/* A tabular and a collaborative-filtering model. */
static struct model_set *
fuzz_cmd_set(void)
{
	static const char *const work[] = { "#na#", "Private", "State-gov",
	    "\303\221and\303\272", "a b" };
	static const char *const users[] = { "#na#", "ann", "bob", "12" };
	struct model_set	*ms = model_set_new();
	struct model		*m;

	m = model_set_add(ms, "adult", MODEL_TABULAR);
	fuzz_cmd_emb(m, "workclass", ROLE_CATEGORICAL, work, 5, 3, 0);
	fuzz_cmd_emb(m, "edu", ROLE_CATEGORICAL, NULL, 4, 2, 0);
	m = model_set_add(ms, "movies", MODEL_COLLAB);
	fuzz_cmd_emb(m, "users", ROLE_USER, users, 4, 4, 1);
	fuzz_cmd_emb(m, "items", ROLE_ITEM, NULL, 6, 4, 1);
	return (ms);
}

/* Whether a line names a command that would open a file by name. */
static int
fuzz_cmd_files(const char *line)
{
	const struct cmd	*c;
	char			**w;
	int			 n, found = 0;

	if ((w = cmd_split(line, &n, NULL)) == NULL)
		return (0);
	if (n > 0 && (c = cmd_find(w[0])) != NULL &&
	    (c->fn == cmds_open || c->fn == cmds_neighbours))
		found = 1;
	cmd_free_words(w, n);
	return (found);
}

/* Runs each line of the input against a fresh session. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*null;
	struct repl	 r;
	char		*text, *line, *next, **w, *cause = NULL;
	int		 n, k;

	if (null == NULL) {
		if ((null = fopen("/dev/null", "w")) == NULL)
			return (0);
		knn_set_threads(1);
	}
	memset(&r, 0, sizeof r);
	r.out = null;
	r.utf8 = 1;
	repl_adopt(&r, fuzz_cmd_set());
	text = xstrndup((const char *)data, size);
	for (line = text, k = 0; line != NULL && k < FUZZ_CMD_MAXLINES;
	    line = next, k++) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((w = cmd_split(line, &n, &cause)) != NULL)
			cmd_free_words(w, n);
		free(cause);
		cause = NULL;
		if (!fuzz_cmd_files(line))
			(void)repl_line(&r, line);
		if (r.quit)
			break;
	}
	free(text);
	model_set_free(r.set);
	return (0);
}
