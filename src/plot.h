/*
 * plot.h: scatter maps of two principal components, without a terminal.
 *
 * A map holds every row's coordinates on two components. A view is the
 * window of the plane being looked at; a canvas is a grid of character
 * cells onto which the points in the view are rasterised, two by four
 * braille dots per cell (UTF-8) or one density character per cell
 * (ASCII), with the labels of chosen points placed beside them where they
 * do not overlap. The curses view, the plain-text map and the SVG picture
 * are all drawn from these.
 */
#ifndef EMBREPL_PLOT_H
#define EMBREPL_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* Point flags: what the user did with a point. */
#define PLOT_MATCH	0x1	/* matched by the last search */
#define PLOT_SELECT	0x2	/* the selected point */
#define PLOT_PIN	0x4	/* label pinned by the user */

/* What a canvas cell shows, for colours and attributes. */
enum plot_ink {
	PLOT_INK_BLANK,
	PLOT_INK_AXIS,
	PLOT_INK_DOTS,
	PLOT_INK_MATCH,
	PLOT_INK_SELECT,
	PLOT_INK_LABEL,
	PLOT_INK_LABEL_MATCH,
	PLOT_INK_LABEL_SELECT
};

struct plot_map {
	/* Labels come from here; may be NULL. */
	struct emb	*e;
	/* Components on the axes, 0-based. */
	int		 cx;
	int		 cy;
	/* Explained variance ratios, or 0. */
	double		 ratio_x;
	double		 ratio_y;
	size_t		 n;
	/* The n coordinates; NaN is not drawn. */
	double		*x;
	double		*y;
};

/* The window of the plane on screen. */
struct plot_view {
	double		 x0, x1;
	double		 y0, y1;
};

struct plot_cell {
	/* UTF-8; empty: right half of a wide. */
	char		 s[8];
	unsigned char	 ink;
};

struct plot_canvas {
	int		 cols;
	int		 rows;
	int		 utf8;
	struct plot_cell *cells;	/* rows x cols */
	unsigned char	*dots;		/* braille bits per cell */
	unsigned int	*count;		/* points per cell */
	unsigned char	*mark;		/* strongest flag per cell */
	unsigned char	*used;		/* cells taken by labels */
};

/* A label placed on a canvas. */
struct plot_label {
	size_t		 point;
	int		 col;
	int		 row;
	int		 width;
};

/*
 * Projects every row of an embedding onto components cx and cy (0-based)
 * of its principal components; the #na# row and rows that are not finite
 * get NaN.
 */
int	 plot_project(struct emb *, int, int, struct plot_map *, char **);

/* Builds a map from given coordinates (copied); for tests and callers. */
void	 plot_map_set(struct plot_map *, struct emb *, size_t,
	    const double *, const double *);
void	 plot_map_free(struct plot_map *);

/* The view holding every point, with a small margin. */
void	 plot_view_fit(const struct plot_map *, struct plot_view *);
/* Zooms by factor (above 1 zooms in) about the centre. */
void	 plot_view_zoom(struct plot_view *, double);
/* Pans by fractions of the view's width and height. */
void	 plot_view_pan(struct plot_view *, double, double);
/* Centres the view on a point, keeping its size. */
void	 plot_view_centre(struct plot_view *, double, double);

/* Dots per cell across and down: 2 x 4 in braille, 1 x 1 in ASCII. */
int	 plot_subx(int);
int	 plot_suby(int);

/*
 * Where a point falls: its dot column and row on a canvas of cols x rows
 * cells (y grows upwards in the plane, downwards on screen). Returns -1
 * when the point is outside the view or not finite.
 */
int	 plot_dot(const struct plot_view *, int, int, int, double, double,
	    int *, int *);

/* The braille bit of dot (dx, dy) within a cell: dx 0-1, dy 0-3. */
unsigned int plot_braille_bit(int, int);
/* Writes the UTF-8 of the braille pattern with these bits; returns 3. */
int	 plot_braille_utf8(unsigned int, char *);

struct plot_canvas *plot_canvas_new(int, int, int);
void	 plot_canvas_free(struct plot_canvas *);

/*
 * Draws a map onto a canvas: axes, points, then labels. flags holds one
 * byte a point (PLOT_*) or is NULL; nauto is how many more labels to place
 * beside the outermost points. Returns the labels placed (new array, count
 * in *nlabels).
 */
struct plot_label *plot_render(struct plot_canvas *, const struct plot_map *,
	    const struct plot_view *, const unsigned char *, size_t,
	    size_t *);

/*
 * An untrusted label made safe to show: escaped (text_escape), non-ASCII
 * characters as ? when utf8 is 0, cut to cols columns (new).
 */
char	*plot_label_fit(const char *, int, int);

/* How many of the outermost points a canvas of cols x rows labels. */
size_t	 plot_auto_labels(int, int);

/* The canvas's row as one UTF-8 string (new). */
char	*plot_canvas_line(const struct plot_canvas *, int);

/* A title such as "items: PC1 (12.5%) across, PC2 (7.1%) up" (new). */
char	*plot_title(const struct plot_map *);

/*
 * Prints the map of components cx and cy as plain text on cols x rows
 * characters (a title line, the canvas, a line of ranges).
 */
int	 plot_text(FILE *, struct emb *, int, int, int, int, int, char **);
int	 plot_text_map(FILE *, const struct plot_map *, int, int, int,
	    char **);

/*
 * Writes the map as an SVG picture: every point, and the labels of the
 * outermost ones. The file is written beside the target and renamed.
 */
int	 plot_svg(struct emb *, int, int, const char *, char **);
int	 plot_svg_map(const struct plot_map *, const char *, char **);

#endif
