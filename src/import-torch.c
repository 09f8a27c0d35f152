/*
 * import-torch.c: fastai exports, learn.save() files and state dicts.
 *
 * A torch file holds either a whole object (a fastai Learner, a fastai v1
 * export dict, a module) or a state dict. Either way this file first
 * gathers every tensor under its state dict name, then finds the
 * embeddings among them (Embedding modules, or names that say so), pairs
 * each with its bias, and finally looks for fastai's vocabularies,
 * continuous variables and target classes in the rest of the object.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "model.h"
#include "pickle.h"
#include "progress.h"
#include "pyvalue.h"
#include "torch.h"
#include "util.h"

#define IMPORT_TORCH_NESTING	64

/* One tensor of the state dict. */
struct itorch_tensor {
	char			*name;
	/* Class of its module. */
	const char		*owner;
	/* A module's own parameter. */
	int			 direct;
	struct torch_tensor	 t;
	int			 role;		/* ITORCH_* */
	/* The bias of an embedding. */
	size_t			 partner;
};

#define ITORCH_PLAIN	0
#define ITORCH_EMB	1
#define ITORCH_BIAS	2
#define ITORCH_PAIRED	3	/* a bias that found its embedding */

/* A vocabulary: a column name and its labels. */
struct itorch_vocab {
	char		*name;
	char		**labels;
	size_t		 n;
};

struct itorch {
	const char		*path;
	struct torch_file	*tf;
	struct pickle_node	*root;
	const struct pickle_node *module;	/* the model object, if any */
	const char		*what;		/* what the file is */

	struct itorch_tensor	*ts;
	size_t			 nts;

	struct itorch_vocab	*vocab;
	size_t			 nvocab;
	/* Vocabularies of a collab. */
	int			 collab_data;
	char			**cont;
	size_t			 ncont;
	const struct pickle_node *means;
	const struct pickle_node *stds;
	char			**classes;
	size_t			 nclasses;
	/* Bytes of tensors read. */
	struct progress		*pr;
	uint64_t		 done;
};

/* Frees everything gathered. */
static void
itorch_free(struct itorch *it)
{
	size_t	 i;

	for (i = 0; i < it->nts; i++)
		free(it->ts[i].name);
	free(it->ts);
	for (i = 0; i < it->nvocab; i++) {
		free(it->vocab[i].name);
		pyvalue_texts_free(it->vocab[i].labels, it->vocab[i].n);
	}
	free(it->vocab);
	pyvalue_texts_free(it->cont, it->ncont);
	pyvalue_texts_free(it->classes, it->nclasses);
	torch_close(it->tf);
}

/* The name of the class an object was made by, or "". */
static const char *
itorch_class_name(const struct pickle_node *nd)
{
	const struct pickle_node	*cls = pickle_class(nd);

	return (cls == NULL ? "" : cls->u.global.name);
}

/* Whether a string ends with a suffix. */
static int
itorch_ends(const char *s, const char *suffix)
{
	size_t	 n = strlen(s), k = strlen(suffix);

	return (n >= k && strcmp(s + n - k, suffix) == 0);
}

/* Whether an object looks like a torch module. */
static int
itorch_is_module(const struct pickle_node *nd)
{
	return (nd != NULL && nd->type == PICKLE_OBJECT &&
	    (pickle_attr(nd, "_parameters") != NULL ||
	    pickle_attr(nd, "_modules") != NULL));
}

/* Adds one tensor under its name, resolving its storage and view. */
static int
itorch_add(struct itorch *it, const char *name, const struct pickle_node *nd,
    const char *owner, int direct, char **cause)
{
	struct itorch_tensor	*t;
	char			*why = NULL;

	it->ts = xreallocarray(it->ts, it->nts + 1, sizeof *it->ts);
	t = &it->ts[it->nts];
	memset(t, 0, sizeof *t);
	if (torch_tensor(it->tf, nd, &t->t, &why) != 0) {
		util_fail(cause, "%s: %s: %s", it->path, name, why);
		free(why);
		return (-1);
	}
	t->name = xstrdup(name);
	t->owner = owner;
	t->direct = direct;
	it->nts++;
	return (0);
}

