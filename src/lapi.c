/*
 * lapi.c: the embrepl module for Lua 5.4 and the session's Lua state.
 *
 * Handles work like the files of Lua's io library. A store handle owns the
 * model set it opened, or borrows the session's, and can be closed; model
 * and embedding handles hold their store handle in a user value and check
 * on every use that it is still open and still holds them, so a stale
 * handle raises a clean error instead of reading freed memory.
 */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bias.h"
#include "cmd.h"
#include "import.h"
#include "knn.h"
#include "lapi.h"
#include "out.h"
#include "pca.h"
#include "repl.h"
#include "text.h"
#include "ui.h"
#include "util.h"

#ifndef EMBREPL_LUADIR
#define EMBREPL_LUADIR "/usr/local/share/embrepl/lua"
#endif

#define LAPI_STORE	"embrepl.store"
#define LAPI_MODEL	"embrepl.model"
#define LAPI_EMB	"embrepl.embedding"
#define LAPI_VECTOR	"embrepl.vector"
#define LAPI_BOX	"embrepl.box"

/* Instructions between interrupt checks. */
#define LAPI_HOOK_COUNT	1000
#define LAPI_SHOW	6	/* vector values shown by tostring */
#define LAPI_TOPITEMS	200	/* entries printed of a result table */
#define LAPI_SUBITEMS	16	/* entries printed of a nested table */

struct lapi_store {
	struct model_set *set;		/* NULL once closed */
	/* Opened from Lua: closing frees it. */
	int		  owned;
};

struct lapi_model {
	struct model	*m;
};

struct lapi_emb {
	struct model	*m;
	struct emb	*e;
};

struct lapi_vec {
	size_t		 n;
	float		 v[];
};

/* C memory that the garbage collector frees if an error unwinds. */
struct lapi_box {
	void		*p;
	void		(*free)(void *);
};

struct lapi_buf {
	char		*p;
	size_t		 len;
	size_t		 size;
};

static char	lapi_repl_key;		/* registry: the session */
static int	lapi_depth;		/* protected calls running */

/* Returns the session the state belongs to. */
static struct repl *
lapi_repl(lua_State *L)
{
	struct repl	*r;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lapi_repl_key);
	r = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return (r);
}

/* Returns nil and a cause, freeing it: an expected failure. */
static int
lapi_fail(lua_State *L, char *cause)
{
	luaL_pushfail(L);
	lua_pushstring(L, cause != NULL ? cause : "failed");
	free(cause);
	return (2);
}

/* Frees a boxed pointer once. */
static int
lapi_box_gc(lua_State *L)
{
	struct lapi_box	*b = luaL_checkudata(L, 1, LAPI_BOX);

	if (b->p != NULL)
		b->free(b->p);
	b->p = NULL;
	return (0);
}

/* Pushes a box that frees p with fn when collected. */
static struct lapi_box *
lapi_box(lua_State *L, void *p, void (*fn)(void *))
{
	struct lapi_box	*b;

	b = lua_newuserdatauv(L, sizeof *b, 0);
	b->p = NULL;
	luaL_setmetatable(L, LAPI_BOX);
	b->p = p;
	b->free = fn;
	return (b);
}

/* Pushes n items of size sz of scratch memory that Lua collects. */
static void *
lapi_scratch(lua_State *L, size_t n, size_t sz)
{
	size_t	 total;

	if (util_mul(n, sz, &total) != 0)
		luaL_error(L, "not enough memory");
	return (lua_newuserdatauv(L, total == 0 ? 1 : total, 0));
}

/* Pushes a copy of s escaped for a terminal. */
static const char *
lapi_pushescaped(lua_State *L, const char *s)
{
	char		*esc;
	const char	*out;

	esc = text_escape(s);
	lua_pushstring(L, esc);
	free(esc);
	out = lua_tostring(L, -1);
	return (out);
}

/* Frees a growing buffer. */
static void
lapi_buf_free(void *p)
{
	struct lapi_buf	*b = p;

	free(b->p);
	free(b);
}

/* Pushes a new empty buffer, boxed. */
static struct lapi_buf *
lapi_buf_new(lua_State *L)
{
	struct lapi_buf	*b;

	b = xcalloc(1, sizeof *b);
	lapi_box(L, b, lapi_buf_free);
	return (b);
}

/* Appends len bytes to a buffer. */
static void
lapi_buf_add(struct lapi_buf *b, const char *s, size_t len)
{
	if (b->size - b->len <= len) {
		b->size = (b->len + len) * 2 + 64;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

/* Appends a string to a buffer. */
static void
lapi_buf_str(struct lapi_buf *b, const char *s)
{
	lapi_buf_add(b, s, strlen(s));
}

/* Appends a string quoted and escaped, as the results show labels. */
static void
lapi_buf_quoted(struct lapi_buf *b, const char *s)
{
	char	*esc, *p;

	esc = text_escape(s);
	lapi_buf_add(b, "\"", 1);
	for (p = esc; *p != '\0'; p++) {
		if (*p == '"')
			lapi_buf_add(b, "\\", 1);
		lapi_buf_add(b, p, 1);
	}
	lapi_buf_add(b, "\"", 1);
	free(esc);
}

/*
 * Stores, models and embeddings.
 */

/* Returns a store's set, or NULL when it was closed or the session let go. */
static struct model_set *
lapi_store_live(lua_State *L, struct lapi_store *s)
{
	struct repl	*r;

	if (s->set != NULL && !s->owned) {
		r = lapi_repl(L);
		if (r == NULL || r->set != s->set)
			s->set = NULL;
	}
	return (s->set);
}

/* Checks that argument idx is an open store. */
static struct lapi_store *
lapi_checkstore(lua_State *L, int idx)
{
	struct lapi_store *s = luaL_checkudata(L, idx, LAPI_STORE);

	if (lapi_store_live(L, s) == NULL)
		luaL_error(L, "attempt to use a closed store");
	return (s);
}

/* Pushes a store handle; owned ones free their set when closed. */
static struct lapi_store *
lapi_pushstore(lua_State *L, struct model_set *set, int owned)
{
	struct lapi_store *s;

	s = lua_newuserdatauv(L, sizeof *s, 0);
	s->set = NULL;
	s->owned = owned;
	luaL_setmetatable(L, LAPI_STORE);
	s->set = set;
	return (s);
}

/* Tells whether a set still holds model m. */
static int
lapi_has_model(struct model_set *set, struct model *m)
{
	size_t	 i;

	for (i = 0; i < set->nmodels; i++) {
		if (set->models[i] == m)
			return (1);
	}
	return (0);
}

/* Tells whether a model still holds embedding e. */
static int
lapi_has_emb(struct model *m, struct emb *e)
{
	size_t	 i;

	for (i = 0; i < m->nemb; i++) {
		if (m->embs[i] == e)
			return (1);
	}
	return (0);
}

/* Returns the open set behind a handle at idx, or NULL. */
static struct model_set *
lapi_owner(lua_State *L, int idx)
{
	struct lapi_store *s;

	lua_getiuservalue(L, idx, 1);
	s = luaL_testudata(L, -1, LAPI_STORE);
	lua_pop(L, 1);
	return (s != NULL ? lapi_store_live(L, s) : NULL);
}

/* Checks that argument idx is a model of an open store. */
static struct model *
lapi_checkmodel(lua_State *L, int idx)
{
	struct lapi_model *h = luaL_checkudata(L, idx, LAPI_MODEL);
	struct model_set *set;

	set = lapi_owner(L, idx);
	if (set == NULL || !lapi_has_model(set, h->m))
		luaL_error(L, "attempt to use a model of a closed store");
	return (h->m);
}

/* Checks that argument idx is an embedding of an open store. */
static struct emb *
lapi_checkemb(lua_State *L, int idx)
{
	struct lapi_emb	*h = luaL_checkudata(L, idx, LAPI_EMB);
	struct model_set *set;

	set = lapi_owner(L, idx);
	if (set == NULL || !lapi_has_model(set, h->m) ||
	    !lapi_has_emb(h->m, h->e))
		luaL_error(L, "attempt to use an embedding of a closed store");
	return (h->e);
}

/* Pushes a model handle that keeps the store at sidx alive. */
static void
lapi_pushmodel(lua_State *L, int sidx, struct model *m)
{
	struct lapi_model *h;

	sidx = lua_absindex(L, sidx);
	h = lua_newuserdatauv(L, sizeof *h, 1);
	h->m = m;
	luaL_setmetatable(L, LAPI_MODEL);
	lua_pushvalue(L, sidx);
	lua_setiuservalue(L, -2, 1);
}

/* Pushes an embedding handle that keeps the store at sidx alive. */
static void
lapi_pushemb(lua_State *L, int sidx, struct model *m, struct emb *e)
{
	struct lapi_emb	*h;

	sidx = lua_absindex(L, sidx);
	h = lua_newuserdatauv(L, sizeof *h, 1);
	h->m = m;
	h->e = e;
	luaL_setmetatable(L, LAPI_EMB);
	lua_pushvalue(L, sidx);
	lua_setiuservalue(L, -2, 1);
}

/* Lists names joined by ", " for a message, escaped. */
static const char *
lapi_pushnames(lua_State *L, struct model_set *set)
{
	luaL_Buffer	 b;
	size_t		 i;
	char		*esc;

	luaL_buffinit(L, &b);
	for (i = 0; i < set->nmodels; i++) {
		esc = text_escape(set->models[i]->name);
		if (i > 0)
			luaL_addstring(&b, ", ");
		luaL_addstring(&b, esc);
		free(esc);
	}
	luaL_pushresult(&b);
	return (lua_tostring(L, -1));
}

/* embrepl.open(path [, {vocab=, labels=, name=}]): opens any model file. */
static int
lapi_open(lua_State *L)
{
	const char		*path = luaL_checkstring(L, 1);
	struct import_opts	 opts;
	struct lapi_store	*s;
	char			*cause = NULL;

	memset(&opts, 0, sizeof opts);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "vocab");
		opts.vocab = lua_tostring(L, -1);
		lua_getfield(L, 2, "labels");
		opts.labels = lua_tostring(L, -1);
		lua_getfield(L, 2, "name");
		opts.name = lua_tostring(L, -1);
	}
	s = lapi_pushstore(L, NULL, 1);
	if ((s->set = import_open(path, &opts, &cause)) == NULL) {
		lapi_pushescaped(L, path);
		lapi_fail(L, xasprintf("%s: %s", lua_tostring(L, -1), cause));
		free(cause);
		return (2);
	}
	return (1);
}

