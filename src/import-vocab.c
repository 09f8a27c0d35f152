/*
 * import-vocab.c: labelling number-labelled embeddings from a vocabulary.
 *
 * A vocabulary is a JSON object of lists ({"var": ["#na#", "a"]}), a CSV
 * or TSV table (variable,row,label), a file of one label per line for a
 * single embedding, or a torch export whose embeddings carry labels.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"
#include "import-text.h"
#include "text.h"
#include "util.h"

/* One variable's labels; a NULL name fits the only embedding. */
struct vocab_entry {
	char			*name;
	struct import_labels	*labels;
};

struct vocab {
	struct vocab_entry	*v;
	size_t			 n;
	const char		*p;	/* parse position */
	const char		*end;
};

/* Frees a vocabulary. */
static void
vocab_free(struct vocab *vc)
{
	size_t	 i;

	for (i = 0; i < vc->n; i++) {
		free(vc->v[i].name);
		import_labels_free(vc->v[i].labels);
	}
	free(vc->v);
}

/* Adds an entry and returns its label builder. */
static struct import_labels *
vocab_add(struct vocab *vc, const char *name, size_t len)
{
	struct vocab_entry	*e;

	vc->v = xreallocarray(vc->v, vc->n + 1, sizeof *vc->v);
	e = &vc->v[vc->n++];
	e->name = name == NULL ? NULL : xstrndup(name, len);
	e->labels = import_labels_new();
	return (e->labels);
}

/* Finds an entry by name. */
static struct vocab_entry *
vocab_find(struct vocab *vc, const char *name)
{
	size_t	 i;

	for (i = 0; i < vc->n; i++) {
		if (vc->v[i].name != NULL && strcmp(vc->v[i].name, name) == 0)
			return (&vc->v[i]);
	}
	return (NULL);
}

/* Skips JSON white space. */
static void
vocab_json_space(struct vocab *vc)
{
	while (vc->p < vc->end && (*vc->p == ' ' || *vc->p == '\t' ||
	    *vc->p == '\n' || *vc->p == '\r'))
		vc->p++;
}

