/*
 * ui-view.c: the embedding browser and the neighbours view.
 *
 * The browser shows one row of the embedding a line, labels on the left
 * and the dimensions across, as numbers or as a heat map, in an order
 * chosen by a sort key. Enter opens the neighbours view, which lists the
 * nearest rows (knn_query, the same scan as `similar`) with a bar a score
 * and keeps the rows walked through on a stack.
 */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "text.h"
#include "ui-term.h"
#include "util.h"

enum ui_view_sort {
	UI_SORT_ROW,
	UI_SORT_LABEL,
	UI_SORT_NORM,
	UI_SORT_BIAS,
	UI_SORT_DIM
};

struct ui_view {
	struct emb	*e;
	struct ui_ctx	*ctx;
	/* Screen position to row. */
	size_t		*order;
	double		*key;		/* sort key a row, or NULL */
	/* Cursor, a screen position. */
	size_t		 cur;
	size_t		 top;
	/* Dimension under the cursor. */
	size_t		 col;
	size_t		 left;		/* first dimension shown */
	int		 heat;
	enum ui_view_sort sort;
	size_t		 sort_dim;
	int		 reverse;
	regex_t		 re;
	int		 have_re;
	float		*vec;
	/* Heat map scale, 0 until needed. */
	double		 scale;
	char		*msg;
	int		 msg_error;
};

struct ui_nbr {
	struct emb	*e;
	struct ui_ctx	*ctx;
	size_t		*hist;		/* rows walked from */
	size_t		 nhist;
	size_t		 row;
	struct knn_hit	*hits;
	size_t		 nhits;
	size_t		 cur;
	size_t		 top;
	float		*vec;
	char		*msg;
	int		 msg_error;
};

static const struct ui_key ui_view_keys[] = {
	{ "j k Down Up", "next, previous row" },
	{ "PgDn PgUp Space", "next, previous page" },
	{ "g G Home End", "first, last row" },
	{ "h l Left Right", "previous, next dimension" },
	{ "< > 0 $", "page dimensions; first, last one" },
	{ "t", "numbers or heat map" },
	{ "/", "search labels (extended regex, any case)" },
	{ "n N", "next, previous match" },
	{ "s", "sort by row, label, norm, bias, dimension" },
	{ "d", "sort by the dimension under the cursor" },
	{ "r", "reverse the order" },
	{ "Enter", "neighbours of the row" },
	{ "?", "this help" },
	{ "q Ctrl-C", "back to the prompt" }
};

static const struct ui_key ui_nbr_keys[] = {
	{ "j k Down Up", "next, previous neighbour" },
	{ "PgDn PgUp g G", "page; first, last" },
	{ "Enter l Right", "walk to the neighbour" },
	{ "b Backspace h Left", "walk back" },
	{ "m", "metric: cosine, dot, euclidean" },
	{ "+ -", "five neighbours more, fewer" },
	{ "?", "this help" },
	{ "q", "back to the browser or the prompt" },
	{ "Ctrl-C", "back to the prompt" }
};

/* Replaces the status message. */
static void
ui_view_say(char **msg, int *error, int is_error, char *text)
{
	free(*msg);
	*msg = text;
	*error = is_error;
}

/* Digits of the largest row number. */
static int
ui_view_digits(size_t rows)
{
	int	 n = 1;

	while (rows >= 10) {
		rows /= 10;
		n++;
	}
	return (n < 3 ? 3 : n);
}

/* Width of the label column. */
static int
ui_view_labw(void)
{
	int	 w = COLS / 3;

	return (w < 8 ? 8 : w > 30 ? 30 : w);
}

/* Nearest rows: the scores, the bars, the walk. */

