"""The Lua API, checked against numpy and h5py.

A small store is written with examples/embrepl_export.py; numpy computes
what the Lua API should answer on it and on the example stores (rows,
neighbours, analogies, PCA, biases) and hands the answers to the Lua
scripts in tests/lua/ as a Lua table. Each script prints TAP lines that
this runner numbers. The rest drives the program: errors and tracebacks,
commands registered from Lua, table output, init.lua.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storecheck import Tap  # noqa: E402

import h5py  # noqa: E402
import numpy  # noqa: E402

TOP = os.environ.get("top_srcdir", ".")
sys.path.insert(0, os.path.join(TOP, "examples"))
import embrepl_export  # noqa: E402

EMBREPL = os.environ.get("EMBREPL", "src/embrepl")
LUADIR = os.path.join(TOP, "tests", "lua")
ML = os.path.join(TOP, "examples", "movielens.h5")
ADULT = os.path.join(TOP, "examples", "adult.h5")
TMP = tempfile.mkdtemp(prefix="embrepl-test-lua.")
ENV = dict(os.environ, HOME=TMP, XDG_STATE_HOME=os.path.join(TMP, "state"),
           XDG_CONFIG_HOME=os.path.join(TMP, "config"), LC_ALL="C.UTF-8",
           EMBREPL_LUA_PATH=os.environ.get("EMBREPL_LUA_PATH",
                                           os.path.join(TOP, "lua")))
t = Tap()

ITEM_LABELS = ["#na#", "alpha", "beta", "gamma", "delta", "Star Wars (1977)",
               'a "quoted" label', "bell\x07ring", "tab\there",
               "\u00fcn\u00efcode"] + ["item%d" % i for i in range(10, 40)]


def run(*args, stdin=None, env=None):
    """Run embrepl with args; return (status, stdout, stderr)."""
    p = subprocess.run([EMBREPL] + list(args), input=stdin, env=env or ENV,
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def write_toy(path):
    """Write the small store the Lua scripts read; return its arrays."""
    rng = numpy.random.default_rng(20261203)
    items = rng.standard_normal((len(ITEM_LABELS), 6)).astype(numpy.float32)
    items[0] = 0.0
    ibias = rng.standard_normal(len(ITEM_LABELS)).astype(numpy.float32)
    users = rng.standard_normal((20, 6)).astype(numpy.float32)
    colour = rng.standard_normal((4, 3)).astype(numpy.float32)
    toy = embrepl_export.Model(
        "toy", "collab", source="tests/test-lua.py", y_range=(0.0, 5.5),
        embeddings=[
            embrepl_export.Embedding("users", "user", matrix=users,
                                     na_row=-1),
            embrepl_export.Embedding("items", "item", matrix=items,
                                     labels=ITEM_LABELS, bias=ibias),
        ])
    tab = embrepl_export.Model(
        "tab", "tabular", source="tests/test-lua.py",
        classes=["<50k", ">=50k"], continuous=["age", "hours"],
        mean=[38.5, 40.25], std=[13.5, 12.0],
        embeddings=[embrepl_export.Embedding(
            "colour", "categorical", matrix=colour,
            labels=["#na#", "red", "green", "blue"])])
    embrepl_export.write_store(path, [toy, tab])
    return items, ibias


def read_emb(path, model, var):
    """Labels, float64 matrix and bias of an embedding, read with h5py."""
    with h5py.File(path, "r") as f:
        g = f["models/%s/embeddings/%s" % (model, var)]
        labels = list(g["labels"].asstr()[:])
        matrix = g["matrix"][:].astype(numpy.float64)
        bias = g["bias"][:].astype(numpy.float64) if "bias" in g else None
        na_row = int(g.attrs["na_row"])
    return labels, matrix, bias, na_row


def topk(matrix, q, k, metric, exclude=()):
    """numpy's exact top k: rows and scores, best first, ties by row."""
    q = numpy.asarray(q, dtype=numpy.float64)
    if metric == "cosine":
        norms = numpy.linalg.norm(matrix, axis=1)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            scores = matrix @ q / (norms * numpy.linalg.norm(q))
        scores[norms == 0] = numpy.nan
        key = -scores
    elif metric == "dot":
        scores = matrix @ q
        key = -scores
    else:
        scores = numpy.sqrt(((matrix - q) ** 2).sum(axis=1))
        key = scores.copy()
    rows = [r for r in numpy.lexsort((numpy.arange(len(key)), key))
            if r not in exclude and not numpy.isnan(key[r])]
    rows = rows[:k]
    return [int(r) for r in rows], [float(scores[r]) for r in rows]