/* Adds the tensors of a dict of parameters or buffers. */
static int
itorch_add_dict(struct itorch *it, const char *prefix,
    const struct pickle_node *dict, const char *owner, int direct,
    char **cause)
{
	const struct pickle_node	*d = pickle_dict_of(dict), *k, *v;
	size_t				 i;
	char				*name;
	int				 r = 0;

	for (i = 0; d != NULL && i < d->u.dict.n && r == 0; i++) {
		k = d->u.dict.kv[2 * i];
		v = d->u.dict.kv[2 * i + 1];
		if (pickle_str(k) == NULL)
			continue;
		if (!torch_is_tensor(v)) {
			if (pickle_class(v) != NULL && strncmp(pickle_class(v)->
			    u.global.name, "_rebuild_", 9) == 0)
				return (util_fail(cause, "%s: %s%s: %s tensors "
				    "are not supported", it->path, prefix,
				    pickle_str(k), pickle_class(v)->
				    u.global.name + 9));
			continue;
		}
		name = xasprintf("%s%s", prefix, pickle_str(k));
		r = itorch_add(it, name, v, owner, direct, cause);
		free(name);
	}
	return (r);
}

/* Gathers a module's tensors in state dict order. */
static int
itorch_module(struct itorch *it, const char *prefix,
    const struct pickle_node *mod, int depth, char **cause)
{
	const struct pickle_node	*subs, *k, *v;
	const char			*cls = itorch_class_name(mod);
	size_t				 i;
	char				*sub;
	int				 r = 0;

	if (depth > IMPORT_TORCH_NESTING)
		return (util_fail(cause, "%s: modules nested deeper than %d",
		    it->path, IMPORT_TORCH_NESTING));
	if (itorch_add_dict(it, prefix, pickle_attr(mod, "_parameters"), cls,
	    1, cause) != 0 ||
	    itorch_add_dict(it, prefix, pickle_attr(mod, "_buffers"), cls, 0,
	    cause) != 0)
		return (-1);
	subs = pickle_dict_of(pickle_attr(mod, "_modules"));
	for (i = 0; subs != NULL && i < subs->u.dict.n && r == 0; i++) {
		k = subs->u.dict.kv[2 * i];
		v = subs->u.dict.kv[2 * i + 1];
		if (pickle_str(k) == NULL || !itorch_is_module(v))
			continue;
		sub = xasprintf("%s%s.", prefix, pickle_str(k));
		r = itorch_module(it, sub, v, depth + 1, cause);
		free(sub);
	}
	return (r);
}

/* Whether a dict-like value holds at least one tensor. */
static int
itorch_is_state_dict(const struct pickle_node *nd)
{
	const struct pickle_node	*d = pickle_dict_of(nd);
	size_t				 i;

	for (i = 0; d != NULL && i < d->u.dict.n; i++) {
		if (torch_is_tensor(d->u.dict.kv[2 * i + 1]))
			return (1);
	}
	return (0);
}

/* Finds the model or state dict in the saved object and gathers it. */
static int
itorch_gather(struct itorch *it, char **cause)
{
	const struct pickle_node	*root = it->root, *m;
	static const char		*keys[] = {
		"model", "state_dict", "model_state_dict", "module"
	};
	size_t				 i;

	m = NULL;
	if (itorch_is_module(root))
		m = root;
	else if (root->type == PICKLE_OBJECT &&
	    itorch_is_module(pickle_attr(root, "model")))
		m = pickle_attr(root, "model");
	for (i = 0; m == NULL && i < UTIL_NELEM(keys); i++) {
		m = pickle_dict_get(root, keys[i]);
		if (!itorch_is_module(m) && !itorch_is_state_dict(m))
			m = NULL;
	}
	if (m == NULL && itorch_is_state_dict(root))
		m = root;
	if (m == NULL)
		return (util_fail(cause, "%s: no model and no state dict in "
		    "this torch file", it->path));
	if (itorch_is_module(m)) {
		it->module = m;
		it->what = root == m ? "a whole module" : pickle_dict_get(root,
		    "model") == m ? "a fastai v1 export" : "a fastai export";
		return (itorch_module(it, "", m, 0, cause));
	}
	it->what = m == root ? "a state dict" : "a learn.save() file";
	return (itorch_add_dict(it, "", m, NULL, 0, cause));
}

