/*
 * ui-term.c: the screen under the views.
 *
 * A view opens the screen with newterm and closes it with endwin and
 * delscreen, so the prompt gets its terminal back as it was; views opened
 * from a view share the screen. Keys come in raw mode, so Ctrl-C arrives
 * as a key and leaves every view. Resizes are caught here with our own
 * SIGWINCH handler while a view is open, whatever handler the prompt had.
 */
#include <sys/ioctl.h>

#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "text.h"
#include "ui-term.h"
#include "util.h"

#include <term.h>

#define UI_TERM_POLL	250	/* ms between looks at signals */

static SCREEN			*ui_term_screen;
static int			 ui_term_depth;
static int			 ui_term_colour;
static int			 ui_term_utf8;
static struct sigaction		 ui_term_oldwinch;
static volatile sig_atomic_t	 ui_term_winched;

/* Checks that both ends are terminals and TERM can draw. */
int
ui_available(void)
{
	const char	*term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return (0);
	return (term != NULL && *term != '\0' && strcmp(term, "dumb") != 0);
}

/* Asks terminfo whether the terminal has at least eight colours. */
static int
ui_term_has_colours(void)
{
	TERMINAL	*saved = cur_term;
	int		 err, n;

	if (!ui_available())
		return (0);
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return (0);
	n = tigetnum("colors");
	del_curterm(cur_term);
	set_curterm(saved);
	return (n >= 8);
}

/* Fills the context's defaults from the locale, NO_COLOR and terminfo. */
void
ui_ctx_init(struct ui_ctx *ctx, struct model *m)
{
	const char	*nc = getenv("NO_COLOR");

	memset(ctx, 0, sizeof *ctx);
	ctx->model = m;
	ctx->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	ctx->color = (nc == NULL || *nc == '\0') && ui_term_has_colours();
	ctx->metric = KNN_COSINE;
	ctx->k = 20;
}

/* Notes a resize for the key loop. */
static void
ui_term_winch(int sig)
{
	ui_term_winched = 1;
}

/* Sets up the colour pairs; the heat ramp runs blue, neutral, red. */
static void
ui_term_colours(void)
{
	static const short heat256[UI_HEAT_LEVELS] = {
		19, 26, 33, 117, -1, 217, 209, 196, 124
	};
	static const short heat8[UI_HEAT_LEVELS] = {
		COLOR_BLUE, COLOR_BLUE, COLOR_CYAN, COLOR_CYAN, -1,
		COLOR_YELLOW, COLOR_YELLOW, COLOR_RED, COLOR_RED
	};
	short	 bg = -1, c;
	int	 i;

	start_color();
	if (use_default_colors() != OK)
		bg = COLOR_BLACK;
	init_pair(UI_C_TITLE, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_CURSOR, COLOR_BLACK, COLOR_WHITE);
	init_pair(UI_C_MATCH, COLOR_YELLOW, bg);
	init_pair(UI_C_BAR, COLOR_GREEN, bg);
	init_pair(UI_C_NEG, COLOR_RED, bg);
	init_pair(UI_C_AXIS, COLOR_BLUE, bg);
	init_pair(UI_C_DOTS, COLOR_CYAN, bg);
	init_pair(UI_C_SELECT, COLOR_BLACK, COLOR_YELLOW);
	init_pair(UI_C_ERROR, COLOR_RED, bg);
	for (i = 0; i < UI_HEAT_LEVELS; i++) {
		c = COLORS >= 256 ? heat256[i] : heat8[i];
		init_pair(UI_C_HEAT + i, COLOR_BLACK, c == -1 ? bg : c);
	}
}

/* Opens the screen, or joins the one a calling view opened. */
int
ui_term_open(struct ui_ctx *ctx, char **cause)
{
	struct sigaction sa;
	const char	*term = getenv("TERM");

	if (ui_term_depth > 0) {
		ui_term_depth++;
		return (0);
	}
	if (!ui_available())
		return (util_fail(cause, "a view needs a terminal"));
	fflush(stdout);
	fflush(stderr);
	ui_term_screen = newterm(NULL, stdout, stdin);
	if (ui_term_screen == NULL)
		return (util_fail(cause, "cannot draw on terminal type %s",
		    term != NULL ? term : "(unset)"));
	set_term(ui_term_screen);
	ui_term_depth = 1;
	raw();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(UI_TERM_POLL);
	ui_term_utf8 = ctx->utf8;
	ui_term_colour = ctx->color && has_colors();
	if (ui_term_colour)
		ui_term_colours();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_term_winch;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &ui_term_oldwinch);
	ui_term_winched = 0;
	util_interrupted = 0;
	return (0);
}