def pca_ratio(matrix, na_row, n):
    """Explained variance and its ratio, the #na# row left out."""
    rows = [r for r in range(len(matrix)) if r != na_row]
    x = matrix[rows] - matrix[rows].mean(axis=0)
    cov = x.T @ x / (len(rows) - 1)
    ev = numpy.sort(numpy.linalg.eigvalsh(cov))[::-1]
    return [float(v) for v in ev[:n]], [float(v) for v in ev[:n] / ev.sum()]


def bias_ends(bias, na_row, k):
    """Rows of the k highest and k lowest biases, the #na# row left out."""
    rows = [r for r in range(len(bias)) if r != na_row]
    high = sorted(rows, key=lambda r: (-bias[r], r))[:k]
    low = sorted(rows, key=lambda r: (bias[r], r))[:k]
    return high, low


def lua(v):
    """A Lua literal for a Python value."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if numpy.isfinite(v) else "0/0"
    if isinstance(v, str):
        out = []
        for b in v.encode("utf-8"):
            c = chr(b)
            if 32 <= b < 127 and c not in "\"\\":
                out.append(c)
            else:
                out.append("\\%03d" % b)
        return '"' + "".join(out) + '"'
    if isinstance(v, dict):
        return "{" + ", ".join("[%s] = %s" % (lua(k), lua(x))
                               for k, x in v.items()) + "}"
    return "{" + ", ".join(lua(x) for x in v) + "}"


def oracle(toy):
    """What the Lua scripts must find, computed with numpy."""
    labels, m, bias, na = read_emb(toy, "toy", "items")
    o = {"store": toy, "ml": ML, "adult": ADULT,
         "items": {"labels": labels, "matrix": [list(map(float, r))
                                                for r in m],
                   "bias": list(map(float, bias)), "na_row": na}}
    sim = []
    for query, metric, k in [("alpha", "cosine", 5), ("beta", "dot", 7),
                             ("gamma", "euclidean", 4), (3, "cosine", 39),
                             ("Star Wars (1977)", "cosine", 100)]:
        row = labels.index(query) if isinstance(query, str) else query
        rows, scores = topk(m, m[row], k, metric, exclude=(row,))
        sim.append({"query": query, "metric": metric, "k": k,
                    "rows": rows, "scores": scores})
    q = m[1] - m[2] + m[3]
    rows, scores = topk(m, q, 5, "cosine")
    sim.append({"vector": [1, 2, 3], "metric": "cosine", "k": 5,
                "rows": rows, "scores": scores})
    o["similar"] = sim
    rows, _ = topk(m, q, 4, "cosine", exclude=(1, 2, 3))
    o["analogy"] = {"a": "alpha", "b": "beta", "c": "gamma", "k": 4,
                    "rows": rows}
    var, ratio = pca_ratio(m, na, 3)
    o["pca"] = {"n": 3, "variance": var, "ratio": ratio}
    high, low = bias_ends(bias, na, 5)
    o["bias"] = {"high": high, "low": low}
    if os.path.exists(ML):
        labels, m, bias, na = read_emb(ML, "movielens", "items")
        sw = labels.index("Star Wars (1977)")
        rows, scores = topk(m, m[sw], 10, "cosine", exclude=(sw,))
        var, ratio = pca_ratio(m, na, 3)
        high, low = bias_ends(bias, na, 10)
        o["movielens"] = {
            "star_wars": sw, "row": list(map(float, m[sw])),
            "similar": rows, "scores": scores, "ratio": ratio,
            "high": high, "low": low, "rows": len(labels)}
    return o


def run_scripts(toy, oracle_path):
    """Run every tests/lua/test-*.lua and number their TAP lines."""
    for name in sorted(os.listdir(LUADIR)):
        if not (name.startswith("test-") and name.endswith(".lua")):
            continue
        rc, out, err = run(toy, os.path.join(LUADIR, name), oracle_path)
        for line in out.splitlines():
            if line.startswith("ok - ") or line.startswith("not ok - "):
                good = line.startswith("ok")
                t.ok(good, "%s: %s" % (name, line.split(" - ", 1)[1]))
            elif line.startswith("#"):
                print(line)
        t.ok(rc == 0 and err == "", "%s ran to its end (%d) %s" %
             (name, rc, err.strip().replace("\n", " | ")))


def test_errors(toy):
    """A Lua error: one line, a traceback, and the session goes on."""
    rc, out, err = run(toy, stdin="error('boom')\nprint('after')\n")
    lines = err.splitlines()
    t.ok(rc == 1 and lines[0] == "embrepl: lua: input:1: boom",
         "a Lua error is one line: %r" % lines[:1])
    t.ok("stack traceback:" in lines, "a Lua error has a traceback")
    t.ok(out == "after\n", "the session goes on after a Lua error")
    text = ("local function inner() local x = nil; return x.y + 1 end\n"
            "function outer() local v = inner(); return v end\n")
    rc, out, err = run("-e", text.replace("\n", " "), "-e", "outer()", toy)
    t.ok(rc == 1 and "attempt to index" in err and "inner" in err and
         "outer" in err, "the traceback names the functions")
    rc, out, err = run("-e", "items = embrepl.var('items')",
                       "-e", "items:label(7)", "-e", "items:labels('^bell')",
                       toy)
    t.ok(rc == 0 and out == '"bell\\x07ring"\n{"bell\\x07ring"}\n',
         "results escape labels: %r" % out)
    rc, out, err = run(toy, stdin="function f(x)\n  return x * 2\nend\n"
                       "f(21)\n")
    t.ok(rc == 0 and out == "42\n", "a multi-line chunk runs once complete")
    rc, out, err = run("-e", "embrepl.vector{1, 2} + "
                       "embrepl.vector{1, 2, 3}", toy)
    t.ok(rc == 1 and "vector dimensions differ: 2 and 3" in err,
         "a dimension mismatch raises an error")


def test_commands(toy):
    """Commands registered from Lua: help, dispatch, options, failures."""
    reg = ("local _ = embrepl.command{name = 'twice',"
           " usage = 'twice WORD [--upper]',"
           " help = 'says a word twice', min = 1, max = 1,"
           " opts = 'upper,sep:', fn = function(args, opts)"
           " local w = args[1]; if opts.upper == true then w = w:upper()"
           " end; if w == 'bad' then return nil, 'no good' end;"
           " if w == 'worse' then error('broken') end;"
           " print(w .. (opts.sep or '') .. w) end}")
    rc, out, err = run("-e", reg, "-c", "help", toy)
    t.ok(rc == 0 and "twice WORD [--upper]" in out and
         "says a word twice" in out, "help lists a Lua command")
    rc, out, err = run("-e", reg, "-c", "twice ab", "-c",
                       "twice --upper ab --sep=-", toy)
    t.ok(rc == 0 and out == "abab\nAB-AB\n",
         "a Lua command gets its words and options: %r" % out)
    rc, out, err = run("-e", reg, "-c", "twice bad", toy)
    t.ok(rc == 1 and err == "embrepl: twice: no good\n",
         "nil, message fails the command in one line: %r" % err)
    rc, out, err = run("-e", reg, "-c", "twice worse", "-c", "twice x", toy)
    t.ok(rc == 1 and "broken" in err and "stack traceback:" in err and
         out == "xx\n", "an error in a command has a traceback, then on")
    rc, out, err = run("-e", reg, "-c", "twice", toy)
    t.ok(rc == 1 and "usage: twice WORD" in err, "argument counts hold")
    rc, out, err = run("-e", "embrepl.command{name='similar', "
                       "fn=print}", toy)
    t.ok(rc == 0 and out == "nil\t\"similar is a built-in command\"\n",
         "a built-in command cannot be replaced: %r" % out)
    rc, out, err = run("-e", "print(embrepl.run('nosuch x'))",
                       "-e", "print(embrepl.run('bias items 1'))", toy)
    t.ok(out.startswith("nil\tnosuch: no such command") and
         out.endswith("true\n") and "highest" in out,
         "embrepl.run runs commands: %r" % out)


def test_output(toy):
    """embrepl.output prints through the session's format."""
    chunk = ("embrepl.output{name = 't', columns = {'label:s', 'score:n', "
             "'n:i', 'ok:b', 'v:v'}, rows = {{'a', 1.5, 2, true, "
             "embrepl.vector{1, 2}}, {'b\"', nil, 3, false}}}")
    rc, out, err = run("-f", "json", "-e", chunk, toy)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    t.ok(rc == 0 and doc == [{"label": "a", "score": 1.5, "n": 2, "ok": True,
                              "v": [1.0, 2.0]},
                             {"label": 'b"', "score": None, "n": 3,
                              "ok": False, "v": None}],
         "output honours --format json: %r" % out)
    rc, out, err = run("-f", "csv", "-e", chunk, toy)
    t.ok(rc == 0 and out.startswith("label,score,n,ok,v0,v1\n"
                                    "a,1.5,2,true,1,2\n"),
         "output honours --format csv: %r" % out)
    rc, out, err = run("-e", "embrepl.output{columns = {'n:i'}, "
                       "rows = {{1.5}}}", toy)
    t.ok(rc == 1 and "column n:i wants integers" in err,
         "a wrong cell type raises an error")