/* The module path of a tensor name: "embeds.0" for "embeds.0.weight". */
static char *
itorch_base(const char *name)
{
	if (itorch_ends(name, ".weight"))
		return (xstrndup(name, strlen(name) - 7));
	return (xstrdup(name));
}

/* The last dotted component of a name. */
static const char *
itorch_last(const char *name)
{
	const char	*dot = strrchr(name, '.');

	return (dot == NULL ? name : dot + 1);
}

/*
 * Whether a base name says "embedding": embeds.N, anything with "emb",
 * X_weight (fastai's u_weight), X_factors, X_bias.
 */
static int
itorch_emb_name(const char *base)
{
	const char	*last = itorch_last(base), *p;
	size_t		 n = last - base;

	if (strstr(last, "emb") != NULL || itorch_ends(last, "_weight") ||
	    itorch_ends(last, "_factors") || itorch_ends(last, "_bias"))
		return (1);
	if (n < 7 || strncmp(last - 7, "embeds.", 7) != 0 ||
	    (n > 7 && last[-8] != '.') || *last == '\0')
		return (0);
	for (p = last; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return (0);
	}
	return (1);
}

/* Classifies each tensor as embedding, bias or plain weight. */
static void
itorch_classify(struct itorch *it)
{
	struct itorch_tensor	*t;
	char			*base;
	size_t			 i;
	int			 floaty, named, module_emb;

	for (i = 0; i < it->nts; i++) {
		t = &it->ts[i];
		floaty = t->t.dtype <= TORCH_BF16;
		base = itorch_base(t->name);
		named = itorch_emb_name(base);
		module_emb = t->owner != NULL &&
		    itorch_ends(t->owner, "Embedding") &&
		    strcmp(itorch_last(t->name), "weight") == 0;
		if (t->owner != NULL && !module_emb && !t->direct)
			named = 0;
		if (t->owner != NULL && !module_emb &&
		    itorch_ends(t->name, ".weight"))
			named = 0;
		t->role = ITORCH_PLAIN;
		if (floaty && (module_emb || named) && t->t.ndim == 2 &&
		    t->t.shape[0] > 0 && t->t.shape[1] > 0)
			t->role = ITORCH_EMB;
		if (floaty && named && itorch_ends(base, "_bias") &&
		    (t->t.ndim == 1 || (t->t.ndim == 2 && t->t.shape[1] == 1)))
			t->role = ITORCH_BIAS;
		free(base);
	}
}

/* The stem that pairs an embedding with its bias: "u" for "u_weight". */
static char *
itorch_stem(const char *name)
{
	static const char	*suffixes[] = {
		"_weight", "_factors", "_bias", "_embedding", "_emb"
	};
	char			*base = itorch_base(name);
	size_t			 i, n = strlen(base), k;

	for (i = 0; i < UTIL_NELEM(suffixes); i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcmp(base + n - k, suffixes[i]) == 0) {
			base[n - k] = '\0';
			break;
		}
	}
	return (base);
}

/* Whether a tensor name carried a suffix that itorch_stem removed. */
static int
itorch_has_stem(const char *name, const char *stem)
{
	char	*base = itorch_base(name);
	int	 r = strcmp(base, stem) != 0;

	free(base);
	return (r);
}

/* The bias of the same stem and rows as embedding i, or SIZE_MAX. */
static size_t
itorch_find_bias(struct itorch *it, size_t i)
{
	struct itorch_tensor	*e = &it->ts[i], *b;
	char			*se, *sb;
	size_t			 j, found = SIZE_MAX;

	se = itorch_stem(e->name);
	if (!itorch_has_stem(e->name, se)) {
		free(se);
		return (SIZE_MAX);
	}
	for (j = 0; j < it->nts && found == SIZE_MAX; j++) {
		b = &it->ts[j];
		if (b->role != ITORCH_BIAS || b->t.shape[0] != e->t.shape[0])
			continue;
		sb = itorch_stem(b->name);
		if (strcmp(se, sb) == 0)
			found = j;
		free(sb);
	}
	free(se);
	return (found);
}

