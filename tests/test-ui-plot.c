/*
 * test-ui-plot.c: the terminal-free parts of the scatter map, on points
 * whose cells, dots and components are worked out by hand.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "plot.h"
#include "tap.h"
#include "util.h"

/* The cell at (col, row) as a string. */
static const char *
cell(const struct plot_canvas *c, int col, int row)
{
	return (c->cells[(size_t)row * c->cols + col].s);
}

/* Braille bits follow the Unicode dot numbering. */
static void
test_braille(void)
{
	static const unsigned int want[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
	};
	char	 s[8];
	int	 dx, dy, all = 1;

	for (dy = 0; dy < 4; dy++) {
		for (dx = 0; dx < 2; dx++)
			all &= plot_braille_bit(dx, dy) == want[dy][dx];
	}
	ok(all, "braille bits: dots 1-3,7 left, 4-6,8 right");
	plot_braille_utf8(0, s);
	is_str(s, "\xe2\xa0\x80", "empty braille pattern is U+2800");
	plot_braille_utf8(0xff, s);
	is_str(s, "\xe2\xa3\xbf", "full braille pattern is U+28FF");
	plot_braille_utf8(0x49, s);
	is_str(s, "\xe2\xa1\x89", "dots 1, 4 and 7 are U+2849");
}

/* Points map to the dots a hand computation gives. */
static void
test_dots(void)
{
	struct plot_view v = { 0, 10, 0, 10 };
	int	 dx, dy;

	is_int(plot_dot(&v, 10, 5, 0, 0.5, 9.9, &dx, &dy), 0, "in view");
	ok(dx == 0 && dy == 0, "top left point in dot (0, 0): %d %d", dx,
	    dy);
	plot_dot(&v, 10, 5, 0, 5, 5, &dx, &dy);
	ok(dx == 5 && dy == 2, "centre in dot (5, 2): %d %d", dx, dy);
	plot_dot(&v, 10, 5, 0, 10, 0, &dx, &dy);
	ok(dx == 9 && dy == 4, "far corner clamps to (9, 4): %d %d", dx,
	    dy);
	plot_dot(&v, 10, 5, 1, 5, 5, &dx, &dy);
	ok(dx == 10 && dy == 10, "braille centre in dot (10, 10): %d %d",
	    dx, dy);
	is_int(plot_dot(&v, 10, 5, 0, 11, 5, &dx, &dy), -1, "right of view");
	is_int(plot_dot(&v, 10, 5, 0, 5, -0.1, &dx, &dy), -1, "below view");
	is_int(plot_dot(&v, 10, 5, 0, NAN, 5, &dx, &dy), -1, "NaN not drawn");
}

/* ASCII cells count their points; the axes cross at the origin. */
static void
test_ascii(void)
{
	double	 x[] = { 5, -5, -4.6, NAN };
	double	 y[] = { 5, -5, -5.4, 1 };
	struct plot_view v = { -10, 10, -10, 10 };
	struct plot_canvas *c;
	struct plot_label *l;
	struct plot_map	 m;
	size_t		 nl;
	char		*line;

	plot_map_set(&m, NULL, 4, x, y);
	c = plot_canvas_new(20, 10, 0);
	l = plot_render(c, &m, &v, NULL, 0, &nl);
	is_int(nl, 0, "no labels asked for");
	is_str(cell(c, 15, 2), ".", "(5, 5) alone in cell (15, 2)");
	is_str(cell(c, 5, 7), ":", "two points share cell (5, 7)");
	is_int(c->count[7 * 20 + 5], 2, "cell (5, 7) counts 2");
	is_str(cell(c, 10, 0), "|", "y axis at column 10");
	is_str(cell(c, 0, 5), "-", "x axis on row 5");
	is_str(cell(c, 10, 5), "+", "axes cross at (10, 5)");
	line = plot_canvas_line(c, 2);
	is_str(line, "          |    .    ", "row 2 as text");
	free(line);
	free(l);
	plot_canvas_free(c);
	plot_map_free(&m);
}