/* Runs the query of the current row. */
static void
ui_nbr_query(struct ui_nbr *n)
{
	char	*cause = NULL;

	n->nhits = 0;
	n->cur = n->top = 0;
	n->hits = xreallocarray(n->hits, n->ctx->k, sizeof *n->hits);
	if (emb_row(n->e, n->row, n->vec, &cause) != 0 ||
	    knn_query(n->e, n->vec, n->ctx->metric, n->ctx->k, (long)n->row,
	    n->hits, &n->nhits, &cause) != 0) {
		n->nhits = 0;
		ui_view_say(&n->msg, &n->msg_error, 1, cause);
	}
}

/* The share of the bar a score fills, in [-1, 1]. */
static double
ui_nbr_share(const struct ui_nbr *n, size_t i)
{
	double	 s = n->hits[i].score, best = 0;
	size_t	 j;

	switch (n->ctx->metric) {
	case KNN_COSINE:
		return (s);
	case KNN_EUCLIDEAN:
		if (s <= 0)
			return (1);
		return (n->hits[0].score / s);
	case KNN_DOT:
		for (j = 0; j < n->nhits; j++)
			best = fmax(best, fabs(n->hits[j].score));
		return (best > 0 ? s / best : 0);
	}
	return (0);
}

/* Draws a bar of share t on w columns, in eighths when UTF-8. */
static void
ui_nbr_bar(int y, int x, int w, double t, int utf8)
{
	static const char *eighths[] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		"\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89"
	};
	int	 full, part, i;

	if (w <= 0 || !(t == t))
		return;
	part = (int)(fmin(fabs(t), 1) * w * 8 + 0.5);
	full = part / 8;
	part %= 8;
	move(y, x);
	if (t < 0) {
		attrset(ui_term_attr(UI_C_NEG));
		for (i = 0; i < full + (part >= 4); i++)
			addch('-');
	} else {
		attrset(ui_term_attr(UI_C_BAR));
		for (i = 0; i < full; i++)
			addstr(utf8 ? "\xe2\x96\x88" : "#");
		if (utf8 && part > 0)
			addstr(eighths[part]);
		else if (!utf8 && part >= 4)
			addch('#');
	}
	attrset(A_NORMAL);
}

/*
 * Width of the neighbours' label column: the widest label shown, cut only
 * where the score and a bar of twelve columns would not fit beside it.
 */
static int
ui_nbr_labw(const struct ui_nbr *n, int x)
{
	const char	*l;
	char		*esc;
	size_t		 i;
	int		 w = 8, lw, max = COLS - x - 11 - 12 - 1;

	for (i = 0; i < n->nhits && w < max; i++) {
		l = emb_label(n->e, n->hits[i].row);
		esc = text_escape(l != NULL ? l : "?");
		lw = (int)text_width(esc);
		free(esc);
		if (lw > w)
			w = lw;
	}
	if (w > max)
		w = max;
	return (w < 8 ? 8 : w);
}

