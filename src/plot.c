/*
 * plot.c: scatter maps of two principal components, without a terminal.
 *
 * Points are rasterised onto character cells: in UTF-8 each cell is a
 * braille pattern of two by four dots, so a terminal of 80 x 24 shows a
 * plane of 160 x 96 dots; in ASCII each cell shows how many points fell
 * in it. Labels are placed greedily, the selected point's first, then the
 * pinned and searched ones, then the outermost points, each on the first
 * free spot beside its point, so that no two labels touch.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pca.h"
#include "plot.h"
#include "text.h"
#include "util.h"

/* The share of the span left around the points. */
#define PLOT_MARGIN	0.04
#define PLOT_MAXLABEL	28	/* widest label, in columns */

#define PLOT_SVG_W	960
#define PLOT_SVG_H	720
#define PLOT_SVG_TOP	40
#define PLOT_SVG_LEFT	20
#define PLOT_SVG_CW	7.2	/* width of a 12px monospace character */
#define PLOT_SVG_CH	16

/* A point waiting for its label, with how far out it lies. */
struct plot_cand {
	size_t	 point;
	double	 far;
};

/* Projects every row onto two principal components. */
int
plot_project(struct emb *e, int cx, int cy, struct plot_map *m, char **cause)
{
	struct pca_result pr;
	size_t		 ncomp, size, i;
	float		*out;
	int		 top;

	memset(m, 0, sizeof *m);
	if (cx < 0 || cy < 0)
		return (util_fail(cause, "components are numbered from 1"));
	top = cx > cy ? cx : cy;
	ncomp = (size_t)top + 1;
	if (ncomp > e->dim)
		return (util_fail(cause, "%s has %zu dimensions, so no "
		    "component %d", e->name, e->dim, top + 1));
	if (util_mul(e->rows, ncomp, &size) != 0 ||
	    util_mul(size, sizeof *out, &size) != 0)
		return (util_fail(cause, "%s: too many rows", e->name));
	if (pca_run(e, ncomp, 1, &pr, cause) != 0)
		return (-1);
	out = xmalloc(size);
	if (pca_project_all(e, &pr, out, cause) != 0) {
		free(out);
		pca_result_free(&pr);
		return (-1);
	}

	m->e = e;
	m->cx = cx;
	m->cy = cy;
	m->ratio_x = pr.ratio[cx];
	m->ratio_y = pr.ratio[cy];
	m->n = e->rows;
	m->x = xreallocarray(NULL, e->rows, sizeof *m->x);
	m->y = xreallocarray(NULL, e->rows, sizeof *m->y);
	for (i = 0; i < e->rows; i++) {
		m->x[i] = out[i * ncomp + cx];
		m->y[i] = out[i * ncomp + cy];
		if (e->na_row >= 0 && (size_t)e->na_row == i)
			m->x[i] = m->y[i] = NAN;
	}
	free(out);
	pca_result_free(&pr);
	return (0);
}

/* Fills a map from coordinates the caller computed. */
void
plot_map_set(struct plot_map *m, struct emb *e, size_t n, const double *x,
    const double *y)
{
	memset(m, 0, sizeof *m);
	m->e = e;
	m->cy = 1;
	m->n = n;
	m->x = xreallocarray(NULL, n ? n : 1, sizeof *m->x);
	m->y = xreallocarray(NULL, n ? n : 1, sizeof *m->y);
	if (n != 0) {
		memcpy(m->x, x, n * sizeof *x);
		memcpy(m->y, y, n * sizeof *y);
	}
}

/* Frees a map's coordinates. */
void
plot_map_free(struct plot_map *m)
{
	free(m->x);
	free(m->y);
	m->x = m->y = NULL;
	m->n = 0;
}

/* Widens a range that is empty and adds the margin. */
static void
plot_view_pad(double *lo, double *hi)
{
	double	 span;

	span = *hi - *lo;
	if (!(span > 0)) {
		span = fabs(*lo) > 0 ? fabs(*lo) : 1;
		*lo -= span / 2;
		*hi += span / 2;
		span = *hi - *lo;
	}
	*lo -= span * PLOT_MARGIN;
	*hi += span * PLOT_MARGIN;
}