/* Braille cells gather up to eight points. */
static void
test_braille_render(void)
{
	double	 x[] = { -9.5, -8.5, -9.5, 9.9 };
	double	 y[] = { 9.5, 9.5, 6.5, -9.9 };
	unsigned char flags[] = { 0, 0, 0, PLOT_MATCH };
	struct plot_view v = { -10, 10, -10, 10 };
	struct plot_canvas *c;
	struct plot_label *l;
	struct plot_map	 m;
	size_t		 nl;

	plot_map_set(&m, NULL, 4, x, y);
	c = plot_canvas_new(10, 5, 1);
	l = plot_render(c, &m, &v, NULL, 0, &nl);
	is_int(c->dots[0], 0x49, "three points in cell (0, 0): dots 1 4 7");
	is_str(cell(c, 0, 0), "\xe2\xa1\x89", "drawn as U+2849");
	is_str(cell(c, 9, 4), "\xe2\xa2\x80", "corner point is dot 8");
	free(l);
	l = plot_render(c, &m, &v, flags, 0, &nl);
	is_str(cell(c, 9, 4), "o", "a matched point is drawn as o");
	is_int(nl, 1, "the match is labelled");
	free(l);
	plot_canvas_free(c);
	plot_map_free(&m);
}

/* Makes an embedding with these labels and no matrix. */
static struct emb *
labelled(struct model_set *ms, size_t n, const char *const *labels)
{
	struct model	*mod;
	struct emb	*e;
	char		*cause = NULL;

	mod = model_set_add(ms, "m", MODEL_VECTORS);
	e = model_add_emb(mod, "words", ROLE_VECTOR, n, 2);
	if (emb_set_labels(e, labels, &cause) != 0) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
	return (e);
}

/* Tells whether two placed labels touch. */
static int
touch(const struct plot_label *a, const struct plot_label *b)
{
	if (a->row != b->row)
		return (0);
	return (a->col <= b->col + b->width && b->col <= a->col + a->width);
}

/* Labels sit beside their points, escaped, and never touch. */
static void
test_labels(void)
{
	static const char *names[] = {
		"alpha", "bad\x1b[31mred", "gamma", "delta", "epsilon",
		"zeta", "eta", "theta"
	};
	double	 x[] = { -8, 8, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3 };
	double	 y[] = { 0.5, 0.5, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2 };
	unsigned char flags[8] = { 0 };
	struct plot_view v = { -10, 10, -10, 10 };
	struct model_set *ms;
	struct plot_canvas *c;
	struct plot_label *l;
	struct plot_map	 m;
	size_t		 nl, i, j;
	char		*line;
	int		 apart = 1, found = 0;

	ms = model_set_new();
	plot_map_set(&m, labelled(ms, 8, names), 8, x, y);
	c = plot_canvas_new(60, 11, 0);
	l = plot_render(c, &m, &v, NULL, 2, &nl);
	is_int(nl, 2, "two outermost points labelled");
	line = plot_canvas_line(c, 5);
	ok(strstr(line, " . alpha") == NULL && strstr(line, ".alpha") != NULL,
	    "alpha right of its point: '%s'", line);
	ok(strstr(line, "bad\\x1b[31mred") != NULL, "label escaped: '%s'",
	    line);
	ok(strchr(line, '\x1b') == NULL, "no escape byte reaches the canvas");
	free(line);
	free(l);

	l = plot_render(c, &m, &v, NULL, 8, &nl);
	for (i = 0; i < nl; i++) {
		for (j = i + 1; j < nl; j++)
			apart &= !touch(&l[i], &l[j]);
	}
	ok(nl >= 4, "crowded points: %zu labels placed", nl);
	ok(apart, "no two labels touch");
	free(l);

	flags[6] = PLOT_SELECT;
	flags[3] = PLOT_MATCH;
	l = plot_render(c, &m, &v, flags, 0, &nl);
	is_int(nl, 2, "selected and matched labelled");
	ok(nl > 0 && l[0].point == 6, "selected label placed first");
	for (i = 0; i < (size_t)c->rows; i++) {
		line = plot_canvas_line(c, (int)i);
		found += strstr(line, "eta") != NULL;
		found += strstr(line, "delta") != NULL;
		free(line);
	}
	is_int(found, 2, "both labels on the canvas");
	free(l);
	plot_canvas_free(c);
	plot_map_free(&m);
	model_set_free(ms);
}

/* Counts the occurrences of a string in a file. */
static int
count_in(const char *path, const char *what, int *total)
{
	FILE	*fp;
	char	*buf, *p;
	long	 size;
	int	 n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	buf = xmalloc(size + 1);
	buf[fread(buf, 1, size, fp)] = '\0';
	fclose(fp);
	for (p = buf; (p = strstr(p, what)) != NULL; p++)
		n++;
	if (total != NULL)
		*total = (int)size;
	free(buf);
	return (n);
}

