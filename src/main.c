/*
 * main.c: the command line of embrepl.
 *
 *	embrepl [OPTIONS] [STORE] [SCRIPT.lua [ARGS...]]
 *	embrepl import SRC... -o STORE.h5
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "import.h"
#include "knn.h"
#include "lapi.h"
#include "prompt.h"
#include "repl.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define MAIN_USAGE 2

/* A -c or -e given on the command line, in order. */
struct main_run {
	int		 lua;
	const char	*text;
};

static int	 main_interactive;

/* Prints the usage summary. */
static void
main_help(FILE *f)
{
	fprintf(f,
"usage: embrepl [OPTIONS] [STORE] [SCRIPT.lua [ARGS...]]\n"
"       embrepl import SRC... -o STORE.h5 [--vocab FILE] [--labels FILE]\n"
"\n"
"Explore the embeddings of tabular and collaborative-filtering models.\n"
"STORE is an embrepl store (.h5) or a model file embrepl imports: fastai\n"
"exports and weights, Keras HDF5, word2vec, GloVe, projector TSV, .npy.\n"
"\n"
"  -c, --command CMD      run a command (repeatable), then exit\n"
"  -e, --execute LUA      run a Lua chunk (repeatable), then exit\n"
"  -f, --format FORMAT    output format: table, tsv, csv or json\n"
"  -m, --model NAME       start with this model of the store\n"
"  -t, --threads N        threads for scans (default: all cores)\n"
"  -M, --memory-limit N   stream matrices larger than N bytes (K, M, G)\n"
"      --vocab FILE       labels for number-labelled rows (import)\n"
"      --labels FILE      labels for .npy or projector vectors\n"
"  -o, --output FILE      the store 'import' writes\n"
"  -v, --verbose          write a debug log to embrepl-PID.log\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n"
"\n"
"Commands are listed by 'help' at the prompt; see embrepl(1).\n");
}

/* Sets the interrupt flag; a second Ctrl-C ends a script at once. */
static void
main_sigint(int sig)
{
	if (util_interrupted && !main_interactive)
		_exit(128 + sig);
	util_interrupted = 1;
}

/* Asks the session to end. */
static void
main_sigterm(int sig)
{
	util_terminated = 1;
	util_interrupted = 1;
}

/* Installs the signal handlers; none restarts system calls. */
static void
main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_sigint;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = main_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, NULL);	/* a write past a limit fails */
}

/* Reads a size such as 512M or 2G. */
static int
main_size(const char *s, size_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return (-1);
	switch (*end) {
	case 'k': case 'K':
		v <<= 10, end++;
		break;
	case 'm': case 'M':
		v <<= 20, end++;
		break;
	case 'g': case 'G':
		v <<= 30, end++;
		break;
	}
	if (*end != '\0' || v == 0)
		return (-1);
	*out = v;
	return (0);
}

/* Prints "embrepl: what: cause", escaped: both may come from a file. */
static void
main_report(const char *what, const char *cause)
{
	char	*w, *c;

	w = text_escape(what);
	c = text_escape(cause);
	fprintf(stderr, "embrepl: %s: %s\n", w, c);
	free(c);
	free(w);
}

/* Gives each model a name not used before in the set. */
static void
main_unique_names(struct model_set *all, struct model *m)
{
	char	*name;
	int	 n;

	if (model_set_find(all, m->name) == NULL)
		return;
	for (n = 2;; n++) {
		name = xasprintf("%s-%d", m->name, n);
		if (model_set_find(all, name) == NULL)
			break;
		free(name);
	}
	free(m->name);
	m->name = name;
}

/* embrepl import SRC... -o STORE: reads every source, writes one store. */
static int
main_import(int argc, char **argv, const struct import_opts *opts,
    const char *output)
{
	struct model_set *all, *ms;
	char		*cause = NULL;
	int		 i;
	size_t		 j;

	if (argc == 0 || output == NULL) {
		fprintf(stderr, "embrepl: usage: embrepl import SRC... -o "
		    "STORE.h5\n");
		return (MAIN_USAGE);
	}
	all = model_set_new();
	for (i = 0; i < argc; i++) {
		if ((ms = import_open(argv[i], opts, &cause)) == NULL) {
			main_report(argv[i], cause);
			free(cause);
			model_set_free(all);
			return (1);
		}
		if (store_detach(ms, &cause) == 0) {
			for (j = 0; j < ms->nmodels; j++)
				main_unique_names(all, ms->models[j]);
		}
		if (cause != NULL) {
			main_report(argv[i], cause);
			free(cause);
			model_set_free(ms);
			model_set_free(all);
			return (1);
		}
		model_set_merge(all, ms);
	}
	if (store_write(all, output, &cause) != 0) {
		main_report(output, cause);
		free(cause);
		model_set_free(all);
		return (1);
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "embrepl: wrote %zu model%s to %s\n",
		    all->nmodels, all->nmodels == 1 ? "" : "s", output);
	model_set_free(all);
	return (0);
}