def test_analogy(toy, o):
    """The analogy command of lua/embrepl.lua, as JSON."""
    a = o["analogy"]
    rc, out, err = run("-c", "analogy items alpha beta gamma 4 "
                       "--format json", toy)
    try:
        rows = [r["row"] for r in json.loads(out)]
    except (ValueError, KeyError, TypeError):
        rows = None
    t.ok(rc == 0 and rows == a["rows"],
         "analogy gives numpy's a - b + c neighbours: %r, want %r" %
         (rows, a["rows"]))
    rc, out, err = run("-c", "analogy items alpha beta zzz", toy)
    t.ok(rc == 1 and err.startswith("embrepl: analogy: items: no label"),
         "analogy names an unknown label: %r" % err)


def test_start(toy):
    """init.lua runs at start; its errors are reported, not fatal."""
    conf = os.path.join(TMP, "config", "embrepl")
    os.makedirs(conf, exist_ok=True)
    init = os.path.join(conf, "init.lua")
    with open(init, "w") as f:
        f.write("from_init = 6 * 7\n")
    rc, out, err = run("-e", "from_init", toy)
    t.ok(rc == 0 and out == "42\n", "init.lua runs at start")
    with open(init, "w") as f:
        f.write("error('init broke')\n")
    rc, out, err = run("-e", "1 + 1", toy)
    t.ok(rc == 0 and out == "2\n" and "init broke" in err,
         "an error in init.lua is reported and the session goes on")
    os.remove(init)
    bad = os.path.join(TMP, "badlua")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "a.lua"), "w") as f:
        f.write("this is not lua\n")
    env = dict(ENV, EMBREPL_LUA_PATH=bad)
    rc, out, err = run("-e", "1", toy, env=env)
    t.ok(rc == 1 and err.startswith("embrepl: lua: ") and "a.lua" in err,
         "a broken helper in the lua directory stops the start")


def main():
    if not os.access(EMBREPL, os.X_OK):
        print("1..0 # SKIP %s is not built" % EMBREPL)
        return
    toy = os.path.join(TMP, "toy.h5")
    write_toy(toy)
    o = oracle(toy)
    oracle_path = os.path.join(TMP, "oracle.lua")
    with open(oracle_path, "w") as f:
        f.write("return " + lua(o) + "\n")
    run_scripts(toy, oracle_path)
    test_errors(toy)
    test_commands(toy)
    test_output(toy)
    test_analogy(toy, o)
    test_start(toy)
    shutil.rmtree(TMP)
    t.done()


main()
