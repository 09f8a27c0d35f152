"""Hostile and broken input, each case with its oracle.

Labels that hold terminal escapes, control characters, direction
overrides, invalid UTF-8 or thousands of characters must come out escaped
in every output format, in error messages, in completions and in the
views. Matrices holding NaN, infinities, zero rows, zero-norm rows, one
row or one column must give numpy's answers or a clear refusal. A store
replaced while it is read, a full disk, a writer killed half-way, a
read-only directory, a matrix over 4 GiB and headers that declare more
data than the file holds must neither crash embrepl nor lose a file.

EMBREPL_SKIP_SLOW=1 skips the 4 GiB store (it writes 4.4 GB to $TMPDIR).
"""

import csv
import hashlib
import io
import json
import os
import pickle
import pty
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
from storecheck import Tap  # noqa: E402

import h5py  # noqa: E402
import numpy  # noqa: E402
import embrepl_export as ee  # noqa: E402

EMBREPL = os.path.abspath(os.environ.get("EMBREPL", "src/embrepl"))
TMP = tempfile.mkdtemp(prefix="embrepl-test-hostile.")
ENV = dict(os.environ, HOME=TMP, XDG_STATE_HOME=os.path.join(TMP, "state"),
           XDG_CONFIG_HOME=os.path.join(TMP, "config"), LC_ALL="C.UTF-8",
           TERM="xterm")
ENV.pop("COLUMNS", None)
t = Tap()

HOSTILE = ["#na#", "clear\x1b[2Jscreen", "clip\x1b]52;c;ZXZpbA==\x07",
           "title\x1b]2;pwned\x07", "tab\there", "bell\x07", "nl\nx",
           "cr\rx", "del\x7fx", "csi\u009b31m", "abc\u202egnp.exe",
           "isolate\u2067x\u2069", "zw\u200bj", "L" * 5000 + "\x1b[5m",
           "alpha", "beta", "gamma", "delta"]
ODD = "e\x1b[31mred\u202ex"


def path(name):
    """A file in the test's temporary directory."""
    return os.path.join(TMP, name)


def run(*args, env=None, timeout=300, preexec=None, stdin=None):
    """Run embrepl; return (status, stdout bytes, stderr bytes)."""
    p = subprocess.run([EMBREPL] + list(args), env=env or ENV,
                       capture_output=True, timeout=timeout,
                       preexec_fn=preexec, input=stdin)
    return p.returncode, p.stdout, p.stderr


def unsafe(data, allow="\n"):
    """The characters of data that must not reach a terminal raw."""
    bad = []
    for ch in data.decode("utf-8", "surrogateescape"):
        c = ord(ch)
        if ch in allow:
            continue
        if (c < 0x20 or 0x7f <= c < 0xa0 or 0xdc80 <= c <= 0xdcff or
                0x200b <= c <= 0x200f or 0x2028 <= c <= 0x202e or
                0x2066 <= c <= 0x2069 or c in (0xfeff, 0x061c)):
            bad.append(hex(c))
    return bad


def write_store(name, embs, kind="vectors", model="m"):
    """Write a store with embrepl_export and return its path."""
    p = path(name)
    ee.write_store(p, [ee.Model(model, kind, embeddings=embs)])
    return p


def sha(p):
    """The SHA-256 of a file."""
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def leftovers(directory, stem):
    """Temporary files that a writer of stem left in directory."""
    return [n for n in os.listdir(directory)
            if n != stem and (n.startswith("." + stem + ".") or
                              n.startswith(stem + "."))]


# --- labels that try to take over the terminal --------------------------

def hostile_store():
    """A store whose labels, variable and model name are hostile."""
    rng = numpy.random.default_rng(7)
    n = len(HOSTILE)
    words = ee.Embedding("words", "item", labels=HOSTILE, na_row=0,
                         matrix=rng.standard_normal((n, 4)).astype("f4"),
                         bias=rng.standard_normal(n).astype("f4"))
    odd = ee.Embedding(ODD, "user", labels=["a", "b\x1b[1m"],
                       matrix=rng.standard_normal((2, 3)).astype("f4"))
    return write_store("hostile.h5", [words, odd], kind="collab",
                       model="m\x1b]2;pwned\x07")