/* embrepl.store(): the session's store, or nil. */
static int
lapi_session_store(lua_State *L)
{
	struct repl	*r = lapi_repl(L);

	if (r == NULL || r->set == NULL) {
		luaL_pushfail(L);
		return (1);
	}
	lapi_pushstore(L, r->set, 0);
	return (1);
}

/* embrepl.model(): the session's current model, or nil. */
static int
lapi_session_model(lua_State *L)
{
	struct repl	*r = lapi_repl(L);

	if (r == NULL || r->set == NULL || r->model == NULL ||
	    !lapi_has_model(r->set, r->model)) {
		luaL_pushfail(L);
		return (1);
	}
	lapi_pushstore(L, r->set, 0);
	lapi_pushmodel(L, -1, r->model);
	return (1);
}

/* embrepl.var(name): an embedding of the session's model, or nil, msg. */
static int
lapi_session_var(lua_State *L)
{
	struct repl	*r = lapi_repl(L);
	const char	*name = luaL_checkstring(L, 1);
	struct emb	*e;

	if (r == NULL || r->set == NULL || r->model == NULL ||
	    !lapi_has_model(r->set, r->model))
		return (lapi_fail(L, xstrdup("no model in use")));
	if ((e = model_find_emb(r->model, name)) == NULL) {
		lapi_pushescaped(L, name);
		return (lapi_fail(L, xasprintf("%s: no variable '%s' (try "
		    "'vars')", r->model->name, lua_tostring(L, -1))));
	}
	lapi_pushstore(L, r->set, 0);
	lapi_pushemb(L, -1, r->model, e);
	return (1);
}

/* store:models(): the names of its models, in order. */
static int
lapi_store_models(lua_State *L)
{
	struct lapi_store *s = lapi_checkstore(L, 1);
	size_t		 i;

	lua_createtable(L, (int)s->set->nmodels, 0);
	for (i = 0; i < s->set->nmodels; i++) {
		lua_pushstring(L, s->set->models[i]->name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return (1);
}

/* store:model([name]): a model handle (the first when unnamed). */
static int
lapi_store_model(lua_State *L)
{
	struct lapi_store *s = lapi_checkstore(L, 1);
	const char	*name = luaL_optstring(L, 2, NULL);
	struct model	*m;

	if (name == NULL)
		m = s->set->nmodels > 0 ? s->set->models[0] : NULL;
	else
		m = model_set_find(s->set, name);
	if (m == NULL) {
		lapi_pushescaped(L, name != NULL ? name : "");
		lapi_pushnames(L, s->set);
		return (lapi_fail(L, xasprintf("no model '%s' (models: %s)",
		    lua_tostring(L, -2), lua_tostring(L, -1))));
	}
	lapi_pushmodel(L, 1, m);
	return (1);
}

/* store:close(): frees the store if this handle opened it. */
static int
lapi_store_close(lua_State *L)
{
	struct lapi_store *s = lapi_checkstore(L, 1);

	if (s->owned)
		model_set_free(s->set);
	s->set = NULL;
	lua_pushboolean(L, 1);
	return (1);
}

/* Closes a store when collected or when its to-be-closed scope ends. */
static int
lapi_store_gc(lua_State *L)
{
	struct lapi_store *s = luaL_checkudata(L, 1, LAPI_STORE);

	if (s->set != NULL && s->owned)
		model_set_free(s->set);
	s->set = NULL;
	return (0);
}

/* Names a store: its file and how many models it holds. */
static int
lapi_store_tostring(lua_State *L)
{
	struct lapi_store *s = luaL_checkudata(L, 1, LAPI_STORE);
	struct model_set *set = lapi_store_live(L, s);
	size_t		 n;

	if (set == NULL) {
		lua_pushliteral(L, LAPI_STORE " (closed)");
		return (1);
	}
	n = set->nmodels;
	if (set->path != NULL) {
		lapi_pushescaped(L, set->path);
		lua_pushfstring(L, LAPI_STORE " (%s, %d model%s)",
		    lua_tostring(L, -1), (int)n, n == 1 ? "" : "s");
	} else
		lua_pushfstring(L, LAPI_STORE " (%d model%s)", (int)n,
		    n == 1 ? "" : "s");
	return (1);
}

/* Looks a method up in the table at upvalue 1; pushes it when found. */
static int
lapi_method(lua_State *L)
{
	if (lua_type(L, 2) != LUA_TSTRING)
		return (0);
	if (lua_getfield(L, lua_upvalueindex(1), lua_tostring(L, 2)) !=
	    LUA_TNIL)
		return (1);
	lua_pop(L, 1);
	return (0);
}

/* Indexes a store: methods, then store.path. */
static int
lapi_store_index(lua_State *L)
{
	struct lapi_store *s;
	const char	*k;

	if (lapi_method(L))
		return (1);
	s = lapi_checkstore(L, 1);
	k = luaL_checkstring(L, 2);
	if (strcmp(k, "path") == 0 && s->set->path != NULL)
		lua_pushstring(L, s->set->path);
	else
		lua_pushnil(L);
	return (1);
}

/* Pushes a list of strings. */
static void
lapi_pushstrings(lua_State *L, char **v, size_t n)
{
	size_t	 i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Pushes a model's continuous variables as {name=, mean=, std=}. */
static void
lapi_pushcont(lua_State *L, struct model *m)
{
	size_t	 i;

	lua_createtable(L, (int)m->ncont, 0);
	for (i = 0; i < m->ncont; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, m->cont_names[i]);
		lua_setfield(L, -2, "name");
		if (m->cont_mean != NULL) {
			lua_pushnumber(L, m->cont_mean[i]);
			lua_setfield(L, -2, "mean");
		}
		if (m->cont_std != NULL) {
			lua_pushnumber(L, m->cont_std[i]);
			lua_setfield(L, -2, "std");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Indexes a model: methods, then its facts. */
static int
lapi_model_index(lua_State *L)
{
	struct model	*m;
	const char	*k;

	if (lapi_method(L))
		return (1);
	m = lapi_checkmodel(L, 1);
	k = luaL_checkstring(L, 2);
	if (strcmp(k, "name") == 0)
		lua_pushstring(L, m->name);
	else if (strcmp(k, "kind") == 0)
		lua_pushstring(L, model_kind_name(m->kind));
	else if (strcmp(k, "source") == 0 && m->source != NULL)
		lua_pushstring(L, m->source);
	else if (strcmp(k, "classes") == 0 && m->nclasses > 0)
		lapi_pushstrings(L, m->classes, m->nclasses);
	else if (strcmp(k, "y_range") == 0 && m->has_y_range) {
		lua_createtable(L, 2, 0);
		lua_pushnumber(L, m->y_range[0]);
		lua_rawseti(L, -2, 1);
		lua_pushnumber(L, m->y_range[1]);
		lua_rawseti(L, -2, 2);
	} else if (strcmp(k, "continuous") == 0)
		lapi_pushcont(L, m);
	else if (strcmp(k, "store") == 0)
		lua_getiuservalue(L, 1, 1);
	else
		lua_pushnil(L);
	return (1);
}

/* model:vars(): the names of its embeddings, in order. */
static int
lapi_model_vars(lua_State *L)
{
	struct model	*m = lapi_checkmodel(L, 1);
	size_t		 i;

	lua_createtable(L, (int)m->nemb, 0);
	for (i = 0; i < m->nemb; i++) {
		lua_pushstring(L, m->embs[i]->name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return (1);
}

/* model:var(name): an embedding handle, or nil, message. */
static int
lapi_model_var(lua_State *L)
{
	struct model	*m = lapi_checkmodel(L, 1);
	const char	*name = luaL_checkstring(L, 2);
	struct emb	*e;

	if ((e = model_find_emb(m, name)) == NULL) {
		lapi_pushescaped(L, name);
		return (lapi_fail(L, xasprintf("%s: no variable '%s'",
		    m->name, lua_tostring(L, -1))));
	}
	lua_getiuservalue(L, 1, 1);
	lapi_pushemb(L, -1, m, e);
	return (1);
}

/* Names a model. */
static int
lapi_model_tostring(lua_State *L)
{
	struct lapi_model *h = luaL_checkudata(L, 1, LAPI_MODEL);
	struct model_set *set = lapi_owner(L, 1);

	if (set == NULL || !lapi_has_model(set, h->m)) {
		lua_pushliteral(L, LAPI_MODEL " (closed)");
		return (1);
	}
	lapi_pushescaped(L, h->m->name);
	lua_pushfstring(L, LAPI_MODEL " (%s, %s, %d variable%s)",
	    lua_tostring(L, -1), model_kind_name(h->m->kind),
	    (int)h->m->nemb, h->m->nemb == 1 ? "" : "s");
	return (1);
}

/*
 * Vectors.
 */

/* Checks that argument idx is a vector. */
static struct lapi_vec *
lapi_checkvec(lua_State *L, int idx)
{
	return (luaL_checkudata(L, idx, LAPI_VECTOR));
}

/* Pushes a new vector of n zeros. */
static struct lapi_vec *
lapi_newvec(lua_State *L, size_t n)
{
	struct lapi_vec	*v;
	size_t		 size;

	if (util_mul(n, sizeof v->v[0], &size) != 0 ||
	    size > SIZE_MAX - sizeof *v)
		luaL_error(L, "vector: %d values is too many", (int)n);
	v = lua_newuserdatauv(L, sizeof *v + size, 0);
	v->n = n;
	memset(v->v, 0, size);
	luaL_setmetatable(L, LAPI_VECTOR);
	return (v);
}

/* Raises an error unless two vectors have the same length. */
static void
lapi_samedim(lua_State *L, struct lapi_vec *a, struct lapi_vec *b)
{
	if (a->n != b->n)
		luaL_error(L, "vector dimensions differ: %d and %d",
		    (int)a->n, (int)b->n);
}

/* embrepl.vector(n | {values} | vector): a new vector. */
static int
lapi_vector(lua_State *L)
{
	struct lapi_vec	*v, *w;
	lua_Integer	 n, i;

	if (lua_type(L, 1) == LUA_TNUMBER) {
		n = luaL_checkinteger(L, 1);
		luaL_argcheck(L, n >= 1, 1, "length must be positive");
		lapi_newvec(L, (size_t)n);
		return (1);
	}
	if ((w = luaL_testudata(L, 1, LAPI_VECTOR)) != NULL) {
		v = lapi_newvec(L, w->n);
		memcpy(v->v, w->v, w->n * sizeof v->v[0]);
		return (1);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	n = luaL_len(L, 1);
	luaL_argcheck(L, n >= 1, 1, "empty table");
	v = lapi_newvec(L, (size_t)n);
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, 1, i) != LUA_TNUMBER)
			return (luaL_error(L, "vector: value %d is not a "
			    "number", (int)i));
		v->v[i - 1] = (float)lua_tonumber(L, -1);
		lua_pop(L, 1);
	}
	return (1);
}

/* Adds or subtracts two vectors. */
static int
lapi_vec_addsub(lua_State *L, double sign)
{
	struct lapi_vec	*a = lapi_checkvec(L, 1);
	struct lapi_vec	*b = lapi_checkvec(L, 2);
	struct lapi_vec	*c;
	size_t		 i;

	lapi_samedim(L, a, b);
	c = lapi_newvec(L, a->n);
	for (i = 0; i < a->n; i++)
		c->v[i] = (float)((double)a->v[i] + sign * b->v[i]);
	return (1);
}

/* v + w. */
static int
lapi_vec_add(lua_State *L)
{
	return (lapi_vec_addsub(L, 1.0));
}

/* v - w. */
static int
lapi_vec_sub(lua_State *L)
{
	return (lapi_vec_addsub(L, -1.0));
}

/* Pushes v scaled by s. */
static int
lapi_vec_scale(lua_State *L, struct lapi_vec *v, double s)
{
	struct lapi_vec	*c;
	size_t		 i;

	c = lapi_newvec(L, v->n);
	for (i = 0; i < v->n; i++)
		c->v[i] = (float)(v->v[i] * s);
	return (1);
}

/* v * s and s * v. */
static int
lapi_vec_mul(lua_State *L)
{
	struct lapi_vec	*v;

	if (lua_type(L, 1) == LUA_TNUMBER &&
	    (v = luaL_testudata(L, 2, LAPI_VECTOR)) != NULL)
		return (lapi_vec_scale(L, v, lua_tonumber(L, 1)));
	if (lua_type(L, 2) == LUA_TNUMBER &&
	    (v = luaL_testudata(L, 1, LAPI_VECTOR)) != NULL)
		return (lapi_vec_scale(L, v, lua_tonumber(L, 2)));
	return (luaL_error(L, "vector: multiply by a number (v:dot(w) is "
	    "the dot product)"));
}

/* v / s. */
static int
lapi_vec_div(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);

	if (lua_type(L, 2) != LUA_TNUMBER)
		return (luaL_error(L, "vector: divide by a number"));
	return (lapi_vec_scale(L, v, 1.0 / lua_tonumber(L, 2)));
}

/* -v. */
static int
lapi_vec_unm(lua_State *L)
{
	return (lapi_vec_scale(L, lapi_checkvec(L, 1), -1.0));
}

/* v == w: same length and the same values. */
static int
lapi_vec_eq(lua_State *L)
{
	struct lapi_vec	*a = luaL_testudata(L, 1, LAPI_VECTOR);
	struct lapi_vec	*b = luaL_testudata(L, 2, LAPI_VECTOR);
	size_t		 i;
	int		 eq;

	eq = a != NULL && b != NULL && a->n == b->n;
	for (i = 0; eq && i < a->n; i++)
		eq = a->v[i] == b->v[i];
	lua_pushboolean(L, eq);
	return (1);
}

/* #v. */
static int
lapi_vec_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lapi_checkvec(L, 1)->n);
	return (1);
}

/* v[i] (from 1) or a method. */
static int
lapi_vec_index(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);
	lua_Integer	 i;
	int		 isint;

	if (lapi_method(L))
		return (1);
	i = lua_tointegerx(L, 2, &isint);
	if (isint && i >= 1 && (size_t)i <= v->n)
		lua_pushnumber(L, v->v[i - 1]);
	else
		lua_pushnil(L);
	return (1);
}

/* v[i] = x, for i from 1 to #v. */
static int
lapi_vec_newindex(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);
	lua_Integer	 i;
	int		 isint;

	i = lua_tointegerx(L, 2, &isint);
	if (!isint || i < 1 || (size_t)i > v->n)
		return (luaL_error(L, "vector index out of range (1 to %d)",
		    (int)v->n));
	v->v[i - 1] = (float)luaL_checknumber(L, 3);
	return (0);
}

