/*
 * pickle.h: a reader of Python pickles that only reads data.
 *
 * pickle_load() understands every opcode of protocols 0 to 5 and builds an
 * inert tree of values. Classes and functions named in the file become
 * PICKLE_GLOBAL nodes holding two strings; a call (REDUCE, NEWOBJ, INST,
 * OBJ) becomes a PICKLE_OBJECT node holding what would have been called
 * and with what. Nothing is ever imported, looked up or run.
 *
 * The memo lets one node appear in several places, and a hostile file can
 * build cycles: walk the tree with pickle_walk() or with a depth bound.
 * All nodes live in one arena, freed at once by pickle_free().
 */
#ifndef EMBREPL_PICKLE_H
#define EMBREPL_PICKLE_H

#include <stddef.h>
#include <stdint.h>

enum pickle_type {
	PICKLE_NONE,
	PICKLE_BOOL,
	PICKLE_INT,
	PICKLE_BIGINT,		/* beyond 64 bits: little-endian bytes */
	PICKLE_FLOAT,
	PICKLE_STR,
	PICKLE_BYTES,
	PICKLE_TUPLE,
	PICKLE_LIST,
	PICKLE_DICT,
	PICKLE_SET,
	PICKLE_FROZENSET,
	PICKLE_GLOBAL,		/* a class or function reference */
	PICKLE_OBJECT,		/* a call that was not made */
	PICKLE_PERSID		/* a persistent id left unresolved */
};

/* How a PICKLE_OBJECT would have been made. */
enum pickle_call {
	PICKLE_REDUCE,		/* callable(*args) */
	PICKLE_NEWOBJ,		/* cls.__new__(cls, *args) */
	PICKLE_NEWOBJ_EX,	/* cls.__new__(cls, *args, **kwargs) */
	PICKLE_INST		/* INST and OBJ: cls(*args) */
};

/* A PICKLE_STR that came from a protocol 0-2 byte string (not UTF-8). */
#define PICKLE_F_8BIT		0x1
/* A PICKLE_BYTES that is a bytearray. */
#define PICKLE_F_BYTEARRAY	0x2

struct pickle_node {
	enum pickle_type	 type;
	int			 flags;
	unsigned		 depth;		/* nesting when built */
	/* The generation of pickle_walk that saw it last. */
	unsigned		 seen;
	/* BUILD's state, or NULL. */
	struct pickle_node	*state;

	union {
		int64_t		 i;		/* BOOL, INT */
		double		 f;		/* FLOAT */
		struct {			/* STR, BYTES, BIGINT */
			/* NUL-terminated copy. */
			char	*data;
			size_t	 len;
		} s;
		struct {			/* TUPLE, LIST, SET... */
			struct pickle_node **v;
			size_t	 n;
			size_t	 cap;
		} seq;
		struct {			/* DICT: kv[2i] -> kv[2i + 1] */
			struct pickle_node **kv;
			size_t	 n;		/* pairs */
			size_t	 cap;
		} dict;
		struct {			/* GLOBAL */
			char	*module;
			char	*name;
		} global;
		struct {			/* OBJECT */
			enum pickle_call how;
			struct pickle_node *callable;
			struct pickle_node *args;	/* usually a TUPLE */
			/* NEWOBJ_EX, or NULL. */
			struct pickle_node *kwargs;
			/* SETITEM(S): a DICT. */
			struct pickle_node *items;
			struct pickle_node *list;	/* APPEND(S): a LIST */
		} obj;
		struct pickle_node *pid;	/* PERSID */
	} u;
};

/* Bounds that keep a hostile pickle from exhausting memory or stack. */
struct pickle_limits {
	unsigned	 max_depth;	/* nesting of containers and marks */
	size_t		 max_objects;	/* nodes in the arena */
	/* Bytes allocated for the arena. */
	size_t		 max_bytes;
};

struct pickle;

/*
 * Turns a persistent id into a node (the id itself, another node or one
 * made with pickle_node_new), or returns NULL with a cause to stop.
 */
typedef struct pickle_node *(*pickle_persid_fn)(struct pickle *,
		    struct pickle_node *, void *, char **);

void		 pickle_limits_default(struct pickle_limits *);

/* An arena for one or more pickles; NULL limits take the defaults. */
struct pickle	*pickle_new(const struct pickle_limits *);
void		 pickle_free(struct pickle *);

/*
 * Reads one pickle from buf and returns its value. *used (if not NULL)
 * receives the bytes read up to and including STOP, so that several
 * pickles in a row can be read. Persistent ids go to fn when it is not
 * NULL and are otherwise kept as PICKLE_PERSID nodes.
 */
struct pickle_node *pickle_load(struct pickle *, const void *, size_t,
		    size_t *, pickle_persid_fn, void *, char **);

/* A new node in the arena (for persistent id callbacks), or NULL. */
struct pickle_node *pickle_node_new(struct pickle *, enum pickle_type,
		    char **);

/* Nodes and bytes the arena holds. */
size_t		 pickle_objects(const struct pickle *);
size_t		 pickle_bytes(const struct pickle *);

const char	*pickle_type_name(enum pickle_type);

/* Scalars: NULL or -1 when the node is not of that kind. */
const char	*pickle_str(const struct pickle_node *);
int		 pickle_int(const struct pickle_node *, int64_t *);
int		 pickle_float(const struct pickle_node *, double *);
int		 pickle_is_none(const struct pickle_node *);

/* Items of a TUPLE, LIST, SET or FROZENSET. */
size_t		 pickle_len(const struct pickle_node *);
struct pickle_node *pickle_item(const struct pickle_node *, size_t);

/*
 * A dictionary's value under a string key, the last one set winning. It
 * reads a DICT or the items set on an OBJECT (an OrderedDict).
 */
struct pickle_node *pickle_dict_get(const struct pickle_node *,
		    const char *);
/* The DICT holding a dictionary's pairs: the node or an OBJECT's items. */
const struct pickle_node *pickle_dict_of(const struct pickle_node *);

/* An attribute from the BUILD state ({...} or ({...}, {slots})). */
struct pickle_node *pickle_attr(const struct pickle_node *, const char *);

/* Whether node is a GLOBAL module.name (a NULL module matches any). */
int		 pickle_is_global(const struct pickle_node *, const char *,
		    const char *);
/* The class or callable an OBJECT was made by, when it is a GLOBAL. */
const struct pickle_node *pickle_class(const struct pickle_node *);
/* Whether node is an OBJECT made by module.name (NULL: any module). */
int		 pickle_is_instance(const struct pickle_node *, const char *,
		    const char *);

/*
 * Calls fn once for every node reachable from root (cycles and shared
 * nodes visited once), depth first, in pickle order; fn returns nonzero
 * to stop the walk, and that value is returned.
 */
int		 pickle_walk(struct pickle *, struct pickle_node *,
		    int (*)(struct pickle_node *, void *), void *);

#endif