def test_outputs(store):
    """Every command, in every format, prints labels escaped."""
    cmds = ["models", "vars", "info", "labels words", "show words #1 #2 #13",
            "similar words alpha 17", "similar words #3 17 --metric dot",
            "pca words 2 --top 17", "bias words 17", "labels words *l*",
            "plot words", "view words", "labels " + ODD, "view " + ODD,
            "plot " + ODD]
    for fmt in ("table", "tsv", "csv", "json"):
        bad = []
        for c in cmds:
            rc, out, err = run(store, "-f", fmt, "-c", c)
            b = unsafe(out, "\n\t" if fmt == "tsv" else "\n") + unsafe(err)
            if rc != 0 or b:
                bad.append((c, rc, b[:4], err[:200]))
        t.ok(not bad, "%s: no raw control, C1 or bidi character in %d "
             "commands %s" % (fmt, len(cmds), bad[:2]))
    rc, out, _ = run(store, "-c", "labels words")
    t.ok(b"clear\\x1b[2Jscreen" in out and b"abc\\u{202e}gnp" in out and
         b"csi\\u{009b}31m" in out, "table: escapes are shown as \\x1b, "
         "\\u{202e}, \\u{009b}")
    rc, out, _ = run(store, "-f", "json", "-c", "labels words")
    got = [r["label"] for r in json.loads(out)] if rc == 0 else None
    t.ok(got == HOSTILE, "json: valid, and decodes to the labels exactly")
    rc, out, _ = run(store, "-f", "csv", "-c", "labels words")
    rows = list(csv.reader(io.StringIO(out.decode())))
    t.ok(len(rows) == len(HOSTILE) + 1 and rows[2][1] ==
         "clear\\x1b[2Jscreen", "csv: one line per label, escaped")


def test_errors(store):
    """Error messages escape what they quote from the file or the user."""
    cases = [("show words \"clearscreen\"", b"closest"),
             ("show words \"x\x1b[2J\"", b"x\\x1b[2J"),
             ("similar \"v\x1b]52;c;eA==\x07\" x", b"e\\x1b[31mred"),
             ("labels words \"/[/\"", b"pattern")]
    for c, want in cases:
        rc, out, err = run(store, "-c", c)
        t.ok(rc == 1 and want in err and not unsafe(err) and
             err.count(b"\n") == 1, "error for %r: one escaped line (%s)" %
             (c, err[:120]))
    bad = path("x\x1b[2J\x1b]52;c;eA==\x07.h5")
    with open(bad, "wb") as f:
        f.write(b"not a store")
    rc, out, err = run(bad, "-c", "vars")
    t.ok(rc != 0 and b"x\\x1b[2J" in err and not unsafe(err),
         "a hostile file name is escaped in the open error")
    rc, out, err = run("import", bad, "-o", path("o\x1b[2J.h5"))
    t.ok(rc != 0 and not unsafe(err), "and in the import error")


def test_invalid_utf8():
    """A store with invalid UTF-8 labels is refused; writers refuse it."""
    p = write_store("badutf8.h5", [ee.Embedding(
        "words", "vector", labels=["ok", "fine", "bad"],
        matrix=numpy.eye(3, dtype="f4"))])
    with h5py.File(p, "r+") as f:
        d = f["models/m/embeddings/words/labels"]
        d[2] = b"bad\xff\xfe\x1b[2J"
    for c in ("labels words", "view words",
              "export words %s" % path("bad.csv"),
              "neighbours words %s" % path("bad.tsv")):
        rc, out, err = run(p, "-c", c)
        t.ok(rc == 1 and b"row 2 is not UTF-8" in err and not unsafe(err),
             "invalid UTF-8 label refused by '%s': %s" % (c, err.strip()))
    for c in ("show words #2", "similar words ok"):
        rc, out, err = run(p, "-f", "json", "-c", c)
        t.ok(b"\xff" not in out + err and not unsafe(out + err),
             "'%s' never prints the bad bytes raw" % c)
    rc, out, err = run(p, "-c", "vars")
    t.ok(rc == 1 and b"row 2 is not UTF-8" in err,
         "a small store is checked whole on open, so it is refused at once")
    target = path("pywriter.h5")
    try:
        ee.write_store(target, [ee.Model("m", "vectors", embeddings=[
            ee.Embedding("w", "vector", labels=["a", "b\udcff"],
                         matrix=numpy.eye(2, dtype="f4"))])])
        refused = False
    except (UnicodeError, ee.StoreError, ValueError):
        refused = True
    t.ok(refused and not os.path.exists(target) and
         not leftovers(TMP, "pywriter.h5"),
         "the Python writer refuses a label that is not UTF-8, no file left")
    w2v = path("latin1.txt")
    with open(w2v, "wb") as f:
        f.write(b"2 2\ncaf\xe9 1 0\nna\xefve\x1b[2J 0 1\n")
    rc, out, err = run("import", w2v, "-o", path("latin1.h5"))
    t.ok(rc == 0, "a word2vec file in Latin-1 imports: %s" % err.strip())
    rc, out, err = run(path("latin1.h5"), "-f", "json", "-c",
                        "labels words")
    labels = [r["label"] for r in json.loads(out)] if rc == 0 else []
    t.ok(labels == ["caf\u00e9", "na\u00efve\x1b[2J"],
         "its labels are read as Latin-1 and stored as UTF-8: %s" % labels)


