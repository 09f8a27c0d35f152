/*
 * out.h: command output as tables, for people or for programs.
 *
 * A command fills one or more named tables of typed cells and prints them
 * once: an aligned table that fits the terminal for people; TSV, CSV or
 * JSON without decoration for programs. Every string cell is escaped on
 * the way out: a label never reaches a terminal raw.
 */
#ifndef EMBREPL_OUT_H
#define EMBREPL_OUT_H

#include <stddef.h>
#include <stdio.h>

enum out_format {
	OUT_TABLE,
	OUT_TSV,
	OUT_CSV,
	OUT_JSON
};

enum out_type {
	OUT_STR,
	OUT_INT,
	OUT_NUM,
	OUT_VEC,
	OUT_BOOL
};

struct out_cell {
	enum out_type	 type;
	int		 null;		/* no value: "-" or null */
	char		*s;
	long long	 i;
	double		 d;
	float		*v;
	size_t		 n;
};

struct out_table {
	char		*name;		/* JSON key; also its title */
	size_t		 ncols;
	char		**cols;
	enum out_type	*types;
	size_t		 nrows;
	struct out_cell	*cells;		/* nrows x ncols */
	size_t		 at;		/* cells filled */
	/* Text too wide for its column wraps instead of being cut. */
	int		 wrap;
};

struct out_doc {
	size_t		 ntables;
	struct out_table **tables;
	/* A line for people only, or NULL. */
	char		*note;
};

const char	*out_format_name(enum out_format);
int		 out_format_parse(const char *, enum out_format *);

struct out_doc	*out_doc_new(void);
void		 out_doc_free(struct out_doc *);
void		 out_note(struct out_doc *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Adds a table with its columns, given as "name:type" (s i n v b). */
struct out_table *out_table_add(struct out_doc *, const char *,
		    const char *const *, size_t);

/*
 * Makes text that does not fit its column wrap onto more lines, for
 * tables people read whole (help, info); other tables cut it with '~'.
 */
void		 out_table_wrap(struct out_table *);

/* Appends cells, left to right, top to bottom. */
void		 out_str(struct out_table *, const char *);
void		 out_int(struct out_table *, long long);
void		 out_num(struct out_table *, double);
void		 out_vec(struct out_table *, const float *, size_t);
void		 out_bool(struct out_table *, int);
void		 out_null(struct out_table *);

/* Prints a document; width is the terminal's columns for OUT_TABLE. */
void		 out_print(struct out_doc *, FILE *, enum out_format, int);

/* Writes s as a JSON string literal. */
void		 out_json_string(FILE *, const char *);

#endif