/* Reads four hex digits of a \u escape. */
static int
vocab_json_hex(struct vocab *vc, uint32_t *c)
{
	int	 i, d;

	if (vc->end - vc->p < 4)
		return (-1);
	for (*c = 0, i = 0; i < 4; i++) {
		d = vc->p[i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f')
			d = (d | 0x20) - 'a' + 10;
		else
			return (-1);
		*c = *c << 4 | d;
	}
	vc->p += 4;
	return (0);
}

/* Reads a JSON string at p (after its quote) into a new string. */
static char *
vocab_json_string(struct vocab *vc, size_t *lenp)
{
	static const char	 from[] = "\"\\/bfnrt";
	static const char	 to[] = "\"\\/\b\f\n\r\t";
	const char		*q;
	char			*s;
	size_t			 len = 0;
	uint32_t		 c, lo;

	s = xmalloc(vc->end - vc->p + 1);
	while (vc->p < vc->end && *vc->p != '"') {
		if (*vc->p != '\\') {
			s[len++] = *vc->p++;
			continue;
		}
		if (++vc->p == vc->end)
			break;
		if ((q = strchr(from, *vc->p)) != NULL && *q != '\0') {
			s[len++] = to[q - from];
			vc->p++;
			continue;
		}
		if (*vc->p++ != 'u' || vocab_json_hex(vc, &c) != 0)
			goto bad;
		if (c >= 0xd800 && c < 0xdc00 && vc->end - vc->p >= 6 &&
		    vc->p[0] == '\\' && vc->p[1] == 'u') {
			vc->p += 2;
			if (vocab_json_hex(vc, &lo) != 0)
				goto bad;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		}
		len += text_utf8(c, s + len);
	}
	if (vc->p == vc->end)
		goto bad;
	vc->p++;
	s[len] = '\0';
	*lenp = len;
	return (s);

bad:
	free(s);
	return (NULL);
}

/* Reads one JSON scalar as a label: strings as they are, others as text. */
static int
vocab_json_label(struct vocab *vc, struct import_labels *lb, char **cause)
{
	const char	*t;
	char		*s;
	size_t		 len;

	if (vc->p < vc->end && *vc->p == '"') {
		vc->p++;
		if ((s = vocab_json_string(vc, &len)) == NULL)
			return (util_fail(cause, "a string is not closed"));
		import_labels_add(lb, s, len);
		free(s);
		return (0);
	}
	for (t = vc->p; t < vc->end && strchr(",]} \t\r\n", *t) == NULL; t++)
		/* nothing */;
	if (t == vc->p)
		return (util_fail(cause, "a label is missing"));
	if (t - vc->p == 4 && memcmp(vc->p, "true", 4) == 0)
		import_labels_add(lb, "True", 4);
	else if (t - vc->p == 5 && memcmp(vc->p, "false", 5) == 0)
		import_labels_add(lb, "False", 5);
	else if (t - vc->p == 4 && memcmp(vc->p, "null", 4) == 0)
		import_labels_add(lb, "None", 4);
	else if (*vc->p == '[' || *vc->p == '{')
		return (util_fail(cause, "a label is a list or an object"));
	else
		import_labels_add(lb, vc->p, t - vc->p);
	vc->p = t;
	return (0);
}

/* Reads a JSON list of labels. */
static int
vocab_json_list(struct vocab *vc, struct import_labels *lb, char **cause)
{
	vocab_json_space(vc);
	if (vc->p == vc->end || *vc->p != '[')
		return (util_fail(cause, "expected a list of labels"));
	vc->p++;
	vocab_json_space(vc);
	if (vc->p < vc->end && *vc->p == ']') {
		vc->p++;
		return (0);
	}
	for (;;) {
		vocab_json_space(vc);
		if (vocab_json_label(vc, lb, cause) != 0)
			return (-1);
		vocab_json_space(vc);
		if (vc->p < vc->end && *vc->p == ',') {
			vc->p++;
			continue;
		}
		if (vc->p < vc->end && *vc->p == ']') {
			vc->p++;
			return (0);
		}
		return (util_fail(cause, "a list is not closed"));
	}
}

/* Reads a JSON object of lists, or one list for a single embedding. */
static int
vocab_json(struct vocab *vc, char **cause)
{
	char	*key;
	size_t	 len;

	vocab_json_space(vc);
	if (*vc->p == '[')
		return (vocab_json_list(vc, vocab_add(vc, NULL, 0), cause));
	vc->p++;
	for (;;) {
		vocab_json_space(vc);
		if (vc->p < vc->end && *vc->p == '}' && vc->n == 0)
			break;
		if (vc->p == vc->end || *vc->p++ != '"' ||
		    (key = vocab_json_string(vc, &len)) == NULL)
			return (util_fail(cause, "JSON: expected a name"));
		vocab_json_space(vc);
		if (vc->p == vc->end || *vc->p++ != ':') {
			free(key);
			return (util_fail(cause, "JSON: expected ':'"));
		}
		if (vocab_json_list(vc, vocab_add(vc, key, len), cause) != 0) {
			free(key);
			return (-1);
		}
		free(key);
		vocab_json_space(vc);
		if (vc->p < vc->end && *vc->p == ',') {
			vc->p++;
			continue;
		}
		if (vc->p < vc->end && *vc->p == '}')
			break;
		return (util_fail(cause, "JSON: expected ',' or '}'"));
	}
	return (0);
}

/* Reads one CSV field (quotes allowed); tells whether it ends the line. */
static int
vocab_csv_field(struct vocab *vc, char sep, char **out, size_t *lenp)
{
	char	*s;
	size_t	 len = 0;

	s = xmalloc(vc->end - vc->p + 1);
	if (vc->p < vc->end && *vc->p == '"') {
		for (vc->p++; vc->p < vc->end; vc->p++) {
			if (*vc->p == '"' && vc->p + 1 < vc->end &&
			    vc->p[1] == '"')
				s[len++] = *vc->p++;
			else if (*vc->p == '"')
				break;
			else
				s[len++] = *vc->p;
		}
		if (vc->p < vc->end)
			vc->p++;
	}
	while (vc->p < vc->end && *vc->p != sep && *vc->p != '\n') {
		if (*vc->p != '\r')
			s[len++] = *vc->p;
		vc->p++;
	}
	s[len] = '\0';
	*out = s;
	*lenp = len;
	if (vc->p < vc->end && *vc->p == sep) {
		vc->p++;
		return (0);
	}
	if (vc->p < vc->end)
		vc->p++;
	return (1);
}

/* Reads one CSV record of up to 8 fields; returns the field count. */
static size_t
vocab_csv_record(struct vocab *vc, char sep, char **f, size_t *lens)
{
	size_t	 n = 0;
	char	*s;
	size_t	 len;
	int	 last;

	do {
		last = vocab_csv_field(vc, sep, &s, &len);
		if (n < 8) {
			f[n] = s;
			lens[n] = len;
		} else
			free(s);
		n++;
	} while (!last);
	return (n);
}

/* Frees the fields of a record. */
static void
vocab_csv_clear(char **f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && i < 8; i++)
		free(f[i]);
}