def test_damaged_weight():
    """A damaged weight of a small store is found when it is opened."""
    rng = numpy.random.default_rng(5)
    m = rng.standard_normal((40, 4)).astype("f4")
    extra = rng.standard_normal((64, 64)).astype("f4")
    p = path("badweight.h5")
    ee.write_store(p, [ee.Model("m", "tabular", embeddings=[
        ee.Embedding("v", "categorical", weight="embeds.0")],
        weights={"embeds.0": m, "layers.0.weight": extra})])
    with h5py.File(p, "r+") as f:
        g = f["models/m/weights"]
        del g["layers.0.weight"]
        d = g.create_dataset("layers.0.weight", data=extra, chunks=(64, 64),
                             compression="gzip")
        where = d.id.get_chunk_info(0)
        at, size = where.byte_offset, where.size
    with open(p, "r+b") as f:
        f.seek(at + 2)
        f.write(b"\xff" * (size - 4))
    rc, out, err = run(p, "-c", "vars")
    t.ok(rc == 1 and err.startswith(b"embrepl: ") and
         b"layers.0.weight" in err and err.count(b"\n") == 1,
         "a small store with a damaged weight is refused on open: %s" %
         err.strip().decode("utf-8", "replace"))
    rc, out, err = run("import", p, "-o", path("badweight-copy.h5"))
    t.ok(rc == 1 and b"layers.0.weight" in err and
         not os.path.exists(path("badweight-copy.h5")) and
         not leftovers(TMP, "badweight-copy.h5"),
         "and import refuses it, leaving no file")


def test_completion(store):
    """Completion listings at a pty show labels escaped."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(EMBREPL, [EMBREPL, store], ENV)
    out = b""

    def read(sec):
        nonlocal out
        end = time.time() + sec
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return
    read(2)
    os.write(fd, b"show words c\t\t")
    read(2)
    os.write(fd, b"\x15show words cle\t")
    read(2)
    os.write(fd, b"\x15show words cs\t\n")
    read(2)
    os.write(fd, b"show words ab\t\n")
    read(2)
    os.write(fd, b"show e\t")
    read(2)
    os.write(fd, b"\x15quit\n")
    read(2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    t.ok(b"clear\\x1b[2Jscreen" in out and b"\x1b[2J" not in out and
         b"\x1b]52" not in out and b"\x9b" not in out and
         b"\xe2\x80\xae" not in out,
         "completion lists and inserts labels escaped, never raw")
    t.ok(b'"csi\\u{009b}31m" \r\n' in out and
         b'"abc\\u{202e}gnp.exe" \r\n' in out and
         b"\r\n  9  csi\\u{009b}31m " in out and
         b"\r\n 10  abc\\u{202e}gnp.exe " in out,
         "a completed label goes on the line as escapes that find its row")
    t.ok(b'"e\\x1b[31mred\\u{202e}x"' in out,
         "a completed variable name too")


def test_typed_back(store):
    """Every label, as a table shows it, typed back finds its row."""
    rc, out, _ = run(store, "-f", "tsv", "-c", "labels words")
    shown = [line.split("\t", 1)[1] for line in
             out.decode().split("\n")[1:] if line]
    words = " ".join('"%s"' % x.replace('"', '\\"') for x in shown)
    rc, out, err = run(store, "-f", "json", "-c", "show words " + words)
    got = [(r["row"], r["label"]) for r in json.loads(out)] if rc == 0 \
        else err
    t.ok(len(shown) == len(HOSTILE) and
         got == [(i, x) for i, x in enumerate(HOSTILE)],
         "each of %d escaped labels typed back names its row: %s" %
         (len(shown), str(got)[:200]))
    rc, out, err = run(store, "-f", "json", "-c",
                       "show words csi\\u{9b}31m 'csi\\u{009b}31m'")
    t.ok(rc == 1 and b"no label" in err and b"csi\\\\u{009b}31m" in err,
         "escapes also work unquoted; single quotes keep them literal: %s" %
         err.strip().decode("utf-8", "replace"))


def tmux(sock, *args):
    """Run a tmux command on the test's own server; return stdout."""
    p = subprocess.run(["tmux", "-L", sock, "-f", "/dev/null"] + list(args),
                       capture_output=True, text=True, env=ENV)
    return p.stdout