/* Fits the view to the finite points. */
void
plot_view_fit(const struct plot_map *m, struct plot_view *v)
{
	size_t	 i;
	int	 any = 0;

	v->x0 = v->y0 = -1;
	v->x1 = v->y1 = 1;
	for (i = 0; i < m->n; i++) {
		if (!isfinite(m->x[i]) || !isfinite(m->y[i]))
			continue;
		if (!any) {
			v->x0 = v->x1 = m->x[i];
			v->y0 = v->y1 = m->y[i];
			any = 1;
			continue;
		}
		v->x0 = fmin(v->x0, m->x[i]);
		v->x1 = fmax(v->x1, m->x[i]);
		v->y0 = fmin(v->y0, m->y[i]);
		v->y1 = fmax(v->y1, m->y[i]);
	}
	plot_view_pad(&v->x0, &v->x1);
	plot_view_pad(&v->y0, &v->y1);
}

/* Zooms about the centre. */
void
plot_view_zoom(struct plot_view *v, double factor)
{
	double	 cx, cy, hw, hh;

	cx = (v->x0 + v->x1) / 2;
	cy = (v->y0 + v->y1) / 2;
	hw = (v->x1 - v->x0) / 2 / factor;
	hh = (v->y1 - v->y0) / 2 / factor;
	v->x0 = cx - hw;
	v->x1 = cx + hw;
	v->y0 = cy - hh;
	v->y1 = cy + hh;
}

/* Pans by fractions of the view. */
void
plot_view_pan(struct plot_view *v, double fx, double fy)
{
	double	 dx, dy;

	dx = (v->x1 - v->x0) * fx;
	dy = (v->y1 - v->y0) * fy;
	v->x0 += dx;
	v->x1 += dx;
	v->y0 += dy;
	v->y1 += dy;
}

/* Centres the view on a point. */
void
plot_view_centre(struct plot_view *v, double x, double y)
{
	plot_view_pan(v, (x - (v->x0 + v->x1) / 2) / (v->x1 - v->x0),
	    (y - (v->y0 + v->y1) / 2) / (v->y1 - v->y0));
}

/* Dots across a cell. */
int
plot_subx(int utf8)
{
	return (utf8 ? 2 : 1);
}

/* Dots down a cell. */
int
plot_suby(int utf8)
{
	return (utf8 ? 4 : 1);
}

/* Finds the dot a point falls on. */
int
plot_dot(const struct plot_view *v, int cols, int rows, int utf8, double x,
    double y, int *dx, int *dy)
{
	int	 w, h;

	w = cols * plot_subx(utf8);
	h = rows * plot_suby(utf8);
	if (!isfinite(x) || !isfinite(y))
		return (-1);
	if (x < v->x0 || x > v->x1 || y < v->y0 || y > v->y1)
		return (-1);
	*dx = (int)((x - v->x0) / (v->x1 - v->x0) * w);
	*dy = (int)((v->y1 - y) / (v->y1 - v->y0) * h);
	if (*dx >= w)
		*dx = w - 1;
	if (*dy >= h)
		*dy = h - 1;
	return (0);
}

/* Braille dots 1-3 and 7 run down the left, 4-6 and 8 down the right. */
unsigned int
plot_braille_bit(int dx, int dy)
{
	static const unsigned int bits[4][2] = {
		{ 0x01, 0x08 },
		{ 0x02, 0x10 },
		{ 0x04, 0x20 },
		{ 0x40, 0x80 }
	};

	return (bits[dy & 3][dx & 1]);
}

/* Encodes U+2800 plus the bits. */
int
plot_braille_utf8(unsigned int bits, char *out)
{
	unsigned int cp = 0x2800 + (bits & 0xff);

	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	out[3] = '\0';
	return (3);
}

/* Allocates a blank canvas. */
struct plot_canvas *
plot_canvas_new(int cols, int rows, int utf8)
{
	struct plot_canvas *c;
	size_t		 n;

	if (cols < 1)
		cols = 1;
	if (rows < 1)
		rows = 1;
	n = (size_t)cols * (size_t)rows;
	c = xcalloc(1, sizeof *c);
	c->cols = cols;
	c->rows = rows;
	c->utf8 = utf8;
	c->cells = xcalloc(n, sizeof *c->cells);
	c->dots = xcalloc(n, 1);
	c->count = xcalloc(n, sizeof *c->count);
	c->mark = xcalloc(n, 1);
	c->used = xcalloc(n, 1);
	return (c);
}

