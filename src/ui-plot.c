/*
 * ui-plot.c: the PCA map on the terminal.
 *
 * The map, the window onto it and the canvas come from plot.c; this file
 * draws the canvas with colours and reads keys: pan, zoom, other
 * components, search, a selected point and pinned labels.
 */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "ui-term.h"
#include "util.h"

#define UI_PLOT_PAN	0.125	/* share of the view an arrow moves */
#define UI_PLOT_ZOOM	1.5

struct ui_plot {
	struct emb	*e;
	struct ui_ctx	*ctx;
	struct plot_map	 map;
	struct plot_view view;
	/* Of the fitted view, for the zoom. */
	double		 width;
	unsigned char	*flags;
	long		 sel;		/* selected point, or -1 */
	regex_t		 re;
	int		 have_re;
	size_t		 nmatch;
	int		 autolabels;
	char		*msg;
	int		 msg_error;
};

static const struct ui_key ui_plot_keys[] = {
	{ "Left Right Up Down", "pan (also h l k j)" },
	{ "+ -", "zoom in, out" },
	{ "0", "fit every point" },
	{ "x X", "next, previous component across" },
	{ "y Y", "next, previous component up" },
	{ "/", "search labels (extended regex, any case)" },
	{ "n N", "select the next, previous match" },
	{ "Tab Shift-Tab", "select the next, previous point" },
	{ "Space", "pin or unpin the selected label" },
	{ "c", "centre on the selected point" },
	{ "a", "labels of the outermost points on, off" },
	{ "Esc", "clear the search and the selection" },
	{ "Enter", "neighbours of the selected point" },
	{ "?", "this help" },
	{ "q Ctrl-C", "back to the prompt" }
};

/* Replaces the status message. */
static void
ui_plot_say(struct ui_plot *p, int error, char *text)
{
	free(p->msg);
	p->msg = text;
	p->msg_error = error;
}

/* Projects onto new components; keeps the old map when that fails. */
static int
ui_plot_project(struct ui_plot *p, int cx, int cy, char **cause)
{
	struct plot_map	 m;

	if (plot_project(p->e, cx, cy, &m, cause) != 0)
		return (-1);
	plot_map_free(&p->map);
	p->map = m;
	plot_view_fit(&p->map, &p->view);
	p->width = p->view.x1 - p->view.x0;
	return (0);
}

/* Moves one axis to another component, skipping the other axis's. */
static void
ui_plot_axis(struct ui_plot *p, int which, int dir)
{
	int	 cx = p->map.cx, cy = p->map.cy, *c, other, n;
	char	*cause = NULL;

	n = (int)p->e->dim;
	c = which == 0 ? &cx : &cy;
	other = which == 0 ? cy : cx;
	do
		*c = (*c + dir + n) % n;
	while (*c == other && n > 1);
	if (ui_plot_project(p, cx, cy, &cause) != 0)
		ui_plot_say(p, 1, cause);
}

/* The attributes of a canvas cell's ink. */
static attr_t
ui_plot_ink(int ink)
{
	switch (ink) {
	case PLOT_INK_AXIS:
		return (ui_term_attr(UI_C_AXIS));
	case PLOT_INK_DOTS:
		return (ui_term_attr(UI_C_DOTS));
	case PLOT_INK_MATCH:
	case PLOT_INK_LABEL_MATCH:
		return (ui_term_attr(UI_C_MATCH));
	case PLOT_INK_SELECT:
	case PLOT_INK_LABEL_SELECT:
		return (ui_term_attr(UI_C_SELECT));
	}
	return (A_NORMAL);
}

/* Counts the points that are drawn somewhere on the plane. */
static size_t
ui_plot_count(const struct ui_plot *p)
{
	size_t	 i, n = 0;

	for (i = 0; i < p->map.n; i++)
		n += isfinite(p->map.x[i]) && isfinite(p->map.y[i]);
	return (n);
}

/* Draws the status line: the selected point, or the counts. */
static void
ui_plot_status(struct ui_plot *p)
{
	const char	*l;
	char		*s, *safe, *hint;

	if (p->msg != NULL) {
		ui_term_status(p->msg, p->msg_error);
		return;
	}
	if (p->sel >= 0) {
		l = emb_label(p->e, (size_t)p->sel);
		safe = ui_term_safe(l != NULL ? l : "?", COLS / 2);
		if (p->have_re)
			hint = xasprintf("%zu match%s  n: next  Enter: "
			    "neighbours", p->nmatch, p->nmatch == 1 ? "" :
			    "es");
		else
			hint = xstrdup("Tab: next  Enter: neighbours  ?: keys");
		s = xasprintf("%s (row %ld) at %.3g, %.3g  %s", safe, p->sel,
		    p->map.x[p->sel], p->map.y[p->sel], hint);
		free(hint);
		free(safe);
	} else if (p->have_re)
		s = xasprintf("%zu match%s  n: next  Tab: select  ?: keys  "
		    "q: quit", p->nmatch, p->nmatch == 1 ? "" : "es");
	else
		s = xasprintf("%zu points  Tab: select  /: search  ?: keys  "
		    "q: quit", ui_plot_count(p));
	ui_term_status(s, 0);
	free(s);
}