/* Draws the neighbours view. */
static void
ui_nbr_draw(struct ui_nbr *n)
{
	const char	*l;
	char		*s, *safe, *name, num[64];
	size_t		 i, page;
	int		 y, numw, labw, x, barw;
	attr_t		 a;

	if (ui_term_small())
		return;
	erase();
	page = (size_t)ui_term_page();
	numw = ui_view_digits(n->e->rows);
	labw = ui_nbr_labw(n, 3 + 1 + numw + 2);

	l = emb_label(n->e, n->row);
	safe = ui_term_safe(l != NULL ? l : "?", COLS / 2);
	name = text_escape(n->e->name);
	s = xasprintf(" neighbours of %s (row %zu) in %s, %s, k %zu", safe,
	    n->row, name, knn_metric_name(n->ctx->metric), n->ctx->k);
	ui_term_text(0, 0, s, COLS, ui_term_attr(UI_C_TITLE));
	free(s);
	free(name);
	free(safe);
	s = xasprintf("%3s %*s  %-*s %9s", "#", numw, "row", labw, "label",
	    "score");
	ui_term_text(1, 0, s, COLS, A_BOLD);
	free(s);

	if (n->cur < n->top)
		n->top = n->cur;
	if (n->cur >= n->top + page)
		n->top = n->cur - page + 1;
	for (i = n->top; i < n->nhits && i < n->top + page; i++) {
		y = 2 + (int)(i - n->top);
		a = i == n->cur ? ui_term_attr(UI_C_CURSOR) : A_NORMAL;
		snprintf(num, sizeof num, "%3zu %*zu  ", i + 1, numw,
		    n->hits[i].row);
		ui_term_text(y, 0, num, (int)strlen(num), a);
		x = (int)strlen(num);
		l = emb_label(n->e, n->hits[i].row);
		ui_term_label(y, x, l != NULL ? l : "?", labw, a);
		x += labw;
		snprintf(num, sizeof num, " %9.4f ", n->hits[i].score);
		ui_term_text(y, x, num, (int)strlen(num), a);
		x += (int)strlen(num);
		barw = COLS - x - 1;
		ui_nbr_bar(y, x, barw, ui_nbr_share(n, i), n->ctx->utf8);
	}
	if (n->nhits == 0 && n->msg == NULL)
		ui_term_text(2, 0, "no neighbours", COLS, A_NORMAL);

	if (n->msg != NULL)
		ui_term_status(n->msg, n->msg_error);
	else {
		s = xasprintf("%zu of %zu  walked %zu  Enter: walk  b: back  "
		    "m: metric  ?: keys  q: quit", n->nhits ? n->cur + 1 : 0,
		    n->nhits, n->nhist);
		ui_term_status(s, 0);
		free(s);
	}
	refresh();
}

/* Walks to the neighbour under the cursor. */
static void
ui_nbr_walk(struct ui_nbr *n)
{
	if (n->nhits == 0)
		return;
	n->hist = xreallocarray(n->hist, n->nhist + 1, sizeof *n->hist);
	n->hist[n->nhist++] = n->row;
	n->row = n->hits[n->cur].row;
	ui_nbr_query(n);
}

/* Changes k by delta, at least 1 and below the number of rows. */
static void
ui_nbr_resize_k(struct ui_nbr *n, long delta)
{
	long	 k = (long)n->ctx->k + delta;

	if (k < 1)
		k = 1;
	if (k > (long)n->e->rows - 1)
		k = (long)n->e->rows - 1;
	if (k < 1)
		k = 1;
	n->ctx->k = (size_t)k;
	ui_nbr_query(n);
}

/* Handles one key; returns 1 to leave with *how set. */
static int
ui_nbr_key(struct ui_nbr *n, int key, enum ui_exit *how)
{
	long	 c;

	if ((c = ui_term_motion(key, n->cur, n->nhits)) >= 0) {
		n->cur = (size_t)c;
		return (0);
	}
	switch (key) {
	case 'q':
		*how = UI_BACK;
		return (1);
	case UI_KEY_INTR:
		*how = UI_QUIT;
		return (1);
	case '\n': case '\r': case KEY_ENTER: case 'l': case KEY_RIGHT:
		ui_nbr_walk(n);
		break;
	case 'b': case KEY_BACKSPACE: case 127: case 8: case 'h':
	case KEY_LEFT:
		if (n->nhist == 0) {
			*how = UI_BACK;
			return (1);
		}
		n->row = n->hist[--n->nhist];
		ui_nbr_query(n);
		break;
	case 'm':
		n->ctx->metric = (n->ctx->metric + 1) % 3;
		ui_nbr_query(n);
		break;
	case '+': case '=':
		ui_nbr_resize_k(n, 5);
		break;
	case '-':
		ui_nbr_resize_k(n, -5);
		break;
	case '?':
		if (ui_term_help("neighbours: keys", ui_nbr_keys,
		    UTIL_NELEM(ui_nbr_keys)) == UI_KEY_INTR) {
			*how = UI_QUIT;
			return (1);
		}
		break;
	}
	return (0);
}