/* Frees a canvas. */
void
plot_canvas_free(struct plot_canvas *c)
{
	if (c == NULL)
		return;
	free(c->cells);
	free(c->dots);
	free(c->count);
	free(c->mark);
	free(c->used);
	free(c);
}

/* Sets one cell. */
static void
plot_put(struct plot_canvas *c, int col, int row, const char *s, int ink)
{
	struct plot_cell *cell = &c->cells[(size_t)row * c->cols + col];

	snprintf(cell->s, sizeof cell->s, "%s", s);
	cell->ink = ink;
}

/* Draws the lines x = 0 and y = 0 where they are in view. */
static void
plot_axes(struct plot_canvas *c, const struct plot_view *v)
{
	int	 ax = -1, ay = -1, i, dx, dy;

	if (plot_dot(v, c->cols, c->rows, c->utf8, 0, v->y0, &dx, &dy) == 0)
		ax = dx / plot_subx(c->utf8);
	if (plot_dot(v, c->cols, c->rows, c->utf8, v->x0, 0, &dx, &dy) == 0)
		ay = dy / plot_suby(c->utf8);
	if (ax >= 0) {
		for (i = 0; i < c->rows; i++)
			plot_put(c, ax, i, c->utf8 ? "\xe2\x94\x82" : "|",
			    PLOT_INK_AXIS);
	}
	if (ay >= 0) {
		for (i = 0; i < c->cols; i++)
			plot_put(c, i, ay, c->utf8 ? "\xe2\x94\x80" : "-",
			    PLOT_INK_AXIS);
	}
	if (ax >= 0 && ay >= 0)
		plot_put(c, ax, ay, c->utf8 ? "\xe2\x94\xbc" : "+",
		    PLOT_INK_AXIS);
}

/* Rasterises the points onto the cells. */
static void
plot_points(struct plot_canvas *c, const struct plot_map *m,
    const struct plot_view *v, const unsigned char *flags)
{
	char	 s[8];
	size_t	 i, k;
	int	 dx, dy, sx, sy, col, row;

	sx = plot_subx(c->utf8);
	sy = plot_suby(c->utf8);
	for (i = 0; i < m->n; i++) {
		if (plot_dot(v, c->cols, c->rows, c->utf8, m->x[i], m->y[i],
		    &dx, &dy) != 0)
			continue;
		k = (size_t)(dy / sy) * c->cols + dx / sx;
		c->dots[k] |= plot_braille_bit(dx % sx, dy % sy);
		c->count[k]++;
		if (flags != NULL)
			c->mark[k] |= flags[i] & (PLOT_MATCH|PLOT_SELECT);
	}
	for (row = 0; row < c->rows; row++) {
		for (col = 0; col < c->cols; col++) {
			k = (size_t)row * c->cols + col;
			if (c->count[k] == 0)
				continue;
			if (c->mark[k] & PLOT_SELECT)
				plot_put(c, col, row, "@", PLOT_INK_SELECT);
			else if (c->mark[k] & PLOT_MATCH)
				plot_put(c, col, row, "o", PLOT_INK_MATCH);
			else if (c->utf8) {
				plot_braille_utf8(c->dots[k], s);
				plot_put(c, col, row, s, PLOT_INK_DOTS);
			} else if (c->count[k] == 1)
				plot_put(c, col, row, ".", PLOT_INK_DOTS);
			else if (c->count[k] < 5)
				plot_put(c, col, row, ":", PLOT_INK_DOTS);
			else
				plot_put(c, col, row, "#", PLOT_INK_DOTS);
		}
	}
}

/* Bytes in the UTF-8 sequence that starts with this byte. */
static size_t
plot_seqlen(unsigned char b)
{
	if (b >= 0xf0)
		return (4);
	if (b >= 0xe0)
		return (3);
	if (b >= 0xc0)
		return (2);
	return (1);
}