/* Shows a vector's length and first values. */
static int
lapi_vec_tostring(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);
	luaL_Buffer	 b;
	char		 num[32];
	size_t		 i;

	luaL_buffinit(L, &b);
	snprintf(num, sizeof num, "vector(%zu): [", v->n);
	luaL_addstring(&b, num);
	for (i = 0; i < v->n && i < LAPI_SHOW; i++) {
		snprintf(num, sizeof num, "%s%.4g", i ? ", " : "",
		    (double)v->v[i]);
		luaL_addstring(&b, num);
	}
	if (v->n > LAPI_SHOW)
		luaL_addstring(&b, ", ...");
	luaL_addstring(&b, "]");
	luaL_pushresult(&b);
	return (1);
}

/* The dot product, accumulated in double. */
static double
lapi_dot(const float *a, const float *b, size_t n)
{
	double	 s = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return (s);
}

/* v:dot(w). */
static int
lapi_vec_dot(lua_State *L)
{
	struct lapi_vec	*a = lapi_checkvec(L, 1);
	struct lapi_vec	*b = lapi_checkvec(L, 2);

	lapi_samedim(L, a, b);
	lua_pushnumber(L, lapi_dot(a->v, b->v, a->n));
	return (1);
}

/* v:norm(): the euclidean length. */
static int
lapi_vec_norm(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);

	lua_pushnumber(L, sqrt(lapi_dot(v->v, v->v, v->n)));
	return (1);
}

/* v:cosine(w): NaN when either has zero length. */
static int
lapi_vec_cosine(lua_State *L)
{
	struct lapi_vec	*a = lapi_checkvec(L, 1);
	struct lapi_vec	*b = lapi_checkvec(L, 2);
	double		 na, nb;

	lapi_samedim(L, a, b);
	na = sqrt(lapi_dot(a->v, a->v, a->n));
	nb = sqrt(lapi_dot(b->v, b->v, b->n));
	if (na == 0 || nb == 0)
		lua_pushnumber(L, NAN);
	else
		lua_pushnumber(L, lapi_dot(a->v, b->v, a->n) / (na * nb));
	return (1);
}

/* v:normalize(): a new vector of length 1 (a zero vector stays zero). */
static int
lapi_vec_normalize(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);
	double		 n;

	n = sqrt(lapi_dot(v->v, v->v, v->n));
	return (lapi_vec_scale(L, v, n == 0 ? 0.0 : 1.0 / n));
}

/* v:totable(): a plain list of numbers. */
static int
lapi_vec_totable(lua_State *L)
{
	struct lapi_vec	*v = lapi_checkvec(L, 1);
	size_t		 i;

	lua_createtable(L, (int)v->n, 0);
	for (i = 0; i < v->n; i++) {
		lua_pushnumber(L, v->v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return (1);
}

/*
 * Embeddings.
 */

/* Pushes "VAR: no label 'x'" with the closest labels, if any. */
static void
lapi_pushunknown(lua_State *L, struct emb *e, const char *label)
{
	char	*near;

	lapi_pushescaped(L, label);
	near = repl_suggest(e, label);
	if (near != NULL)
		lua_pushfstring(L, "%s: no label \"%s\"; closest: %s",
		    e->name, lua_tostring(L, -1), near);
	else
		lua_pushfstring(L, "%s: no label \"%s\"", e->name,
		    lua_tostring(L, -1));
	free(near);
	lua_remove(L, -2);
}

/*
 * Resolves argument idx (a row number from 0 or a label) to a row; when
 * there is no such row, pushes nil and a message and returns -1.
 */
static long
lapi_resolve(lua_State *L, struct emb *e, int idx)
{
	lua_Integer	 n;
	char		*cause = NULL;
	long		 row;

	if (lua_type(L, idx) == LUA_TNUMBER) {
		n = luaL_checkinteger(L, idx);
		if (n >= 0 && (size_t)n < e->rows)
			return ((long)n);
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: no row %I (rows are 0 to %I)",
		    e->name, n, (lua_Integer)e->rows - 1);
		return (-1);
	}
	row = emb_find(e, luaL_checkstring(L, idx), &cause);
	if (row >= 0)
		return (row);
	if (row == -2) {
		lapi_fail(L, cause);
		return (-1);
	}
	luaL_pushfail(L);
	lapi_pushunknown(L, e, lua_tostring(L, idx));
	return (-1);
}

/* Loads every label or raises: an embedding without labels is broken. */
static void
lapi_labels(lua_State *L, struct emb *e)
{
	char	*cause = NULL;

	if (emb_load_labels(e, &cause) == 0)
		return;
	lua_pushstring(L, cause);
	free(cause);
	lua_error(L);
}

/* Indexes an embedding: methods, then its facts. */
static int
lapi_emb_index(lua_State *L)
{
	struct emb	*e;
	const char	*k;

	if (lapi_method(L))
		return (1);
	e = lapi_checkemb(L, 1);
	k = luaL_checkstring(L, 2);
	if (strcmp(k, "name") == 0)
		lua_pushstring(L, e->name);
	else if (strcmp(k, "role") == 0)
		lua_pushstring(L, emb_role_name(e->role));
	else if (strcmp(k, "rows") == 0)
		lua_pushinteger(L, (lua_Integer)e->rows);
	else if (strcmp(k, "dim") == 0)
		lua_pushinteger(L, (lua_Integer)e->dim);
	else if (strcmp(k, "has_bias") == 0)
		lua_pushboolean(L, e->has_bias);
	else if (strcmp(k, "na_row") == 0 && e->na_row >= 0)
		lua_pushinteger(L, e->na_row);
	else if (strcmp(k, "model") == 0) {
		lua_getiuservalue(L, 1, 1);
		lapi_pushmodel(L, -1,
		    ((struct lapi_emb *)lua_touserdata(L, 1))->m);
	} else
		lua_pushnil(L);
	return (1);
}

/* #e: the number of rows. */
static int
lapi_emb_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lapi_checkemb(L, 1)->rows);
	return (1);
}