/* Draws the map. */
static void
ui_plot_draw(struct ui_plot *p)
{
	struct plot_canvas *c;
	struct plot_label *labels;
	const struct plot_cell *cell;
	size_t		 nl, nauto;
	char		*title, *s;
	int		 row, col;

	if (ui_term_small())
		return;
	erase();
	title = plot_title(&p->map);
	s = xasprintf(" %s  zoom %.3gx", title,
	    p->width / (p->view.x1 - p->view.x0));
	ui_term_text(0, 0, s, COLS, ui_term_attr(UI_C_TITLE));
	free(s);
	free(title);

	c = plot_canvas_new(COLS, LINES - 2, p->ctx->utf8);
	nauto = p->autolabels ? plot_auto_labels(c->cols, c->rows) : 0;
	labels = plot_render(c, &p->map, &p->view, p->flags, nauto, &nl);
	for (row = 0; row < c->rows; row++) {
		move(1 + row, 0);
		for (col = 0; col < c->cols; col++) {
			cell = &c->cells[(size_t)row * c->cols + col];
			if (cell->s[0] == '\0')
				continue;
			attrset(ui_plot_ink(cell->ink));
			addstr(cell->s);
		}
	}
	attrset(A_NORMAL);
	free(labels);
	plot_canvas_free(c);
	ui_plot_status(p);
	refresh();
}

/* Tells whether a point is finite and in the view. */
static int
ui_plot_visible(const struct ui_plot *p, size_t i)
{
	const struct plot_view *v = &p->view;

	return (isfinite(p->map.x[i]) && isfinite(p->map.y[i]) &&
	    p->map.x[i] >= v->x0 && p->map.x[i] <= v->x1 &&
	    p->map.y[i] >= v->y0 && p->map.y[i] <= v->y1);
}

/* Orders points left to right, then bottom to top. */
static int
ui_plot_cmp(const void *a0, const void *b0, void *arg)
{
	const struct plot_map *m = arg;
	size_t	 a = *(const size_t *)a0, b = *(const size_t *)b0;

	if (m->x[a] != m->x[b])
		return (m->x[a] < m->x[b] ? -1 : 1);
	if (m->y[a] != m->y[b])
		return (m->y[a] < m->y[b] ? -1 : 1);
	return (a < b ? -1 : a > b);
}

/* Makes a point the selected one, bringing it into view. */
static void
ui_plot_select(struct ui_plot *p, long i)
{
	if (p->sel >= 0)
		p->flags[p->sel] &= ~PLOT_SELECT;
	p->sel = i;
	if (i < 0)
		return;
	p->flags[i] |= PLOT_SELECT;
	if (!ui_plot_visible(p, (size_t)i))
		plot_view_centre(&p->view, p->map.x[i], p->map.y[i]);
}

/*
 * Steps the selection through the matches (when matches_only) or through
 * the points in view, in left to right order.
 */
static void
ui_plot_step(struct ui_plot *p, int dir, int matches_only)
{
	size_t	*list, n = 0, i, at;

	list = xreallocarray(NULL, p->map.n ? p->map.n : 1, sizeof *list);
	for (i = 0; i < p->map.n; i++) {
		if (!isfinite(p->map.x[i]) || !isfinite(p->map.y[i]))
			continue;
		if (matches_only ? (p->flags[i] & PLOT_MATCH) != 0 :
		    ui_plot_visible(p, i))
			list[n++] = i;
	}
	if (n == 0) {
		ui_plot_say(p, 1, xstrdup(matches_only ? "no matches" :
		    "no point in view"));
		free(list);
		return;
	}
	qsort_r(list, n, sizeof *list, ui_plot_cmp, &p->map);
	at = dir > 0 ? 0 : n - 1;
	for (i = 0; p->sel >= 0 && i < n; i++) {
		if (list[i] == (size_t)p->sel) {
			at = dir > 0 ? (i + 1) % n : (i + n - 1) % n;
			break;
		}
	}
	ui_plot_select(p, (long)list[at]);
	free(list);
}

/* Drops the search marks. */
static void
ui_plot_unmatch(struct ui_plot *p)
{
	size_t	 i;

	for (i = 0; i < p->map.n; i++)
		p->flags[i] &= ~PLOT_MATCH;
	if (p->have_re)
		regfree(&p->re);
	p->have_re = 0;
	p->nmatch = 0;
}