/* Runs the neighbours view on an open screen. */
enum ui_exit
ui_view_neighbours(struct emb *e, size_t row, struct ui_ctx *ctx)
{
	struct ui_nbr	 n;
	enum ui_exit	 how = UI_BACK;
	int		 key;

	memset(&n, 0, sizeof n);
	n.e = e;
	n.ctx = ctx;
	n.row = row;
	if (ctx->k == 0)
		ctx->k = 20;
	n.vec = xreallocarray(NULL, e->dim, sizeof *n.vec);
	ui_nbr_query(&n);
	for (;;) {
		ui_nbr_draw(&n);
		key = ui_term_key();
		if (key != KEY_RESIZE && n.msg != NULL) {
			free(n.msg);
			n.msg = NULL;
		}
		if (ui_nbr_key(&n, key, &how))
			break;
	}
	free(n.hist);
	free(n.hits);
	free(n.vec);
	free(n.msg);
	return (how);
}

/* Opens the neighbours view of one row. */
int
ui_neighbours(struct emb *e, size_t row, struct ui_ctx *ctx, char **cause)
{
	if (row >= e->rows)
		return (util_fail(cause, "%s has no row %zu", e->name, row));
	if (emb_load_labels(e, cause) != 0)
		return (-1);
	if (ui_term_open(ctx, cause) != 0)
		return (-1);
	ui_view_neighbours(e, row, ctx);
	ui_term_close();
	return (0);
}

/* The browser: rows, sorting, search. */

/* The view whose order qsort_r is sorting. */
static int
ui_view_cmp(const void *a0, const void *b0, void *arg)
{
	const struct ui_view *v = arg;
	size_t	 a = *(const size_t *)a0, b = *(const size_t *)b0;
	double	 ka, kb;
	int	 r = 0;

	if (v->sort == UI_SORT_LABEL)
		r = strcmp(emb_label(v->e, a), emb_label(v->e, b));
	else if (v->sort != UI_SORT_ROW) {
		ka = v->key[a];
		kb = v->key[b];
		if (isnan(ka) != isnan(kb))
			return (isnan(ka) ? 1 : -1);
		if (ka != kb && !isnan(ka))
			r = ka < kb ? -1 : 1;
	}
	if (r == 0)
		r = a < b ? -1 : a > b;
	return (v->reverse ? -r : r);
}

/* Reads one dimension of every row as the sort key. */
static int
ui_view_dim_key(struct ui_view *v, size_t d, char **cause)
{
	struct knn_source src;
	const float	*rows;
	size_t		 start, n, i;
	int		 r;

	if (knn_source_open(&src, v->e, cause) != 0)
		return (-1);
	while ((r = knn_source_next(&src, &start, &n, &rows, cause)) == 1) {
		for (i = 0; i < n; i++)
			v->key[start + i] = rows[i * v->e->dim + d];
	}
	knn_source_close(&src);
	return (r);
}

/* Fills the sort keys of the current sort. */
static int
ui_view_keys_fill(struct ui_view *v, char **cause)
{
	size_t	 i;

	switch (v->sort) {
	case UI_SORT_ROW:
	case UI_SORT_LABEL:
		return (0);
	case UI_SORT_NORM:
		if (knn_prepare(v->e, cause) != 0)
			return (-1);
		memcpy(v->key, v->e->norms, v->e->rows * sizeof *v->key);
		return (0);
	case UI_SORT_BIAS:
		if (emb_load_bias(v->e, cause) != 0)
			return (-1);
		for (i = 0; i < v->e->rows; i++)
			v->key[i] = v->e->bias[i];
		return (0);
	case UI_SORT_DIM:
		return (ui_view_dim_key(v, v->sort_dim, cause));
	}
	return (0);
}

