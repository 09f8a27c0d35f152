#!/usr/bin/python3
"""Writes small valid files of every format the fuzz targets read.

Usage: seeds.py FUZZDIR [TARGET...]

Each file goes to FUZZDIR/corpus/<target>/seed-<what>; files already there
are overwritten, others are left alone. The torch fixtures come from
tests/test-torch.py so that the fuzzers start from what the tests read.
"""

import collections
import importlib.util
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np


def put(fuzzdir, target, name, data):
    d = os.path.join(fuzzdir, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


class Point:
    """A plain class: pickles as a global, NEWOBJ and BUILD."""

    def __init__(self):
        self.x = 1
        self.y = [2.5, "z"]


class Slotted:
    """A class with slots: BUILD gets a (dict, slots) pair."""
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = b"\x00\xff"
        self.b = None


def pickle_seeds(fuzzdir):
    cyc = [1]
    cyc.append(cyc)
    values = {
        "scalars": [None, True, False, 0, -1, 255, 65536, 2 ** 31,
                    -2 ** 63, 2 ** 70, -2 ** 100, 1.5, float("inf")],
        "text": ["", "ascii", "Ñandú", "\u20ac" * 3, "x" * 300],
        "bytes": [b"", b"\x00\x01", bytearray(b"abc"), b"y" * 300],
        "containers": ({"a": (1, 2), "b": {3, 4}}, frozenset([5]),
                       collections.OrderedDict([("k", [])]), (), (1,),
                       (1, 2), (1, 2, 3)),
        "shared": [cyc, {"same": cyc}],
        "objects": [Point(), Slotted()],
        "numpy": [np.arange(6, dtype=np.float32).reshape(2, 3),
                  np.array(["a", "bc"], dtype="<U3"),
                  np.array([1, "x", None], dtype=object),
                  np.float64(2.5), np.int16(-3), np.bool_(True)],
    }
    for name, v in values.items():
        for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
            if name == "objects" and proto < 2:
                continue
            put(fuzzdir, "pickle", "%s-p%d" % (name, proto),
                pickle.dumps(v, protocol=proto))
    two = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) + \
        pickle.dumps(1001, protocol=2) + pickle.dumps({"a": 1}, protocol=2)
    put(fuzzdir, "pickle", "three-in-a-row", two)