/* Places one (variable, row, label) triple; rows must come in order. */
static int
vocab_csv_row(struct vocab *vc, char **f, size_t *lens, const int *col,
    size_t line, char **cause)
{
	struct vocab_entry	*e;
	uint64_t		 row = 0;
	const char		*p;

	for (p = f[col[1]]; *p >= '0' && *p <= '9' && row < SIZE_MAX / 10;
	    p++)
		row = row * 10 + (*p - '0');
	if (p == f[col[1]] || *p != '\0')
		return (util_fail(cause, "line %zu: row '%s' is not a number",
		    line, f[col[1]]));
	if ((e = vocab_find(vc, f[col[0]])) == NULL) {
		vocab_add(vc, f[col[0]], lens[col[0]]);
		e = &vc->v[vc->n - 1];
	}
	if (row != import_labels_count(e->labels))
		return (util_fail(cause, "line %zu: row %llu of %s, expected "
		    "%zu (rows must be listed in order from 0)", line,
		    (unsigned long long)row, e->name,
		    import_labels_count(e->labels)));
	import_labels_add(e->labels, f[col[2]], lens[col[2]]);
	return (0);
}

/* Reads a variable,row,label table with its header line. */
static int
vocab_csv(struct vocab *vc, char sep, char **cause)
{
	static const char	*titles[] = { "variable", "row", "label" };
	char			*f[8];
	size_t			 lens[8], n, i, j, line = 1, want;
	int			 col[3] = { -1, -1, -1 }, rc = 0;

	want = n = vocab_csv_record(vc, sep, f, lens);
	for (i = 0; i < n && i < 8; i++) {
		for (j = 0; j < 3; j++) {
			if (strcasecmp(f[i], titles[j]) == 0)
				col[j] = i;
		}
	}
	vocab_csv_clear(f, n);
	if (col[0] < 0 || col[1] < 0 || col[2] < 0)
		return (util_fail(cause, "the header line must name the "
		    "columns variable, row and label"));
	while (rc == 0 && vc->p < vc->end) {
		line++;
		n = vocab_csv_record(vc, sep, f, lens);
		if (n == 1 && lens[0] == 0) {
			vocab_csv_clear(f, n);
			continue;
		}
		if (n != want)
			rc = util_fail(cause, "line %zu: %zu fields, the "
			    "header has %zu", line, n, want);
		else
			rc = vocab_csv_row(vc, f, lens, col, line, cause);
		vocab_csv_clear(f, n);
	}
	return (rc);
}

/* Tells whether a first line is a variable,row,label header. */
static int
vocab_is_table(const char *p, const char *end, char *sep)
{
	const char	*nl;
	char		*line, *c;
	int		 yes;

	nl = memchr(p, '\n', end - p);
	line = xstrndup(p, (nl == NULL ? end : nl) - p);
	*sep = strchr(line, '\t') != NULL ? '\t' : ',';
	for (c = line; *c != '\0'; c++)
		*c = tolower((unsigned char)*c);
	yes = strstr(line, "variable") != NULL &&
	    strstr(line, "row") != NULL && strstr(line, "label") != NULL;
	free(line);
	return (yes);
}

/* Tells whether an embedding's labels are only its row numbers. */
static int
vocab_numbered(struct emb *e)
{
	char		 num[32];
	const char	*l;
	size_t		 i;

	for (i = 0; i < e->rows; i++) {
		if ((l = emb_label(e, i)) == NULL)
			return (0);
		snprintf(num, sizeof num, "%zu", i);
		if (strcmp(l, num) != 0)
			return (0);
	}
	return (1);
}

/* Collects the labelled embeddings of a torch export as a vocabulary. */
static int
vocab_torch(struct vocab *vc, const char *path, char **cause)
{
	struct model_set	*ms;
	struct import_labels	*lb;
	struct emb		*e;
	size_t			 i, j, r;

	if ((ms = import_torch(path, NULL, cause)) == NULL)
		return (-1);
	for (i = 0; i < ms->nmodels; i++) {
		for (j = 0; j < ms->models[i]->nemb; j++) {
			e = ms->models[i]->embs[j];
			if (vocab_numbered(e))
				continue;
			lb = vocab_add(vc, e->name, strlen(e->name));
			for (r = 0; r < e->rows; r++)
				import_labels_add(lb, emb_label(e, r),
				    strlen(emb_label(e, r)));
		}
	}
	model_set_free(ms);
	if (vc->n == 0)
		return (util_fail(cause, "the torch file has no labelled "
		    "embedding"));
	return (0);
}