/* Sorts by a key, keeping the cursor on its row. */
static void
ui_view_sort(struct ui_view *v, enum ui_view_sort sort, size_t dim)
{
	enum ui_view_sort old = v->sort;
	size_t		 row, i;
	char		*cause = NULL;

	if (sort == UI_SORT_BIAS && !v->e->has_bias) {
		ui_view_say(&v->msg, &v->msg_error, 1,
		    xasprintf("%s has no bias", v->e->name));
		return;
	}
	v->sort = sort;
	v->sort_dim = dim;
	if (ui_view_keys_fill(v, &cause) != 0) {
		v->sort = old;
		ui_view_say(&v->msg, &v->msg_error, 1, cause);
		return;
	}
	row = v->order[v->cur];
	qsort_r(v->order, v->e->rows, sizeof *v->order, ui_view_cmp, v);
	for (i = 0; i < v->e->rows; i++) {
		if (v->order[i] == row)
			v->cur = i;
	}
}

/* Names the current sort. */
static char *
ui_view_sort_name(const struct ui_view *v)
{
	static const char *names[] = { "row", "label", "norm", "bias" };
	const char *dir = v->reverse ? ", descending" : "";

	if (v->sort == UI_SORT_DIM)
		return (xasprintf("dimension %zu%s", v->sort_dim, dir));
	return (xasprintf("%s%s", names[v->sort], dir));
}

/* Reads the heat map's scale: three root mean squares of all values. */
static void
ui_view_scale(struct ui_view *v)
{
	struct knn_source src;
	const float	*rows;
	double		 sum = 0;
	size_t		 start, n, i, count = 0;
	char		*cause = NULL;
	int		 r;

	v->scale = 1;
	if (knn_source_open(&src, v->e, &cause) != 0) {
		ui_view_say(&v->msg, &v->msg_error, 1, cause);
		return;
	}
	while ((r = knn_source_next(&src, &start, &n, &rows, &cause)) == 1) {
		for (i = 0; i < n * v->e->dim; i++) {
			if (isfinite(rows[i])) {
				sum += (double)rows[i] * rows[i];
				count++;
			}
		}
	}
	knn_source_close(&src);
	if (r != 0)
		ui_view_say(&v->msg, &v->msg_error, 1, cause);
	if (count > 0 && sum > 0)
		v->scale = 3 * sqrt(sum / count);
}

/* Draws one heat cell of a value. */
static void
ui_view_heat(int y, int x, float value, double scale, int utf8)
{
	static const char *shade_utf8[] = {
		" ", "\xe2\x96\x91", "\xe2\x96\x92", "\xe2\x96\x93",
		"\xe2\x96\x88"
	};
	static const char shade_ascii[] = " .:+#";
	double	 t = value / scale;
	int	 level;

	if (!isfinite(value)) {
		mvaddstr(y, x, "??");
		return;
	}
	t = fmax(-1, fmin(1, t));
	level = (int)(fabs(t) * 4 + 0.5);
	attrset(ui_term_heat(t));
	if (ui_term_rich())
		mvaddstr(y, x, "  ");
	else {
		mvaddch(y, x, t < 0 && level > 0 ? '-' : ' ');
		if (utf8)
			addstr(shade_utf8[level]);
		else
			addch(shade_ascii[level]);
	}
	attrset(A_NORMAL);
}

/* Draws one value as a number in w columns. */
static void
ui_view_number(int y, int x, int w, float value, attr_t a)
{
	static const int precision[] = { 3, 2, 1, 0 };
	char	 s[64];
	size_t	 i;

	for (i = 0; i < UTIL_NELEM(precision); i++) {
		snprintf(s, sizeof s, "%*.*f", w - 1, precision[i], value);
		if ((int)strlen(s) <= w - 1)
			break;
	}
	if ((int)strlen(s) > w - 1)
		snprintf(s, sizeof s, "%*.0e", w - 1, value);
	attrset(a);
	mvaddnstr(y, x, s, w - 1);
	addch(' ');
	attrset(A_NORMAL);
}

/* Columns of the browser for the current screen. */
struct ui_view_cols {
	int	 numw;
	int	 labw;
	int	 biasw;
	int	 normw;
	int	 cellw;
	size_t	 ndims;
	int	 x0;		/* where the dimensions start */
};

