/*
 * repl.h: the state of one embrepl session and how lines run in it.
 *
 * A line is a command when its first word names one in the command table
 * (cmd.c); anything else runs as Lua (lapi.c).
 */
#ifndef EMBREPL_REPL_H
#define EMBREPL_REPL_H

#include <stdio.h>

#include "model.h"
#include "out.h"

struct lua_State;

struct repl {
	struct model_set *set;		/* the open store, or NULL */
	/* The model commands work on. */
	struct model	*model;
	enum out_format	 format;	/* table, tsv, csv or json */
	int		 interactive;	/* a person at a terminal */
	int		 color;		/* colours allowed */
	int		 utf8;		/* the locale is UTF-8 */
	int		 failed;	/* a command or chunk failed */
	int		 quit;		/* quit was asked for */
	struct lua_State *L;
	FILE		*out;
};

/* Opens a store or a model file as the session's set; -1 on failure. */
int		 repl_open(struct repl *, const char *, char **);

/* Makes a model set the session's, its first model current. */
int		 repl_adopt(struct repl *, struct model_set *);

/*
 * Runs a chunk: a command when its first word names one, else Lua. Sets
 * *incomplete when Lua needs more lines. Returns -1 when it failed.
 */
int		 repl_chunk(struct repl *, const char *, int *);

/* Runs one complete line (a command or Lua); returns -1 when it failed. */
int		 repl_line(struct repl *, const char *);

/* Reports a failure on stderr as "embrepl: what" and marks the session. */
void		 repl_error(struct repl *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Finds an embedding of the current model by name, or reports it. */
struct emb	*repl_emb(struct repl *, const char *);

/* Resolves a label or a row number ("#12" or "12") to a row, or reports. */
long		 repl_row(struct repl *, struct emb *, const char *);

/* The labels closest to one not found, quoted and escaped, or NULL. */
char		*repl_suggest(struct emb *, const char *);

/* Turns the progress line of streamed scans on or off. */
void		 repl_show_progress(int);

/* Columns of the output, or 80 when it is not a terminal. */
int		 repl_width(struct repl *);

#endif