/* Escapes a label, in ASCII when need be, cut to at most cols columns. */
char *
plot_label_fit(const char *label, int utf8, int cols)
{
	char	*esc, *fit, *p, *q;

	esc = text_escape(label);
	if (!utf8) {
		for (p = q = esc; *p != '\0'; p += plot_seqlen(*p))
			*q++ = (unsigned char)*p < 0x80 ? *p : '?';
		*q = '\0';
	}
	fit = text_fit(esc, cols < 2 ? 2 : (size_t)cols);
	free(esc);
	return (fit);
}

/* A point's label, or its row number when it has none. */
static char *
plot_label_text(const struct plot_map *m, size_t point, int utf8, int max)
{
	const char	*l = NULL;
	char		 num[32];

	if (m->e != NULL)
		l = emb_label(m->e, point);
	if (l == NULL) {
		snprintf(num, sizeof num, "%zu", point);
		l = num;
	}
	return (plot_label_fit(l, utf8, max));
}

/*
 * Tells whether a label of width w fits at (col, row): inside the canvas,
 * one free cell from other labels on either side, and covering no
 * highlighted point (no point at all when strict).
 */
static int
plot_free(const struct plot_canvas *c, int col, int row, int w, int strict)
{
	size_t	 k;
	int	 i;

	if (col < 0 || row < 0 || row >= c->rows || col + w > c->cols)
		return (0);
	for (i = col - 1; i <= col + w; i++) {
		if (i < 0 || i >= c->cols)
			continue;
		k = (size_t)row * c->cols + i;
		if (c->used[k])
			return (0);
		if (i == col - 1 || i == col + w)
			continue;
		if (c->mark[k] != 0 || (strict && c->count[k] != 0))
			return (0);
	}
	return (1);
}

/* Writes a label's characters into the cells from (col, row). */
static void
plot_write(struct plot_canvas *c, int col, int row, const char *text,
    int ink)
{
	char	 ch[8];
	size_t	 n, k, len;
	int	 w;

	while (*text != '\0' && col < c->cols) {
		n = plot_seqlen((unsigned char)*text);
		if (n >= sizeof ch)
			n = 1;
		memcpy(ch, text, n);
		ch[n] = '\0';
		text += n;
		w = (int)text_width(ch);
		k = (size_t)row * c->cols + col;
		if (w == 0 && col > 0) {
			len = strlen(c->cells[k - 1].s);
			if (len + n < sizeof c->cells[k - 1].s)
				memcpy(c->cells[k - 1].s + len, ch, n + 1);
			continue;
		}
		if (w == 2 && col + 1 >= c->cols)
			break;
		plot_put(c, col, row, ch, ink);
		c->used[k] = 1;
		if (w == 2) {
			plot_put(c, col + 1, row, "", ink);
			c->used[k + 1] = 1;
			col++;
		}
		col++;
	}
}

/* Tries the spots beside a point's cell; forced places it anyway. */
static int
plot_place(struct plot_canvas *c, int pc, int pr, const char *text,
    int ink, int forced, struct plot_label *out)
{
	int	 w, strict, i, col, row;
	int	 spots[8][2];

	w = (int)text_width(text);
	spots[0][0] = pc + 1, spots[0][1] = pr;
	spots[1][0] = pc - w, spots[1][1] = pr;
	spots[2][0] = pc + 1, spots[2][1] = pr - 1;
	spots[3][0] = pc + 1, spots[3][1] = pr + 1;
	spots[4][0] = pc - w, spots[4][1] = pr - 1;
	spots[5][0] = pc - w, spots[5][1] = pr + 1;
	spots[6][0] = pc - w / 2, spots[6][1] = pr - 1;
	spots[7][0] = pc - w / 2, spots[7][1] = pr + 1;
	for (strict = 1; strict >= 0; strict--) {
		for (i = 0; i < 8; i++) {
			col = spots[i][0];
			row = spots[i][1];
			if (plot_free(c, col, row, w, strict))
				goto found;
		}
	}
	if (!forced)
		return (-1);
	row = pr;
	col = pc + 1 + w > c->cols ? c->cols - w : pc + 1;
	if (col < 0)
		col = 0;

found:
	plot_write(c, col, row, text, ink);
	out->col = col;
	out->row = row;
	out->width = w;
	return (0);
}