/* Lays out the columns and keeps the dimension cursor in sight. */
static void
ui_view_layout(struct ui_view *v, struct ui_view_cols *c)
{
	int	 room;

	c->numw = ui_view_digits(v->e->rows);
	c->labw = ui_view_labw();
	c->biasw = v->e->has_bias ? 9 : 0;
	c->normw = v->sort == UI_SORT_NORM ? 9 : 0;
	c->cellw = v->heat ? 3 : 7;
	c->x0 = c->numw + 1 + c->labw + 1 + c->biasw + c->normw;
	room = COLS - c->x0;
	c->ndims = room > c->cellw ? (size_t)(room / c->cellw) : 1;
	if (c->ndims > v->e->dim)
		c->ndims = v->e->dim;
	if (v->col < v->left)
		v->left = v->col;
	if (v->col >= v->left + c->ndims)
		v->left = v->col - c->ndims + 1;
}

/* Draws the title and the header line. */
static void
ui_view_head(struct ui_view *v, const struct ui_view_cols *c)
{
	char	*s, *sort, *name, h[32];
	size_t	 d;
	int	 x;

	sort = ui_view_sort_name(v);
	name = text_escape(v->e->name);
	s = xasprintf(" %s: %zu rows x %zu dimensions%s  sorted by %s%s",
	    name, v->e->rows, v->e->dim, v->e->has_bias ? ", bias" : "",
	    sort, v->heat ? "  heat map" : "");
	ui_term_text(0, 0, s, COLS, ui_term_attr(UI_C_TITLE));
	free(s);
	free(name);
	free(sort);

	move(1, 0);
	clrtoeol();
	attrset(A_BOLD);
	mvprintw(1, 0, "%*s %-*s ", c->numw, "row", c->labw, "label");
	if (c->biasw)
		printw("%*s ", c->biasw - 1, "bias");
	if (c->normw)
		printw("%*s ", c->normw - 1, "norm");
	x = c->x0;
	for (d = v->left; d < v->left + c->ndims && x < COLS; d++) {
		snprintf(h, sizeof h, "%zu", d);
		attrset(d == v->col ? A_REVERSE | A_BOLD : A_BOLD);
		mvprintw(1, x, "%*s", c->cellw - 1, h);
		x += c->cellw;
	}
	attrset(A_NORMAL);
}

/* Tells whether a row's label matches the search. */
static int
ui_view_match(struct ui_view *v, size_t row)
{
	const char	*l;

	if (!v->have_re || (l = emb_label(v->e, row)) == NULL)
		return (0);
	return (regexec(&v->re, l, 0, NULL, 0) == 0);
}

/* Draws one row of the embedding on line y. */
static void
ui_view_row(struct ui_view *v, const struct ui_view_cols *c, size_t pos,
    int y)
{
	const char	*l;
	size_t		 row = v->order[pos], d;
	attr_t		 a, la;
	char		*cause = NULL;
	int		 x;

	a = pos == v->cur ? ui_term_attr(UI_C_CURSOR) : A_NORMAL;
	la = a | (ui_view_match(v, row) ? ui_term_attr(UI_C_MATCH) : 0);
	attrset(a);
	mvprintw(y, 0, "%*zu ", c->numw, row);
	l = emb_label(v->e, row);
	ui_term_label(y, c->numw + 1, l != NULL ? l : "?", c->labw, la);
	ui_term_text(y, c->numw + 1 + c->labw, " ", 1, a);
	x = c->numw + 2 + c->labw;
	if (c->biasw) {
		if (v->e->bias != NULL || emb_load_bias(v->e, NULL) == 0)
			ui_view_number(y, x, c->biasw, v->e->bias[row], a);
		x += c->biasw;
	}
	if (c->normw) {
		ui_view_number(y, x, c->normw, (float)v->key[row], a);
		x += c->normw;
	}
	if (emb_row(v->e, row, v->vec, &cause) != 0) {
		ui_view_say(&v->msg, &v->msg_error, 1, cause);
		return;
	}
	for (d = v->left; d < v->left + c->ndims && x < COLS; d++) {
		if (v->heat)
			ui_view_heat(y, x, v->vec[d], v->scale,
			    v->ctx->utf8);
		else
			ui_view_number(y, x, c->cellw, v->vec[d],
			    d == v->col && pos == v->cur ? A_NORMAL : a);
		x += c->cellw;
	}
	if (pos == v->cur && x < COLS && !v->heat)
		ui_term_text(y, x, "", COLS - x, a);
}

