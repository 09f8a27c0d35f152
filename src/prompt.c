/*
 * prompt.c: the interactive prompt, with GNU readline.
 *
 * Readline runs through its callback interface so that Ctrl-C can drop
 * the line being typed and give a fresh prompt, and so that a Lua chunk
 * spread over several lines can be gathered before it runs. History is
 * kept in the XDG state directory; completion reads the command table.
 */
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "prompt.h"
#include "repl.h"
#include "text.h"
#include "util.h"

#define PROMPT_HISTORY_MAX	2000

static struct repl *prompt_repl;
static char	*prompt_chunk;		/* Lua lines gathered so far */
static char	*prompt_text;		/* the prompt shown */
static int	 prompt_done;
static int	 prompt_cancel_read;	/* prompt_getc gave its Ctrl-C */

/* Makes a directory and its parents, as mkdir -p does. */
static void
prompt_mkdirs(const char *path)
{
	char	*p, *copy;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(copy, 0700);
		*p = '/';
	}
	mkdir(copy, 0700);
	free(copy);
}

/* The history file: $XDG_STATE_HOME/embrepl/history. */
static char *
prompt_history_path(void)
{
	const char	*state, *home;
	char		*dir, *path;

	if ((state = getenv("XDG_STATE_HOME")) != NULL && *state == '/')
		dir = xasprintf("%s/embrepl", state);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		dir = xasprintf("%s/.local/state/embrepl", home);
	else
		return (NULL);
	prompt_mkdirs(dir);
	path = xasprintf("%s/history", dir);
	free(dir);
	return (path);
}

/* The prompt: the current model's name, or embrepl. */
static void
prompt_set(int more)
{
	char	*name;

	free(prompt_text);
	if (more)
		prompt_text = xstrdup(">> ");
	else {
		name = text_escape(prompt_repl->model ?
		    prompt_repl->model->name : "embrepl");
		prompt_text = xasprintf("%s> ", name);
		free(name);
	}
	rl_set_prompt(prompt_text);
}

/* Takes a finished line from readline and runs what it completes. */
static void
prompt_line(char *line)
{
	char	*chunk;
	int	 incomplete = 0;

	if (line == NULL) {
		prompt_done = 1;
		rl_callback_handler_remove();
		fputc('\n', stdout);
		return;
	}
	if (*line != '\0')
		add_history(line);
	if (prompt_chunk != NULL) {
		chunk = xasprintf("%s\n%s", prompt_chunk, line);
		free(prompt_chunk);
		prompt_chunk = NULL;
	} else
		chunk = xstrdup(line);
	free(line);
	rl_callback_handler_remove();
	if (chunk[strspn(chunk, " \t")] != '\0') {
		repl_chunk(prompt_repl, chunk, &incomplete);
		prompt_repl->failed = 0;
	}
	if (incomplete)
		prompt_chunk = chunk;
	else
		free(chunk);
	if (prompt_repl->quit) {
		prompt_done = 1;
		return;
	}
	util_interrupted = 0;
	prompt_cancel_read = 0;
	/* A view may have seen the window change. */
	rl_resize_terminal();
	prompt_set(incomplete);
	rl_callback_handler_install(prompt_text, prompt_line);
}

/* Drops the line being typed after Ctrl-C and shows a fresh prompt. */
static void
prompt_cancel(void)
{
	util_interrupted = 0;
	prompt_cancel_read = 0;
	free(prompt_chunk);
	prompt_chunk = NULL;
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	fputs("^C\n", stdout);
	prompt_set(0);
	rl_callback_handler_remove();
	rl_callback_handler_install(prompt_text, prompt_line);
}

/* The word list completion offers for position pos of command c. */
static char	**prompt_words;
static size_t	 prompt_nwords;

/* Adds a candidate word. */
static void
prompt_offer(const char *w)
{
	prompt_words = xreallocarray(prompt_words, prompt_nwords + 1,
	    sizeof *prompt_words);
	prompt_words[prompt_nwords++] = xstrdup(w);
}

/* Frees the candidates. */
static void
prompt_forget(void)
{
	size_t	 i;

	for (i = 0; i < prompt_nwords; i++)
		free(prompt_words[i]);
	free(prompt_words);
	prompt_words = NULL;
	prompt_nwords = 0;
}