/* Pairs each embedding with its bias; a lone 2-D bias is an embedding. */
static void
itorch_pair(struct itorch *it)
{
	struct itorch_tensor	*t;
	size_t			 i;

	for (i = 0; i < it->nts; i++) {
		t = &it->ts[i];
		t->partner = SIZE_MAX;
		if (t->role != ITORCH_EMB)
			continue;
		t->partner = itorch_find_bias(it, i);
		if (t->partner != SIZE_MAX)
			it->ts[t->partner].role = ITORCH_PAIRED;
	}
	for (i = 0; i < it->nts; i++) {
		t = &it->ts[i];
		if (t->role == ITORCH_BIAS)
			t->role = t->t.ndim == 2 ? ITORCH_EMB : ITORCH_PLAIN;
	}
}

/* What a walk over the saved object found of fastai's data handling. */
struct itorch_found {
	const struct pickle_node *classes;	/* {column: vocabulary} */
	const struct pickle_node *normalize;
	const struct pickle_node *target;	/* the target's vocabulary */
	const struct pickle_node *cont;		/* continuous names */
	int			 collab;
};

/* Notes the first Categorify, Normalize, Categorize and tabular data. */
static int
itorch_find(struct pickle_node *nd, void *arg)
{
	struct itorch_found	*f = arg;
	const char		*cls;

	if (nd->type != PICKLE_OBJECT || nd->state == NULL)
		return (0);
	cls = itorch_class_name(nd);
	if (f->classes == NULL && pickle_dict_of(pickle_attr(nd,
	    "classes")) != NULL && (strcmp(cls, "Categorify") == 0 ||
	    itorch_ends(cls, "Processor")) && strcmp(cls,
	    "CategoryProcessor") != 0) {
		f->classes = pickle_attr(nd, "classes");
		if (strcmp(cls, "CollabProcessor") == 0)
			f->collab = 1;
	}
	if (f->normalize == NULL && strcmp(cls, "Normalize") == 0 &&
	    pickle_attr(nd, "means") != NULL)
		f->normalize = nd;
	if (f->target == NULL && strcmp(cls, "Categorize") == 0)
		f->target = pickle_attr(nd, "vocab");
	if (f->target == NULL && strcmp(cls, "CategoryProcessor") == 0)
		f->target = pickle_attr(nd, "classes");
	if (f->cont == NULL && (itorch_ends(cls, "TabularPandas") ||
	    strcmp(cls, "TabularCollab") == 0 ||
	    itorch_ends(cls, "Processor")) &&
	    pickle_attr(nd, "cont_names") != NULL)
		f->cont = pickle_attr(nd, "cont_names");
	if (strcmp(cls, "TabularCollab") == 0)
		f->collab = 1;
	return (0);
}

/* Reads the vocabularies of a {column: labels} dictionary. */
static int
itorch_vocabs(struct itorch *it, const struct pickle_node *classes,
    char **cause)
{
	const struct pickle_node	*d = pickle_dict_of(classes), *k;
	struct itorch_vocab		*v;
	size_t				 i;
	char				*why = NULL;

	for (i = 0; d != NULL && i < d->u.dict.n; i++) {
		k = d->u.dict.kv[2 * i];
		if (pickle_str(k) == NULL)
			return (util_fail(cause, "%s: a vocabulary's column "
			    "name is a %s", it->path,
			    pickle_type_name(k->type)));
		it->vocab = xreallocarray(it->vocab, it->nvocab + 1,
		    sizeof *it->vocab);
		v = &it->vocab[it->nvocab];
		if (pyvalue_texts(d->u.dict.kv[2 * i + 1], &v->labels, &v->n,
		    &why) != 0) {
			util_fail(cause, "%s: vocabulary of %s: %s", it->path,
			    pickle_str(k), why);
			free(why);
			return (-1);
		}
		v->name = xstrdup(pickle_str(k));
		it->nvocab++;
	}
	return (0);
}

