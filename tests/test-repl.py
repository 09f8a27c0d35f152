"""The embrepl program, piped, with -c, and at a pseudo-terminal.

Its numbers are compared with numpy computations on what h5py reads from
the example stores: the exact top K of similar, PCA's explained variance,
the rows of show, the biases, and every export format.
"""

import fnmatch
import json
import os
import re
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storecheck import Tap  # noqa: E402

import h5py  # noqa: E402
import numpy  # noqa: E402

TOP = os.environ.get("top_srcdir", ".")
EMBREPL = os.environ.get("EMBREPL", "src/embrepl")
ML = os.path.join(TOP, "examples", "movielens.h5")
ADULT = os.path.join(TOP, "examples", "adult.h5")
TMP = tempfile.mkdtemp(prefix="embrepl-test-repl.")
ENV = dict(os.environ, HOME=TMP, XDG_STATE_HOME=os.path.join(TMP, "state"),
           XDG_CONFIG_HOME=os.path.join(TMP, "config"), LC_ALL="C.UTF-8",
           TERM="xterm")
ENV.pop("COLUMNS", None)
t = Tap()


def run(*args, stdin=None):
    """Run embrepl with args; return (status, stdout, stderr)."""
    p = subprocess.run([EMBREPL] + list(args), input=stdin, env=ENV,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def emb(path, model, var):
    """Labels, matrix and bias of an embedding, read with h5py."""
    with h5py.File(path, "r") as f:
        g = f["models/%s/embeddings/%s" % (model, var)]
        labels = list(g["labels"].asstr()[:])
        matrix = g["matrix"][:].astype(numpy.float64)
        bias = g["bias"][:].astype(numpy.float64) if "bias" in g else None
    return labels, matrix, bias


def oracle_similar(matrix, row, k, metric):
    """numpy's exact top k rows for a query row, itself left out."""
    q = matrix[row]
    if metric == "cosine":
        norms = numpy.linalg.norm(matrix, axis=1)
        s = matrix @ q / (norms * numpy.linalg.norm(q))
        order = numpy.argsort(-s, kind="stable")
    elif metric == "dot":
        s = matrix @ q
        order = numpy.argsort(-s, kind="stable")
    else:
        s = numpy.linalg.norm(matrix - q, axis=1)
        order = numpy.argsort(s, kind="stable")
    order = [int(i) for i in order if i != row][:k]
    return order, s[order]


def check_similar(path, model, var, label, k, metric):
    """similar must return numpy's exact top k with its scores."""
    labels, matrix, _ = emb(path, model, var)
    row = labels.index(label)
    want, scores = oracle_similar(matrix, row, k, metric)
    rc, out, err = run(path, "-m", model, "-f", "json", "-c",
                       'similar %s "%s" %d --metric %s' % (var, label, k,
                                                           metric))
    got = json.loads(out) if rc == 0 else []
    rows = [h["row"] for h in got]
    t.ok(rc == 0 and rows == want,
         "similar %s %r %d %s equals numpy's top %d" % (var, label, k,
                                                        metric, k))
    t.ok(len(got) == k and all(abs(h["score"] - s) <= 1e-4 * max(1, abs(s))
                               for h, s in zip(got, scores)),
         "and its %s scores agree to 1e-4" % metric)
    t.ok(all(h["label"] == labels[h["row"]] for h in got),
         "and each label is its row's")


def oracle_pca(matrix, skip_na):
    """Explained variance ratios from numpy's covariance and eigh."""
    x = matrix[1:] if skip_na else matrix
    cov = numpy.cov(x, rowvar=False)
    w = numpy.linalg.eigh(cov)[0][::-1]
    return w, w / numpy.trace(cov)


def check_pca(path, model, var, n):
    """pca must give numpy's explained variance ratios to 1e-4."""
    labels, matrix, _ = emb(path, model, var)
    var_, ratio = oracle_pca(matrix, labels[0] == "#na#")
    rc, out, err = run(path, "-m", model, "-f", "json", "-c",
                       "pca %s %d" % (var, n))
    doc = json.loads(out) if rc == 0 else {}
    got = [c["ratio"] for c in doc.get("variance", [])]
    t.ok(rc == 0 and len(got) == n and
         all(abs(a - b) <= 1e-4 for a, b in zip(got, ratio[:n])),
         "pca %s %d: explained variance ratios equal numpy's (%s)" %
         (var, n, ", ".join("%.4f" % r for r in ratio[:n])))
    ext = doc.get("extremes", [])
    t.ok(len(ext) == n * 10 and
         all(e["label"] == labels[e["row"]] for e in ext),
         "pca %s: five top and five bottom labels per component" % var)


def test_usage():
    """--help, --version and bad usage."""
    rc, out, _ = run("--version")
    t.ok(rc == 0 and out.startswith("embrepl "), "--version")
    rc, out, _ = run("--help")
    t.ok(rc == 0 and "usage: embrepl" in out and "--command" in out,
         "--help lists the options")
    rc, _, err = run("--bogus")
    t.ok(rc == 2, "an unknown option exits 2")
    rc, _, err = run(ML, "--threads", "zero", "-c", "vars")
    t.ok(rc == 2 and err.startswith("embrepl: --threads"),
         "a bad --threads value exits 2 with one line")


def test_movielens():
    """The fastai lesson's questions on the MovieLens example."""
    labels, matrix, bias = emb(ML, "movielens", "items")
    rc, out, _ = run(ML, "-f", "tsv", "-c", "bias items 5")
    lines = out.split("\n")
    hi = [int(l.split("\t")[1]) for l in lines[1:6]]
    want_hi = [int(i) for i in numpy.argsort(-bias[1:], kind="stable")[:5]
               + 1]
    t.ok(rc == 0 and hi == want_hi, "bias items 5: the five highest biases "
         "in numpy's order (%s)" % ", ".join(labels[i] for i in want_hi))
    lo = [int(l.split("\t")[1]) for l in lines[8:13]]
    want_lo = [int(i) for i in numpy.argsort(bias[1:], kind="stable")[:5]
               + 1]
    t.ok(lo == want_lo, "and the five lowest")
    t.ok(any("Shawshank" in labels[i] or "Titanic" in labels[i]
             for i in want_hi), "the lesson's titles are at the top")

    for metric in ("cosine", "euclidean", "dot"):
        check_similar(ML, "movielens", "items", "Star Wars (1977)", 10,
                      metric)
    check_similar(ML, "movielens", "users", "42", 7, "cosine")
    check_pca(ML, "movielens", "items", 3)

    row = labels.index("Star Wars (1977)")
    rc, out, _ = run(ML, "-f", "json", "-c",
                     'show items "Star Wars (1977)" #0')
    got = json.loads(out) if rc == 0 else []
    t.ok(len(got) == 2 and got[0]["row"] == row and
         numpy.allclose(got[0]["vector"], matrix[row], atol=1e-7, rtol=0)
         and abs(got[0]["bias"] - bias[row]) < 1e-6,
         "show returns the row, vector and bias that h5py reads")
    t.ok(len(got) == 2 and got[1]["label"] == "#na#" and got[1]["row"] == 0,
         "#0 names row 0, #na#")

    rc, out, _ = run(ML, "-f", "tsv", "-c", "labels items *star*")
    want = [l for l in labels if fnmatch.fnmatch(l.lower(), "*star*")]
    got = [l.split("\t")[1] for l in out.strip().split("\n")[1:]]
    t.ok(rc == 0 and got == want, "labels with a glob: %d matches" %
         len(want))
    rc, out, _ = run(ML, "-f", "tsv", "-c", "labels items \"/^star (wars|trek)/\"")
    got = [l.split("\t")[1] for l in out.strip().split("\n")[1:]]
    t.ok(rc == 0 and len(got) >= 2 and
         all(g.lower().startswith("star ") for g in got),
         "labels with a /regex/")
    want = [l for l in labels
            if re.search(r"[a-z]\. \(19[0-9]+\)$", l, re.I)]
    rc, out, _ = run(ML, "-f", "tsv", "-c",
                     "labels items \"/[a-z]\\. \\(19[0-9]+\\)$/\"")
    got = [l.split("\t")[1] for l in out.strip().split("\n")[1:]]
    t.ok(rc == 0 and want and got == want,
         "a regex keeps its backslashes inside double quotes: %s" % got)


def test_adult():
    """The tabular example: variables, continuous facts, neighbours."""
    with h5py.File(ADULT, "r") as f:
        m = f["models/adult"]
        names = list(m["embeddings"].keys())
        cont = list(m["continuous/names"].asstr()[:])
        mean = m["continuous/mean"][:]
    rc, out, _ = run(ADULT, "-f", "json", "-c", "vars")
    doc = json.loads(out) if rc == 0 else {}
    got = {e["var"]: e for e in doc.get("embeddings", [])}
    t.ok(rc == 0 and sorted(got) == sorted(names) and
         all(e["na_row"] == 0 and e["role"] == "categorical"
             for e in got.values()), "vars lists the 8 categorical variables")
    ok = True
    for name in names:
        labels, matrix, _ = emb(ADULT, "adult", name)
        ok &= got.get(name, {}).get("rows") == matrix.shape[0]
        ok &= got.get(name, {}).get("width") == matrix.shape[1]
    t.ok(ok, "with h5py's rows and widths")
    c = doc.get("continuous", [])
    t.ok([x["continuous"] for x in c] == cont and
         all(abs(x["mean"] - m_) < 1e-6 * abs(m_) for x, m_ in zip(c, mean)),
         "and the continuous variables with their means")
    check_similar(ADULT, "adult", "education", "Bachelors", 5, "cosine")
    check_similar(ADULT, "adult", "occupation", "Exec-managerial", 4,
                  "euclidean")
    check_pca(ADULT, "adult", "native-country", 2)
    rc, out, _ = run(ADULT, "-f", "json", "-c", "info")
    info = {r["field"]: r["value"] for r in json.loads(out)} if rc == 0 \
        else {}
    t.ok(info.get("kind") == "tabular" and "50K" in info.get(
        "target classes", ""), "info gives the kind and target classes")


def test_export():
    """Every export format reads back as the matrix and its labels."""
    labels, matrix, bias = emb(ML, "movielens", "items")
    d = TMP
    rc, _, err = run(ML, "-c", "export items %s/i.npy" % d,
                     "-c", "export items %s/i.csv" % d,
                     "-c", "export items %s/i.tsv" % d,
                     "-c", "export items %s/p.tsv --format projector" % d)
    t.ok(rc == 0, "export to npy, csv, tsv and projector (%s)" % err.strip())
    a = numpy.load(os.path.join(d, "i.npy"))
    t.ok(a.dtype == numpy.float32 and numpy.array_equal(a, matrix),
         "the .npy is the float32 matrix")
    with open(os.path.join(d, "i.labels.txt"), encoding="utf-8") as f:
        t.ok(f.read().split("\n")[:-1] == labels, "with its labels beside")
    import csv
    with open(os.path.join(d, "i.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    t.ok(rows[0][:3] == ["row", "label", "bias"] and
         [r[1] for r in rows[1:]] == labels and
         numpy.allclose(numpy.array([r[3:] for r in rows[1:]], float),
                        matrix, atol=0, rtol=1e-7),
         "the CSV holds labels, biases and exact values")
    vec = numpy.loadtxt(os.path.join(d, "p.tsv"), delimiter="\t")
    with open(os.path.join(d, "p_meta.tsv"), encoding="utf-8") as f:
        meta = f.read().split("\n")
    t.ok(vec.shape == matrix.shape and meta[0] == "label\trow\tbias" and
         meta[1].split("\t")[0] == "#na#", "the projector pair")
    rc, out, _ = run(ML, "-c", "export items - --format csv")
    with open(os.path.join(d, "i.csv"), encoding="utf-8") as f:
        t.ok(rc == 0 and out == f.read(),
             "export to - writes the same CSV to standard output")
    rc, _, err = run(ML, "-c", "export items %s/x.bin" % d)
    t.ok(rc == 1 and err.count("\n") == 1 and "--format" in err,
         "an unknown extension is one clear error")


def test_neighbours():
    """The batch form: every row's neighbours, or some rows', to a file."""
    labels, matrix, _ = emb(ML, "movielens", "users")
    out = os.path.join(TMP, "nn.tsv")
    rc, _, err = run(ML, "-c", "neighbours users %s --k 4" % out)
    with open(out, encoding="utf-8") as f:
        lines = f.read().split("\n")[1:-1]
    t.ok(rc == 0 and len(lines) == 4 * len(labels),
         "neighbours users: 4 lines for each of %d rows" % len(labels))
    ok = True
    for q in (0, 1, 500, len(labels) - 1):
        want, _ = oracle_similar(matrix, q, 4, "cosine")
        got = [int(l.split("\t")[3]) for l in lines[4 * q:4 * q + 4]]
        ok &= got == want
    t.ok(ok, "each row's neighbours equal numpy's top 4")
    labels, matrix, _ = emb(ML, "movielens", "items")
    rc, _, err = run(ML, "-c", "neighbours items %s --k 3 --metric "
                     "euclidean --labels \"Star Wars (1977),Titanic (1997)\""
                     % out)
    with open(out, encoding="utf-8") as f:
        lines = [l.split("\t") for l in f.read().split("\n")[1:-1]]
    ok = rc == 0 and len(lines) == 6
    for i, name in enumerate(("Star Wars (1977)", "Titanic (1997)")):
        want, _ = oracle_similar(matrix, labels.index(name), 3, "euclidean")
        ok = ok and [int(l[3]) for l in lines[3 * i:3 * i + 3]] == want
        ok = ok and lines[3 * i][1] == name
    t.ok(ok, "--labels and --metric pick the queries and the metric")


def test_lua_neighbours():
    """The Lua batch form equals numpy's top k for every row asked."""
    labels, matrix, _ = emb(ML, "movielens", "items")
    rc, out, err = run(ML, "-e", "e = embrepl.var('items') "
                       "for i, l in ipairs(e:neighbours({'Star Wars (1977)',"
                       " 5, 1635}, 4, 'dot')) do for _, h in ipairs(l) do "
                       "print(i, h.row) end end")
    got = [[int(x.split("\t")[1]) for x in out.split("\n")[4 * i:4 * i + 4]]
           for i in range(3)]
    want = [oracle_similar(matrix, q, 4, "dot")[0]
            for q in (labels.index("Star Wars (1977)"), 5, 1635)]
    t.ok(rc == 0 and got == want, "e:neighbours equals numpy's top 4 (%s)"
         % err.strip())
    rc, out, _ = run(ML, "-e", "print(#embrepl.var('users'):neighbours())")
    t.ok(rc == 0 and out.strip() == "944", "e:neighbours() asks every row")


def test_errors():
    """Each error is one line on stderr and a non-zero status."""
    cases = [
        (["-c", "similar nosuch X"], "no variable 'nosuch'"),
        (["-c", "similar items \"Star Wars\""], "Star Wars (1977)"),
        (["-c", "similar items #0 zero"], "K must be a whole number"),
        (["-c", "similar items #0 3 --metric manhattan"], "metric"),
        (["-c", "show items #99999"], "no row #99999"),
        (["-c", "frobnicate items"], "no command 'frobnicate' (try 'help')"
         "; as Lua, input:1: syntax error near 'items'"),
        (["-c", "simialr items #3"], "no command 'simialr' (did you mean "
         "'similar'?)"),
        (["-c", "varz"], "no command 'varz' (did you mean 'vars'?) and no "
         "Lua value of that name"),
        (["-c", "use nosuch"], "no model 'nosuch'"),
        (["-c", "similar"], "usage: similar"),
        (["-e", "x = = 1"], "lua:"),
    ]
    for args, want in cases:
        rc, out, err = run(ML, *args)
        first = err.split("\n")[0]
        t.ok(rc == 1 and first.startswith("embrepl: ") and want in first,
             "%s: %s" % (" ".join(args[1:]), first))
    rc, out, err = run(ML, "-c", "x = 6 * 7", "-c", "x", "-c", "math.pi",
                       "-c", 'print "hi"')
    t.ok(rc == 0 and out == "42\n3.1415926535898\nhi\n" and err == "",
         "names that Lua knows still read as Lua")
    rc, out, err = run(ML, "-c", "= varz", "-e", "varz", "-c", "= 1 +")
    t.ok(rc == 1 and out == "nil\nnil\n" and
         "no command" not in err and "lua: input:1:" in err,
         "after '=' and in -e a line is Lua only: never a mistyped command "
         "(%s)" % err.strip())
    missing = os.path.join(TMP, "missing.h5")
    empty = os.path.join(TMP, "empty.h5")
    open(empty, "w").close()
    for path, why in ((missing, "No such file or directory"),
                      (TMP, "a directory"), (empty, "the file is empty")):
        rc, _, err = run(path, "-c", "vars")
        t.ok(rc == 1 and err == "embrepl: %s: %s\n" % (path, why),
             "%s: one line, status 1 ('%s')" % (why, err.strip()))
    damaged = os.path.join(TOP, "tests", "damaged", "hdf5-segfault.h5")
    rc, _, err = run(damaged, "-c", "models")
    t.ok(rc == 1 and err.startswith("embrepl: ") and "damaged" in err and
         err.count("\n") == 1,
         "a store that crashes HDF5 itself is refused: '%s'" % err.strip())
    rc, out, err = run(ML, "-e", "print(embrepl.open('%s'))" % damaged,
                       "-c", "bias items 1")
    t.ok(rc == 0 and out.startswith("nil\t") and "damaged" in out and
         "lowest" in out, "from Lua too, and the session goes on")
    bad = os.path.join(TMP, "bad.h5")
    with open(bad, "w") as f:
        f.write("not a model\n")
    rc, _, err = run(bad)
    t.ok(rc == 1 and err.startswith("embrepl: %s: " % bad),
         "a file of no known format: '%s'" % err.strip())


def test_piped():
    """Lines on standard input: no prompt, no escape codes, multi-line Lua."""
    text = ("vars\n"
            "for i = 1, 3 do\n"
            "  print('n=' .. i)\n"
            "end\n"
            "bias items 2\n")
    rc, out, err = run(ML, stdin=text)
    t.ok(rc == 0 and "n=1\nn=2\nn=3\n" in out, "a Lua loop over lines runs")
    t.ok("\x1b" not in out and "movielens>" not in out,
         "no prompt and no escape codes when piped")
    rc, out, err = run(ML, stdin="bias items 2\nnosuch_command_x(\n")
    t.ok(rc == 1, "a failing line makes the status 1")
    script = os.path.join(TMP, "s.lua")
    with open(script, "w") as f:
        f.write("print(#arg, arg[0] ~= nil, arg[1], arg[2], select('#', ...))\n")
    rc, out, _ = run(ML, script, "a", "b c")
    t.ok(rc == 0 and out == "2\ttrue\ta\tb c\t2\n",
         "a script gets arg and ... as lua does")
    rc, out, _ = run(ML, "-f", "csv", "-c", "bias items 1")
    t.ok(rc == 0 and out.startswith("rank,row,label,bias\n"),
         "CSV output has a header and no decoration")
    rc, out, err = run(ML, stdin="format json\nbias items 1\n"
                       "bias items 1 --format tsv\nformat\n")
    doc, _, rest = out.partition("\n}\n")
    try:
        got = json.loads(doc + "}")
    except ValueError:
        got = None
    t.ok(rc == 0 and got is not None and got["highest"][0]["row"] == 1294
         and rest.startswith("rank\trow\tlabel\tbias\n") and
         rest.endswith("\njson\n"),
         "'format json' holds for the commands after it; a command's own "
         "--format only for itself (%r)" % out[-60:])


def columns(text, names):
    """The words of each column of a table for people, top to bottom.

    Columns are cut where the header names start, so text that wrapped
    onto more lines is found under its own column.
    """
    lines = text.rstrip("\n").split("\n")
    head = lines[0]
    starts = [head.index(n) for n in names] + [None]
    words = [[] for _ in names]
    for line in lines[1:]:
        for i in range(len(names)):
            words[i] += line[starts[i]:starts[i + 1]].split()
    return words


def test_wrap():
    """help and info wrap to the terminal's width instead of cutting."""
    _, ref, _ = run(ML, "-f", "json", "-c", "help")
    ref = json.loads(ref)
    _, one, _ = run(ML, "-f", "json", "-c", "help similar")
    one = json.loads(one)[0]
    with h5py.File(ML, "r") as f:
        source = f["models/movielens"].attrs["source"]
        source = source.decode() if isinstance(source, bytes) else source
    for width in (60, 80):
        env = dict(ENV, COLUMNS=str(width))

        def cols(cmd, names):
            p = subprocess.run([EMBREPL, ML, "-c", cmd], env=env,
                               capture_output=True, text=True, timeout=60)
            ok = p.returncode == 0 and all(
                len(x) <= width and not x.endswith(" ")
                for x in p.stdout.split("\n"))
            body = p.stdout.split("\nAny other line")[0]
            return ok, columns(body, names), p.stdout

        ok, (usage, help_), out = cols("help", ["command", "help"])
        t.ok(ok and usage == " ".join(r["command"] for r in ref).split() and
             help_ == " ".join(r["help"] for r in ref).split() and
             "--format table|tsv|csv|json." in " ".join(out.split()),
             "help at %d columns: every usage and line whole, wrapped" %
             width)
        ok, (u, h, a), _ = cols("help similar", ["usage", "help", "alias"])
        t.ok(ok and u == one["usage"].split() and h == one["help"].split()
             and a == ["nn"], "help similar at %d columns: whole" % width)
        ok, (field, value), out = cols("info", ["field", "value"])
        t.ok(ok and " ".join(source.split()) in " ".join(value),
             "info at %d columns: the whole source, as h5py reads it" %
             width)


class Pty:
    """embrepl at a pseudo-terminal of 100 columns."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(EMBREPL, [EMBREPL] + list(args), ENV)
        import fcntl
        import struct
        import termios
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", 30, 100, 0, 0))
        self.buf = ""

    def read_until(self, want, timeout=20):
        """Read output until want appears; return whether it did."""
        end = time.time() + timeout
        while want not in self.buf and time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    self.buf += os.read(self.fd, 65536).decode("utf-8",
                                                               "replace")
                except OSError:
                    break
        return want in self.buf

    def send(self, s):
        """Type s."""
        os.write(self.fd, s.encode())

    def read_past(self, mark, want, timeout=20):
        """Read until want appears after mark; drop what came before.

        Readline may redraw the prompt while a line is edited, so a prompt
        only counts once it follows the output of the command.
        """
        if not self.read_until(mark, timeout):
            return False
        end = time.time() + timeout
        self.buf = self.buf[self.buf.index(mark) + len(mark):]
        return self.read_until(want, max(end - time.time(), 0.2))

    def take(self):
        """Return and forget what was read so far."""
        b, self.buf = self.buf, ""
        return b

    def close(self):
        """Wait for the program to end; return its status."""
        end = time.time() + 10
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                return os.waitstatus_to_exitcode(status)
            self.read_until("\0", 0.2)
        os.kill(self.pid, signal.SIGKILL)
        return -1


def test_pty():
    """Completion, Ctrl-C and history at a real terminal."""
    p = Pty(ML)
    t.ok(p.read_until("movielens> "), "the prompt names the model")
    p.take()
    p.send("simi\t")
    t.ok(p.read_until("similar "), "Tab completes a command name")
    p.send("it\t")
    t.ok(p.read_until("items "), "Tab completes a variable name")
    p.send('"Star Wa\t')
    t.ok(p.read_until('"Star Wars (1977)"'),
         "Tab completes a label with spaces, quoted")
    p.send(" 3\r")
    t.ok(p.read_until("Return of the Jedi") or
         p.read_until("Empire Strikes Back"),
         "and the completed command runs")
    p.read_past("rank", "movielens> ")
    p.take()
    p.send("some half typed line\x03")
    t.ok(p.read_until("^C") and p.read_until("movielens> "),
         "Ctrl-C drops the line and gives a new prompt (%r)" % p.buf[-200:])
    p.take()
    p.send("while true do end\r")
    time.sleep(1.0)
    for _ in range(10):
        p.send("\x03")
        if p.read_until("interrupted", 3):
            break
    t.ok(p.read_until("interrupted") and p.read_until("movielens> "),
         "Ctrl-C stops a running Lua loop and returns to the prompt")
    p.take()
    p.send("bias items 1\r")
    t.ok(p.read_until("lowest"), "the session goes on after Ctrl-C")
    p.read_until("movielens> ")
    p.send("\x04")
    t.ok(p.close() == 0, "Ctrl-D quits with status 0")
    hist = os.path.join(TMP, "state", "embrepl", "history")
    t.ok(os.path.exists(hist) and "bias items 1" in open(hist).read(),
         "history is kept in the XDG state directory")
    p = Pty(ML)
    p.read_until("movielens> ")
    p.take()
    p.send("\x1b[A")
    t.ok(p.read_until("bias items 1"), "Up recalls the last session's line")
    p.send("\r")
    p.read_until("lowest")
    p.send("quit\r")
    t.ok(p.close() == 0, "quit leaves with status 0")


def main():
    if not os.path.exists(ML) or not os.path.exists(ADULT):
        print("1..0 # SKIP the example stores are missing")
        return
    test_usage()
    test_movielens()
    test_adult()
    test_export()
    test_neighbours()
    test_lua_neighbours()
    test_errors()
    test_piped()
    test_wrap()
    test_pty()
    t.done()


main()