/* Orders candidates by distance from the centre, farthest first. */
static int
plot_cand_cmp(const void *a0, const void *b0)
{
	const struct plot_cand *a = a0, *b = b0;

	if (a->far != b->far)
		return (a->far < b->far ? 1 : -1);
	return (a->point < b->point ? -1 : a->point > b->point);
}

/* Places one point's label when its point is on the canvas. */
static int
plot_label_one(struct plot_canvas *c, const struct plot_map *m,
    const struct plot_view *v, size_t i, int ink, int forced,
    struct plot_label *out)
{
	char	*text;
	int	 dx, dy, max, r;

	if (plot_dot(v, c->cols, c->rows, c->utf8, m->x[i], m->y[i], &dx,
	    &dy) != 0)
		return (-1);
	max = c->cols / 3 < PLOT_MAXLABEL ? c->cols / 3 : PLOT_MAXLABEL;
	text = plot_label_text(m, i, c->utf8, max);
	r = plot_place(c, dx / plot_subx(c->utf8), dy / plot_suby(c->utf8),
	    text, ink, forced, out);
	free(text);
	if (r == 0)
		out->point = i;
	return (r);
}

/* Lists the unflagged points in view, outermost first. */
static struct plot_cand *
plot_outer(const struct plot_map *m, const struct plot_view *v,
    const unsigned char *flags, size_t *n)
{
	struct plot_cand *c;
	double		 mx, my, hw, hh, fx, fy;
	size_t		 i;

	c = xreallocarray(NULL, m->n ? m->n : 1, sizeof *c);
	*n = 0;
	mx = (v->x0 + v->x1) / 2;
	my = (v->y0 + v->y1) / 2;
	hw = (v->x1 - v->x0) / 2;
	hh = (v->y1 - v->y0) / 2;
	for (i = 0; i < m->n; i++) {
		if (flags != NULL && flags[i] != 0)
			continue;
		if (!isfinite(m->x[i]) || !isfinite(m->y[i]) ||
		    m->x[i] < v->x0 || m->x[i] > v->x1 ||
		    m->y[i] < v->y0 || m->y[i] > v->y1)
			continue;
		fx = (m->x[i] - mx) / hw;
		fy = (m->y[i] - my) / hh;
		c[*n].point = i;
		c[(*n)++].far = fx * fx + fy * fy;
	}
	qsort(c, *n, sizeof *c, plot_cand_cmp);
	return (c);
}

/* Places the labels: selected, pinned, matched, then outermost points. */
static struct plot_label *
plot_labels(struct plot_canvas *c, const struct plot_map *m,
    const struct plot_view *v, const unsigned char *flags, size_t nauto,
    size_t *nlabels)
{
	static const struct {
		unsigned char	 flag;
		int		 ink;
	} passes[] = {
		{ PLOT_SELECT, PLOT_INK_LABEL_SELECT },
		{ PLOT_PIN, PLOT_INK_LABEL },
		{ PLOT_MATCH, PLOT_INK_LABEL_MATCH }
	};
	struct plot_label *out;
	struct plot_cand *cand;
	size_t		 i, p, n = 0, ncand, placed = 0, cap;
	unsigned char	 before = 0;

	cap = nauto + 16;
	out = xreallocarray(NULL, cap, sizeof *out);
	for (p = 0; flags != NULL && p < UTIL_NELEM(passes); p++) {
		for (i = 0; i < m->n; i++) {
			if (!(flags[i] & passes[p].flag) ||
			    (flags[i] & before) != 0)
				continue;
			if (n == cap) {
				cap *= 2;
				out = xreallocarray(out, cap, sizeof *out);
			}
			if (plot_label_one(c, m, v, i, passes[p].ink,
			    p == 0, &out[n]) == 0)
				n++;
		}
		before |= passes[p].flag;
	}

	cand = plot_outer(m, v, flags, &ncand);
	for (i = 0; i < ncand && placed < nauto; i++) {
		if (n == cap) {
			cap *= 2;
			out = xreallocarray(out, cap, sizeof *out);
		}
		if (plot_label_one(c, m, v, cand[i].point, PLOT_INK_LABEL, 0,
		    &out[n]) == 0) {
			n++;
			placed++;
		}
	}
	free(cand);
	*nlabels = n;
	return (out);
}