def test_views(store):
    """view and plot in tmux: no title, clipboard or screen taken over."""
    if shutil.which("tmux") is None:
        t.skip("views in tmux", "tmux is not installed")
        return
    sock = "embrepl-hostile-%d" % os.getpid()
    env = dict(ENV)
    env.pop("TMUX", None)
    tmux(sock, "new-session", "-d", "-x", "100", "-y", "30", "-s", "h",
         "%s %s" % (EMBREPL, "'" + store + "'"))
    tmux(sock, "set-option", "-s", "set-clipboard", "on")
    tmux(sock, "set-option", "-g", "allow-rename", "on")
    def wait(cond):
        """Polls the pane (up to a minute) until cond(screen text) holds."""
        end = time.time() + 60
        while time.time() < end:
            if cond(tmux(sock, "capture-pane", "-p", "-t", "h")):
                return
            time.sleep(0.2)

    def prompt_last(s):
        """Whether the last line of s is a prompt waiting for input."""
        lines = s.rstrip().split("\n")
        return lines[-1].endswith(">")

    def alternate(on):
        """A condition: the alternate screen is on (or off)."""
        want = "1" if on else "0"
        return lambda _: tmux(sock, "display-message", "-p", "-t", "h",
                              "#{alternate_on}").strip() == want

    def opened(c):
        """A condition: the view or the plot has drawn its title."""
        mark = " rows x " if c.startswith("view") else ": PC1 ("
        return lambda s: mark in s and alternate(True)(s)

    wait(prompt_last)
    title0 = tmux(sock, "display-message", "-p", "#{pane_title}")
    screens = []
    for c in ("view words", "plot words"):
        tmux(sock, "send-keys", "-t", "h", c, "Enter")
        wait(opened(c))
        time.sleep(0.3)
        screens.append(tmux(sock, "capture-pane", "-p", "-t", "h"))
        raw = tmux(sock, "capture-pane", "-p", "-e", "-t", "h")
        screens.append(raw)
        tmux(sock, "send-keys", "-t", "h", "q")
        wait(alternate(False))
    for c in ("view", "plot"):
        tmux(sock, "send-keys", "-t", "h", c + " e", "Tab", "Enter")
        wait(opened(c))
        time.sleep(0.3)
        screens.append(tmux(sock, "capture-pane", "-p", "-e", "-t", "h"))
        tmux(sock, "send-keys", "-t", "h", "q")
        wait(alternate(False))
    tmux(sock, "send-keys", "-t", "h", "bias words 3", "Enter")
    wait(lambda s: prompt_last(s.split("bias words 3")[-1]))
    title = tmux(sock, "display-message", "-p", "#{pane_title}")
    buffers = tmux(sock, "list-buffers")
    tmux(sock, "kill-server")
    view = screens[0]
    t.ok("clear\\x1b[2Jscreen" in view and "clip\\x1b]52" in view,
         "view shows the hostile labels escaped")
    t.ok("pwned" not in title and title == title0,
         "the pane title did not change (%r)" % title.strip())
    t.ok(buffers.strip() == "", "no OSC 52 reached the clipboard (%r)" %
         buffers.strip())
    t.ok(all("\x1b]" not in s and "\x1b[2J" not in s for s in screens),
         "capture-pane -e shows no OSC or clear-screen from a label")
    t.ok("e\\x1b[31mred\\u{202e}x" in screens[4] and
         "e\\x1b[31mred\\u{202e}x" in screens[5] and
         all("\u202e" not in s for s in screens),
         "a hostile variable name is escaped in the titles of view and plot")


# --- numbers that are not numbers --------------------------------------

def cosine_top(m, row, k, rows):
    """numpy's top k cosine neighbours of row among rows, itself left out."""
    q = m[row].astype(numpy.float64)
    mm = m.astype(numpy.float64)
    with numpy.errstate(invalid="ignore", divide="ignore"):
        s = mm @ q / (numpy.linalg.norm(mm, axis=1) * numpy.linalg.norm(q))
    cand = [r for r in rows if r != row]
    cand.sort(key=lambda r: (-s[r], r))
    return [(r, s[r]) for r in cand[:k]]