/* Reads what fastai knows about the data: vocabularies and the rest. */
static int
itorch_data(struct itorch *it, struct itorch_found *f, char **cause)
{
	char	*why = NULL;

	memset(f, 0, sizeof *f);
	pickle_walk(torch_pickle(it->tf), it->root, itorch_find, f);
	if (f->classes != NULL && itorch_vocabs(it, f->classes, cause) != 0)
		return (-1);
	it->collab_data = f->collab;
	if (f->cont != NULL && pyvalue_texts(f->cont, &it->cont, &it->ncont,
	    &why) != 0) {
		util_fail(cause, "%s: continuous names: %s", it->path, why);
		free(why);
		return (-1);
	}
	if (f->normalize != NULL) {
		it->means = pickle_attr(f->normalize, "means");
		it->stds = pickle_attr(f->normalize, "stds");
	}
	if (f->target != NULL && pyvalue_texts(f->target, &it->classes,
	    &it->nclasses, &why) != 0) {
		util_fail(cause, "%s: target classes: %s", it->path, why);
		free(why);
		return (-1);
	}
	return (0);
}

/* Reads the means and standard deviations of the continuous names. */
static void
itorch_cont(struct itorch *it, struct model *m)
{
	double	*mean = NULL, *std = NULL;
	char	**names;
	size_t	 i;

	if (it->ncont == 0)
		return;
	if (it->means != NULL && it->stds != NULL) {
		mean = xcalloc(it->ncont, sizeof *mean);
		std = xcalloc(it->ncont, sizeof *std);
		for (i = 0; i < it->ncont; i++) {
			if (pyvalue_number(pickle_dict_get(it->means,
			    it->cont[i]), &mean[i]) != 0 ||
			    pyvalue_number(pickle_dict_get(it->stds,
			    it->cont[i]), &std[i]) != 0)
				break;
		}
		if (i != it->ncont) {
			free(mean);
			free(std);
			mean = std = NULL;
		}
	}
	names = it->cont;
	it->cont = NULL;
	model_set_cont(m, it->ncont, names, mean, std);
	it->ncont = 0;
}

/* Finds the output range: a y_range attribute or a SigmoidRange. */
static int
itorch_y_range(struct pickle_node *nd, void *arg)
{
	struct model			*m = arg;
	const struct pickle_node	*r;
	double				 lo, hi;

	if (nd->type != PICKLE_OBJECT)
		return (0);
	r = pickle_attr(nd, "y_range");
	if (pickle_len(r) == 2 && pyvalue_number(pickle_item(r, 0), &lo) == 0 &&
	    pyvalue_number(pickle_item(r, 1), &hi) == 0)
		goto found;
	if (strcmp(itorch_class_name(nd), "SigmoidRange") == 0 &&
	    pyvalue_number(pickle_attr(nd, "low"), &lo) == 0 &&
	    pyvalue_number(pickle_attr(nd, "high"), &hi) == 0)
		goto found;
	return (0);
found:
	if (!(lo < hi))
		return (0);
	m->has_y_range = 1;
	m->y_range[0] = lo;
	m->y_range[1] = hi;
	return (1);
}

/* Reads a tensor's elements in the weight type that suits its dtype. */
static void *
itorch_read(struct itorch *it, const struct itorch_tensor *t,
    enum weight_type *type, char **cause)
{
	enum torch_out	 out;
	void		*data;
	char		*why = NULL;

	if (t->t.dtype <= TORCH_BF16) {
		*type = WEIGHT_F32;
		out = TORCH_OUT_F32;
	} else if (t->t.dtype == TORCH_U8 || t->t.dtype == TORCH_BOOL) {
		*type = WEIGHT_U8;
		out = TORCH_OUT_U8;
	} else {
		*type = WEIGHT_I64;
		out = TORCH_OUT_I64;
	}
	if ((data = torch_tensor_read(it->tf, &t->t, out, &why)) == NULL) {
		util_fail(cause, "%s: %s: %s", it->path, t->name, why);
		free(why);
	}
	it->done += torch_tensor_numel(&t->t) * torch_dtype_size(t->t.dtype);
	progress_update(it->pr, it->done);
	return (data);
}

