/*
 * model.h: models and embeddings in memory.
 *
 * A model set is what a store file or an importer yields: one or more
 * models, each with its embeddings (a float32 matrix of rows x dim, one
 * label per row, an optional bias), model-level facts and every trained
 * weight under its original name.
 *
 * An embedding read from a store is lazy: its shape, role and names are
 * known at once, its matrix, labels and bias are read on first use
 * through the backing hooks (see store.c). An imported embedding has them
 * in memory from the start and no backing.
 */
#ifndef EMBREPL_MODEL_H
#define EMBREPL_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum model_kind {
	MODEL_TABULAR,
	MODEL_COLLAB,
	MODEL_VECTORS
};

enum emb_role {
	ROLE_CATEGORICAL,
	ROLE_USER,
	ROLE_ITEM,
	ROLE_VECTOR
};

enum weight_type {
	WEIGHT_F32,
	WEIGHT_F64,
	WEIGHT_I64,
	WEIGHT_U8
};

#define WEIGHT_MAXDIM 8

/* A trained tensor under its original name ("embeds.0.weight"). */
struct weight {
	char			*name;
	enum weight_type	 type;
	int			 ndim;
	uint64_t		 shape[WEIGHT_MAXDIM];
	void			*data;	/* NULL when not loaded */
};

struct emb;

/* How a lazy embedding reaches its file; store.c fills these. */
struct emb_backing {
	int	(*matrix)(struct emb *, char **);
	int	(*labels)(struct emb *, char **);
	int	(*bias)(struct emb *, char **);
	int	(*rows)(struct emb *, size_t, size_t, float *, char **);
	long	(*find)(struct emb *, const char *, char **);
	char	*(*label)(struct emb *, size_t, char **);
	void	(*free)(struct emb *);
	void	*data;
};

struct emb {
	/* "workclass", "users", "items". */
	char		*name;
	enum emb_role	 role;
	/* Original tensor name, or NULL. */
	char		*weight_name;
	/* Original bias tensor name, or NULL. */
	char		*bias_name;
	size_t		 rows;
	size_t		 dim;
	/* 0 for fastai's #na#, -1 if none. */
	long		 na_row;
	int		 has_bias;

	/* Rows x dim, row-major, or NULL. */
	float		*matrix;
	float		*bias;		/* rows, or NULL */

	/* Labels: one blob of NUL-terminated UTF-8 strings. */
	char		*label_blob;
	/* Rows offsets into label_blob. */
	size_t		*label_off;
	/* Row + 1 per slot, 0 when empty (doc/store-format.md). */
	int64_t		*label_hash;
	size_t		 label_nhash;

	struct emb_backing *backing;
	/* Single labels read lazily. */
	char		*label_ring[16];
	size_t		 label_ring_at;
	/* Cached row norms, or NULL. */
	double		*norms;
};

struct model {
	char		*name;
	enum model_kind	 kind;
	char		*source;	/* where it came from, free text */

	size_t		 nemb;
	struct emb	**embs;

	size_t		 ncont;		/* continuous variables */
	char		**cont_names;
	double		*cont_mean;	/* NULL when unknown */
	double		*cont_std;

	size_t		 nclasses;	/* target classes */
	char		**classes;
	int		 has_y_range;
	double		 y_range[2];

	size_t		 nweights;
	struct weight	*weights;
};

struct model_set {
	/* File it came from, or NULL. */
	char		*path;
	size_t		 nmodels;
	struct model	**models;
	void		*backing;	/* open store, see store.c */
	void		(*close)(struct model_set *);
};

const char	*model_kind_name(enum model_kind);
int		 model_kind_parse(const char *, enum model_kind *);
const char	*emb_role_name(enum emb_role);
int		 emb_role_parse(const char *, enum emb_role *);

struct model_set *model_set_new(void);
void		 model_set_free(struct model_set *);
struct model	*model_set_add(struct model_set *, const char *,
		    enum model_kind);
struct model	*model_set_find(struct model_set *, const char *);
/* Moves every model of src to the end of dst and frees src. */
void		 model_set_merge(struct model_set *, struct model_set *);

struct emb	*model_add_emb(struct model *, const char *, enum emb_role,
		    size_t, size_t);
struct emb	*model_find_emb(struct model *, const char *);
struct weight	*model_add_weight(struct model *, const char *,
		    enum weight_type, int, const uint64_t *, void *);
struct weight	*model_find_weight(struct model *, const char *);
void		 model_set_cont(struct model *, size_t, char **, double *,
		    double *);
void		 model_set_classes(struct model *, size_t, char **);

/*
 * Labels. emb_set_labels takes n UTF-8 strings (NULL labels the row by
 * its number) and fails on duplicates or on text that is not UTF-8.
 */
int		 emb_set_labels(struct emb *, const char *const *, char **);
void		 emb_number_labels(struct emb *);
const char	*emb_label(struct emb *, size_t);
long		 emb_find(struct emb *, const char *, char **);

/*
 * An embedding larger than this many rows reads single labels from its
 * file rather than every label, when a command needs only a few.
 */
#define EMB_LAZY_LABELS	200000

/* On-demand access; each returns -1 with a cause on failure. */
int		 emb_load(struct emb *, char **);
int		 emb_load_labels(struct emb *, char **);
int		 emb_load_bias(struct emb *, char **);
int		 emb_row(struct emb *, size_t, float *, char **);
int		 emb_rows(struct emb *, size_t, size_t, float *, char **);
void		 emb_free(struct emb *);

/* Checks one model: shapes agree, labels unique, sizes sane. */
int		 model_validate(struct model *, char **);

size_t		 weight_count(const struct weight *);
size_t		 weight_type_size(enum weight_type);

#endif