/* Offers what a command's argument of kind k can be. */
static void
prompt_gather(char k, char **w, int nw, const char *text)
{
	struct repl	*r = prompt_repl;
	struct emb	*e;
	size_t		 i, len = strlen(text);
	const char	*l;

	if (k == 'c') {
		for (i = 0; i < cmd_count(); i++)
			prompt_offer(cmd_at(i)->name);
	} else if (k == 'm' && r->set != NULL) {
		for (i = 0; i < r->set->nmodels; i++)
			prompt_offer(r->set->models[i]->name);
	} else if (k == 'v' && r->model != NULL) {
		for (i = 0; i < r->model->nemb; i++)
			prompt_offer(r->model->embs[i]->name);
	} else if (k == 'l' && r->model != NULL && nw >= 2 &&
	    (e = model_find_emb(r->model, w[1])) != NULL &&
	    emb_load_labels(e, NULL) == 0) {
		for (i = 0; i < e->rows && prompt_nwords < 100000; i++) {
			l = emb_label(e, i);
			if (strncmp(l, text, len) == 0)
				prompt_offer(l);
		}
	}
}

/* Generates matches from the gathered candidates, one per call. */
static char *
prompt_generate(const char *text, int state)
{
	static size_t	 at;
	size_t		 len = strlen(text);

	if (state == 0)
		at = 0;
	while (at < prompt_nwords) {
		if (strncmp(prompt_words[at++], text, len) == 0)
			return (xstrdup(prompt_words[at - 1]));
	}
	return (NULL);
}

/* Undoes the escapes of the text being completed, as cmd_split does. */
static char *
prompt_dequote(char *s, int quote)
{
	return (quote == '\'' ? xstrdup(s) : text_unescape_all(s));
}

/* Decides what the word under the cursor is and completes it. */
static char **
prompt_complete(const char *text, int start, int end)
{
	const struct cmd *c;
	char		*head, **w, **m, *plain;
	int		 nw, pos;
	char		 k = '-';

	rl_attempted_completion_over = 1;
	prompt_forget();
	if (start > 0 && strchr("\"'", rl_line_buffer[start - 1]) != NULL)
		start--;	/* the opening quote of the word */
	head = xstrndup(rl_line_buffer, start);
	w = cmd_split(head, &nw, NULL);
	free(head);
	if (w == NULL)
		return (NULL);
	if (nw == 0)
		k = 'c';
	else if ((c = cmd_find(w[0])) != NULL) {
		pos = nw - 1;
		if (c->complete != NULL && pos < (int)strlen(c->complete))
			k = c->complete[pos];
		else if (c->complete != NULL && *c->complete != '\0' &&
		    c->maxargs < 0)
			k = c->complete[strlen(c->complete) - 1];
	}
	if (k == 'f') {
		rl_attempted_completion_over = 0;
		cmd_free_words(w, nw);
		return (NULL);
	}
	plain = prompt_dequote((char *)text, rl_completion_quote_character);
	prompt_gather(k, w, nw + 1, plain);
	cmd_free_words(w, nw);
	rl_filename_completion_desired = 1;
	rl_filename_quoting_desired = 1;
	m = rl_completion_matches(plain, prompt_generate);
	free(plain);
	return (m);
}

/*
 * Quotes a completed word for the line. A word that needs nothing stays
 * as it is; so does one inside a single quote already open, unless it
 * holds a single quote or anything text_escape would escape. Any other
 * goes between double quotes with quotes escaped and every character that
 * must not reach the terminal written as its escape, which cmd_split
 * reads back: no label is put on the line, and so on the screen, raw.
 */
static char *
prompt_quote(char *s, int type, char *qp)
{
	char	*esc, *out, *p, *e;
	int	 q = qp != NULL ? *qp : '\0', plain;

	esc = text_escape(s);
	plain = strcmp(esc, s) == 0;
	if (plain && q == '\0' && strpbrk(s, " \t\"'") == NULL)
		out = xstrdup(s);
	else if (plain && q == '\'' && strchr(s, '\'') == NULL)
		out = xasprintf("%s%s", s, type == SINGLE_MATCH ? "'" : "");
	else {
		if (q == '\'')
			*qp = '"';	/* readline drops the single quote */
		out = p = xmalloc(2 * strlen(esc) + 3);
		*p++ = '"';
		for (e = esc; *e != '\0'; e++) {
			if (*e == '"')
				*p++ = '\\';
			*p++ = *e;
		}
		if (type == SINGLE_MATCH)
			*p++ = '"';
		*p = '\0';
	}
	free(esc);
	return (out);
}