/* Draws axes, points and labels. */
struct plot_label *
plot_render(struct plot_canvas *c, const struct plot_map *m,
    const struct plot_view *v, const unsigned char *flags, size_t nauto,
    size_t *nlabels)
{
	size_t	 n, i;

	n = (size_t)c->cols * c->rows;
	for (i = 0; i < n; i++) {
		c->cells[i].s[0] = ' ';
		c->cells[i].s[1] = '\0';
		c->cells[i].ink = PLOT_INK_BLANK;
	}
	memset(c->dots, 0, n);
	memset(c->count, 0, n * sizeof *c->count);
	memset(c->mark, 0, n);
	memset(c->used, 0, n);

	plot_axes(c, v);
	plot_points(c, m, v, flags);
	return (plot_labels(c, m, v, flags, nauto, nlabels));
}

/* Joins a canvas row into one string. */
char *
plot_canvas_line(const struct plot_canvas *c, int row)
{
	const struct plot_cell *cell;
	char	*s;
	size_t	 used = 0, len;
	int	 i;

	s = xmalloc((size_t)c->cols * sizeof cell->s + 1);
	for (i = 0; i < c->cols; i++) {
		cell = &c->cells[(size_t)row * c->cols + i];
		len = strlen(cell->s);
		memcpy(s + used, cell->s, len);
		used += len;
	}
	s[used] = '\0';
	return (s);
}

/* Names the map's axes. */
char *
plot_title(const struct plot_map *m)
{
	char	*name, *s;

	name = text_escape(m->e != NULL ? m->e->name : "map");
	if (m->ratio_x > 0 || m->ratio_y > 0)
		s = xasprintf("%s: PC%d (%.1f%%) across, PC%d (%.1f%%) up",
		    name, m->cx + 1, 100 * m->ratio_x, m->cy + 1,
		    100 * m->ratio_y);
	else
		s = xasprintf("%s: PC%d across, PC%d up", name, m->cx + 1,
		    m->cy + 1);
	free(name);
	return (s);
}

/* How many outermost points a map of cols x rows labels. */
size_t
plot_auto_labels(int cols, int rows)
{
	size_t	 n;

	n = (size_t)cols * rows / 160;
	return (n < 3 ? 3 : n);
}

/* Prints a map as plain text. */
int
plot_text_map(FILE *fp, const struct plot_map *m, int cols, int rows,
    int utf8, char **cause)
{
	struct plot_canvas *c;
	struct plot_label *labels;
	struct plot_view v;
	size_t		 nlabels, end;
	char		*title, *fit, *line;
	int		 i;

	if (cols < 20 || rows < 6)
		return (util_fail(cause, "a map needs at least 20 x 6 "
		    "characters"));
	plot_view_fit(m, &v);
	c = plot_canvas_new(cols, rows - 2, utf8);
	labels = plot_render(c, m, &v, NULL,
	    plot_auto_labels(cols, rows - 2), &nlabels);
	free(labels);

	title = plot_title(m);
	fit = text_fit(title, cols);
	fprintf(fp, "%s\n", fit);
	free(fit);
	free(title);
	for (i = 0; i < c->rows; i++) {
		line = plot_canvas_line(c, i);
		end = strlen(line);
		while (end > 0 && line[end - 1] == ' ')
			end--;
		fprintf(fp, "%.*s\n", (int)end, line);
		free(line);
	}
	fprintf(fp, "x %.3g to %.3g, y %.3g to %.3g\n", v.x0, v.x1, v.y0,
	    v.y1);
	plot_canvas_free(c);
	if (fflush(fp) != 0 || ferror(fp))
		return (util_fail(cause, "write: %s", strerror(errno)));
	return (0);
}

/* Prints the map of two components as plain text. */
int
plot_text(FILE *fp, struct emb *e, int cx, int cy, int cols, int rows,
    int utf8, char **cause)
{
	struct plot_map	 m;
	int		 r;

	if (plot_project(e, cx, cy, &m, cause) != 0)
		return (-1);
	r = plot_text_map(fp, &m, cols, rows, utf8, cause);
	plot_map_free(&m);
	return (r);
}

