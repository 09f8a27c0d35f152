/*
 * prompt.h: the interactive prompt (the only file that uses readline).
 */
#ifndef EMBREPL_PROMPT_H
#define EMBREPL_PROMPT_H

struct repl;

/* Reads and runs lines until quit or Ctrl-D; keeps history. */
int	 prompt_run(struct repl *);

#endif