/* Runs lines from a file that is not a terminal: no prompt, no colour. */
static void
main_stdin(struct repl *r, FILE *f)
{
	char	*line = NULL, *chunk = NULL, *t;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 incomplete;

	while (!r->quit && !util_terminated &&
	    (n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (chunk != NULL) {
			t = xasprintf("%s\n%s", chunk, line);
			free(chunk);
			chunk = t;
		} else
			chunk = xstrdup(line);
		if (chunk[strspn(chunk, " \t")] == '\0' || chunk[0] == '#') {
			free(chunk);
			chunk = NULL;
			continue;
		}
		repl_chunk(r, chunk, &incomplete);
		if (!incomplete) {
			free(chunk);
			chunk = NULL;
		}
	}
	if (chunk != NULL)
		repl_error(r, "lua: unfinished chunk at the end of input");
	free(chunk);
	free(line);
}

/* Opens the store named on the command line, or reports why not. */
static int
main_open(struct repl *r, const char *path, const char *model,
    const struct import_opts *opts)
{
	struct model_set *ms;
	struct model	*m;
	char		*cause = NULL;

	if ((ms = import_open(path, opts, &cause)) == NULL) {
		main_report(path, cause);
		free(cause);
		return (-1);
	}
	if (ms->nmodels == 0) {
		main_report(path, "no model in the file");
		model_set_free(ms);
		return (-1);
	}
	repl_adopt(r, ms);
	if (model != NULL) {
		if ((m = model_set_find(ms, model)) == NULL) {
			fprintf(stderr, "embrepl: %s: no model '%s'\n", path,
			    model);
			return (-1);
		}
		r->model = m;
	}
	util_log("opened %s: %zu models", path, ms->nmodels);
	return (0);
}

/* Runs the Lua chunk of an -e option. */
static void
main_lua(struct repl *r, const char *chunk)
{
	int	 incomplete;

	if (lapi_line(r, chunk, 1, &incomplete) != 0)
		r->failed = 1;
	else if (incomplete)
		repl_error(r, "lua: -e: unfinished chunk");
}

/* Tells whether a file name is a Lua script. */
static int
main_is_script(const char *s)
{
	size_t	 len = strlen(s);

	return (len > 4 && strcmp(s + len - 4, ".lua") == 0);
}

/*
 * Finds the script among the arguments: options may come before and after
 * the store, but everything from the script on belongs to the script.
 */
static int
main_script_at(int argc, char **argv)
{
	static const char *valued[] = { "-c", "-e", "-f", "-m", "-t", "-M",
	    "-o", "--command", "--execute", "--format", "--model",
	    "--threads", "--memory-limit", "--vocab", "--labels",
	    "--output" };
	size_t	 j;
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return (i + 1 < argc && main_is_script(argv[i + 1]) ?
			    i + 1 : argc);
		if (argv[i][0] != '-') {
			if (main_is_script(argv[i]))
				return (i);
			continue;
		}
		for (j = 0; j < UTIL_NELEM(valued); j++) {
			if (strcmp(argv[i], valued[j]) == 0) {
				i++;
				break;
			}
		}
	}
	return (argc);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "execute", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "model", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "memory-limit", required_argument, NULL, 'M' },
		{ "vocab", required_argument, NULL, 1 },
		{ "labels", required_argument, NULL, 2 },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct repl	 r;
	struct main_run	*runs = NULL;
	struct import_opts opts;
	const char	*model = NULL, *output = NULL, *store = NULL;
	char		*cause = NULL, *logname, *end;
	size_t		 nruns = 0, i, limit;
	long		 threads;
	int		 ch, nargs, importing = 0, script = -1;

	setlocale(LC_ALL, "");
	memset(&r, 0, sizeof r);
	memset(&opts, 0, sizeof opts);
	r.out = stdout;
	if (argc > 1 && strcmp(argv[1], "import") == 0) {
		importing = 1;
		argv++;
		argc--;
	}
	nargs = importing ? argc : main_script_at(argc, argv);
	while ((ch = getopt_long(nargs, argv, "c:e:f:m:t:M:o:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'e':
			runs = xreallocarray(runs, nruns + 1, sizeof *runs);
			runs[nruns].lua = ch == 'e';
			runs[nruns++].text = optarg;
			break;
		case 'f':
			if (out_format_parse(optarg, &r.format) != 0) {
				fprintf(stderr, "embrepl: format '%s': use "
				    "table, tsv, csv or json\n", optarg);
				free(runs);
				return (MAIN_USAGE);
			}
			break;
		case 'm':
			model = optarg;
			break;
		case 't':
			threads = strtol(optarg, &end, 10);
			if (*end != '\0' || threads < 1 || threads > 256) {
				fprintf(stderr, "embrepl: --threads takes 1 "
				    "to 256, not '%s'\n", optarg);
				free(runs);
				return (MAIN_USAGE);
			}
			knn_set_threads((int)threads);
			break;
		case 'M':
			if (main_size(optarg, &limit) != 0) {
				fprintf(stderr, "embrepl: --memory-limit takes "
				    "a size such as 512M or 2G, not '%s'\n",
				    optarg);
				free(runs);
				return (MAIN_USAGE);
			}
			knn_set_memory_limit(limit);
			break;
		case 1:
			opts.vocab = optarg;
			break;
		case 2:
			opts.labels = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			logname = xasprintf("embrepl-%ld.log", (long)getpid());
			if (util_log_open(logname) != 0)
				fprintf(stderr, "embrepl: %s: %s\n", logname,
				    strerror(errno));
			free(logname);
			break;
		case 'h':
			main_help(stdout);
			free(runs);
			return (0);
		case 'V':
			printf("embrepl %s\n", PACKAGE_VERSION);
			free(runs);
			return (0);
		default:
			fprintf(stderr, "Try 'embrepl --help'.\n");
			free(runs);
			return (MAIN_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	opts.progress = isatty(STDERR_FILENO);
	main_signals();
	repl_show_progress(1);
	if (importing) {
		free(runs);
		return (main_import(argc, argv, &opts, output));
	}
	if (output != NULL) {
		fprintf(stderr, "embrepl: -o goes with 'embrepl import'\n");
		free(runs);
		return (MAIN_USAGE);
	}

	if (argc > 0 && !main_is_script(argv[0])) {
		store = argv[0];
		argc--;
		argv++;
	}
	if (argc > 0)
		script = 0;
	main_interactive = script < 0 && nruns == 0 && isatty(STDIN_FILENO);
	r.interactive = main_interactive && isatty(STDOUT_FILENO);
	r.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	r.color = r.interactive && getenv("NO_COLOR") == NULL;
	util_log("embrepl %s starting", PACKAGE_VERSION);

	if (lapi_init(&r, &cause) != 0) {
		fprintf(stderr, "embrepl: lua: %s\n", cause);
		free(cause);
		free(runs);
		return (1);
	}
	if (store != NULL && main_open(&r, store, model, &opts) != 0) {
		lapi_close(&r);
		model_set_free(r.set);
		free(runs);
		return (1);
	}
	if (store == NULL && model != NULL) {
		fprintf(stderr, "embrepl: --model needs a store\n");
		lapi_close(&r);
		free(runs);
		return (MAIN_USAGE);
	}
	for (i = 0; i < nruns && !r.quit && !util_terminated; i++) {
		if (runs[i].lua)
			main_lua(&r, runs[i].text);
		else
			repl_line(&r, runs[i].text);
	}
	if (script >= 0 && !r.quit)
		lapi_script(&r, argv[0], argc - 1, argv + 1);
	else if (nruns == 0 && script < 0) {
		if (main_interactive)
			prompt_run(&r);
		else
			main_stdin(&r, stdin);
	}
	lapi_close(&r);
	model_set_free(r.set);
	free(runs);
	if (fflush(stdout) != 0 || ferror(stdout))
		return (1);
	return (r.failed ? 1 : 0);
}
