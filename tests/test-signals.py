"""Signals and terminals, driven in a private tmux server.

Ctrl-C stops a long neighbours batch and a Lua loop and gives the prompt
back; a resize while a view is open redraws it at the new size; quitting
restores the terminal; SIGTERM at the prompt and in a view ends embrepl
with the terminal as it was and the history saved; output piped into
`head` ends embrepl without a word on stderr and without hanging.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "examples"))
from storecheck import Tap  # noqa: E402

import numpy  # noqa: E402
import embrepl_export as ee  # noqa: E402

EMBREPL = os.path.abspath(os.environ.get("EMBREPL", "src/embrepl"))
TMP = tempfile.mkdtemp(prefix="embrepl-test-signals.")
STATE = os.path.join(TMP, "state")
ENV = dict(os.environ, HOME=TMP, XDG_STATE_HOME=STATE, LC_ALL="C.UTF-8",
           TERM="screen", PS1="$ ", ENV="/dev/null")
for name in ("TMUX", "COLUMNS", "LINES"):
    ENV.pop(name, None)
SOCK = "embrepl-signals-%d" % os.getpid()
t = Tap()


def tmux(*args):
    """Run a command on the test's tmux server; return its output."""
    p = subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null"] + list(args),
                       capture_output=True, text=True, env=ENV)
    return p.stdout


def screen():
    """The text of the pane."""
    return tmux("capture-pane", "-p", "-t", "s")


def wait_for(cond, limit=60):
    """Poll the pane until cond(text) holds; return whether it did."""
    end = time.time() + limit
    while time.time() < end:
        if cond(screen()):
            return True
        time.sleep(0.2)
    return False


def keys(*k):
    """Type keys into the pane."""
    tmux("send-keys", "-t", "s", *k)


def shell_line(line, done):
    """Run a shell line in the pane and wait for its output."""
    keys(line, "Enter")
    return wait_for(lambda s: done in s)


def embrepl_pid():
    """The pid of the embrepl that the pane's shell started."""
    shell = tmux("display-message", "-p", "-t", "s", "#{pane_pid}").strip()
    for _ in range(100):
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/comm" % pid) as f:
                    comm = f.read().strip()
            except (OSError, IndexError):
                continue
            if fields[1] == shell and comm == "embrepl":
                return int(pid)
        time.sleep(0.1)
    return None


def quit_embrepl():
    """Types quit and waits until embrepl has gone; returns whether it did.

    Keys typed while embrepl's readline still holds the terminal in raw
    mode reach the shell with a bare carriage return and never run, so
    nothing is typed to the shell before the process is gone.
    """
    pid = embrepl_pid()
    keys("quit", "Enter")
    if pid is None:
        return False
    end = time.time() + 60
    while time.time() < end:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "gone"
        if state in ("Z", "gone"):
            time.sleep(0.2)
            return True
        time.sleep(0.1)
    return False


def same_stty(before, name):
    """Whether the pane's settings now equal before; shows both if not."""
    after = stty_saved(name)
    if after != before:
        print("# before: %s\n# after:  %s" % (before, after))
    return after == before


def stty_saved(name):
    """Save the pane's terminal settings to a file; return them."""
    p = os.path.join(TMP, name)
    shell_line("stty -g > %s; echo sa''ved-%s" % (p, name), "saved-" + name)
    end = time.time() + 10
    while not os.path.exists(p) and time.time() < end:
        time.sleep(0.2)
    time.sleep(0.3)
    if not os.path.exists(p):
        return "(the shell did not answer)"
    with open(p) as f:
        return f.read().strip()


def start_session(store):
    """A fresh tmux server running sh, 80 x 24."""
    tmux("kill-server")
    end = time.time() + 10
    while tmux("list-sessions") and time.time() < end:
        time.sleep(0.1)
    tmux("new-session", "-d", "-s", "s", "-x", "80", "-y", "24", "sh")
    wait_for(lambda s: "$" in s, 30)
    keys("clear", "Enter")


def prompt_count(s):
    """How many embrepl prompts the pane shows."""
    return s.count("sig>")


def test_ctrl_c(store):
    """Ctrl-C during a long query and a Lua loop gives the prompt back."""
    start_session(store)
    before = stty_saved("a0")
    keys("%s %s" % (EMBREPL, store), "Enter")
    t.ok(wait_for(lambda s: prompt_count(s) == 1), "the prompt comes up")
    out = os.path.join(TMP, "nb.tsv")
    keys("neighbours v %s --k 5" % out, "Enter")
    time.sleep(2)
    keys("C-c")
    t.ok(wait_for(lambda s: prompt_count(s) == 2),
         "Ctrl-C stops a neighbours batch over 200000 rows: prompt back")
    t.ok(not os.path.exists(out) and
         not [n for n in os.listdir(TMP) if n.startswith("nb.tsv")],
         "no output file and no temporary is left")
    keys("similar v #1 3", "Enter")
    t.ok(wait_for(lambda s: "rank" in s and prompt_count(s) == 3),
         "the next command runs")
    keys("while true do end", "Enter")
    time.sleep(2)
    keys("C-c")
    t.ok(wait_for(lambda s: prompt_count(s) == 4),
         "Ctrl-C stops an endless Lua loop: prompt back")
    keys("= 6 * 7", "Enter")
    t.ok(wait_for(lambda s: "42" in s.split("= 6 * 7")[-1]),
         "and Lua still works")
    keys("C-c")
    time.sleep(0.5)
    t.ok(quit_embrepl() and shell_line("echo en''ded", "ended"),
         "quit leaves to the shell")
    t.ok(same_stty(before, "a1"), "the terminal settings are restored")