/* Asks for a pattern, marks the matching points, selects the first. */
static void
ui_plot_search(struct ui_plot *p)
{
	const char	*l;
	char		*pat, err[128];
	size_t		 i;
	int		 r;

	if ((pat = ui_term_prompt("/")) == NULL)
		return;
	ui_plot_unmatch(p);
	if (*pat == '\0') {
		free(pat);
		return;
	}
	r = regcomp(&p->re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	free(pat);
	if (r != 0) {
		regerror(r, &p->re, err, sizeof err);
		ui_plot_say(p, 1, xasprintf("bad pattern: %s", err));
		return;
	}
	p->have_re = 1;
	for (i = 0; i < p->map.n; i++) {
		if (!isfinite(p->map.x[i]) || !isfinite(p->map.y[i]))
			continue;
		l = emb_label(p->e, i);
		if (l != NULL && regexec(&p->re, l, 0, NULL, 0) == 0) {
			p->flags[i] |= PLOT_MATCH;
			p->nmatch++;
		}
	}
	if (p->nmatch == 0) {
		ui_plot_say(p, 1, xstrdup("no label matches"));
		return;
	}
	ui_plot_select(p, -1);
	ui_plot_step(p, 1, 1);
}

/* Handles a key that moves the view; returns 0 when it was not one. */
static int
ui_plot_motion(struct ui_plot *p, int key)
{
	switch (key) {
	case 'h': case KEY_LEFT:
		plot_view_pan(&p->view, -UI_PLOT_PAN, 0);
		break;
	case 'l': case KEY_RIGHT:
		plot_view_pan(&p->view, UI_PLOT_PAN, 0);
		break;
	case 'k': case KEY_UP:
		plot_view_pan(&p->view, 0, UI_PLOT_PAN);
		break;
	case 'j': case KEY_DOWN:
		plot_view_pan(&p->view, 0, -UI_PLOT_PAN);
		break;
	case '+': case '=':
		plot_view_zoom(&p->view, UI_PLOT_ZOOM);
		break;
	case '-': case '_':
		plot_view_zoom(&p->view, 1 / UI_PLOT_ZOOM);
		break;
	case '0':
		plot_view_fit(&p->map, &p->view);
		break;
	case 'c':
		if (p->sel >= 0)
			plot_view_centre(&p->view, p->map.x[p->sel],
			    p->map.y[p->sel]);
		break;
	default:
		return (0);
	}
	return (1);
}

/* Handles one key; returns 1 to leave the map. */
static int
ui_plot_key(struct ui_plot *p, int key)
{
	if (ui_plot_motion(p, key))
		return (0);
	switch (key) {
	case 'q': case UI_KEY_INTR:
		return (1);
	case 'x': case 'X':
		ui_plot_axis(p, 0, key == 'x' ? 1 : -1);
		break;
	case 'y': case 'Y':
		ui_plot_axis(p, 1, key == 'y' ? 1 : -1);
		break;
	case '/':
		ui_plot_search(p);
		break;
	case 'n': case 'N':
		ui_plot_step(p, key == 'n' ? 1 : -1, 1);
		break;
	case '\t': case KEY_BTAB:
		ui_plot_step(p, key == '\t' ? 1 : -1, 0);
		break;
	case ' ':
		if (p->sel >= 0)
			p->flags[p->sel] ^= PLOT_PIN;
		break;
	case 'a':
		p->autolabels = !p->autolabels;
		break;
	case 27:
		ui_plot_unmatch(p);
		ui_plot_select(p, -1);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (p->sel < 0)
			ui_plot_say(p, 0, xstrdup("select a point first: Tab "
			    "or /"));
		else if (ui_view_neighbours(p->e, (size_t)p->sel, p->ctx) ==
		    UI_QUIT)
			return (1);
		break;
	case '?':
		if (ui_term_help("plot: keys", ui_plot_keys,
		    UTIL_NELEM(ui_plot_keys)) == UI_KEY_INTR)
			return (1);
		break;
	}
	return (0);
}

/* Shows the map of components cx and cy until q or Ctrl-C. */
int
ui_plot(struct emb *e, int cx, int cy, struct ui_ctx *ctx, char **cause)
{
	struct ui_plot	 p;
	int		 key;

	if (emb_load_labels(e, cause) != 0)
		return (-1);
	memset(&p, 0, sizeof p);
	p.e = e;
	p.ctx = ctx;
	p.sel = -1;
	p.autolabels = 1;
	if (ui_plot_project(&p, cx, cy, cause) != 0)
		return (-1);
	if (ui_term_open(ctx, cause) != 0) {
		plot_map_free(&p.map);
		return (-1);
	}
	p.flags = xcalloc(p.map.n ? p.map.n : 1, 1);
	for (;;) {
		ui_plot_draw(&p);
		key = ui_term_key();
		if (key != KEY_RESIZE && p.msg != NULL) {
			free(p.msg);
			p.msg = NULL;
		}
		if (ui_plot_key(&p, key))
			break;
	}
	ui_term_close();
	ui_plot_unmatch(&p);
	plot_map_free(&p.map);
	free(p.flags);
	free(p.msg);
	return (0);
}
