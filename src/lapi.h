/*
 * lapi.h: Lua 5.4 inside embrepl.
 *
 * A session has one Lua state (repl.L) holding the `embrepl` module: store,
 * model, embedding and vector handles, command registration and table
 * output (doc/lua-api.md). Every call into Lua goes through one protected
 * call that adds a traceback and stops on Ctrl-C (util_interrupted).
 */
#ifndef EMBREPL_LAPI_H
#define EMBREPL_LAPI_H

struct cmd;
struct cmd_args;
struct lua_State;
struct repl;

/*
 * Creates r->L with the standard libraries and the embrepl module, runs
 * the helpers in lua/ (EMBREPL_LUA_PATH, else EMBREPL_LUADIR), then the
 * user's init.lua if present (its errors are reported, not fatal).
 */
int		 lapi_init(struct repl *, char **);

/*
 * Runs a chunk typed at the prompt, as an expression first and then as a
 * statement, and prints its results. Sets *incomplete and runs nothing
 * when the chunk needs more lines. Returns -1 when it failed (reported).
 * Unless lua_only is set (-e, a chunk after '=', or of several lines), a
 * line that fails and reads as a mistyped command is reported as one.
 */
int		 lapi_line(struct repl *, const char *, int, int *);

/* Runs a script file ("-": standard input) with arg and ... set. */
int		 lapi_script(struct repl *, const char *, int, char **);

/* Runs a command that Lua registered; -1 when it failed (reported). */
int		 lapi_command(struct repl *, const struct cmd *,
		    struct cmd_args *);

/* Closes the Lua state and every handle it holds. */
void		 lapi_close(struct repl *);

/* Pushes the embrepl module onto the stack. */
int		 luaopen_embrepl(struct lua_State *);

#endif