/* Names an embedding with its shape. */
static int
lapi_emb_tostring(lua_State *L)
{
	struct lapi_emb	*h = luaL_checkudata(L, 1, LAPI_EMB);
	struct model_set *set = lapi_owner(L, 1);

	if (set == NULL || !lapi_has_model(set, h->m) ||
	    !lapi_has_emb(h->m, h->e)) {
		lua_pushliteral(L, LAPI_EMB " (closed)");
		return (1);
	}
	lapi_pushescaped(L, h->e->name);
	lua_pushfstring(L, LAPI_EMB " (%s, %I x %I)", lua_tostring(L, -1),
	    (lua_Integer)h->e->rows, (lua_Integer)h->e->dim);
	return (1);
}

/* e:row(label | number): the row as a vector, or nil, message. */
static int
lapi_emb_row(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	struct lapi_vec	*v;
	char		*cause = NULL;
	long		 row;

	if ((row = lapi_resolve(L, e, 2)) < 0)
		return (2);
	v = lapi_newvec(L, e->dim);
	if (emb_row(e, (size_t)row, v->v, &cause) != 0)
		return (lapi_fail(L, cause));
	return (1);
}

/* e:label(row): the label of a row, or nil, message. */
static int
lapi_emb_label(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	lua_Integer	 row = luaL_checkinteger(L, 2);
	const char	*label;

	if (row < 0 || (size_t)row >= e->rows) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: no row %I (rows are 0 to %I)",
		    e->name, row, (lua_Integer)e->rows - 1);
		return (2);
	}
	if ((label = emb_label(e, (size_t)row)) == NULL)
		return (lapi_fail(L, xasprintf("%s: cannot read the label of "
		    "row %ld", e->name, (long)row)));
	lua_pushstring(L, label);
	return (1);
}

/* e:find(label): the row of a label, or nil. */
static int
lapi_emb_find(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	char		*cause = NULL;
	long		 row;

	row = emb_find(e, luaL_checkstring(L, 2), &cause);
	if (row == -2)
		return (lapi_fail(L, cause));
	if (row < 0)
		luaL_pushfail(L);
	else
		lua_pushinteger(L, row);
	return (1);
}

/* e:labels([pattern]): every label, or those matching a Lua pattern. */
static int
lapi_emb_labels(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	const char	*pat = luaL_optstring(L, 2, NULL);
	lua_Integer	 n = 0;
	size_t		 i;
	int		 keep;

	lapi_labels(L, e);
	lua_createtable(L, pat == NULL ? (int)e->rows : 0, 0);
	if (pat != NULL) {
		lua_getglobal(L, "string");
		if (lua_getfield(L, -1, "find") != LUA_TFUNCTION)
			return (luaL_error(L, "string.find is missing"));
		lua_remove(L, -2);
	}
	for (i = 0; i < e->rows; i++) {
		keep = 1;
		if (pat != NULL) {
			lua_pushvalue(L, -1);
			lua_pushstring(L, emb_label(e, i));
			lua_pushvalue(L, 2);
			lua_call(L, 2, 1);
			keep = lua_toboolean(L, -1);
			lua_pop(L, 1);
		}
		if (keep) {
			lua_pushstring(L, emb_label(e, i));
			lua_rawseti(L, pat != NULL ? -3 : -2, ++n);
		}
	}
	if (pat != NULL)
		lua_pop(L, 1);
	return (1);
}

/* e:bias(row | label): the row's learned bias, or nil, message. */
static int
lapi_emb_bias(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	char		*cause = NULL;
	long		 row;

	if (!e->has_bias)
		return (lapi_fail(L, xasprintf("%s: no bias", e->name)));
	if ((row = lapi_resolve(L, e, 2)) < 0)
		return (2);
	if (emb_load_bias(e, &cause) != 0)
		return (lapi_fail(L, cause));
	lua_pushnumber(L, e->bias[row]);
	return (1);
}

