/*
 * probe.c: trying a risky read in a child process first.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"

#define PROBE_MAXMSG	4096
#define PROBE_EXIT_FAILED 3	/* the child's work failed, with a cause */
#define PROBE_EXIT_SIGNAL 64	/* the child took signal n: 64 + n */

/* Ends the child on a fatal signal, saying which in its exit status. */
static void
probe_fatal(int sig)
{
	_exit(PROBE_EXIT_SIGNAL + sig);
}

/*
 * Catches the child's fatal signals itself, on a stack of their own, so
 * that a sanitizer's handler does not report a crash that is expected.
 */
static void
probe_catch(void)
{
	static char	 stack[65536];
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	    SIGABRT };
	struct sigaction sa;
	stack_t		 ss;
	size_t		 i;
	int		 null;

	ss.ss_sp = stack;
	ss.ss_size = sizeof stack;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = probe_fatal;
	sa.sa_flags = SA_ONSTACK;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	if ((null = open("/dev/null", O_WRONLY)) != -1) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
}

/*
 * The child: runs the work and writes its outcome to the pipe, 'D' for
 * done or 'F' and the cause, before it exits. The parent believes the
 * pipe first: a child run under valgrind, say, exits with the tool's
 * status for the parent's memory that it never frees.
 */
static void
probe_child(int fd, const char *path, probe_fn *fn, void *arg)
{
	char	*why = NULL, *say;
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 ok;

	probe_catch();
	ok = fn(path, arg, &why) == 0;
	say = xasprintf("%c%s", ok ? 'D' : 'F', ok || why == NULL ? "" : why);
	len = strlen(say);
	while (off < len && (n = write(fd, say + off, len - off)) > 0)
		off += n;
	_exit(ok ? 0 : PROBE_EXIT_FAILED);
}

/* Reads what the child says until it closes the pipe or time is up. */
static int
probe_listen(int fd, unsigned seconds, char *msg, size_t *len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	time_t		 end = time(NULL) + seconds;
	ssize_t		 n;
	int		 left;

	for (;;) {
		if (util_interrupted)
			return (-2);
		left = (int)(end - time(NULL));
		if (left <= 0)
			return (-1);
		if (poll(&pfd, 1, left > 1 ? 1000 : left * 1000) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, msg + *len, PROBE_MAXMSG - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (0);
		*len += n;
		if (*len == PROBE_MAXMSG - 1)
			return (0);
	}
}

/* Runs fn(path, arg) in a child process, within seconds. */
int
probe_run(const char *path, probe_fn *fn, void *arg, unsigned seconds,
    char **cause)
{
	char	 msg[PROBE_MAXMSG];
	size_t	 len = 0;
	pid_t	 pid;
	int	 fds[2], heard, status;

	if (pipe(fds) != 0)
		return (util_fail(cause, "cannot make a pipe: %s",
		    strerror(errno)));
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (util_fail(cause, "cannot fork: %s", strerror(errno)));
	}
	if (pid == 0) {
		close(fds[0]);
		probe_child(fds[1], path, fn, arg);
	}
	close(fds[1]);
	heard = probe_listen(fds[0], seconds, msg, &len);
	close(fds[0]);
	if (heard != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	msg[len] = '\0';
	if (heard == -2) {
		util_fail(cause, "interrupted");
		return (PROBE_REFUSED);
	}
	if (heard == -1) {
		util_fail(cause, "reading it did not finish in %u s (a damaged "
		    "HDF5 file?)", seconds);
		return (PROBE_DIED);
	}
	if (len > 0 && msg[0] == 'D')
		return (PROBE_DONE);
	if (len > 0 && msg[0] == 'F') {
		util_fail(cause, "%s", len > 1 ? msg + 1 : "cannot read it");
		return (PROBE_REFUSED);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) > PROBE_EXIT_SIGNAL) {
		util_fail(cause, "damaged: the HDF5 library crashed reading "
		    "it (signal %d)", WEXITSTATUS(status) - PROBE_EXIT_SIGNAL);
		return (PROBE_DIED);
	}
	if (WIFSIGNALED(status)) {
		util_fail(cause, "damaged: the HDF5 library crashed reading "
		    "it (signal %d)", WTERMSIG(status));
		return (PROBE_DIED);
	}
	util_fail(cause, "reading it failed (exit status %d)",
	    WEXITSTATUS(status));
	return (PROBE_REFUSED);
}