def load_test_torch(top):
    path = os.path.join(top, "tests", "test-torch.py")
    spec = importlib.util.spec_from_file_location("test_torch", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def torch_seeds(fuzzdir, top):
    import torch
    tt = load_test_torch(top)
    fixtures = {
        "state-dict": tt.fixture_state_dict()[0],
        "collab": tt.fixture_collab()[0],
        "fastai-v2": tt.fixture_fastai_v2()[0],
        "fastai-v1": tt.fixture_fastai_v1()[0],
        "tiny": {"w": torch.arange(6, dtype=torch.float32).reshape(3, 2)},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, o in fixtures.items():
            for legacy in (False, True):
                p = os.path.join(tmp, "f.pt")
                torch.save(o, p, pickle_protocol=2,
                           _use_new_zipfile_serialization=not legacy)
                with open(p, "rb") as f:
                    data = f.read()
                layout = "legacy" if legacy else "zip"
                put(fuzzdir, "torch", "%s-%s" % (name, layout), data)
                if legacy:
                    continue
                with zipfile.ZipFile(p) as z:
                    for n in z.namelist():
                        if n.endswith("/data.pkl"):
                            pkl = z.read(n)
                # The target wraps a bare data.pkl in an archive of its
                # own whose storages are named 0 to 15, as torch names them.
                put(fuzzdir, "torch", "%s-pkl" % name, pkl)
                put(fuzzdir, "pickle", "torch-%s" % name, pkl)


def text_seeds(fuzzdir):
    # The first byte picks the reader: 0 word vectors, 1 projector TSV,
    # 2 npy, 3 labels file, 4 vocabulary.
    rows = [("a", [1.0, 2.0]), ("b", [3.0, -4.5]), ("\u00e9t\u00e9", [0.5, 1e3])]
    w2v = "%d 2\n" % len(rows) + "".join(
        "%s %s\n" % (w, " ".join(repr(x) for x in v)) for w, v in rows)
    put(fuzzdir, "text", "word2vec", b"\0" + w2v.encode())
    glove = "".join("%s %s\n" % (w, " ".join("%g" % x for x in v))
                    for w, v in rows)
    put(fuzzdir, "text", "glove", b"\0" + glove.encode())
    b = ("%d 2\n" % len(rows)).encode()
    for w, v in rows:
        b += w.encode() + b" " + struct.pack("<2f", *v) + b"\n"
    put(fuzzdir, "text", "word2vec-bin", b"\0" + b)
    put(fuzzdir, "text", "projector", b"\1" + b"1\t2\n3.5\t-4\n0\t1e-3\n")
    for name, arr in (("f4", np.arange(6, dtype="<f4").reshape(3, 2)),
                      ("f8", np.arange(4, dtype="<f8").reshape(2, 2)),
                      ("f2", np.arange(6, dtype="<f2").reshape(2, 3)),
                      ("be", np.arange(6, dtype=">f4").reshape(3, 2)),
                      ("fortran", np.asfortranarray(
                          np.arange(6, dtype="<f4").reshape(2, 3)))):
        f = io.BytesIO()
        np.save(f, arr)
        put(fuzzdir, "text", "npy-" + name, b"\2" + f.getvalue())
    put(fuzzdir, "text", "labels", b"\3" + "#na#\nx\n\u00e9\n".encode())
    put(fuzzdir, "text", "vocab-json",
        b"\4" + b'{"a": ["#na#", "x", "y"], "b": ["p", "q", "r", "s"]}')
    put(fuzzdir, "text", "vocab-csv", b"\4" + b"variable,row,label\n"
        b"a,0,#na#\na,1,x\na,2,y\nb,0,p\nb,1,q\nb,2,r\nb,3,s\n")
    put(fuzzdir, "text", "vocab-tsv", b"\4" + b"variable\trow\tlabel\n"
        b"a\t0\t#na#\na\t1\tx\na\t2\t\"y z\"\n")
    put(fuzzdir, "text", "vocab-lines", b"\4" + b"u\nv\nw\n")


def store_seeds(fuzzdir, top):
    import torch
    tt = load_test_torch(top)
    embrepl = os.environ.get("EMBREPL", os.path.join(top, "src", "embrepl"))
    sources = {
        "vectors.txt": b"3 2\na 1 2\nb 3 4\nc 0.5 -1\n",
        "collab.pt": tt.fixture_collab()[0],
        "fastai-v2.pt": tt.fixture_fastai_v2()[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, o in sources.items():
            src = os.path.join(tmp, name)
            if isinstance(o, bytes):
                with open(src, "wb") as f:
                    f.write(o)
            else:
                torch.save(o, src, pickle_protocol=2)
            dst = os.path.join(tmp, "out.h5")
            subprocess.run([embrepl, "import", src, "-o", dst], check=True)
            with open(dst, "rb") as f:
                put(fuzzdir, "store", name.split(".")[0], f.read())


def cmd_seeds(fuzzdir):
    sessions = {
        "tabular": "models\ninfo\nvars\nlabels workclass\n"
                   "show workclass Private\nsimilar workclass Private 2\n"
                   "similar workclass #2 --metric euclidean\n"
                   "neighbours workclass --k 2 --format csv\n"
                   "pca workclass --top 2 --with-na\n",
        "collab": "use movies\nbias items 3\nbias users\n"
                  "similar users ann --metric dot --format json\n"
                  "show users \"12\" --format tsv\n",
        "words": "format json\nhelp\nhelp similar\n"
                 "similar workclass '\u00d1and\u00fa'\n"
                 "show workclass \"a b\"\nexport workclass out.tsv\n"
                 "view workclass\nplot workclass --labels x\n"
                 "labels workclass \\x\nquit\n",
    }
    for name, text in sessions.items():
        put(fuzzdir, "cmd", name, text.encode())


def main():
    fuzzdir = sys.argv[1]
    top = os.path.dirname(os.path.abspath(fuzzdir))
    want = sys.argv[2:] or ["pickle", "torch", "text", "store", "cmd"]
    if "pickle" in want:
        pickle_seeds(fuzzdir)
    if "torch" in want:
        torch_seeds(fuzzdir, top)
    if "text" in want:
        text_seeds(fuzzdir)
    if "store" in want:
        store_seeds(fuzzdir, top)
    if "cmd" in want:
        cmd_seeds(fuzzdir)


if __name__ == "__main__":
    main()