/* Leaves the screen when the outermost view closes. */
void
ui_term_close(void)
{
	if (ui_term_depth == 0 || --ui_term_depth > 0)
		return;
	sigaction(SIGWINCH, &ui_term_oldwinch, NULL);
	curs_set(1);
	endwin();
	delscreen(ui_term_screen);
	ui_term_screen = NULL;
	fflush(stdout);
	util_interrupted = 0;
}

/* Takes the new size from the kernel after a SIGWINCH. */
static void
ui_term_resize(void)
{
	struct winsize	 ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clear();
}

/*
 * Waits for a key. Ctrl-C and an interrupt flag set by the prompt's
 * SIGINT handler both come back as UI_KEY_INTR; a resize as KEY_RESIZE.
 */
int
ui_term_key(void)
{
	int	 key;

	for (;;) {
		if (util_interrupted) {
			util_interrupted = 0;
			return (UI_KEY_INTR);
		}
		if (ui_term_winched) {
			ui_term_winched = 0;
			ui_term_resize();
			return (KEY_RESIZE);
		}
		key = getch();
		if (key == ERR)
			continue;
		if (key == 3)
			return (UI_KEY_INTR);
		if (key == KEY_RESIZE)
			clear();
		return (key);
	}
}

/* Says so when the window is too small to draw in. */
int
ui_term_small(void)
{
	if (LINES >= 6 && COLS >= 30)
		return (0);
	erase();
	mvaddnstr(0, 0, "window too small", COLS);
	refresh();
	return (1);
}

/* Rows of a view's body: all but the title and the status lines. */
int
ui_term_page(void)
{
	return (LINES > 3 ? LINES - 3 : 1);
}

/* The attributes of a role: colours when allowed, else plain styles. */
attr_t
ui_term_attr(enum ui_colour c)
{
	if (c == UI_C_CURSOR)
		return (A_REVERSE);
	if (!ui_term_colour) {
		switch (c) {
		case UI_C_TITLE:
			return (A_REVERSE);
		case UI_C_MATCH:
			return (A_BOLD | A_UNDERLINE);
		case UI_C_SELECT:
			return (A_REVERSE | A_BOLD);
		case UI_C_ERROR:
			return (A_BOLD);
		default:
			return (A_NORMAL);
		}
	}
	if (c == UI_C_MATCH || c == UI_C_SELECT)
		return (COLOR_PAIR(c) | A_BOLD);
	return (COLOR_PAIR(c));
}

/* The heat colour of t in [-1, 1], or nothing without colours. */
attr_t
ui_term_heat(double t)
{
	int	 level;

	if (!ui_term_colour)
		return (A_NORMAL);
	if (!(t >= -1))
		t = -1;
	if (t > 1)
		t = 1;
	level = (int)((t + 1) / 2 * (UI_HEAT_LEVELS - 1) + 0.5);
	return (COLOR_PAIR(UI_C_HEAT + level));
}

/* Tells whether the colour ramp of 256 colours is in use. */
int
ui_term_rich(void)
{
	return (ui_term_colour && COLORS >= 256);
}

/* Draws fitted text padded to cols columns; frees it, returns its width. */
static int
ui_term_put(int y, int x, char *fit, int cols, attr_t attr)
{
	int	 w;

	w = (int)text_width(fit);
	attrset(attr);
	mvaddstr(y, x, fit);
	if (w < cols)
		printw("%*s", cols - w, "");
	attrset(A_NORMAL);
	free(fit);
	return (w);
}

/* Draws trusted text cut and padded to cols columns. */
void
ui_term_text(int y, int x, const char *text, int cols, attr_t attr)
{
	if (cols > 0)
		ui_term_put(y, x, text_fit(text, cols), cols, attr);
}

/* Draws an untrusted label escaped, cut and padded; returns its width. */
int
ui_term_label(int y, int x, const char *label, int cols, attr_t attr)
{
	if (cols <= 0)
		return (0);
	return (ui_term_put(y, x, plot_label_fit(label, ui_term_utf8, cols),
	    cols, attr));
}

/*
 * Moves a cursor among n lines for the keys that move down the list
 * (j k arrows, pages, ends); returns -1 when the key is not one of them.
 */
long
ui_term_motion(int key, size_t cur, size_t n)
{
	long	 c = (long)cur, page = ui_term_page();

	switch (key) {
	case 'j': case KEY_DOWN:
		c++;
		break;
	case 'k': case KEY_UP:
		c--;
		break;
	case KEY_NPAGE: case ' ': case 6:
		c += page;
		break;
	case KEY_PPAGE: case 2:
		c -= page;
		break;
	case 'g': case KEY_HOME:
		c = 0;
		break;
	case 'G': case KEY_END:
		c = (long)n - 1;
		break;
	default:
		return (-1);
	}
	if (c >= (long)n)
		c = (long)n - 1;
	return (c < 0 ? 0 : c);
}