def view_lines_fit(width):
    """A check that every line of the pane fits width and a view shows."""
    def check(s):
        lines = s.split("\n")
        return ("200000 rows" in s and
                all(len(x.rstrip()) <= width for x in lines))
    return check


def test_resize(store):
    """A resize during a view redraws it; quitting restores the pane."""
    start_session(store)
    before = stty_saved("b0")
    keys("%s %s" % (EMBREPL, store), "Enter")
    wait_for(lambda s: prompt_count(s) == 1)
    keys("view v", "Enter")
    t.ok(wait_for(view_lines_fit(80)), "view v opens at 80 x 24")
    tmux("resize-window", "-t", "s", "-x", "50", "-y", "15")
    t.ok(wait_for(lambda s: view_lines_fit(50)(s) and
                  len(s.rstrip("\n").split("\n")) <= 15),
         "after a resize to 50 x 15 it is redrawn to fit")
    tmux("resize-window", "-t", "s", "-x", "120", "-y", "40")
    t.ok(wait_for(lambda s: "200000 rows" in s and
                  max(len(x.rstrip()) for x in s.split("\n")) > 80),
         "after a resize to 120 x 40 it uses the new width")
    keys("q")
    t.ok(wait_for(lambda s: prompt_count(s) >= 2) and
         tmux("display-message", "-p", "-t", "s",
              "#{alternate_on}").strip() == "0",
         "q leaves the view: prompt back, alternate screen off")
    t.ok(quit_embrepl(), "quit ends embrepl")
    t.ok(same_stty(before, "b1"), "the terminal settings are restored")


def history():
    """The history file's lines."""
    p = os.path.join(STATE, "embrepl", "history")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return f.read().splitlines()


def test_sigterm(store):
    """SIGTERM at the prompt and in a view: clean exit, history saved."""
    for where in ("prompt", "view"):
        start_session(store)
        before = stty_saved("c0" + where)
        keys("%s %s; echo st''atus=$?" % (EMBREPL, store), "Enter")
        wait_for(lambda s: prompt_count(s) == 1)
        keys("vars", "Enter")
        wait_for(lambda s: prompt_count(s) == 2)
        keys("similar v #%d 2" % (7 if where == "view" else 8), "Enter")
        wait_for(lambda s: prompt_count(s) == 3)
        if where == "view":
            keys("view v", "Enter")
            wait_for(lambda s: "200000 rows" in s)
        pid = embrepl_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        t.ok(pid is not None and wait_for(lambda s: "status=" in s),
             "SIGTERM %s: embrepl ends" % ("in a view" if where == "view"
                                           else "at the prompt"))
        s = screen()
        status = s.split("status=")[-1].split()[0] if "status=" in s else ""
        t.ok(status == "0", "%s: it exits with status 0 (%s)" %
             (where, status))
        t.ok(tmux("display-message", "-p", "-t", "s",
                  "#{alternate_on}").strip() == "0" and
             same_stty(before, "c1" + where),
             "%s: the terminal is restored" % where)
        want = "similar v #%d 2" % (7 if where == "view" else 8)
        t.ok(want in history(), "%s: the history was saved (%s)" %
             (where, history()[-3:]))


def test_sigpipe(store):
    """Output piped into head: no message, no hang, a quiet exit."""
    cases = [[store, "-c", "labels v"],
             [store, "-f", "json", "-c", "labels v"],
             [store, "-e", "for i = 1, 1e6 do print(i) end"]]
    for args in cases:
        p1 = subprocess.Popen([EMBREPL] + args, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p2 = subprocess.Popen(["head", "-1"], stdin=p1.stdout,
                              stdout=subprocess.PIPE)
        p1.stdout.close()
        first = p2.communicate(timeout=120)[0]
        try:
            err = p1.stderr.read()
            rc = p1.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p1.kill()
            rc, err = "hang", b""
        t.ok(first and rc in (0, 1, -signal.SIGPIPE) and err == b"",
             "'%s' | head -1: exit %s, stderr %r" % (" ".join(args[1:]), rc,
                                                    err[:80]))
    p = subprocess.run("yes 'labels v' | %s %s | head -1" % (EMBREPL, store),
                       shell=True, capture_output=True, timeout=120, env=ENV)
    t.ok(p.returncode == 0 and p.stdout.count(b"\n") == 1 and
         p.stderr == b"", "commands piped in, output piped into head: done")


def main():
    """Run the cases in a private tmux server."""
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux is not installed")
        return
    rng = numpy.random.default_rng(1)
    store = os.path.join(TMP, "sig.h5")
    ee.write_store(store, [ee.Model("sig", "collab", embeddings=[
        ee.Embedding("v", "item",
                     matrix=rng.standard_normal((200000, 64)).astype("f4"),
                     bias=rng.standard_normal(200000).astype("f4"))])])
    try:
        test_sigpipe(store)
        test_ctrl_c(store)
        test_resize(store)
        test_sigterm(store)
    finally:
        tmux("kill-server")
        if not os.environ.get("KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    t.done()


main()