def test_nonfinite():
    """NaN and infinities are reported and kept out of the results."""
    rng = numpy.random.default_rng(11)
    m = rng.standard_normal((30, 5)).astype("f4")
    m[3, 1] = numpy.nan
    m[7, 0] = numpy.inf
    m[11, 4] = -numpy.inf
    b = rng.standard_normal(30).astype("f4")
    b[5] = numpy.nan
    b[9] = numpy.inf
    p = write_store("nan.h5", [ee.Embedding("v", "item", matrix=m, bias=b)],
                    kind="collab")
    finite = [r for r in range(30) if numpy.isfinite(m[r]).all()]
    rc, out, err = run(p, "-f", "json", "-c", "similar v #0 29")
    hits = json.loads(out) if rc == 0 else []
    want = cosine_top(m, 0, 29, finite)
    t.ok([h["row"] for h in hits] == [r for r, _ in want] and
         all(abs(h["score"] - s) < 1e-5 for h, (_, s) in zip(hits, want)),
         "similar leaves out rows 3, 7, 11 and matches numpy")
    rc, out, err = run(p, "-c", "similar v #0 5")
    t.ok(rc == 0 and b"3 rows with NaN or infinity left out" in out,
         "similar reports the rows it left out")
    for metric in ("euclidean", "dot"):
        rc, out, err = run(p, "-f", "json", "-c",
                           "similar v #0 29 --metric " + metric)
        rows = [h["row"] for h in json.loads(out)] if rc == 0 else [3]
        t.ok(rc == 0 and not {3, 7, 11} & set(rows) and
             all(h["score"] is not None for h in json.loads(out)),
             "similar --metric %s leaves them out too" % metric)
    rc, out, err = run(p, "-c", "similar v #3 5")
    t.ok(rc != 0 or b"NaN" in out + err, "a query row holding NaN is "
         "refused or reported: %s" % (err or out)[:100].strip())
    rc, out, err = run(p, "-f", "json", "-c", "pca v 2")
    x = m[finite].astype(numpy.float64)
    x = x - x.mean(axis=0)
    ev = numpy.linalg.eigvalsh(numpy.cov(x.T))[::-1]
    var = json.loads(out)["variance"] if rc == 0 else []
    t.ok(len(var) == 2 and all(abs(v["variance"] - e) < 1e-4 * max(1, e)
                               for v, e in zip(var, ev)),
         "pca over the finite rows matches numpy (%s vs %s)" %
         ([v["variance"] for v in var], ev[:2]))
    rc, out, err = run(p, "-c", "pca v 2")
    t.ok(b"NaN" in out, "pca reports the rows it left out")
    rc, out, err = run(p, "-f", "json", "-c", "bias v 30")
    doc = json.loads(out) if rc == 0 else {}
    fb = [r for r in range(30) if numpy.isfinite(b[r])]
    high = sorted(fb, key=lambda r: (-b[r], r))
    t.ok([h["row"] for h in doc.get("highest", [])] == high,
         "bias ranks the finite biases as numpy does, NaN and inf left out")
    rc, out, err = run(p, "-f", "json", "-c", "show v #3")
    row = json.loads(out)[0]["vector"] if rc == 0 else []
    t.ok(rc == 0 and row[1] is None and row[0] == float(m[3, 0]) or
         abs(row[0] - m[3, 0]) < 1e-6, "show prints the NaN row as it is")