/* Pushes hits as a list of {row=, label=, <key>=score}. */
static void
lapi_pushhits(lua_State *L, struct emb *e, const struct knn_hit *hits,
    size_t n, const char *key)
{
	size_t	 i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushinteger(L, (lua_Integer)hits[i].row);
		lua_setfield(L, -2, "row");
		lua_pushstring(L, emb_label(e, hits[i].row));
		lua_setfield(L, -2, "label");
		lua_pushnumber(L, hits[i].score);
		lua_setfield(L, -2, key);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Reads an optional count k at idx: at least 1, at most the rows. */
static size_t
lapi_optk(lua_State *L, int idx, struct emb *e, lua_Integer def)
{
	lua_Integer	 k = luaL_optinteger(L, idx, def);

	luaL_argcheck(L, k >= 1, idx, "must be at least 1");
	if ((size_t)k > e->rows)
		k = (lua_Integer)e->rows;
	return ((size_t)k);
}

/* e:similar(query, [k], [metric]): the nearest rows, best first. */
static int
lapi_emb_similar(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	struct lapi_vec	*q;
	struct knn_hit	*hits;
	enum knn_metric	 metric;
	const float	*qv;
	float		*row;
	char		*cause = NULL;
	size_t		 k, n;
	long		 exclude = -1;

	k = lapi_optk(L, 3, e, 10);
	if (knn_metric_parse(luaL_optstring(L, 4, "cosine"), &metric) != 0)
		return (luaL_argerror(L, 4, "use cosine, euclidean or dot"));
	if ((q = luaL_testudata(L, 2, LAPI_VECTOR)) != NULL) {
		if (q->n != e->dim)
			return (luaL_error(L, "vector dimensions differ: %d "
			    "and %d (%s)", (int)q->n, (int)e->dim, e->name));
		qv = q->v;
	} else {
		if ((exclude = lapi_resolve(L, e, 2)) < 0)
			return (2);
		row = lapi_scratch(L, e->dim, sizeof *row);
		if (emb_row(e, (size_t)exclude, row, &cause) != 0)
			return (lapi_fail(L, cause));
		qv = row;
	}
	hits = lapi_scratch(L, k, sizeof *hits);
	if (knn_query(e, qv, metric, k, exclude, hits, &n, &cause) != 0)
		return (lapi_fail(L, cause));
	lapi_pushhits(L, e, hits, n, "score");
	return (1);
}

/*
 * e:neighbours([queries], [k], [metric]): the batch form of similar. The
 * queries are a list of labels and row numbers, or every row when nil;
 * the result lists each query's hits in the same order. Matrix products
 * over blocks of queries make it much faster than a loop of similar.
 */
static int
lapi_emb_neighbours(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	enum knn_metric	 metric;
	struct knn_hit	*hits;
	size_t		 k, nq, at, b, i, *nhits, batch = 256;
	long		*rows;
	float		*q;
	char		*cause = NULL;
	int		 all;

	k = lapi_optk(L, 3, e, 10);
	if (knn_metric_parse(luaL_optstring(L, 4, "cosine"), &metric) != 0)
		return (luaL_argerror(L, 4, "use cosine, euclidean or dot"));
	if ((all = lua_isnoneornil(L, 2)))
		nq = e->rows;
	else {
		luaL_checktype(L, 2, LUA_TTABLE);
		nq = luaL_len(L, 2);
	}
	rows = lapi_scratch(L, nq, sizeof *rows);
	for (i = 0; i < nq; i++) {
		if (all) {
			rows[i] = (long)i;
			continue;
		}
		lua_geti(L, 2, (lua_Integer)i + 1);
		if ((rows[i] = lapi_resolve(L, e, lua_gettop(L))) < 0)
			return (2);
		lua_pop(L, 1);
	}
	q = lapi_scratch(L, batch * e->dim, sizeof *q);
	hits = lapi_scratch(L, batch * k, sizeof *hits);
	nhits = lapi_scratch(L, batch, sizeof *nhits);
	lua_createtable(L, (int)nq, 0);
	for (at = 0; at < nq; at += b) {
		b = nq - at < batch ? nq - at : batch;
		for (i = 0; i < b; i++) {
			if (emb_row(e, rows[at + i], q + i * e->dim,
			    &cause) != 0)
				return (lapi_fail(L, cause));
		}
		if (knn_batch(e, q, b, metric, k, rows + at, hits, nhits,
		    &cause) != 0)
			return (lapi_fail(L, cause));
		for (i = 0; i < b; i++) {
			lapi_pushhits(L, e, hits + i * k, nhits[i], "score");
			lua_rawseti(L, -2, (lua_Integer)(at + i) + 1);
		}
	}
	return (1);
}

/* e:top_bias([k], [lowest]): the rows of highest (or lowest) bias. */
static int
lapi_emb_top_bias(lua_State *L)
{
	struct emb	*e = lapi_checkemb(L, 1);
	struct knn_hit	*hits;
	char		*cause = NULL;
	size_t		 k, n;
	int		 lowest = lua_toboolean(L, 3);

	k = lapi_optk(L, 2, e, 10);
	if (!e->has_bias)
		return (lapi_fail(L, xasprintf("%s: no bias", e->name)));
	hits = lapi_scratch(L, k, sizeof *hits);
	if (bias_top(e, k, lowest, 1, hits, &n, &cause) != 0)
		return (lapi_fail(L, cause));
	lapi_pushhits(L, e, hits, n, "bias");
	return (1);
}

/* Frees a boxed PCA result. */
static void
lapi_pca_free(void *p)
{
	pca_result_free(p);
	free(p);
}

/* Pushes a list of n doubles. */
static void
lapi_pushdoubles(lua_State *L, const double *v, size_t n)
{
	size_t	 i;

	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushnumber(L, v[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* Pushes a vector holding n doubles. */
static void
lapi_pushdvec(lua_State *L, const double *d, size_t n)
{
	struct lapi_vec	*v;
	size_t		 i;

	v = lapi_newvec(L, n);
	for (i = 0; i < n; i++)
		v->v[i] = (float)d[i];
}

/*
 * Sets fields top and bottom of the table on top: per component, the k
 * rows at each end, as {row=, label=, score=} lists.
 */
static int
lapi_pca_ends(lua_State *L, struct emb *e, struct pca_result *p, size_t k)
{
	struct knn_hit	*top, *bot;
	size_t		 c, nt, nb;
	char		*cause = NULL;

	top = lapi_scratch(L, k, sizeof *top);
	bot = lapi_scratch(L, k, sizeof *bot);
	lua_createtable(L, (int)p->ncomp, 0);
	lua_createtable(L, (int)p->ncomp, 0);
	for (c = 0; c < p->ncomp; c++) {
		if (pca_extremes(e, p, c, k, top, &nt, bot, &nb, &cause) != 0)
			return (lapi_fail(L, cause));
		lapi_pushhits(L, e, top, nt, "score");
		lua_rawseti(L, -3, (lua_Integer)c + 1);
		lapi_pushhits(L, e, bot, nb, "score");
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	lua_setfield(L, -5, "bottom");
	lua_setfield(L, -4, "top");
	lua_pop(L, 2);
	return (0);
}

/*
 * e:pca([n], [k], [with_na]): principal components and the k labels at
 * both ends of each; the #na# row is left out unless with_na is true.
 */
static int
lapi_emb_pca(lua_State *L)
{
	struct emb		*e = lapi_checkemb(L, 1);
	lua_Integer		 n = luaL_optinteger(L, 2, 3);
	struct pca_result	*p;
	char			*cause = NULL;
	size_t			 c, k;
	int			 with_na = lua_toboolean(L, 4);

	luaL_argcheck(L, n >= 1 && (size_t)n <= e->dim, 2,
	    "components must be from 1 to the embedding's width");
	k = lapi_optk(L, 3, e, 10);
	p = xcalloc(1, sizeof *p);
	lapi_box(L, p, lapi_pca_free);
	if (pca_run(e, (size_t)n, !with_na, p, &cause) != 0)
		return (lapi_fail(L, cause));
	lua_createtable(L, 0, 10);
	lapi_pushdoubles(L, p->ratio, p->ncomp);
	lua_setfield(L, -2, "ratio");
	lapi_pushdoubles(L, p->variance, p->ncomp);
	lua_setfield(L, -2, "variance");
	lua_pushnumber(L, p->total);
	lua_setfield(L, -2, "total");
	lua_pushinteger(L, (lua_Integer)p->nrows);
	lua_setfield(L, -2, "rows");
	lua_pushinteger(L, (lua_Integer)p->nskipped);
	lua_setfield(L, -2, "skipped");
	lapi_pushdvec(L, p->mean, p->dim);
	lua_setfield(L, -2, "mean");
	lua_createtable(L, (int)p->ncomp, 0);
	for (c = 0; c < p->ncomp; c++) {
		lapi_pushdvec(L, p->components + c * p->dim, p->dim);
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	lua_setfield(L, -2, "components");
	if (lapi_pca_ends(L, e, p, k) != 0)
		return (2);
	return (1);
}

/*
 * Commands and output.
 */

/* Reads an optional string field of the table at idx. */
static const char *
lapi_strfield(lua_State *L, int idx, const char *key, const char *def)
{
	const char	*s;
	int		 t;

	t = lua_getfield(L, idx, key);
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return (def);
	}
	if (t != LUA_TSTRING)
		luaL_error(L, "command: field '%s' must be a string", key);
	s = lua_tostring(L, -1);
	lua_pop(L, 1);
	return (s);
}

/* Reads an optional integer field of the table at idx. */
static int
lapi_intfield(lua_State *L, int idx, const char *key, int def)
{
	lua_Integer	 v;
	int		 isint;

	if (lua_getfield(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return (def);
	}
	v = lua_tointegerx(L, -1, &isint);
	if (!isint || v < -1 || v > 1000)
		luaL_error(L, "command: field '%s' must be a count", key);
	lua_pop(L, 1);
	return ((int)v);
}

/* embrepl.command{name=, fn=, ...}: adds a command to the table. */
static int
lapi_command_add(lua_State *L)
{
	const struct cmd *old;
	struct cmd	 c;
	char		*cause = NULL;
	int		 oldref = -1;

	luaL_checktype(L, 1, LUA_TTABLE);
	memset(&c, 0, sizeof c);
	c.name = lapi_strfield(L, 1, "name", NULL);
	if (c.name == NULL)
		return (luaL_error(L, "command: a name is needed"));
	c.alias = lapi_strfield(L, 1, "alias", NULL);
	c.usage = lapi_strfield(L, 1, "usage", c.name);
	c.help = lapi_strfield(L, 1, "help", "");
	c.opts = lapi_strfield(L, 1, "opts", NULL);
	c.complete = lapi_strfield(L, 1, "complete", NULL);
	c.minargs = lapi_intfield(L, 1, "min", 0);
	c.maxargs = lapi_intfield(L, 1, "max", -1);
	if (c.minargs < 0 || (c.maxargs >= 0 && c.maxargs < c.minargs))
		return (luaL_error(L, "command: min and max disagree"));
	if (lua_getfield(L, 1, "fn") != LUA_TFUNCTION)
		return (luaL_error(L, "command: fn must be a function"));
	if ((old = cmd_find(c.name)) != NULL &&
	    strcmp(old->name, c.name) == 0)
		oldref = old->lua_ref;
	c.lua_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	if (cmd_register(&c, &cause) != 0) {
		luaL_unref(L, LUA_REGISTRYINDEX, c.lua_ref);
		return (lapi_fail(L, cause));
	}
	if (oldref >= 0)
		luaL_unref(L, LUA_REGISTRYINDEX, oldref);
	lua_pushboolean(L, 1);
	return (1);
}

/* embrepl.run(line): runs a command line; true, or nil, message. */
static int
lapi_run(lua_State *L)
{
	struct repl	*r = lapi_repl(L);
	const char	*line = luaL_checkstring(L, 1);
	size_t		 len;
	int		 is_cmd;

	if (r == NULL)
		return (luaL_error(L, "no session"));
	line += strspn(line, " \t");
	len = strcspn(line, " \t");
	if (cmd_line(r, line, &is_cmd) != 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: command failed", lua_pushlstring(L,
		    line, len));
		return (2);
	}
	if (!is_cmd) {
		lua_pushlstring(L, line, len);
		lapi_pushescaped(L, lua_tostring(L, -1));
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: no such command (try 'help')",
		    lua_tostring(L, -2));
		return (2);
	}
	lua_pushboolean(L, 1);
	return (1);
}

/* Frees a boxed output document. */
static void
lapi_doc_free(void *p)
{
	out_doc_free(p);
}

/* Adds one cell of type type from the value on top, which it pops. */
static void
lapi_cell(lua_State *L, struct out_table *t, enum out_type type,
    const char *col)
{
	struct lapi_vec	*v;
	lua_Integer	 i;
	int		 isint;

	if (lua_isnil(L, -1))
		out_null(t);
	else if (type == OUT_INT) {
		i = lua_tointegerx(L, -1, &isint);
		if (!isint)
			luaL_error(L, "output: column %s wants integers", col);
		out_int(t, i);
	} else if (type == OUT_NUM) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			luaL_error(L, "output: column %s wants numbers", col);
		out_num(t, lua_tonumber(L, -1));
	} else if (type == OUT_VEC) {
		if ((v = luaL_testudata(L, -1, LAPI_VECTOR)) == NULL)
			luaL_error(L, "output: column %s wants vectors", col);
		out_vec(t, v->v, v->n);
	} else if (type == OUT_BOOL)
		out_bool(t, lua_toboolean(L, -1));
	else {
		out_str(t, luaL_tolstring(L, -1, NULL));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* Reads a column's type from its "name:type" spec. */
static enum out_type
lapi_coltype(const char *spec)
{
	const char	*colon = strchr(spec, ':');

	if (colon == NULL)
		return (OUT_STR);
	switch (colon[1]) {
	case 'i':
		return (OUT_INT);
	case 'n':
		return (OUT_NUM);
	case 'v':
		return (OUT_VEC);
	case 'b':
		return (OUT_BOOL);
	}
	return (OUT_STR);
}

/* embrepl.output{columns=, rows=, ...}: prints a table in a format. */
static int
lapi_output(lua_State *L)
{
	struct repl	 *r = lapi_repl(L);
	struct out_doc	 *doc;
	struct out_table *t;
	const char	**cols, *name, *note, *fmt;
	enum out_format	  format;
	lua_Integer	  ncols, nrows, i, j;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (r == NULL)
		return (luaL_error(L, "no session"));
	format = r->format;
	name = lapi_strfield(L, 1, "name", "output");
	note = lapi_strfield(L, 1, "note", NULL);
	fmt = lapi_strfield(L, 1, "format", NULL);
	if (fmt != NULL && out_format_parse(fmt, &format) != 0)
		return (luaL_error(L, "output: format '%s': use table, tsv, "
		    "csv or json", fmt));
	if (lua_getfield(L, 1, "columns") != LUA_TTABLE ||
	    (ncols = luaL_len(L, -1)) < 1)
		return (luaL_error(L, "output: columns must list names"));
	cols = lapi_scratch(L, (size_t)ncols, sizeof *cols);
	for (i = 1; i <= ncols; i++) {
		if (lua_geti(L, -2, i) != LUA_TSTRING)
			return (luaL_error(L, "output: column %d is not a "
			    "string", (int)i));
		cols[i - 1] = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	if (lua_getfield(L, 1, "rows") != LUA_TTABLE)
		return (luaL_error(L, "output: rows must be a table"));
	doc = out_doc_new();
	lapi_box(L, doc, lapi_doc_free);
	if (note != NULL)
		out_note(doc, "%s", note);
	t = out_table_add(doc, name, cols, (size_t)ncols);
	nrows = luaL_len(L, -2);
	for (i = 1; i <= nrows; i++) {
		if (lua_geti(L, -2, i) != LUA_TTABLE)
			return (luaL_error(L, "output: row %d is not a table",
			    (int)i));
		for (j = 1; j <= ncols; j++) {
			lua_geti(L, -1, j);
			lapi_cell(L, t, lapi_coltype(cols[j - 1]),
			    cols[j - 1]);
		}
		lua_pop(L, 1);
	}
	out_print(doc, r->out, format, repl_width(r));
	fflush(r->out);
	return (0);
}

/* Finds the embedding that argument idx names: a handle or a name. */
static struct emb *
lapi_checkvar(lua_State *L, int idx, struct model **m)
{
	struct repl	*r = lapi_repl(L);
	struct emb	*e;

	if (lua_type(L, idx) != LUA_TSTRING) {
		e = lapi_checkemb(L, idx);
		*m = ((struct lapi_emb *)lua_touserdata(L, idx))->m;
		return (e);
	}
	if (r == NULL || r->model == NULL)
		luaL_error(L, "no model in use");
	if ((e = model_find_emb(r->model, lua_tostring(L, idx))) == NULL)
		luaL_error(L, "%s: no variable '%s'", r->model->name,
		    lapi_pushescaped(L, lua_tostring(L, idx)));
	*m = r->model;
	return (e);
}

/* embrepl.view(var): browses an embedding full screen. */
static int
lapi_view(lua_State *L)
{
	struct ui_ctx	 ctx;
	struct model	*m;
	struct emb	*e = lapi_checkvar(L, 1, &m);
	char		*cause = NULL;

	if (!ui_available())
		return (lapi_fail(L, xstrdup("view: needs a terminal")));
	ui_ctx_init(&ctx, m);
	if (ui_view(e, &ctx, &cause) != 0)
		return (lapi_fail(L, cause));
	lua_pushboolean(L, 1);
	return (1);
}

/* embrepl.plot(var, [cx], [cy]): maps two components full screen. */
static int
lapi_plot(lua_State *L)
{
	struct ui_ctx	 ctx;
	struct model	*m;
	struct emb	*e = lapi_checkvar(L, 1, &m);
	lua_Integer	 cx = luaL_optinteger(L, 2, 1);
	lua_Integer	 cy = luaL_optinteger(L, 3, 2);
	char		*cause = NULL;

	luaL_argcheck(L, cx >= 1 && (size_t)cx <= e->dim, 2,
	    "no such component");
	luaL_argcheck(L, cy >= 1 && (size_t)cy <= e->dim, 3,
	    "no such component");
	if (!ui_available())
		return (lapi_fail(L, xstrdup("plot: needs a terminal")));
	ui_ctx_init(&ctx, m);
	if (ui_plot(e, (int)cx - 1, (int)cy - 1, &ctx, &cause) != 0)
		return (lapi_fail(L, cause));
	lua_pushboolean(L, 1);
	return (1);
}

/*
 * Showing results.
 */

static void	lapi_repr(lua_State *, int, int, struct lapi_buf *);

/* Tells whether a string can be written as a bare field name. */
static int
lapi_isname(const char *s)
{
	static const char *const reserved[] = {
		"and", "break", "do", "else", "elseif", "end", "false", "for",
		"function", "goto", "if", "in", "local", "nil", "not", "or",
		"repeat", "return", "then", "true", "until", "while"
	};
	const char	*p;
	size_t		 i;

	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return (0);
	}
	for (i = 0; i < UTIL_NELEM(reserved); i++) {
		if (strcmp(s, reserved[i]) == 0)
			return (0);
	}
	return (1);
}

/* Orders string keys. */
static int
lapi_keycmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Appends one key = value entry of a table. */
static void
lapi_repr_entry(lua_State *L, const char *key, int depth, int *first,
    struct lapi_buf *b)
{
	lapi_buf_str(b, *first ? "" : depth == 0 ? ",\n  " : ", ");
	*first = 0;
	if (key == NULL) {
		lapi_buf_str(b, "[");
		lapi_repr(L, -2, 2, b);
		lapi_buf_str(b, "] = ");
	} else if (lapi_isname(key)) {
		lapi_buf_str(b, key);
		lapi_buf_str(b, " = ");
	} else {
		lapi_buf_str(b, "[");
		lapi_buf_quoted(b, key);
		lapi_buf_str(b, "] = ");
	}
	lapi_repr(L, -1, depth + 1, b);
}

/*
 * Appends the keys that are not in the sequence part: strings sorted,
 * so that the same table always prints the same way, then the others.
 */
static void
lapi_repr_keys(lua_State *L, int t, lua_Integer n, int depth, int *first,
    struct lapi_buf *b)
{
	const char	**keys;
	lua_Integer	  i;
	size_t		  nk = 0, k;
	int		  pass;

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		nk++;
		lua_pop(L, 1);
	}
	keys = lapi_scratch(L, nk, sizeof *keys);
	nk = 0;
	for (pass = 0; pass < 2; pass++) {
		lua_pushnil(L);
		while (lua_next(L, t) != 0) {
			i = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
			if (lua_type(L, -2) == LUA_TSTRING && pass == 0)
				keys[nk++] = lua_tostring(L, -2);
			else if (lua_type(L, -2) != LUA_TSTRING && pass == 1 &&
			    (i < 1 || i > n))
				lapi_repr_entry(L, NULL, depth, first, b);
			lua_pop(L, 1);
		}
		if (pass == 0) {
			qsort(keys, nk, sizeof *keys, lapi_keycmp);
			for (k = 0; k < nk; k++) {
				lua_getfield(L, t, keys[k]);
				lapi_repr_entry(L, keys[k], depth, first, b);
				lua_pop(L, 1);
			}
		}
	}
	lua_pop(L, 1);
}

/*
 * Appends a table: at depth 0 one entry a line, deeper inline, and only
 * two levels deep; a root table shows more entries than a nested one.
 */
static void
lapi_repr_table(lua_State *L, int t, int depth, int root,
    struct lapi_buf *b)
{
	lua_Integer	 n, i, shown;
	size_t		 start;
	int		 first = 1;
	char		 more[64];

	if (depth >= 2) {
		lapi_buf_str(b, "{...}");
		return;
	}
	luaL_checkstack(L, 8, "result too deep");
	n = (lua_Integer)lua_rawlen(L, t);
	shown = root ? LAPI_TOPITEMS : LAPI_SUBITEMS;
	if (shown > n)
		shown = n;
	start = b->len;
	lapi_buf_str(b, depth == 0 ? "{\n  " : "{");
	for (i = 1; i <= shown; i++) {
		lapi_buf_str(b, first ? "" : depth == 0 ? ",\n  " : ", ");
		first = 0;
		lua_rawgeti(L, t, i);
		lapi_repr(L, -1, depth + 1, b);
		lua_pop(L, 1);
	}
	if (shown < n) {
		snprintf(more, sizeof more, "%s... (%lld more)",
		    depth == 0 ? ",\n  " : ", ", (long long)(n - shown));
		lapi_buf_str(b, more);
	}
	lapi_repr_keys(L, t, n, depth, &first, b);
	if (first) {
		b->len = start;
		lapi_buf_str(b, "{}");
	} else
		lapi_buf_str(b, depth == 0 ? "\n}" : "}");
}

/* Appends a readable form of the value at idx; strings are escaped. */
static void
lapi_repr(lua_State *L, int idx, int depth, struct lapi_buf *b)
{
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		lapi_buf_quoted(b, lua_tostring(L, idx));
		break;
	case LUA_TTABLE:
		if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
			lua_pop(L, 1);
			lapi_buf_str(b, luaL_tolstring(L, idx, NULL));
			lua_pop(L, 1);
		} else
			lapi_repr_table(L, idx, depth, depth == 0, b);
		break;
	default:
		lapi_buf_str(b, luaL_tolstring(L, idx, NULL));
		lua_pop(L, 1);
		break;
	}
}

/* Formats a table compactly when it holds no tables, else one per line. */
static int
lapi_repr_flat(lua_State *L, int idx)
{
	int	 flat = 1;

	lua_pushnil(L);
	while (flat && lua_next(L, idx) != 0) {
		if (lua_type(L, -1) == LUA_TTABLE)
			flat = 0;
		lua_pop(L, 1);
	}
	if (!flat)
		lua_pop(L, 1);
	return (flat);
}

/* embrepl.repr(value): the text the prompt prints for a value. */
static int
lapi_repr_fn(lua_State *L)
{
	struct lapi_buf	*b;

	luaL_checkany(L, 1);
	b = lapi_buf_new(L);
	if (lua_type(L, 1) == LUA_TTABLE && lapi_repr_flat(L, 1) &&
	    luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL)
		lapi_repr_table(L, 1, 1, 1, b);
	else
		lapi_repr(L, 1, 0, b);
	lua_pushlstring(L, b->p != NULL ? b->p : "", b->len);
	return (1);
}

/* embrepl.escape(s): s made safe for a terminal. */
static int
lapi_escape(lua_State *L)
{
	lapi_pushescaped(L, luaL_checkstring(L, 1));
	return (1);
}

/* Prints every argument with repr, separated by tabs, on r->out. */
static int
lapi_print_results(lua_State *L)
{
	struct repl	*r = lapi_repl(L);
	int		 n = lua_gettop(L), i;

	for (i = 1; i <= n; i++) {
		lua_pushcfunction(L, lapi_repr_fn);
		lua_pushvalue(L, i);
		lua_call(L, 1, 1);
		if (i > 1)
			fputc('\t', r->out);
		fputs(lua_tostring(L, -1), r->out);
		lua_pop(L, 1);
	}
	fputc('\n', r->out);
	fflush(r->out);
	return (0);
}

/*
 * Running Lua.
 */

/* Stops a running chunk once Ctrl-C set the flag. */
static void
lapi_hook(lua_State *L, lua_Debug *ar)
{
	if (util_interrupted) {
		lua_pushliteral(L, "interrupted");
		lua_error(L);
	}
}

/* Adds a traceback to an error message, but not to an interruption. */
static int
lapi_msgh(lua_State *L)
{
	const char	*msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return (1);
		msg = lua_pushfstring(L, "(error object is a %s value)",
		    luaL_typename(L, 1));
	}
	if (strcmp(msg, "interrupted") == 0) {
		lua_pushstring(L, msg);
		return (1);
	}
	luaL_traceback(L, L, msg, 1);
	return (1);
}

