/*
 * ui-term.h: what the views share: opening and closing the screen, keys,
 * colours, the key help, the bottom-line prompt and safe label drawing.
 */
#ifndef EMBREPL_UI_TERM_H
#define EMBREPL_UI_TERM_H

#include <curses.h>

#include "ui.h"

/* Keys beyond curses' own: Ctrl-C (leave every view). */
#define UI_KEY_INTR	(KEY_MAX + 1)

/* What a nested view asks of its caller. */
enum ui_exit {
	UI_BACK,		/* q: back to the view below */
	UI_QUIT			/* Ctrl-C: back to the prompt */
};

enum ui_colour {
	UI_C_TITLE = 1,
	UI_C_CURSOR,
	UI_C_MATCH,
	UI_C_BAR,
	UI_C_NEG,
	UI_C_AXIS,
	UI_C_DOTS,
	UI_C_SELECT,
	UI_C_ERROR,
	UI_C_HEAT		/* UI_HEAT_LEVELS pairs from here */
};

/* Heat map levels, from most negative to most positive. */
#define UI_HEAT_LEVELS	9

/* One line of a view's key help. */
struct ui_key {
	const char	*keys;
	const char	*what;
};

int	 ui_term_open(struct ui_ctx *, char **);
void	 ui_term_close(void);
int	 ui_term_key(void);
int	 ui_term_small(void);
int	 ui_term_page(void);
long	 ui_term_motion(int, size_t, size_t);
attr_t	 ui_term_attr(enum ui_colour);
attr_t	 ui_term_heat(double);
int	 ui_term_rich(void);
void	 ui_term_text(int, int, const char *, int, attr_t);
int	 ui_term_label(int, int, const char *, int, attr_t);
char	*ui_term_safe(const char *, int);
void	 ui_term_status(const char *, int);
int	 ui_term_help(const char *, const struct ui_key *, size_t);
char	*ui_term_prompt(const char *);

/* The neighbours view on an already open screen (ui-view.c). */
enum ui_exit ui_view_neighbours(struct emb *, size_t, struct ui_ctx *);

#endif