def test_shapes():
    """Zero rows, zero-norm rows, one row and one column."""
    p = path("zero.h5")
    ok = True
    try:
        write_store("zero.h5", [ee.Embedding(
            "v", "vector", labels=[], matrix=numpy.zeros((0, 4), "f4"))])
    except Exception:
        ok = False
    if not ok or not os.path.exists(p):
        with h5py.File(p, "w") as f:
            f.attrs["embrepl_format"] = "embrepl-store"
            f.attrs["format_version"] = numpy.int64(1)
            g = f.create_group("models/m")
            g.attrs["kind"] = "vectors"
            g.attrs["source"] = "test"
            e = g.create_group("embeddings/v")
            e.attrs["role"] = "vector"
            e.attrs["na_row"] = numpy.int64(-1)
            e.create_dataset("matrix", shape=(0, 4), dtype="f4")
            e.create_dataset("labels", shape=(0,),
                             dtype=h5py.string_dtype("utf-8"))
            e.create_dataset("label_index", data=numpy.zeros(8, "i8"))
    rc, out, err = run(p, "-c", "vars")
    t.ok(rc == 1 and b"empty" in err and err.count(b"\n") == 1,
         "a store with zero rows is refused: %s" % err.strip())
    npy = path("zero.npy")
    numpy.save(npy, numpy.zeros((0, 4), "f4"))
    rc, out, err = run(npy, "-c", "vars")
    t.ok(rc == 1 and err.startswith(b"embrepl: ") and
         err.count(b"\n") == 1, "a .npy with zero rows is refused: %s" %
         err.strip())
    w2v = path("zero.txt")
    with open(w2v, "w") as f:
        f.write("0 4\n")
    rc, out, err = run(w2v, "-c", "vars")
    t.ok(rc == 1 and err.count(b"\n") == 1,
         "a word2vec file with zero rows is refused: %s" % err.strip())

    m = numpy.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 0], [0, 1, 0],
                     [-1, 0.2, 0], [0, 0, 0], [0.5, 0.5, 0.1]], "f4")
    p = write_store("zeronorm.h5", [ee.Embedding("v", "vector", matrix=m)])
    rc, out, err = run(p, "-f", "json", "-c", "similar v #0 6")
    hits = json.loads(out) if rc == 0 else []
    want = cosine_top(m, 0, 6, [0, 1, 3, 4, 6])
    t.ok([h["row"] for h in hits] == [r for r, _ in want],
         "cosine leaves out the zero-norm rows 2 and 5: %s" %
         [h["row"] for h in hits])
    rc, out, err = run(p, "-c", "similar v #2 3")
    t.ok(rc != 0 and b"norm" in err or rc == 0 and b"nan" not in out,
         "a zero-norm query under cosine is refused or harmless: %s" %
         (err or out)[:100].strip())
    rc, out, err = run(p, "-f", "json", "-c",
                       "similar v #0 6 --metric euclidean")
    d = numpy.linalg.norm(m.astype("f8") - m[0], axis=1)
    want = sorted(range(1, 7), key=lambda r: (d[r], r))
    t.ok(rc == 0 and [h["row"] for h in json.loads(out)] == want,
         "euclidean keeps the zero-norm rows, in numpy's order")

    one = write_store("onerow.h5", [ee.Embedding(
        "v", "item", labels=["only"], matrix=numpy.array([[1, 2, 3]], "f4"),
        bias=numpy.array([0.5], "f4"))], kind="collab")
    for c in ("similar v only", "pca v", "bias v", "show v only",
              "neighbours v %s" % path("one-nb.tsv"),
              "export v %s" % path("one.csv"), "labels v", "view v",
              "plot v"):
        rc, out, err = run(one, "-f", "json", "-c", c)
        t.ok(rc in (0, 1) and (rc == 0 or err.count(b"\n") == 1) and
             not (rc == 1 and not err.startswith(b"embrepl: ")),
             "one row: '%s' answers or refuses in one line (%d %s)" %
             (c, rc, err.strip()[:80]))
    rc, out, err = run(one, "-f", "json", "-c", "show v only")
    t.ok(rc == 0 and json.loads(out)[0]["vector"] == [1, 2, 3],
         "one row: show gives the row")
    rc, out, err = run(one, "-f", "json", "-c", "bias v")
    t.ok(rc == 0 and json.loads(out)["highest"][0]["bias"] == 0.5,
         "one row: bias gives it")
    with open(path("one.csv")) as f:
        t.ok(f.read().splitlines()[1].split(",")[-3:] == ["1", "2", "3"],
             "one row: export writes it")

    col = numpy.array([[3], [-1], [2], [0.5], [-4]], "f4")
    p = write_store("onecol.h5", [ee.Embedding("v", "vector", matrix=col)])
    rc, out, err = run(p, "-f", "json", "-c", "similar v #0 4")
    hits = json.loads(out) if rc == 0 else []
    t.ok([h["score"] for h in hits] == [1, 1, -1, -1] and
         [h["row"] for h in hits[:2]] == [2, 3],
         "one column: cosine is the sign, ties by row")
    rc, out, err = run(p, "-f", "json", "-c", "pca v 1")
    var = json.loads(out)["variance"][0]["variance"] if rc == 0 else -1
    t.ok(abs(var - numpy.var(col, ddof=1)) < 1e-5,
         "one column: pca's variance is numpy's (%s)" % var)
    rc, out, err = run(p, "-c", "export v %s" % path("onecol.npy"))
    t.ok(rc == 0 and (numpy.load(path("onecol.npy")) == col).all(),
         "one column: export .npy equals the matrix")
    rc, out, err = run(p, "-f", "json", "-c", "show v #4")
    t.ok(rc == 0 and json.loads(out)[0]["vector"] == [-4],
         "one column: show gives the row")


# --- files that change, fill up, die or may not be written -------------