/* An untrusted label made safe for the title or status line (new). */
char *
ui_term_safe(const char *label, int cols)
{
	return (plot_label_fit(label, ui_term_utf8, cols));
}

/* Shows a message on the bottom line. */
void
ui_term_status(const char *msg, int error)
{
	ui_term_text(LINES - 1, 0, msg, COLS,
	    error ? ui_term_attr(UI_C_ERROR) : A_NORMAL);
}

/* Draws a frame with box-drawing characters, or ASCII ones. */
static void
ui_term_box(WINDOW *win, int h, int w)
{
	const char	*hz = ui_term_utf8 ? "\xe2\x94\x80" : "-";
	const char	*vt = ui_term_utf8 ? "\xe2\x94\x82" : "|";
	int		 i;

	for (i = 1; i < w - 1; i++) {
		mvwaddstr(win, 0, i, hz);
		mvwaddstr(win, h - 1, i, hz);
	}
	for (i = 1; i < h - 1; i++) {
		mvwaddstr(win, i, 0, vt);
		mvwaddstr(win, i, w - 1, vt);
	}
	mvwaddstr(win, 0, 0, ui_term_utf8 ? "\xe2\x94\x8c" : "+");
	mvwaddstr(win, 0, w - 1, ui_term_utf8 ? "\xe2\x94\x90" : "+");
	mvwaddstr(win, h - 1, 0, ui_term_utf8 ? "\xe2\x94\x94" : "+");
	mvwaddstr(win, h - 1, w - 1, ui_term_utf8 ? "\xe2\x94\x98" : "+");
}

/* Draws the help box once. */
static void
ui_term_help_draw(const char *title, const struct ui_key *keys, size_t n)
{
	WINDOW	*win;
	size_t	 i;
	int	 kw = 0, w = 0, h, len, y, x;

	for (i = 0; i < n; i++) {
		len = (int)strlen(keys[i].keys);
		kw = len > kw ? len : kw;
	}
	for (i = 0; i < n; i++) {
		len = kw + 2 + (int)strlen(keys[i].what);
		w = len > w ? len : w;
	}
	w += 4;
	h = (int)n + 4;
	w = w > COLS ? COLS : w;
	h = h > LINES ? LINES : h;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	if ((win = newwin(h, w, y, x)) == NULL)
		return;
	ui_term_box(win, h, w);
	mvwaddnstr(win, 0, 2, title, w - 4);
	for (i = 0; i < n && (int)i < h - 4; i++) {
		mvwaddnstr(win, 2 + (int)i, 2, keys[i].keys, w - 4);
		if (kw + 4 < w - 2)
			mvwaddnstr(win, 2 + (int)i, 4 + kw, keys[i].what,
			    w - 6 - kw);
	}
	if (w > 20)
		mvwaddnstr(win, h - 1, 2, " any key closes ", w - 4);
	wnoutrefresh(stdscr);
	wnoutrefresh(win);
	doupdate();
	delwin(win);
}

/* Shows the keys of a view until a key is pressed; returns that key. */
int
ui_term_help(const char *title, const struct ui_key *keys, size_t n)
{
	int	 key;

	do {
		ui_term_help_draw(title, keys, n);
		key = ui_term_key();
	} while (key == KEY_RESIZE);
	touchwin(stdscr);
	return (key);
}

/* Removes the last UTF-8 character of a buffer. */
static size_t
ui_term_backspace(const char *buf, size_t len)
{
	while (len > 0 && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
		len--;
	return (len > 0 ? len - 1 : 0);
}

/* Reads a line on the bottom row; NULL when cancelled (Esc, Ctrl-C). */
char *
ui_term_prompt(const char *prompt)
{
	char	 buf[256], *esc;
	size_t	 len = 0;
	int	 key, plen;

	curs_set(1);
	for (;;) {
		buf[len] = '\0';
		plen = (int)strlen(prompt);
		ui_term_text(LINES - 1, 0, prompt, COLS, A_NORMAL);
		esc = ui_term_safe(buf, COLS - plen - 1);
		mvaddstr(LINES - 1, plen, esc);
		free(esc);
		refresh();
		key = ui_term_key();
		if (key == '\n' || key == '\r' || key == KEY_ENTER)
			break;
		if (key == 27 || key == 7 || key == UI_KEY_INTR) {
			curs_set(0);
			return (NULL);
		}
		if (key == KEY_BACKSPACE || key == 127 || key == 8)
			len = ui_term_backspace(buf, len);
		else if (key == 21)
			len = 0;
		else if (key >= 0x20 && key < 0x100 && key != 127 &&
		    len < sizeof buf - 1)
			buf[len++] = (char)key;
	}
	curs_set(0);
	return (xstrdup(buf));
}
