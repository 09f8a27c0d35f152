/*
 * probe.h: trying a risky read in a child process first.
 *
 * The HDF5 library of Debian 12 (1.10.8) can crash or hang on a damaged
 * file, inside the library, where no check of ours can stop it. A file
 * that strangers wrote is therefore read once in a child process: if the
 * child dies or stalls, embrepl refuses the file with a clear message and
 * goes on; only a file the child read cleanly is opened for real.
 */
#ifndef EMBREPL_PROBE_H
#define EMBREPL_PROBE_H

/* The work tried in the child: 0, or -1 with a cause. */
typedef int	 probe_fn(const char *, void *, char **);

/*
 * Runs fn(path, arg) in a child process that may take at most seconds.
 * Returns 0 when it succeeded, else -1 with its cause, or with what
 * became of the child (a signal, a time-out, an interruption).
 */
int		 probe_run(const char *, probe_fn *, void *, unsigned,
		    char **);

#endif
