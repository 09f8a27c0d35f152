/*
 * ui.h: the full-screen views, browse, neighbours and the PCA map.
 *
 * This header knows no curses: the prompt calls these and only the ui-*
 * files include the curses header. Every view returns 0 after q (or
 * Ctrl-C) with the terminal as it found it, and -1 with a cause when it
 * could not open or could not read what it shows.
 */
#ifndef EMBREPL_UI_H
#define EMBREPL_UI_H

#include <stddef.h>

#include "knn.h"
#include "model.h"

struct ui_ctx {
	struct model	*model;		/* the embedding's model */
	/* Locale is UTF-8: braille, boxes. */
	int		 utf8;
	int		 color;		/* colours allowed */
	enum knn_metric	 metric;	/* of the neighbours view */
	/* Neighbours to show, default 20. */
	size_t		 k;
};

/* Tells whether a view can open: terminals both ways, TERM not dumb. */
int	 ui_available(void);

/* Fills the context from the locale and NO_COLOR; cosine, k of 20. */
void	 ui_ctx_init(struct ui_ctx *, struct model *);

/* Browses one embedding: `view VAR`. */
int	 ui_view(struct emb *, struct ui_ctx *, char **);

/* Shows the nearest rows of one row and walks between them. */
int	 ui_neighbours(struct emb *, size_t, struct ui_ctx *, char **);

/* Maps the rows on components cx and cy (0-based): `plot VAR [CX CY]`. */
int	 ui_plot(struct emb *, int, int, struct ui_ctx *, char **);

#endif