/* Lists completions in columns, escaped: labels never reach it raw. */
static void
prompt_display(char **matches, int n, int longest)
{
	char	**esc;
	size_t	 width, cols, w = 0, i, pad;
	int	 rows, cols_term;

	rl_get_screen_size(&rows, &cols_term);
	esc = xcalloc(n + 1, sizeof *esc);
	for (i = 1; i <= (size_t)n; i++) {
		esc[i] = text_escape(matches[i]);
		if (text_width(esc[i]) > w)
			w = text_width(esc[i]);
	}
	width = w + 2;
	cols = cols_term > 0 && (size_t)cols_term > width ?
	    (size_t)cols_term / width : 1;
	fputc('\n', rl_outstream);
	for (i = 1; i <= (size_t)n; i++) {
		pad = (i % cols == 0 || i == (size_t)n) ? 0 :
		    width - text_width(esc[i]);
		fprintf(rl_outstream, "%s%*s", esc[i], (int)pad, "");
		if (i % cols == 0 || i == (size_t)n)
			fputc('\n', rl_outstream);
		free(esc[i]);
	}
	free(esc);
	rl_forced_update_display();
}

/*
 * The bytes that make readline ask prompt_quote about a completed word:
 * blanks, quotes, backslash, controls, and every byte of a character
 * outside ASCII, since some of those must be escaped too.
 */
static const char *
prompt_quote_bytes(void)
{
	static char	 bytes[256];
	size_t		 n = 0;
	int		 c;

	if (bytes[0] != '\0')
		return (bytes);
	for (c = 1; c < 256; c++) {
		if (c < 0x20 || c >= 0x7f || strchr(" \"'\\", c) != NULL)
			bytes[n++] = c;
	}
	return (bytes);
}

/* The Ctrl-C that prompt_getc hands readline for an interrupt: cancel. */
static int
prompt_key_cancel(int count, int key)
{
	util_interrupted = 1;
	return (0);
}

/*
 * Reads one key for readline. When the terminal sends SIGINT it drops
 * what was typed ahead, so a key that select saw may be gone by the time
 * it is read; readline's own reader would then wait for the next key
 * and the Ctrl-C would go unseen. Here an interrupt, before the read or
 * during it, reads as Ctrl-C, which cancels the line.
 */
static int
prompt_getc(FILE *f)
{
	unsigned char	 c;
	ssize_t		 n;

	for (;;) {
		if (util_interrupted && !prompt_cancel_read) {
			prompt_cancel_read = 1;	/* once, until the cancel */
			return (CTRL('C'));
		}
		n = read(fileno(f), &c, 1);
		if (n == 1)
			return (c);
		if (n == 0 || errno != EINTR)
			return (EOF);
	}
}

/* Waits for keys and feeds them to readline until quit or Ctrl-D. */
int
prompt_run(struct repl *r)
{
	sigset_t block, old;
	char	*hist;
	fd_set	 fds;
	int	 n;

	prompt_repl = r;
	rl_readline_name = "embrepl";
	rl_catch_signals = 0;
	rl_attempted_completion_function = prompt_complete;
	rl_completer_quote_characters = "\"'";
	rl_filename_quote_characters = prompt_quote_bytes();
	rl_completer_word_break_characters = " \t";
	rl_filename_quoting_function = prompt_quote;
	rl_filename_dequoting_function = prompt_dequote;
	rl_completion_display_matches_hook = prompt_display;
	rl_getc_function = prompt_getc;
	rl_bind_key_in_map(CTRL('C'), prompt_key_cancel, emacs_standard_keymap);
	rl_bind_key_in_map(CTRL('C'), prompt_key_cancel, vi_insertion_keymap);
	rl_bind_key_in_map(CTRL('C'), prompt_key_cancel, vi_movement_keymap);
	using_history();
	stifle_history(PROMPT_HISTORY_MAX);
	if ((hist = prompt_history_path()) != NULL)
		read_history(hist);
	prompt_set(0);
	rl_callback_handler_install(prompt_text, prompt_line);
	/*
	 * Signals stay blocked except inside pselect, so a Ctrl-C that
	 * arrives while readline works on a key is seen before the next wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!prompt_done && !util_terminated) {
		if (util_interrupted)
			prompt_cancel();
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		n = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL, &old);
		if (n < 0 && errno == EINTR) {
			rl_resize_terminal();
			continue;
		}
		if (n < 0)
			break;
		sigprocmask(SIG_SETMASK, &old, NULL);
		rl_callback_read_char();
		sigprocmask(SIG_BLOCK, &block, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	rl_callback_handler_remove();
	if (hist != NULL) {
		write_history(hist);
		history_truncate_file(hist, PROMPT_HISTORY_MAX);
		free(hist);
	}
	prompt_forget();
	free(prompt_chunk);
	free(prompt_text);
	return (0);
}