def test_replaced_while_read():
    """A store renamed over while embrepl reads it: the old file serves."""
    rng = numpy.random.default_rng(3)
    old = rng.standard_normal((500, 8)).astype("f4")
    p = write_store("live.h5", [ee.Embedding("v", "vector", matrix=old)])
    proc = subprocess.Popen([EMBREPL, "-f", "tsv", p], env=ENV,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    want = [r for r, _ in cosine_top(old, 42, 5, range(500))]
    got = []
    for i in range(6):
        proc.stdin.write(b"similar v #42 5\n")
        proc.stdin.flush()
        lines = [proc.stdout.readline() for _ in range(6)]
        got.append([int(x.split(b"\t")[1]) for x in lines[1:]
                    if x.count(b"\t") == 3])
        new = rng.standard_normal((300 + i, 8)).astype("f4")
        write_store("live.h5", [ee.Embedding("v", "vector", matrix=new)])
    proc.stdin.write(b"show v #499\n")
    proc.stdin.close()
    rest = proc.stdout.read().splitlines()
    err = proc.stderr.read()
    rc = proc.wait(timeout=120)
    t.ok(rc == 0 and all(g == want for g in got),
         "six queries while the file is replaced six times answer from the "
         "file opened (%s)" % (err[:120] or got[-1]))
    vec = [float(x) for x in rest[1].split(b"\t")[3:]] if rest else []
    t.ok(rc == 0 and len(vec) == 8 and
         (numpy.array(vec, "f4") == old[499]).all(),
         "row 499 of the opened file, which the new file lacks, still "
         "reads")
    rc, out, err = run(p, "-c", "vars")
    t.ok(rc == 0 and b"305" in out, "a new run sees the new file")


def limit_fsize(nbytes):
    """A preexec_fn that limits the size of files the child writes."""
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return set_limit


def import_fixture(stem, rows, dim):
    """A .npy to import and an existing store to import over.

    Returns the two paths and the store's SHA-256.
    """
    npy = path(stem + ".npy")
    numpy.save(npy, numpy.random.default_rng(rows).standard_normal(
        (rows, dim)).astype("f4"))
    target = path(stem + ".h5")
    shutil.copy(os.path.join(HERE, "..", "examples", "movielens.h5"),
                target)
    return npy, target, sha(target)


def test_full_disk():
    """A full disk fails import and export cleanly; the old file stays."""
    npy, target, before = import_fixture("full", 100000, 32)
    rc, out, err = run("import", npy, "-o", target,
                       preexec=limit_fsize(1 << 20))
    t.ok(rc == 1 and err.startswith(b"embrepl: ") and
         err.count(b"\n") == 1, "import past a file size limit fails in "
         "one line: %s" % err.strip()[:100])
    t.ok(sha(target) == before and not leftovers(TMP, "full.h5"),
         "the old store is intact and no temporary is left")
    csvp = path("full.csv")
    with open(csvp, "w") as f:
        f.write("old\n")
    rc, out, err = run(target, "-c", "export items %s" % csvp,
                       preexec=limit_fsize(100000))
    t.ok(rc == 1 and b"too large" in err and open(csvp).read() == "old\n"
         and not leftovers(TMP, "full.csv"),
         "export past the limit fails, the old file intact: %s" %
         err.strip()[:100])
    rc, out, err = run(target, "-c", "neighbours items %s" % csvp,
                       preexec=limit_fsize(10000))
    t.ok(rc == 1 and open(csvp).read() == "old\n" and
         not leftovers(TMP, "full.csv"), "so does neighbours")
    mnt = path("tiny")
    os.mkdir(mnt)
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt],
            capture_output=True).returncode != 0:
        t.skip("import onto a full tmpfs", "cannot mount a tmpfs here")
        return
    try:
        target = os.path.join(mnt, "s.h5")
        with open(target, "wb") as f:
            f.write(b"precious")
        rc, out, err = run("import", npy, "-o", target)
        t.ok(rc == 1 and open(target, "rb").read() == b"precious" and
             os.listdir(mnt) == ["s.h5"], "import onto a full tmpfs fails,"
             " the old file intact, no temporary: %s" % err.strip()[:80])
    finally:
        subprocess.run(["umount", mnt])