/* Writes a string with XML's five special characters escaped. */
static void
plot_xml(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&apos;", fp);
			break;
		default:
			fputc(*s, fp);
			break;
		}
	}
}

/* Writes the SVG body: axes, points, labels. */
static void
plot_svg_body(FILE *fp, const struct plot_map *m, const struct plot_view *v)
{
	struct plot_canvas *c;
	struct plot_label *labels;
	size_t		 nlabels, i;
	double		 px, py, sx, sy;
	char		*title, *text;

	sx = PLOT_SVG_W / (v->x1 - v->x0);
	sy = PLOT_SVG_H / (v->y1 - v->y0);
	title = plot_title(m);
	fprintf(fp, "<text x=\"%d\" y=\"24\" font-size=\"16\">",
	    PLOT_SVG_LEFT);
	plot_xml(fp, title);
	fprintf(fp, "</text>\n");
	free(title);
	fprintf(fp, "<g transform=\"translate(%d %d)\">\n", PLOT_SVG_LEFT,
	    PLOT_SVG_TOP);
	fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"none\" "
	    "stroke=\"#ccc\"/>\n", PLOT_SVG_W, PLOT_SVG_H);
	if (v->x0 < 0 && v->x1 > 0)
		fprintf(fp, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"#ccc\"/>\n", -v->x0 * sx, -v->x0 * sx,
		    PLOT_SVG_H);
	if (v->y0 < 0 && v->y1 > 0)
		fprintf(fp, "<line x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#ccc\"/>\n", v->y1 * sy, PLOT_SVG_W,
		    v->y1 * sy);

	fprintf(fp, "<g fill=\"#3465a4\" fill-opacity=\"0.6\">\n");
	for (i = 0; i < m->n; i++) {
		if (!isfinite(m->x[i]) || !isfinite(m->y[i]))
			continue;
		px = (m->x[i] - v->x0) * sx;
		py = (v->y1 - m->y[i]) * sy;
		fprintf(fp, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2\"/>\n",
		    px, py);
	}
	fprintf(fp, "</g>\n");

	c = plot_canvas_new((int)(PLOT_SVG_W / PLOT_SVG_CW),
	    PLOT_SVG_H / PLOT_SVG_CH, 1);
	labels = plot_render(c, m, v, NULL,
	    plot_auto_labels(c->cols, c->rows), &nlabels);
	fprintf(fp, "<g font-family=\"monospace\" font-size=\"12\">\n");
	for (i = 0; i < nlabels; i++) {
		text = plot_label_text(m, labels[i].point, 1, PLOT_MAXLABEL);
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\">",
		    labels[i].col * PLOT_SVG_CW,
		    (labels[i].row + 1) * PLOT_SVG_CH - 4);
		plot_xml(fp, text);
		fprintf(fp, "</text>\n");
		free(text);
	}
	fprintf(fp, "</g>\n</g>\n");
	free(labels);
	plot_canvas_free(c);
}

/* Writes a map as SVG through a temporary file and a rename. */
int
plot_svg_map(const struct plot_map *m, const char *path, char **cause)
{
	struct plot_view v;
	FILE		*fp;
	char		*tmp;

	if ((fp = util_temp_open(path, &tmp, cause)) == NULL)
		return (-1);
	plot_view_fit(m, &v);
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
	    PLOT_SVG_W + 2 * PLOT_SVG_LEFT, PLOT_SVG_H + PLOT_SVG_TOP + 20,
	    PLOT_SVG_W + 2 * PLOT_SVG_LEFT, PLOT_SVG_H + PLOT_SVG_TOP + 20);
	fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"white\"/>\n");
	plot_svg_body(fp, m, &v);
	fprintf(fp, "</svg>\n");
	return (util_temp_commit(fp, tmp, path, 1, cause));
}

/* Writes the map of two components as SVG. */
int
plot_svg(struct emb *e, int cx, int cy, const char *path, char **cause)
{
	struct plot_map	 m;
	int		 r;

	if (plot_project(e, cx, cy, &m, cause) != 0)
		return (-1);
	r = plot_svg_map(&m, path, cause);
	plot_map_free(&m);
	return (r);
}
