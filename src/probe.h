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

/* What probe_run says became of the work. */
#define PROBE_DONE	 0	/* it succeeded */
#define PROBE_REFUSED	-1	/* it failed or was interrupted */
#define PROBE_DIED	-2	/* the child was killed or timed out */

/*
 * Runs fn(path, arg) in a child process that may take at most seconds.
 * Returns PROBE_DONE, or PROBE_REFUSED or PROBE_DIED with a cause that
 * says what went wrong. A child that ended with an exit status of its
 * own (a sanitizer's report, say) counts as refused, not as died: the
 * work itself, not the library under it, stopped there.
 */
int		 probe_run(const char *, probe_fn *, void *, unsigned,
		    char **);

#endif
