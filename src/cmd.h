/*
 * cmd.h: the command table. One record per command drives dispatch,
 * usage messages, help and completion alike; Lua adds records to it.
 */
#ifndef EMBREPL_CMD_H
#define EMBREPL_CMD_H

#include <stddef.h>

struct repl;

#define CMD_MAXOPTS	8

/* A parsed command line: positional words and --name value options. */
struct cmd_args {
	int		 argc;
	char		**argv;
	size_t		 nopts;
	char		*optname[CMD_MAXOPTS];
	char		*optval[CMD_MAXOPTS];
};

struct cmd {
	const char	*name;
	const char	*alias;		/* or NULL */
	int		 minargs;
	int		 maxargs;	/* -1: any number */
	/* "similar VAR LABEL [K] [--metric M]" */
	const char	*usage;
	const char	*help;		/* one line */
	/* "metric:,with-na": with a colon an option takes a value */
	const char	*opts;
	/*
	 * What each word completes to: v var, l label, m model, c command,
	 * f file, - nothing.
	 */
	const char	*complete;
	int		(*fn)(struct repl *, struct cmd_args *);
	/* A Lua command's function in the registry, or -1. */
	int		 lua_ref;
};

/* Looks a command up by name or alias. */
const struct cmd *cmd_find(const char *);

/* The command whose name is a word or two edits away, or NULL. */
const char	*cmd_closest(const char *);

/* The table, in order: cmd_at(0) .. cmd_at(cmd_count() - 1). */
size_t		 cmd_count(void);
const struct cmd *cmd_at(size_t);

/* Adds or replaces a command (strings are copied); -1 with a cause. */
int		 cmd_register(const struct cmd *, char **);

/*
 * Splits a line into words: quotes group; outside single quotes the
 * escapes that labels are shown with (\xHH, \u{H...}) and a backslash
 * before a backslash, quote or blank are read as text_unescape reads them.
 */
char		**cmd_split(const char *, int *, char **);
void		 cmd_free_words(char **, int);

/* The value of option name, or NULL. */
const char	*cmd_opt(struct cmd_args *, const char *);

/*
 * Runs a line if its first word names a command; *is_cmd tells whether
 * it did. Returns -1 when the command failed (already reported).
 */
int		 cmd_line(struct repl *, const char *, int *);

#endif