/*
 * Calls the function below its nargs arguments in protected mode with a
 * traceback: the one way into Lua. On failure the message is left on the
 * stack and the status returned.
 */
static int
lapi_call(lua_State *L, int nargs, int nres)
{
	int	 base, status;

	base = lua_gettop(L) - nargs;
	if (lapi_depth == 0)
		util_interrupted = 0;
	lua_pushcfunction(L, lapi_msgh);
	lua_insert(L, base);
	lapi_depth++;
	status = lua_pcall(L, nargs, nres, base);
	lapi_depth--;
	lua_remove(L, base);
	return (status);
}

/*
 * Reports an error as "embrepl: lua: message" and then the traceback,
 * each line escaped like the message.
 */
static void
lapi_report(struct repl *r, const char *msg)
{
	const char	*nl, *line;
	char		*esc;
	int		 tab;

	if (msg == NULL)
		msg = "error";
	nl = strchr(msg, '\n');
	repl_error(r, "lua: %.*s", nl != NULL ? (int)(nl - msg) :
	    (int)strlen(msg), msg);
	while (nl != NULL) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if ((tab = *line == '\t'))
			line++;
		esc = xstrndup(line, nl != NULL ? (size_t)(nl - line) :
		    strlen(line));
		line = esc;
		esc = text_escape(line);
		free((char *)line);
		fprintf(stderr, "%s%s\n", tab ? "\t" : "", esc);
		free(esc);
	}
}

