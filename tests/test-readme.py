"""Run the examples of the README's tour and compare what they print.

Each indented `$ src/embrepl ...` line in README is run from the top of
the source tree with the examples' stores, and its output must be the
lines shown under it; a line `...` stands for any number of lines. A
block of `movielens> ` lines is typed into embrepl on standard input and
must print what follows the last of them. Prints TAP.
"""

import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storecheck import Tap  # noqa: E402

TOP = os.environ.get("top_srcdir") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMBREPL = os.path.abspath(os.environ.get("EMBREPL", "src/embrepl"))
ENV = dict(os.environ, LC_ALL="C.UTF-8", HOME="/nonexistent")
for name in ("COLUMNS", "LINES", "NO_COLOR"):
    ENV.pop(name, None)


def examples(text):
    """The README's examples: (kind, input, expected lines)."""
    lines = text.split("\n")
    found = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("    $ src/embrepl ") or \
                line.startswith("    movielens> "):
            kind = "shell" if line.startswith("    $") else "lua"
            prefix = "    $ src/embrepl " if kind == "shell" else \
                "    movielens> "
            typed = []
            while i < len(lines) and lines[i].startswith(prefix):
                typed.append(lines[i][len(prefix):])
                i += 1
            want = []
            while i < len(lines) and (lines[i].startswith("    ") or
                                      lines[i] == ""):
                want.append(lines[i][4:])
                i += 1
            while want and want[-1] == "":
                want.pop()
            found.append((kind, typed, want))
        else:
            i += 1
    return found


def matches(got, want):
    """Whether got equals want, a `...` line standing for any lines."""
    if not want:
        return not got
    if want[0].strip() == "...":
        rest = want[1:]
        return any(matches(got[k:], rest) for k in range(len(got) + 1))
    return bool(got) and got[0] == want[0] and matches(got[1:], want[1:])


def main():
    t = Tap()
    path = os.path.join(TOP, "README")
    if not os.path.exists(os.path.join(TOP, "examples", "movielens.h5")):
        print("1..0 # SKIP the example stores are missing")
        return
    with open(path, encoding="utf-8") as f:
        found = examples(f.read())
    t.ok(len(found) >= 6, "README has its tour (%d examples)" % len(found))
    for kind, typed, want in found:
        if kind == "shell":
            args = shlex.split(typed[0])
            p = subprocess.run([EMBREPL] + args, cwd=TOP, env=ENV,
                               capture_output=True, text=True, timeout=120)
            name = typed[0]
        else:
            p = subprocess.run([EMBREPL, "examples/movielens.h5"], cwd=TOP,
                               env=ENV, input="\n".join(typed) + "\n",
                               capture_output=True, text=True, timeout=120)
            name = "typed: " + "; ".join(typed)
        got = p.stdout.rstrip("\n").split("\n")
        same = p.returncode == 0 and matches(got, want)
        t.ok(same, "README: %s" % name)
        if not same:
            for line in got:
                print("#   got: %s" % line)
            print("#   stderr: %s" % p.stderr.strip())
    t.done()


main()
