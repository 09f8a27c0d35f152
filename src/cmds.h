/*
 * cmds.h: the handlers of the built-in commands (cmd-*.c).
 */
#ifndef EMBREPL_CMDS_H
#define EMBREPL_CMDS_H

struct repl;
struct cmd_args;

/* cmd-store.c: the store, the session and help. */
int	 cmds_models(struct repl *, struct cmd_args *);
int	 cmds_use(struct repl *, struct cmd_args *);
int	 cmds_info(struct repl *, struct cmd_args *);
int	 cmds_vars(struct repl *, struct cmd_args *);
int	 cmds_open(struct repl *, struct cmd_args *);
int	 cmds_format(struct repl *, struct cmd_args *);
int	 cmds_help(struct repl *, struct cmd_args *);
int	 cmds_quit(struct repl *, struct cmd_args *);

/* cmd-query.c: questions about one embedding. */
int	 cmds_labels(struct repl *, struct cmd_args *);
int	 cmds_show(struct repl *, struct cmd_args *);
int	 cmds_similar(struct repl *, struct cmd_args *);
int	 cmds_neighbours(struct repl *, struct cmd_args *);
int	 cmds_pca(struct repl *, struct cmd_args *);
int	 cmds_bias(struct repl *, struct cmd_args *);

/* cmd-view.c: export, full-screen views and maps. */
int	 cmds_export(struct repl *, struct cmd_args *);
int	 cmds_view(struct repl *, struct cmd_args *);
int	 cmds_plot(struct repl *, struct cmd_args *);

#endif