/* Calls into Lua and reports an error as "embrepl: lua: ...". */
static int
lapi_pcall(struct repl *r, int nargs, int nres)
{
	if (lapi_call(r->L, nargs, nres) == LUA_OK)
		return (0);
	lapi_report(r, lua_tostring(r->L, -1));
	lua_pop(r->L, 1);
	return (-1);
}

/* Tells whether a syntax error on top only means the chunk is unfinished. */
static int
lapi_incomplete(lua_State *L)
{
	const char	*msg;
	size_t		 len, eof = sizeof "<eof>" - 1;

	msg = lua_tolstring(L, -1, &len);
	return (msg != NULL && len >= eof &&
	    strcmp(msg + len - eof, "<eof>") == 0);
}

/*
 * Tells whether a line that Lua refused, or that only named an unset
 * variable, reads as a mistyped command: a first word that is a name but
 * no Lua keyword, followed by nothing or by what could be an argument.
 * Returns that word, new, and in *rest what follows it; or NULL.
 */
static char *
lapi_mistyped(const char *line, const char **rest)
{
	static const char *const kw[] = { "and", "break", "do", "else",
	    "elseif", "end", "false", "for", "function", "goto", "if", "in",
	    "local", "nil", "not", "or", "repeat", "return", "then", "true",
	    "until", "while" };
	const char	*p;
	size_t		 n, i;

	line += strspn(line, " \t");
	if (!isalpha((unsigned char)*line) && *line != '_')
		return (NULL);
	for (n = 0; isalnum((unsigned char)line[n]) || line[n] == '_'; n++)
		;
	p = line + n + strspn(line + n, " \t");
	if (p == line + n && *p != '\0')
		return (NULL);
	if (*p != '\0' && !isalnum((unsigned char)*p) &&
	    strchr("_#\"'", *p) == NULL)
		return (NULL);
	for (i = 0; i < UTIL_NELEM(kw); i++) {
		if (strlen(kw[i]) == n && strncmp(kw[i], line, n) == 0)
			return (NULL);
	}
	*rest = p;
	return (xstrndup(line, n));
}

/*
 * Reports a line that is no command and failed as Lua, with Lua's message
 * (or NULL when the line only named an unset variable), as a mistyped
 * command when it reads as one; returns whether it did.
 */
static int
lapi_report_mistyped(struct repl *r, const char *line, const char *msg)
{
	const char	*near, *rest;
	char		*word, *hint, *esc;

	if ((word = lapi_mistyped(line, &rest)) == NULL)
		return (0);
	near = cmd_closest(word);
	hint = near != NULL ? xasprintf("did you mean '%s'?", near) :
	    xstrdup("try 'help'");
	if (msg == NULL)
		repl_error(r, "no command '%s' (%s) and no Lua value of that "
		    "name", word, hint);
	else {
		esc = text_escape(msg);
		repl_error(r, "no command '%s' (%s); as Lua, %s", word, hint,
		    esc);
		free(esc);
	}
	free(hint);
	free(word);
	return (1);
}

/* Tells whether a line is one name, that of no global variable. */
static int
lapi_unset_name(lua_State *L, const char *line)
{
	const char	*rest;
	char		*word;
	int		 unset;

	if ((word = lapi_mistyped(line, &rest)) == NULL)
		return (0);
	unset = *rest == '\0' && lua_getglobal(L, word) == LUA_TNIL;
	if (*rest == '\0')
		lua_pop(L, 1);
	free(word);
	return (unset);
}

/* Runs a chunk typed at the prompt and prints what it returns. */
int
lapi_line(struct repl *r, const char *chunk, int lua_only,
    int *incomplete)
{
	lua_State	*L = r->L;
	const char	*ret;
	int		 top, status;

	*incomplete = 0;
	top = lua_gettop(L);
	ret = lua_pushfstring(L, "return %s;", chunk);
	status = luaL_loadbuffer(L, ret, strlen(ret), "=input");
	lua_remove(L, -2);
	if (status != LUA_OK) {
		lua_pop(L, 1);
		status = luaL_loadbuffer(L, chunk, strlen(chunk), "=input");
	}
	if (status == LUA_ERRSYNTAX && lapi_incomplete(L)) {
		lua_settop(L, top);
		*incomplete = 1;
		return (0);
	}
	if (status != LUA_OK) {
		if (lua_only ||
		    !lapi_report_mistyped(r, chunk, lua_tostring(L, -1)))
			lapi_report(r, lua_tostring(L, -1));
		lua_settop(L, top);
		return (-1);
	}
	if (!lua_only && lapi_unset_name(L, chunk)) {
		lua_settop(L, top);
		lapi_report_mistyped(r, chunk, NULL);
		return (-1);
	}
	if (lapi_pcall(r, 0, LUA_MULTRET) != 0)
		return (-1);
	if (lua_gettop(L) > top) {
		lua_pushcfunction(L, lapi_print_results);
		lua_insert(L, top + 1);
		if (lapi_pcall(r, lua_gettop(L) - top - 1, 0) != 0)
			return (-1);
	}
	lua_settop(L, top);
	return (0);
}

/* Runs a script with arg and ... set as the lua interpreter sets them. */
int
lapi_script(struct repl *r, const char *path, int argc, char **argv)
{
	lua_State	*L = r->L;
	int		 i, status;

	luaL_checkstack(L, argc + 3, "too many arguments");
	lua_createtable(L, argc, 2);
	lua_pushstring(L, program_invocation_name);
	lua_rawseti(L, -2, -1);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, 0);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	status = luaL_loadfile(L, strcmp(path, "-") == 0 ? NULL : path);
	if (status != LUA_OK) {
		lapi_report(r, lua_tostring(L, -1));
		lua_pop(L, 1);
		return (-1);
	}
	for (i = 0; i < argc; i++)
		lua_pushstring(L, argv[i]);
	return (lapi_pcall(r, argc, 0));
}