/* Keeps every tensor as a weight under its state dict name. */
static int
itorch_weights(struct itorch *it, struct model *m, char **cause)
{
	struct itorch_tensor	*t;
	enum weight_type	 type;
	uint64_t		 shape[WEIGHT_MAXDIM];
	void			*data;
	size_t			 i;
	int			 d;

	for (i = 0; i < it->nts; i++) {
		t = &it->ts[i];
		if ((data = itorch_read(it, t, &type, cause)) == NULL)
			return (-1);
		for (d = 0; d < t->t.ndim; d++)
			shape[d] = t->t.shape[d];
		model_add_weight(m, t->name, type, t->t.ndim, shape, data);
	}
	return (0);
}

/* Whether a name is embeds.N; *n gets N. */
static int
itorch_embeds_index(const char *name, size_t *n)
{
	char	*end;

	if (strncmp(name, "embeds.", 7) != 0 ||
	    !isdigit((unsigned char)name[7]))
		return (0);
	*n = strtoul(name + 7, &end, 10);
	return (strcmp(end, ".weight") == 0);
}

/* Decides the model's kind from its class, data and embeddings. */
static enum model_kind
itorch_kind(struct itorch *it)
{
	const char	*cls = itorch_class_name(it->module);
	size_t		 i, n, paired = 0, embeds = 0, layers = 0;

	if (it->collab_data || strcmp(cls, "EmbeddingDotBias") == 0 ||
	    (strcmp(cls, "EmbeddingNN") == 0 &&
	    pickle_is_global(pickle_class(it->module), "fastai.collab",
	    "EmbeddingNN")))
		return (MODEL_COLLAB);
	for (i = 0; i < it->nts; i++) {
		if (it->ts[i].role == ITORCH_EMB &&
		    it->ts[i].partner != SIZE_MAX)
			paired++;
		if (it->ts[i].role == ITORCH_EMB &&
		    itorch_embeds_index(it->ts[i].name, &n))
			embeds++;
		if (strncmp(it->ts[i].name, "layers.", 7) == 0)
			layers++;
	}
	if (paired >= 2)
		return (MODEL_COLLAB);
	if (strcmp(cls, "TabularModel") == 0 || (embeds > 0 && layers > 0))
		return (MODEL_TABULAR);
	return (MODEL_VECTORS);
}

/* The vocabulary of the k-th embedding, or NULL when there is none. */
static struct itorch_vocab *
itorch_vocab_for(struct itorch *it, const struct itorch_tensor *t,
    size_t k)
{
	size_t	 n;

	if (it->nvocab == 0)
		return (NULL);
	if (itorch_embeds_index(t->name, &n) && n < it->nvocab)
		return (&it->vocab[n]);
	return (k < it->nvocab ? &it->vocab[k] : NULL);
}

/* Labels an embedding from its vocabulary, or by row number. */
static int
itorch_label(struct itorch *it, struct emb *e, const struct itorch_vocab *v,
    char **cause)
{
	char	*why = NULL;

	if (v == NULL) {
		emb_number_labels(e);
		return (0);
	}
	if (v->n != e->rows)
		return (util_fail(cause, "%s: %s has %zu rows, the vocabulary "
		    "of %s has %zu labels", it->path, e->weight_name, e->rows,
		    v->name, v->n));
	if (emb_set_labels(e, (const char *const *)v->labels, &why) != 0) {
		util_fail(cause, "%s: %s", it->path, why);
		free(why);
		return (-1);
	}
	if (v->n > 0 && strcmp(v->labels[0], "#na#") == 0)
		e->na_row = 0;
	return (0);
}

/* A copy of a weight's float32 data. */
static float *
itorch_floats(struct model *m, const char *name)
{
	struct weight	*w = model_find_weight(m, name);
	float		*f;

	f = xreallocarray(NULL, weight_count(w), sizeof *f);
	memcpy(f, w->data, weight_count(w) * sizeof *f);
	return (f);
}

/* The role of the k-th embedding of a model of the given kind. */
static enum emb_role
itorch_role(enum model_kind kind, size_t k)
{
	if (kind == MODEL_COLLAB)
		return (k == 0 ? ROLE_USER : k == 1 ? ROLE_ITEM :
		    ROLE_CATEGORICAL);
	return (kind == MODEL_TABULAR ? ROLE_CATEGORICAL : ROLE_VECTOR);
}