/* Draws the browser. */
static void
ui_view_draw(struct ui_view *v)
{
	struct ui_view_cols c;
	size_t		 pos, page;
	char		*s;

	if (ui_term_small())
		return;
	erase();
	page = (size_t)ui_term_page();
	if (v->heat && v->scale == 0)
		ui_view_scale(v);
	ui_view_layout(v, &c);
	if (v->cur < v->top)
		v->top = v->cur;
	if (v->cur >= v->top + page)
		v->top = v->cur - page + 1;
	ui_view_head(v, &c);
	for (pos = v->top; pos < v->e->rows && pos < v->top + page; pos++)
		ui_view_row(v, &c, pos, 2 + (int)(pos - v->top));

	if (v->msg != NULL)
		ui_term_status(v->msg, v->msg_error);
	else {
		s = xasprintf("%zu/%zu  dimension %zu/%zu  ?: keys  q: quit",
		    v->cur + 1, v->e->rows, v->col, v->e->dim);
		ui_term_status(s, 0);
		free(s);
	}
	refresh();
}

/* Moves the dimension cursor by delta. */
static void
ui_view_move_col(struct ui_view *v, long delta)
{
	long	 c = (long)v->col + delta;

	if (c < 0)
		c = 0;
	if (c >= (long)v->e->dim)
		c = (long)v->e->dim - 1;
	v->col = (size_t)c;
}

/* Jumps to the next (dir 1) or previous (dir -1) matching row. */
static void
ui_view_next(struct ui_view *v, int dir)
{
	size_t	 i, pos, page, n = v->e->rows;

	if (!v->have_re) {
		ui_view_say(&v->msg, &v->msg_error, 0, xstrdup("no search "
		    "yet: press /"));
		return;
	}
	for (i = 1; i <= n; i++) {
		pos = dir > 0 ? (v->cur + i) % n : (v->cur + n - i % n) % n;
		if (ui_view_match(v, v->order[pos])) {
			if (pos == v->cur)
				ui_view_say(&v->msg, &v->msg_error, 0,
				    xstrdup("the only match"));
			else if ((dir > 0) != (pos > v->cur))
				ui_view_say(&v->msg, &v->msg_error, 0,
				    xstrdup("search wrapped"));
			v->cur = pos;
			page = (size_t)ui_term_page();
			v->top = pos > page / 2 ? pos - page / 2 : 0;
			return;
		}
	}
	ui_view_say(&v->msg, &v->msg_error, 1, xstrdup("no label matches"));
}