/* Tells whether an option of a command is a flag (no ':' in opts). */
static int
lapi_isflag(const struct cmd *c, const char *name)
{
	const char	*p = c->opts;
	size_t		 len = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 &&
		    (p[len] == ',' || p[len] == '\0'))
			return (1);
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return (0);
}

/*
 * Runs a Lua command with (args, opts). It fails when the function raises
 * an error, returns false, or returns nil and a message.
 */
int
lapi_command(struct repl *r, const struct cmd *c, struct cmd_args *a)
{
	lua_State	*L = r->L;
	const char	*msg;
	size_t		 i;
	int		 top, failed;

	if (L == NULL || c->lua_ref < 0) {
		repl_error(r, "%s: not a Lua command", c->name);
		return (-1);
	}
	top = lua_gettop(L);
	luaL_checkstack(L, 4, NULL);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->lua_ref);
	lua_createtable(L, a->argc, 0);
	for (i = 0; i < (size_t)a->argc; i++) {
		lua_pushstring(L, a->argv[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_createtable(L, 0, (int)a->nopts);
	for (i = 0; i < a->nopts; i++) {
		if (a->optval[i] != NULL && !lapi_isflag(c, a->optname[i]))
			lua_pushstring(L, a->optval[i]);
		else
			lua_pushboolean(L, 1);
		lua_setfield(L, -2, a->optname[i]);
	}
	if (lapi_pcall(r, 2, 2) != 0)
		return (-1);
	failed = lua_type(L, -2) == LUA_TBOOLEAN ? !lua_toboolean(L, -2) :
	    lua_isnil(L, -2) && lua_type(L, -1) == LUA_TSTRING;
	if (failed) {
		msg = lua_tostring(L, -1);
		repl_error(r, "%s: %s", c->name, msg != NULL ? msg : "failed");
	}
	lua_settop(L, top);
	return (failed ? -1 : 0);
}

/* Loads and runs one file; leaves a message on the stack on failure. */
static int
lapi_dofile(lua_State *L, const char *path)
{
	if (luaL_loadfile(L, path) != LUA_OK)
		return (-1);
	return (lapi_call(L, 0, 0) == LUA_OK ? 0 : -1);
}

/* Picks the helper files: names ending in .lua. */
static int
lapi_isluafile(const struct dirent *d)
{
	size_t	 len = strlen(d->d_name);

	return (d->d_name[0] != '.' && len > 4 &&
	    strcmp(d->d_name + len - 4, ".lua") == 0);
}

/*
 * The directory of the Lua helpers: EMBREPL_LUA_PATH, else lua/ of the
 * source tree when the program runs from it (src/embrepl, not installed),
 * else the installed one.
 */
static char *
lapi_lua_dir(void)
{
	const char	*env;
	char		 exe[4096], *slash, *marker;
	ssize_t		 n;
	int		 tree;

	if ((env = getenv("EMBREPL_LUA_PATH")) != NULL && *env != '\0')
		return (xstrdup(env));
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		marker = xasprintf("%s/../configure.ac", exe);
		tree = access(marker, F_OK) == 0;
		free(marker);
		if (tree)
			return (xasprintf("%s/../lua", exe));
	}
	return (xstrdup(EMBREPL_LUADIR));
}

/* Runs the helpers in the lua directory in name order. */
static int
lapi_load_dir(struct repl *r, char **cause)
{
	struct dirent	**names;
	char		 *path, *dir;
	int		  n, i, rc = 0;

	dir = lapi_lua_dir();
	if ((n = scandir(dir, &names, lapi_isluafile, alphasort)) < 0) {
		rc = errno == ENOENT ? 0 : util_fail(cause, "%s: %s", dir,
		    strerror(errno));
		free(dir);
		return (rc);
	}
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]->d_name);
		if (rc == 0 && lapi_dofile(r->L, path) != 0) {
			rc = util_fail(cause, "lua: %s",
			    lua_tostring(r->L, -1));
			lua_pop(r->L, 1);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
	return (rc);
}

/* Runs the user's init.lua when there is one; errors are only reported. */
static void
lapi_load_init(struct repl *r)
{
	const char	*base;
	char		*path;
	int		 failed;

	if ((base = getenv("XDG_CONFIG_HOME")) != NULL && *base == '/')
		path = xasprintf("%s/embrepl/init.lua", base);
	else if ((base = getenv("HOME")) != NULL && *base != '\0')
		path = xasprintf("%s/.config/embrepl/init.lua", base);
	else
		return;
	failed = r->failed;
	if (access(path, F_OK) == 0 && lapi_dofile(r->L, path) != 0) {
		lapi_report(r, lua_tostring(r->L, -1));
		lua_pop(r->L, 1);
	}
	r->failed = failed;
	free(path);
}

/* Creates the session's Lua state and runs the start-up files. */
int
lapi_init(struct repl *r, char **cause)
{
	lua_State	*L;

	if ((L = luaL_newstate()) == NULL)
		return (util_fail(cause, "lua: cannot create a state"));
	r->L = L;
	lua_pushlightuserdata(L, r);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lapi_repl_key);
	luaL_openlibs(L);
	luaL_requiref(L, "embrepl", luaopen_embrepl, 1);
	lua_pop(L, 1);
	lua_sethook(L, lapi_hook, LUA_MASKCOUNT, LAPI_HOOK_COUNT);
	if (lapi_load_dir(r, cause) != 0) {
		lapi_close(r);
		return (-1);
	}
	lapi_load_init(r);
	return (0);
}

/* Closes the Lua state; handles opened from Lua close their stores. */
void
lapi_close(struct repl *r)
{
	if (r->L == NULL)
		return;
	lua_close(r->L);
	r->L = NULL;
}

/*
 * The module's tables.
 */

static const luaL_Reg lapi_funcs[] = {
	{ "open", lapi_open },
	{ "store", lapi_session_store },
	{ "model", lapi_session_model },
	{ "var", lapi_session_var },
	{ "vector", lapi_vector },
	{ "command", lapi_command_add },
	{ "run", lapi_run },
	{ "output", lapi_output },
	{ "view", lapi_view },
	{ "plot", lapi_plot },
	{ "repr", lapi_repr_fn },
	{ "escape", lapi_escape },
	{ NULL, NULL }
};

static const luaL_Reg lapi_store_methods[] = {
	{ "models", lapi_store_models },
	{ "model", lapi_store_model },
	{ "close", lapi_store_close },
	{ NULL, NULL }
};

static const luaL_Reg lapi_store_meta[] = {
	{ "__index", NULL },
	{ "__gc", lapi_store_gc },
	{ "__close", lapi_store_gc },
	{ "__tostring", lapi_store_tostring },
	{ NULL, NULL }
};

static const luaL_Reg lapi_model_methods[] = {
	{ "vars", lapi_model_vars },
	{ "var", lapi_model_var },
	{ NULL, NULL }
};

static const luaL_Reg lapi_model_meta[] = {
	{ "__index", NULL },
	{ "__tostring", lapi_model_tostring },
	{ NULL, NULL }
};

static const luaL_Reg lapi_emb_methods[] = {
	{ "row", lapi_emb_row },
	{ "label", lapi_emb_label },
	{ "find", lapi_emb_find },
	{ "labels", lapi_emb_labels },
	{ "bias", lapi_emb_bias },
	{ "similar", lapi_emb_similar },
	{ "neighbours", lapi_emb_neighbours },
	{ "pca", lapi_emb_pca },
	{ "top_bias", lapi_emb_top_bias },
	{ NULL, NULL }
};

static const luaL_Reg lapi_emb_meta[] = {
	{ "__index", NULL },
	{ "__len", lapi_emb_len },
	{ "__tostring", lapi_emb_tostring },
	{ NULL, NULL }
};

static const luaL_Reg lapi_vec_methods[] = {
	{ "dot", lapi_vec_dot },
	{ "norm", lapi_vec_norm },
	{ "cosine", lapi_vec_cosine },
	{ "normalize", lapi_vec_normalize },
	{ "totable", lapi_vec_totable },
	{ NULL, NULL }
};

static const luaL_Reg lapi_vec_meta[] = {
	{ "__index", NULL },
	{ "__newindex", lapi_vec_newindex },
	{ "__add", lapi_vec_add },
	{ "__sub", lapi_vec_sub },
	{ "__mul", lapi_vec_mul },
	{ "__div", lapi_vec_div },
	{ "__unm", lapi_vec_unm },
	{ "__eq", lapi_vec_eq },
	{ "__len", lapi_vec_len },
	{ "__tostring", lapi_vec_tostring },
	{ NULL, NULL }
};

static const luaL_Reg lapi_box_meta[] = {
	{ "__gc", lapi_box_gc },
	{ NULL, NULL }
};

/*
 * Creates a named metatable whose __index is fn with the methods table as
 * its upvalue (fn looks methods up first, then the handle's fields).
 */
static void
lapi_newclass(lua_State *L, const char *name, const luaL_Reg *meta,
    const luaL_Reg *methods, lua_CFunction index)
{
	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	if (methods != NULL) {
		lua_newtable(L);
		luaL_setfuncs(L, methods, 0);
		lua_pushcclosure(L, index, 1);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
}

/* Opens the embrepl module. */
int
luaopen_embrepl(lua_State *L)
{
	lapi_newclass(L, LAPI_STORE, lapi_store_meta, lapi_store_methods,
	    lapi_store_index);
	lapi_newclass(L, LAPI_MODEL, lapi_model_meta, lapi_model_methods,
	    lapi_model_index);
	lapi_newclass(L, LAPI_EMB, lapi_emb_meta, lapi_emb_methods,
	    lapi_emb_index);
	lapi_newclass(L, LAPI_VECTOR, lapi_vec_meta, lapi_vec_methods,
	    lapi_vec_index);
	lapi_newclass(L, LAPI_BOX, lapi_box_meta, NULL, NULL);
	luaL_newlib(L, lapi_funcs);
	return (1);
}