/* Makes the model's embeddings from the tensors found to be ones. */
static int
itorch_embs(struct itorch *it, struct model *m, char **cause)
{
	struct itorch_tensor	*t, *b;
	struct itorch_vocab	*v;
	struct emb		*e;
	size_t			 i, k = 0, nemb = 0;
	char			*base;

	for (i = 0; i < it->nts; i++)
		nemb += it->ts[i].role == ITORCH_EMB;
	if (it->nvocab != 0 && it->nvocab != nemb)
		return (util_fail(cause, "%s: %zu embeddings but %zu "
		    "vocabularies, cannot tell which is which", it->path, nemb,
		    it->nvocab));
	for (i = 0; i < it->nts; i++) {
		t = &it->ts[i];
		if (t->role != ITORCH_EMB)
			continue;
		v = itorch_vocab_for(it, t, k);
		base = itorch_base(t->name);
		e = model_add_emb(m, v != NULL ? v->name : base,
		    itorch_role(m->kind, k++), t->t.shape[0], t->t.shape[1]);
		free(base);
		e->weight_name = xstrdup(t->name);
		e->matrix = itorch_floats(m, t->name);
		if (t->partner != SIZE_MAX) {
			b = &it->ts[t->partner];
			e->bias_name = xstrdup(b->name);
			e->bias = itorch_floats(m, b->name);
			e->has_bias = 1;
		}
		if (itorch_label(it, e, v, cause) != 0)
			return (-1);
	}
	return (0);
}

/* The model's name: the file's name without folder or extension. */
static char *
itorch_stem_of_path(const char *path)
{
	const char	*base = strrchr(path, '/'), *dot;

	base = base == NULL ? path : base + 1;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return (xstrdup(base));
	return (xstrndup(base, dot - base));
}

/* Builds the model set from what was gathered. */
static struct model_set *
itorch_build(struct itorch *it, const struct import_opts *opts,
    char **cause)
{
	struct model_set	*ms;
	struct model		*m;
	char			*name, *why = NULL;

	ms = model_set_new();
	ms->path = xstrdup(it->path);
	name = opts != NULL && opts->name != NULL ? xstrdup(opts->name) :
	    itorch_stem_of_path(it->path);
	m = model_set_add(ms, name, itorch_kind(it));
	free(name);
	free(m->source);
	m->source = xasprintf("%s, %s (torch %s format)", it->path, it->what,
	    torch_format(it->tf));
	if (itorch_weights(it, m, cause) != 0 || itorch_embs(it, m,
	    cause) != 0)
		goto fail;
	itorch_cont(it, m);
	if (it->nclasses != 0) {
		model_set_classes(m, it->nclasses, it->classes);
		it->classes = NULL;
		it->nclasses = 0;
	}
	if (it->module != NULL)
		pickle_walk(torch_pickle(it->tf), (struct pickle_node *)
		    it->module, itorch_y_range, m);
	if (model_validate(m, &why) != 0) {
		util_fail(cause, "%s: %s", it->path, why);
		free(why);
		goto fail;
	}
	return (ms);
fail:
	model_set_free(ms);
	return (NULL);
}

/* Reads a torch file: fastai v1/v2 exports, learn.save(), state dicts. */
struct model_set *
import_torch(const char *path, const struct import_opts *opts, char **cause)
{
	struct itorch		 it;
	struct itorch_found	 found;
	struct model_set	*ms = NULL;
	uint64_t		 bytes;
	const char		*base;

	memset(&it, 0, sizeof it);
	it.path = path;
	if ((it.tf = torch_open(path, NULL, cause)) == NULL)
		return (NULL);
	it.root = torch_root(it.tf);
	torch_storages(it.tf, &bytes);
	base = strrchr(path, '/');
	it.pr = progress_start(base != NULL ? base + 1 : path, NULL, bytes,
	    opts != NULL && opts->progress);
	if (itorch_gather(&it, cause) == 0 && itorch_data(&it, &found,
	    cause) == 0) {
		itorch_classify(&it);
		itorch_pair(&it);
		ms = itorch_build(&it, opts, cause);
	}
	progress_end(it.pr);
	itorch_free(&it);
	return (ms);
}