/* Reads a vocabulary file of any supported kind. */
static int
vocab_read(struct vocab *vc, const char *path, char **cause)
{
	struct import_map	 map;
	const char		*fmt, *p;
	char			 sep;
	int			 rc;

	fmt = import_format(path);
	if (fmt != NULL && strcmp(fmt, "torch file") == 0)
		return (vocab_torch(vc, path, cause));
	if (import_text_map(path, &map, cause) != 0)
		return (-1);
	for (p = map.p; p < map.p + map.len && strchr(" \t\r\n", *p); p++)
		/* nothing */;
	vc->p = p;
	vc->end = map.p + map.len;
	if (p < vc->end && (*p == '{' || *p == '['))
		rc = vocab_json(vc, cause);
	else if (vocab_is_table(map.p, vc->end, &sep)) {
		vc->p = map.p;
		rc = vocab_csv(vc, sep, cause);
	} else {
		import_text_unmap(&map);
		vc->v = xcalloc(1, sizeof *vc->v);
		vc->n = 1;
		vc->v[0].labels = import_text_labels(path, cause);
		return (vc->v[0].labels == NULL ? -1 : 0);
	}
	import_text_unmap(&map);
	return (rc);
}

/* Relabels one embedding from an entry; counts must agree exactly. */
static int
vocab_apply(struct model *m, struct emb *e, struct vocab_entry *ve,
    char **cause)
{
	size_t	 n = import_labels_count(ve->labels);

	if (n != e->rows)
		return (util_fail(cause, "%s: %zu labels for %zu rows of "
		    "embedding %s", ve->name ? ve->name : "labels", n,
		    e->rows, e->name));
	if (import_labels_apply(ve->labels, m, e, cause) != 0)
		return (-1);
	e->na_row = strcmp(emb_label(e, 0), "#na#") == 0 ? 0 : -1;
	return (0);
}

/* Notes in each model how many of its embeddings were relabelled. */
static void
vocab_note(struct model **mv, const char *done, size_t n, const char *path)
{
	const char	*base;
	size_t		 i, j, count;

	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && mv[j] != mv[i]; j++)
			/* nothing */;
		if (j < i)
			continue;
		for (count = 0, j = i; j < n; j++)
			count += mv[j] == mv[i] && done[j];
		if (count != 0)
			import_labels_note(mv[i], "labels of %zu embedding%s "
			    "from %s", count, count == 1 ? "" : "s", base);
	}
}

/* Lists the number-labelled embeddings of a set. */
static size_t
vocab_targets(struct model_set *ms, struct emb ***ev, struct model ***mv)
{
	size_t	 i, j, n = 0;

	*ev = NULL;
	*mv = NULL;
	for (i = 0; i < ms->nmodels; i++) {
		for (j = 0; j < ms->models[i]->nemb; j++) {
			if (!vocab_numbered(ms->models[i]->embs[j]))
				continue;
			*ev = xreallocarray(*ev, n + 1, sizeof **ev);
			*mv = xreallocarray(*mv, n + 1, sizeof **mv);
			(*ev)[n] = ms->models[i]->embs[j];
			(*mv)[n++] = ms->models[i];
		}
	}
	return (n);
}

/* Matches entries to embeddings by name, else by order, and applies. */
static int
vocab_match(struct vocab *vc, struct model_set *ms, const char *path,
    char **cause)
{
	struct emb		**ev;
	struct model		**mv;
	struct vocab_entry	*ve;
	size_t			 n, i, named = 0;
	char			*done;
	int			 rc = 0;

	if ((n = vocab_targets(ms, &ev, &mv)) == 0)
		return (util_fail(cause, "no embedding is labelled by row "
		    "numbers"));
	done = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		if ((ve = vocab_find(vc, ev[i]->name)) == NULL)
			continue;
		named++;
		if ((rc = vocab_apply(mv[i], ev[i], ve, cause)) != 0)
			break;
		done[i] = 1;
	}
	if (named == 0 && vc->n == n) {
		for (i = 0; i < n && rc == 0; i++) {
			rc = vocab_apply(mv[i], ev[i], &vc->v[i], cause);
			done[i] = rc == 0;
		}
	} else if (named == 0 && rc == 0)
		rc = util_fail(cause, "%zu lists of labels match none of the "
		    "%zu embeddings by name (first: %s), nor by order",
		    vc->n, n, ev[0]->name);
	if (rc == 0)
		vocab_note(mv, done, n, path);
	free(done);
	free(ev);
	free(mv);
	return (rc);
}

/* Relabels number-labelled embeddings from a CSV, TSV, JSON or export. */
int
import_vocab(struct model_set *ms, const char *path, char **cause)
{
	struct vocab	 vc;
	int		 rc;

	memset(&vc, 0, sizeof vc);
	rc = vocab_read(&vc, path, cause);
	if (rc == 0 && vc.n == 0)
		rc = util_fail(cause, "no labels");
	if (rc == 0)
		rc = vocab_match(&vc, ms, path, cause);
	vocab_free(&vc);
	return (rc);
}