/* Asks for a pattern and jumps to its first match after the cursor. */
static void
ui_view_search(struct ui_view *v)
{
	char	*pat, err[128];
	int	 r;

	if ((pat = ui_term_prompt("/")) == NULL)
		return;
	if (*pat == '\0') {
		free(pat);
		ui_view_next(v, 1);
		return;
	}
	if (v->have_re)
		regfree(&v->re);
	v->have_re = 0;
	r = regcomp(&v->re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	free(pat);
	if (r != 0) {
		regerror(r, &v->re, err, sizeof err);
		ui_view_say(&v->msg, &v->msg_error, 1,
		    xasprintf("bad pattern: %s", err));
		return;
	}
	v->have_re = 1;
	if (ui_view_match(v, v->order[v->cur]))
		return;
	ui_view_next(v, 1);
}

/* Steps the sort key: row, label, norm, bias, dimension, row. */
static void
ui_view_cycle_sort(struct ui_view *v)
{
	enum ui_view_sort next = v->sort;

	switch (v->sort) {
	case UI_SORT_ROW:
		next = UI_SORT_LABEL;
		break;
	case UI_SORT_LABEL:
		next = UI_SORT_NORM;
		break;
	case UI_SORT_NORM:
		next = v->e->has_bias ? UI_SORT_BIAS : UI_SORT_DIM;
		break;
	case UI_SORT_BIAS:
		next = UI_SORT_DIM;
		break;
	case UI_SORT_DIM:
		next = UI_SORT_ROW;
		break;
	}
	ui_view_sort(v, next, v->col);
}

/* Handles a key that moves; returns 0 when it was not one. */
static int
ui_view_motion(struct ui_view *v, int key)
{
	long	 ndims, c;

	if ((c = ui_term_motion(key, v->cur, v->e->rows)) >= 0) {
		v->cur = (size_t)c;
		return (1);
	}
	ndims = (COLS - 40) / (v->heat ? 3 : 7);
	if (ndims < 1)
		ndims = 1;
	switch (key) {
	case 'h': case KEY_LEFT:
		ui_view_move_col(v, -1);
		break;
	case 'l': case KEY_RIGHT:
		ui_view_move_col(v, 1);
		break;
	case '<': case KEY_SLEFT:
		ui_view_move_col(v, -ndims);
		break;
	case '>': case KEY_SRIGHT:
		ui_view_move_col(v, ndims);
		break;
	case '0':
		v->col = 0;
		break;
	case '$':
		v->col = v->e->dim - 1;
		break;
	default:
		return (0);
	}
	return (1);
}

/* Handles one key; returns 1 to leave the browser. */
static int
ui_view_key(struct ui_view *v, int key)
{
	if (ui_view_motion(v, key))
		return (0);
	switch (key) {
	case 'q': case UI_KEY_INTR:
		return (1);
	case 't':
		v->heat = !v->heat;
		break;
	case '/':
		ui_view_search(v);
		break;
	case 'n':
		ui_view_next(v, 1);
		break;
	case 'N':
		ui_view_next(v, -1);
		break;
	case 's':
		ui_view_cycle_sort(v);
		break;
	case 'd':
		ui_view_sort(v, UI_SORT_DIM, v->col);
		break;
	case 'r':
		v->reverse = !v->reverse;
		ui_view_sort(v, v->sort, v->sort_dim);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (ui_view_neighbours(v->e, v->order[v->cur], v->ctx) ==
		    UI_QUIT)
			return (1);
		break;
	case '?':
		if (ui_term_help("view: keys", ui_view_keys,
		    UTIL_NELEM(ui_view_keys)) == UI_KEY_INTR)
			return (1);
		break;
	}
	return (0);
}

/* Browses one embedding until q or Ctrl-C. */
int
ui_view(struct emb *e, struct ui_ctx *ctx, char **cause)
{
	struct ui_view	 v;
	size_t		 i;
	int		 key;

	if (emb_load_labels(e, cause) != 0)
		return (-1);
	if (e->rows == 0 || e->dim == 0)
		return (util_fail(cause, "%s is empty", e->name));
	if (ui_term_open(ctx, cause) != 0)
		return (-1);
	memset(&v, 0, sizeof v);
	v.e = e;
	v.ctx = ctx;
	v.order = xreallocarray(NULL, e->rows, sizeof *v.order);
	v.key = xreallocarray(NULL, e->rows, sizeof *v.key);
	v.vec = xreallocarray(NULL, e->dim, sizeof *v.vec);
	for (i = 0; i < e->rows; i++)
		v.order[i] = i;
	for (;;) {
		ui_view_draw(&v);
		key = ui_term_key();
		if (key != KEY_RESIZE && v.msg != NULL) {
			free(v.msg);
			v.msg = NULL;
		}
		if (ui_view_key(&v, key))
			break;
	}
	ui_term_close();
	if (v.have_re)
		regfree(&v.re);
	free(v.order);
	free(v.key);
	free(v.vec);
	free(v.msg);
	return (0);
}