/* The SVG holds every finite point and XML-escaped labels. */
static void
test_svg(void)
{
	static const char *names[] = {
		"<b>&\"x\"", "plain", "Am\xc3\xa9lie", "#na#", "fifth"
	};
	double	 x[] = { -3, 3, 0, NAN, 1 };
	double	 y[] = { 1, -1, 2, 0, -2 };
	struct model_set *ms;
	struct plot_map	 m;
	char		 dir[] = "/tmp/test-ui-plot.XXXXXX", *path;
	char		*cause = NULL;
	int		 size;

	ms = model_set_new();
	plot_map_set(&m, labelled(ms, 5, names), 5, x, y);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
	path = xasprintf("%s/map.svg", dir);
	is_int(plot_svg_map(&m, path, &cause), 0, "svg written");
	is_int(count_in(path, "<circle", &size), 4, "four finite points");
	is_int(count_in(path, "&lt;b&gt;&amp;&quot;x&quot;", NULL), 1,
	    "label XML-escaped");
	is_int(count_in(path, "<b>", NULL), 0, "no raw markup from labels");
	is_int(count_in(path, ">Am\xc3\xa9lie</text>", NULL), 1,
	    "UTF-8 label kept");
	is_int(count_in(path, "#na#", NULL), 0, "a NaN point has no label");
	is_int(count_in(path, "</svg>", NULL), 1, "document closed");
	ok(access(dir, F_OK) == 0, "directory still there");
	unlink(path);
	is_int(plot_svg_map(&m, "/nonexistent/dir/map.svg", &cause), -1,
	    "unwritable path fails");
	ok(cause != NULL && strstr(cause, "/nonexistent/dir/map.svg") != NULL,
	    "cause names the file: %s", cause ? cause : "");
	free(cause);
	rmdir(dir);
	free(path);
	plot_map_free(&m);
	model_set_free(ms);
}

/*
 * Four rows at (+-3, 0, 0) and (0, +-1, 0) and a #na# row far away: the
 * components are the x and y axes, with variance ratios 9/10 and 1/10,
 * and the #na# row is neither counted nor drawn.
 */
static void
test_project(void)
{
	static const char *names[] = { "#na#", "e", "w", "n", "s" };
	static const float rows[] = {
		50, 50, 50, 3, 0, 0, -3, 0, 0, 0, 1, 0, 0, -1, 0
	};
	struct model_set *ms;
	struct model	*mod;
	struct emb	*e;
	struct plot_map	 m;
	char		*cause = NULL, *buf = NULL, *title;
	size_t		 len = 0;
	FILE		*fp;
	int		 r, lines = 0;

	ms = model_set_new();
	mod = model_set_add(ms, "m", MODEL_VECTORS);
	e = model_add_emb(mod, "dirs", ROLE_VECTOR, 5, 3);
	emb_set_labels(e, names, NULL);
	e->na_row = 0;
	e->matrix = xmalloc(sizeof rows);
	memcpy(e->matrix, rows, sizeof rows);

	r = plot_project(e, 0, 1, &m, &cause);
	is_int(r, 0, "projected: %s", cause ? cause : "ok");
	if (r != 0) {
		free(cause);
		model_set_free(ms);
		return;
	}
	ok(isnan(m.x[0]) && isnan(m.y[0]), "#na# row not drawn");
	is_near(m.x[1], 3, 1e-5, "e on PC1 at +3");
	is_near(m.x[2], -3, 1e-5, "w on PC1 at -3");
	is_near(fabs(m.y[3]), 1, 1e-5, "n on PC2 at 1");
	is_near(m.y[1], 0, 1e-5, "e on PC2 at 0");
	is_near(m.ratio_x, 0.9, 1e-6, "PC1 explains 90%%");
	is_near(m.ratio_y, 0.1, 1e-6, "PC2 explains 10%%");
	title = plot_title(&m);
	is_str(title, "dirs: PC1 (90.0%) across, PC2 (10.0%) up", "title");
	free(title);
	plot_map_free(&m);

	is_int(plot_project(e, 0, 3, &m, &cause), -1, "no fourth component");
	ok(cause != NULL && strstr(cause, "3 dimensions") != NULL,
	    "cause: %s", cause ? cause : "");
	free(cause);
	cause = NULL;

	fp = open_memstream(&buf, &len);
	is_int(plot_text(fp, e, 0, 1, 40, 12, 0, &cause), 0, "plain map");
	fclose(fp);
	for (title = buf; title != NULL && *title != '\0'; title++)
		lines += *title == '\n';
	is_int(lines, 12, "plain map fills 12 lines");
	ok(buf != NULL && strncmp(buf, "dirs: PC1", 9) == 0, "title first");
	ok(buf != NULL && strstr(buf, "e") != NULL && strstr(buf, "w") != NULL,
	    "labels printed");
	free(buf);
	model_set_free(ms);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_braille();
	test_dots();
	test_ascii();
	test_braille_render();
	test_labels();
	test_svg();
	test_project();
	return (tap_done());
}