def kill_when_temp(args, directory, stem):
    """Start embrepl, SIGKILL it once its temporary file has data."""
    proc = subprocess.Popen([EMBREPL] + args, env=ENV,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen = False
    for _ in range(3000):
        tmp = leftovers(directory, stem)
        if tmp and os.path.getsize(os.path.join(directory, tmp[0])) > 0:
            seen = True
            break
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    return seen


def test_killed():
    """SIGKILL during import and export leaves the target untouched."""
    npy, target, before = import_fixture("kill", 400000, 64)
    rng = numpy.random.default_rng(9)
    seen = kill_when_temp(["import", npy, "-o", target], TMP, "kill.h5")
    t.ok(seen and sha(target) == before,
         "SIGKILL while import writes: the old store is untouched")
    rc, out, err = run(target, "-c", "similar items #1 3")
    t.ok(rc == 0, "and it still opens")
    for n in leftovers(TMP, "kill.h5"):
        os.unlink(os.path.join(TMP, n))
    src = write_store("killsrc.h5", [ee.Embedding(
        "v", "vector", matrix=rng.standard_normal((400000, 64)).astype(
            "f4"))])
    out = path("kill.csv")
    with open(out, "w") as f:
        f.write("old\n")
    seen = kill_when_temp([src, "-c", "export v %s" % out], TMP, "kill.csv")
    t.ok(seen and open(out).read() == "old\n",
         "SIGKILL while export writes: the old file is untouched")


def test_read_only():
    """A directory the user may not write to: clear errors, nothing lost."""
    ro = path("ro")
    os.mkdir(ro)
    store = os.path.join(ro, "s.h5")
    shutil.copy(os.path.join(HERE, "..", "examples", "movielens.h5"), store)
    os.chmod(ro, 0o555)
    os.chmod(TMP, 0o755)
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            t.skip("read-only directory", "root, and no setpriv")
            return
        prefix = ["setpriv", "--reuid=65534", "--regid=65534",
                  "--clear-groups"]
        logs = os.environ.get("SANITIZER_LOGS")
        if logs and os.path.isdir(logs):
            os.chmod(logs, 0o1777)
    probe = subprocess.run(prefix + [EMBREPL, "--version"], env=ENV,
                           capture_output=True)
    if probe.returncode != 0:
        t.skip("read-only directory", "nobody cannot run %s" % EMBREPL)
        return
    env = dict(ENV, HOME=ro)

    def run_as(*args):
        p = subprocess.run(prefix + [EMBREPL] + list(args), env=env,
                           capture_output=True, timeout=120)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = run_as(store, "-c", "similar items #1 3")
    t.ok(rc == 0, "a store in a read-only directory reads")
    before = sha(store)
    for c, what in (("import %s -o %s" % (store, store), "import"),
                    ("export items %s/x.csv" % ro, "export"),
                    ("neighbours items %s/n.tsv" % ro, "neighbours")):
        args = c.split() if what == "import" else [store, "-c", c]
        rc, out, err = run_as(*args)
        t.ok(rc == 1 and b"Permission denied" in err and
             err.count(b"\n") == 1, "%s into a read-only directory: %s" %
             (what, err.strip()[:100]))
    t.ok(sha(store) == before and sorted(os.listdir(ro)) == ["s.h5"],
         "nothing was written there and the store is unchanged")
    rc, out, err = run_as(store, "-c", "vars")
    t.ok(rc == 0, "no history file in a read-only HOME stops a -c run")
    os.chmod(ro, 0o755)


# --- sizes ----------------------------------------------------------------

RSS_HELPER = """
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
sys.stdout.write("%d %d" % (os.waitstatus_to_exitcode(status),
                            usage.ru_maxrss))
"""


def wait_rss(args):
    """Run embrepl; return (status, stderr, peak resident KiB).

    A small Python starts it: a child forked from this process, which has
    numpy and h5py loaded, would count their pages as its own peak.
    """
    p = subprocess.run([sys.executable, "-S", "-c", RSS_HELPER, EMBREPL] +
                       args, env=ENV, capture_output=True, timeout=120)
    rc, rss = (int(x) for x in p.stdout.split())
    return rc, p.stderr, rss


def test_lying_headers():
    """Headers that declare more data than the file holds are refused."""
    npy = path("lie.npy")
    hdr = ("{'descr': '<f4', 'fortran_order': False, "
           "'shape': (1000000000000, 64), }")
    hdr += " " * (63 - (len(hdr) + 10) % 64) + "\n"
    with open(npy, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) +
                hdr.encode() + b"\0" * 256)
    w2v = path("lie.bin")
    with open(w2v, "wb") as f:
        f.write(b"1000000000 300\n" + b"w " + b"\0" * 1200)
    store = write_store("lie.h5", [ee.Embedding(
        "v", "vector", matrix=numpy.eye(3, dtype="f4"))])
    with h5py.File(store, "r+") as f:
        g = f["models/m/embeddings/v"]
        for name in ("matrix", "labels", "label_index"):
            del g[name]
        n = 10 ** 9
        g.create_dataset("matrix", shape=(n, 64), dtype="f4",
                         chunks=(256, 64))
        g.create_dataset("labels", shape=(n,), chunks=(1024,),
                         dtype=h5py.string_dtype("utf-8"))
        g.create_dataset("label_index", shape=(1 << 31,), dtype="i8",
                         chunks=(512,))
    files = [("store", store), ("npy", npy), ("word2vec binary", w2v)]
    try:
        files.append(("torch", lying_torch()))
    except ImportError:
        t.skip("torch header", "python3 has no torch")
    for what, p in files:
        rc, err, rss = wait_rss([p, "-c", "vars"])
        t.ok(rc == 1 and err.count(b"\n") == 1 and rss < 300 * 1024,
             "%s declaring 4 TB in %d bytes: refused using %d MiB (%s)" %
             (what, os.path.getsize(p), rss // 1024, err.strip()[:100]))


def lying_torch():
    """A torch zip whose storage declares 10^12 floats and holds 16."""
    import collections
    import torch
    sentinel = object()

    class Tensor:
        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2,
                    (sentinel, 0, (10 ** 6, 10 ** 6), (10 ** 6, 1), False,
                     collections.OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is sentinel:
                return ("storage", torch.FloatStorage, "0", "cpu", 10 ** 12)
            return None
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(collections.OrderedDict(
        [("embeds.0.weight", Tensor())]))
    p = path("lie.pth")
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("lie/data.pkl", buf.getvalue())
        z.writestr("lie/data/0", b"\0" * 64)
        z.writestr("lie/version", b"3\n")
    return p


def main():
    """Run every case; remove the temporary files."""
    try:
        store = hostile_store()
        test_outputs(store)
        test_errors(store)
        test_invalid_utf8()
        test_damaged_weight()
        test_completion(store)
        test_typed_back(store)
        test_views(store)
        test_nonfinite()
        test_shapes()
        test_replaced_while_read()
        test_full_disk()
        test_killed()
        test_read_only()
        test_lying_headers()
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    t.done()


main()
