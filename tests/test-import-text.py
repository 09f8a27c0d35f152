"""Test the non-torch importers through tests/dump-import.

Prints TAP.  Fixtures are written here with numpy and h5py: word2vec text
and binary, GloVe, projector pairs, .npy files of every supported dtype
and order, Keras 2 and Keras 3 shaped HDF5 files, vocabularies, and broken
files; the expected values come from numpy.  The corpus files in
../shared/corpus (or $EMBREPL_CORPUS) are read here with plain Python as
an independent reference, and skipped when that folder is absent.
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storecheck  # noqa: E402  (prints the SKIP plan without h5py)
from storecheck import h5py, numpy  # noqa: E402

TOP = os.environ.get("top_srcdir") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("top_builddir") or TOP
DUMP = os.environ.get("DUMP_IMPORT") or \
    os.path.join(BUILD, "tests", "dump-import")
CORPUS = os.environ.get("EMBREPL_CORPUS") or \
    os.path.join(TOP, "..", "shared", "corpus")

tap = storecheck.Tap()


def unescape(s):
    """Undo dump-import's escaping of a label."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(s[i + 1],
                                                             s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def dump(path, *args):
    """Run dump-import -m -w; return (models, error, stderr)."""
    p = subprocess.run([DUMP, "-m", "-w"] + list(args) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=False)
    models, error, m, e = [], None, None, None
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        f = line.split("\t")
        if f[0] == "error":
            error = f[1]
        elif f[0] == "model":
            m = {"name": f[1], "kind": f[2], "source": f[3], "embs": {},
                 "order": [], "weights": {}, "invalid": None}
            models.append(m)
        elif f[0] == "invalid":
            m["invalid"] = f[1]
        elif f[0] == "emb":
            e = {"role": f[2], "rows": int(f[3]), "dim": int(f[4]),
                 "na_row": int(f[5]), "has_bias": int(f[6]),
                 "weight": f[7], "bias_name": f[8], "labels": [],
                 "rows_": [], "bias": []}
            m["embs"][f[1]] = e
            m["order"].append(f[1])
        elif f[0] == "label":
            e["labels"].append(unescape(f[2]))
        elif f[0] == "row":
            e["rows_"].append([float(x) for x in f[2].split(" ")])
        elif f[0] == "bias":
            e["bias"].append(float(f[2]))
        elif f[0] == "weight":
            m["weights"][f[1]] = (f[2], f[3], f[4] if len(f) > 4 else "")
    for m in models:
        for e in m["embs"].values():
            e["matrix"] = numpy.array(e.pop("rows_"), dtype=numpy.float32)
    if p.returncode != 0 and error is None:
        error = "exit %d: %s" % (p.returncode, p.stderr.decode())
    return models, error, p.stderr.decode("utf-8", "replace")


def fmt(path):
    """Return the format dump-import -f names."""
    p = subprocess.run([DUMP, "-f", path], stdout=subprocess.PIPE,
                       check=False)
    return p.stdout.decode().strip()


def one(path, *args):
    """Import a file holding one model with one embedding."""
    models, error, _ = dump(path, *args)
    if error is not None or len(models) != 1 or \
            len(models[0]["embs"]) != 1:
        return None, None, error
    m = models[0]
    return m, m["embs"][m["order"][0]], None


def same(got, want):
    """Tell whether two float32 matrices are equal, NaN equal to NaN."""
    want = numpy.asarray(want, dtype=numpy.float32)
    return got.shape == want.shape and \
        numpy.array_equal(got, want, equal_nan=True)


def check_vectors(what, path, want, labels, *args, kind=None):
    """Import a one-embedding file and compare shape, labels, values."""
    m, e, error = one(path, *args)
    if not tap.ok(error is None and e is not None,
                  "%s imports (%s)" % (what, error)):
        return None
    tap.ok(m["invalid"] is None, "%s passes model_validate" % what)
    tap.ok(e["rows"] == len(labels) and e["dim"] == want.shape[1],
           "%s is %d x %d" % (what, want.shape[0], want.shape[1]))
    tap.ok(e["labels"] == labels, "%s labels" % what)
    tap.ok(same(e["matrix"], want), "%s values equal numpy's" % what)
    if kind is not None:
        tap.ok(fmt(path) == kind, "%s sniffed as %s" % (what, kind))
    return m


def check_error(what, path, words, *args):
    """Import a broken file: a clear error containing words, no crash."""
    models, error, _ = dump(path, *args)
    tap.ok(error is not None and not error.startswith("exit") and
           all(w in error for w in words),
           "%s: clear error (%s)" % (what, error))


def write(path, data):
    """Write bytes or text to path."""
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def texts(mat):
    """Format a float32 matrix as round-tripping decimal strings."""
    return [["%.9g" % v for v in row] for row in mat]


def test_word2vec(d, rng):
    """word2vec text, CRLF, binary with and without newlines."""
    mat = rng.randn(40, 7).astype(numpy.float32)
    mat[0, 0] = 0
    mat[1, :] = [1, -2, 0.5, 1e-7, -3.25e10, 123456789, 0.1]
    words = ["w%d" % i for i in range(40)]
    words[5] = "the"
    words[9] = "the"
    words[11] = "caf\u00e9"
    cells = texts(mat)
    cells[2][0] = repr(float(mat[2, 0]))  # a 17-digit double
    cells[3][1] = "%.6e" % mat[3, 1]
    want = mat.copy()
    want[2, 0] = numpy.float32(float(cells[2][0]))
    want[3, 1] = numpy.float32(float(cells[3][1]))
    body = "".join("%s %s \n" % (w, " ".join(c))
                   for w, c in zip(words, cells))
    labels = list(words)
    labels[9] = "the#2"
    p = write(os.path.join(d, "vec.txt"), "40 7\n" + body)
    m = check_vectors("word2vec text", p, want, labels,
                      kind="word2vec text")
    if m is not None:
        tap.ok("1 repeated label renamed" in m["source"],
               "word2vec text notes the renamed label")
        tap.ok(m["kind"] == "vectors" and m["name"] == "vec",
               "word2vec text is a vectors model named after the file")
    p = write(os.path.join(d, "crlf.vec"),
              ("40 7\n" + body).replace("\n", "\r\n"))
    check_vectors("word2vec text with CRLF", p, want, labels)

    recs = b"".join(w.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
                    for w, v in zip(words, mat))
    p = write(os.path.join(d, "vec.bin"), b"40 7\n" + recs)
    check_vectors("word2vec binary", p, mat, labels,
                  kind="word2vec binary")
    recs = b"".join(w.encode() + b" " + v.astype("<f4").tobytes()
                    for w, v in zip(words, mat))
    p = write(os.path.join(d, "gensim.bin"), b"40 7\n" + recs)
    check_vectors("word2vec binary without newlines", p, mat, labels)
    write(os.path.join(d, "trunc.bin"), b"40 7\n" + recs[:-9])
    check_error("truncated word2vec binary", os.path.join(d, "trunc.bin"),
                ["word2vec binary", "record 40", "truncated"])


def test_glove(d, rng):
    """GloVe text: no header, no final newline, a word with spaces."""
    mat = rng.randn(30, 5).astype(numpy.float32)
    words = ["g%d" % i for i in range(30)]
    words[4] = ". . ."
    text = "\n".join("%s %s" % (w, " ".join(c))
                     for w, c in zip(words, texts(mat)))
    p = write(os.path.join(d, "glove.txt"), text)
    check_vectors("GloVe text", p, mat, words, kind="GloVe text")
    latin = ("\n".join("%s %s" % (w, " ".join(c))
                       for w, c in zip(words, texts(mat)))).encode()
    latin = latin.replace(b"g7 ", b"na\xefve ")
    p = write(os.path.join(d, "latin.txt"), latin)
    want = list(words)
    want[7] = "na\u00efve"
    m = check_vectors("GloVe text with a Latin-1 word", p, mat, want)
    if m is not None:
        tap.ok("Latin-1" in m["source"], "the Latin-1 word is noted")


def test_projector(d, rng):
    """Projector pairs: one-column and titled metadata, no metadata."""
    mat = rng.randn(25, 4).astype(numpy.float32)
    vec = "\n".join("\t".join(c) for c in texts(mat)) + "\n"
    titles = ["Book %d" % i for i in range(25)]
    titles[3] = ""
    titles[8] = "Book 1"
    write(os.path.join(d, "books_vecs.tsv"), vec)
    write(os.path.join(d, "books_meta.tsv"), "\n".join(titles) + "\n")
    want = list(titles)
    want[3] = "3"
    want[8] = "Book 1#2"
    check_vectors("projector pair", os.path.join(d, "books_vecs.tsv"), mat,
                  want, kind="TensorBoard projector vectors")
    write(os.path.join(d, "vectors.tsv"), vec)
    write(os.path.join(d, "metadata.tsv"), "id\tName\tyear\n" + "".join(
        "%d\tT%d\t19%02d\n" % (i, i, i) for i in range(25)))
    check_vectors("projector with titled metadata",
                  os.path.join(d, "vectors.tsv"), mat,
                  ["T%d" % i for i in range(25)])
    write(os.path.join(d, "novels_vecs.tsv"), vec)
    write(os.path.join(d, "novels_meta.tsv"), "".join(
        "The Novel Number %d\n" % i for i in range(25)))
    check_error("the metadata file opened instead of its vectors",
                os.path.join(d, "novels_meta.tsv"),
                ["projector metadata, not vectors",
                 os.path.join(d, "novels_vecs.tsv")])
    check_error("metadata.tsv opened instead of vectors.tsv",
                os.path.join(d, "metadata.tsv"),
                ["projector metadata", os.path.join(d, "vectors.tsv")])
    write(os.path.join(d, "other.tsv"), "word\n" + "".join(
        "x%d\n" % i for i in range(25)))
    check_vectors("projector with -l and a one-column header",
                  os.path.join(d, "vectors.tsv"), mat,
                  ["x%d" % i for i in range(25)], "-l",
                  os.path.join(d, "other.tsv"))
    os.mkdir(os.path.join(d, "alone"))
    write(os.path.join(d, "alone", "emb.tsv"), vec)
    check_vectors("projector without metadata",
                  os.path.join(d, "alone", "emb.tsv"), mat,
                  [str(i) for i in range(25)])
    write(os.path.join(d, "bad_vecs.tsv"), vec.replace(
        "\t".join(texts(mat)[6]), "\t".join(texts(mat)[6][:3])))
    check_error("projector row with 3 fields",
                os.path.join(d, "bad_vecs.tsv"), ["line 7", "3 fields"])
    write(os.path.join(d, "short_vecs.tsv"), vec)
    write(os.path.join(d, "short_meta.tsv"), "a\nb\n")
    check_error("metadata with too few labels",
                os.path.join(d, "short_vecs.tsv"),
                ["short_meta.tsv", "2 labels for 25 vectors"])


def test_npy(d, rng):
    """.npy: every dtype, both byte orders and both memory orders."""
    base = rng.randn(12, 6)
    labels = ["n%d" % i for i in range(12)]
    write(os.path.join(d, "labels.txt"), "\n".join(labels) + "\n")
    lab = os.path.join(d, "labels.txt")
    cases = [("<f4", False, (1, 0)), (">f4", False, (1, 0)),
             ("<f8", True, (2, 0)), (">f8", True, (1, 0)),
             ("<f2", False, (3, 0)), (">f2", True, (1, 0))]
    for dt, fortran, version in cases:
        a = base.astype(dt)
        if fortran:
            a = numpy.asfortranarray(a)
        p = os.path.join(d, "m_%s_%d.npy" % (dt[1:] + dt[0].replace(
            "<", "le").replace(">", "be"), version[0]))
        with open(p, "wb") as f:
            numpy.lib.format.write_array(f, a, version=version)
        check_vectors("npy %s %s v%d" % (dt, "F" if fortran else "C",
                                         version[0]), p,
                      a.astype(numpy.float32), labels, "-l", lab)
    p = os.path.join(d, "plain.npy")
    numpy.save(p, base.astype(numpy.float32))
    check_vectors("npy without labels", p, base.astype(numpy.float32),
                  [str(i) for i in range(12)], kind="npy matrix")
    numpy.save(os.path.join(d, "ints.npy"), numpy.arange(6).reshape(2, 3))
    check_error("npy of integers", os.path.join(d, "ints.npy"),
                ["npy matrix", "not float16, float32 or float64"])
    numpy.save(os.path.join(d, "cube.npy"), numpy.zeros((2, 2, 2), "f4"))
    check_error("3-D npy", os.path.join(d, "cube.npy"), ["3 dimensions"])
    raw = open(p, "rb").read()
    write(os.path.join(d, "cut.npy"), raw[:-5])
    check_error("truncated npy", os.path.join(d, "cut.npy"), ["truncated"])
    write(os.path.join(d, "few.txt"), "a\nb\n")
    check_error("npy with too few labels", p, ["2 labels for 12 rows"],
                "-l", os.path.join(d, "few.txt"))


def keras_names(group, attr, names, split):
    """Store a Keras name list, split into attr0, attr1 when asked."""
    data = numpy.array([n.encode() for n in names])
    if not split:
        group.attrs[attr] = data
        return
    half = len(names) // 2
    group.attrs[attr + "0"] = data[:half]
    group.attrs[attr + "1"] = data[half:]


def test_keras(d, rng):
    """Keras 2 (':0', split layer_names) and Keras 3 shaped files."""
    users = rng.randn(9, 4).astype(numpy.float32)
    ubias = rng.randn(9, 1).astype(numpy.float32)
    items = rng.randn(11, 4).astype(numpy.float32)
    kernel = rng.randn(8, 3)
    steps = numpy.array([3, 4], dtype=numpy.int32)
    p = os.path.join(d, "k2.h5")
    with h5py.File(p, "w") as f:
        f.attrs["keras_version"] = b"2.4.0"
        mw = f.create_group("model_weights")
        layers = {"user_input": {}, "user_embedding": {
            "embeddings:0": users}, "user_bias": {"embeddings:0": ubias},
            "item_embedding": {"embeddings:0": items},
            "dense": {"kernel:0": kernel, "steps:0": steps}}
        keras_names(mw, "layer_names", list(layers), True)
        for name, ws in layers.items():
            g = mw.create_group(name)
            keras_names(g, "weight_names",
                        ["%s/%s" % (name, w) for w in ws], False)
            for w, v in ws.items():
                g.create_dataset("%s/%s" % (name, w), data=v)
    models, error, _ = dump(p)
    if not tap.ok(error is None and len(models) == 1,
                  "Keras 2 file imports (%s)" % error):
        return
    m = models[0]
    tap.ok(m["invalid"] is None and m["kind"] == "collab" and
           m["order"] == ["user_embedding", "item_embedding"],
           "Keras 2: a collab model of user_embedding and item_embedding")
    u, i = m["embs"]["user_embedding"], m["embs"]["item_embedding"]
    tap.ok(u["role"] == "user" and i["role"] == "item",
           "Keras 2: roles guessed from the names")
    tap.ok(same(u["matrix"], users) and same(i["matrix"], items),
           "Keras 2: embedding values equal numpy's")
    tap.ok(u["has_bias"] == 1 and numpy.array_equal(numpy.array(
        u["bias"], dtype=numpy.float32), ubias[:, 0]) and
        u["bias_name"] == "user_bias/embeddings:0",
        "Keras 2: user_bias becomes the users' bias")
    tap.ok(u["labels"] == [str(r) for r in range(9)],
           "Keras 2: rows labelled by number")
    w = m["weights"]
    tap.ok(sorted(w) == sorted(["user_embedding/embeddings:0",
                                "user_bias/embeddings:0",
                                "item_embedding/embeddings:0",
                                "dense/kernel:0", "dense/steps:0"]),
           "Keras 2: every weight kept under its name")
    k = w.get("dense/kernel:0", ("", "", ""))
    tap.ok(k[0] == "f64" and k[1] == "8,3" and numpy.array_equal(
        numpy.array(k[2].split(), dtype=numpy.float64), kernel.ravel()),
        "Keras 2: a float64 kernel kept exactly")
    tap.ok(w.get("dense/steps:0", ("",))[0] == "i64" and
           w["dense/steps:0"][2] == "3 4", "Keras 2: int32 kept as int64")
    tap.ok(fmt(p) == "Keras HDF5 model", "Keras 2 sniffed")

    colours = rng.randn(5, 3).astype(numpy.float32)
    p = os.path.join(d, "k3.weights.h5")
    strs = h5py.string_dtype("utf-8")
    with h5py.File(p, "w") as f:
        f.attrs.create("layer_names", ["colour_embedding", "out"],
                       dtype=strs)
        g = f.create_group("colour_embedding")
        g.attrs.create("weight_names", ["colour_embedding/embeddings"],
                       dtype=strs)
        g.create_dataset("colour_embedding/embeddings", data=colours)
        g = f.create_group("out")
        g.attrs["weight_names"] = numpy.zeros(0)
    models, error, _ = dump(p)
    ok = error is None and len(models) == 1
    tap.ok(ok, "Keras 3 names, weights at the root (%s)" % error)
    if ok:
        e = models[0]["embs"].get("colour_embedding")
        tap.ok(models[0]["kind"] == "tabular" and e is not None and
               e["role"] == "categorical" and same(e["matrix"], colours) and
               e["weight"] == "colour_embedding/embeddings",
               "Keras 3: a tabular model with colour_embedding")
    write(os.path.join(d, "keras-vocab.json"),
          '{"user_embedding": [%s], "item_embedding": [%s], "x": []}' % (
              ", ".join('"u\\u00e9%d"' % r for r in range(9)),
              ", ".join(["\"#na#\""] + [str(r * 10) for r in range(1,
                                                                    11)])))
    models, error, _ = dump(os.path.join(d, "k2.h5"), "-V",
                            os.path.join(d, "keras-vocab.json"))
    ok = error is None and len(models) == 1
    if tap.ok(ok, "Keras 2 with a JSON vocabulary (%s)" % error):
        u = models[0]["embs"]["user_embedding"]
        i = models[0]["embs"]["item_embedding"]
        tap.ok(u["labels"] == ["u\u00e9%d" % r for r in range(9)] and
               i["labels"] == ["#na#"] + [str(r * 10) for r in
                                          range(1, 11)] and
               i["na_row"] == 0 and u["na_row"] == -1,
               "JSON vocabulary: labels by name, #na# row noted")
    write(os.path.join(d, "vocab.csv"), "variable,row,label\n" + "".join(
        "item_embedding,%d,\"i,%d\"\n" % (r, r) for r in range(11)))
    models, error, _ = dump(os.path.join(d, "k2.h5"), "-V",
                            os.path.join(d, "vocab.csv"))
    if tap.ok(error is None, "CSV vocabulary (%s)" % error):
        tap.ok(models[0]["embs"]["item_embedding"]["labels"] ==
               ["i,%d" % r for r in range(11)] and
               models[0]["embs"]["user_embedding"]["labels"] ==
               [str(r) for r in range(9)],
               "CSV vocabulary relabels only the embedding it names")
    write(os.path.join(d, "bad.tsv"), "variable\trow\tlabel\n" + "".join(
        "user_embedding\t%d\tx%d\n" % (r, r) for r in range(8)))
    check_error("vocabulary with 8 labels for 9 rows",
                os.path.join(d, "k2.h5"), ["8 labels for 9 rows"], "-V",
                os.path.join(d, "bad.tsv"))
    write(os.path.join(d, "lines.txt"), "".join("c%d\n" % r
                                                for r in range(5)))
    models, error, _ = dump(p, "-V", os.path.join(d, "lines.txt"))
    tap.ok(error is None and models[0]["embs"]["colour_embedding"][
        "labels"] == ["c%d" % r for r in range(5)],
        "one label per line for one embedding (%s)" % error)
    raw = open(os.path.join(d, "k2.h5"), "rb").read()
    write(os.path.join(d, "cut.h5"), raw[:len(raw) // 2])
    models, error, _ = dump(os.path.join(d, "cut.h5"))
    tap.ok(error is not None and not error.startswith("exit"),
           "truncated Keras file: clear error (%s)" % error)


def npy_header(h):
    """Return a version 1.0 .npy header around dict text h."""
    h += b" " * (15 - (10 + len(h)) % 16) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h


def test_broken(d):
    """Empty, truncated, oversized and malformed inputs."""
    cases = [
        ("empty file", b"", ["empty"]),
        ("blank lines", b"\n \n\n", ["not a format", "blank"]),
        ("truncated word2vec text", b"3 2\na 1.5 2.5\nb 4.5 5.5\n",
         ["truncated", "3 rows declared, 2 found"]),
        ("word2vec row with a missing number",
         b"3 3\na 1 2 3\nb 4 5\nc 7 8 9\n",
         ["line 3", "3 fields, expected 4"]),
        ("word2vec row with an extra number",
         b"3 3\na 1 2 3\nb 4 5 6 7\nc 7 8 9\n", ["line 3", "5 fields"]),
        ("word2vec row with a word for a number",
         b"2 3\na 1 2 3\nb 4 x 6\n", ["line 3", "'x' is not a number"]),
        ("a huge declared size", b"100000000 300\na 1 2 3\n",
         ["100000000 rows of 300", "more than the file"]),
        ("a huge declared size, binary", b"99999999999 1000\nab",
         ["more than the file"]),
        ("GloVe row with a wrong field count",
         b"a 1 2 3\nb 4 5 6\nc 7 8\n", ["line 3", "3 fields, expected 4"]),
        ("gzip data", b"\x1f\x8b\x08\x00\x00\x00", ["gzip"]),
        ("a non-torch pickle", b"\x80\x02}q\x00.", ["pickle"]),
        ("binary junk", b"\x00\x01\x02\x03\x04", ["binary data"]),
        ("prose", b"Hello, world.\nThis is not a model.\n",
         ["not a format", "Hello, world."]),
        ("npy with a bad version", b"\x93NUMPY\x09\x00\x10\x00{}",
         ["version"]),
        ("npy header beyond the file", b"\x93NUMPY\x01\x00\xff\xff{",
         ["header"]),
        ("npy shape far beyond the file", npy_header(
            b"{'descr': '<f4', 'fortran_order': False, "
            b"'shape': (4000000000, 4000000000), }") + b"\0" * 64,
         ["truncated"]),
        ("a zip without data.pkl", b"PK\x05\x06" + b"\x00" * 18,
         ["not a format"]),
    ]
    for i, (what, data, words) in enumerate(cases):
        check_error(what, write(os.path.join(d, "broken%d" % i), data),
                    words)
    check_error("a missing file", os.path.join(d, "absent.txt"),
                ["No such file"])
    check_error("a directory", d, ["directory"])


def read_text_vectors(path, header, sep=None):
    """Read word vectors with plain Python: labels and float32 rows."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if header:
        lines = lines[1:]
    labels, rows = [], []
    for line in lines:
        if not line.strip():
            continue
        fields = line.rstrip().split(sep)
        labels.append(fields[0])
        rows.append([float(x) for x in fields[1:]])
    return labels, numpy.array(rows, dtype=numpy.float32)


def renamed(labels):
    """Apply the importer's rule for repeated labels."""
    seen, out = set(), []
    for lab in labels:
        new, k = lab, 2
        while new in seen:
            new = "%s#%d" % (lab, k)
            k += 1
        seen.add(new)
        out.append(new)
    return out


def test_corpus():
    """Every word-vector, projector and Keras file of the corpus."""
    names = ["glove_embedviz_prakhar21_glove.txt",
             "word2vec_clos_sarangshaikh201_vectors.txt",
             "projector_books_kkunaal_vecs.tsv",
             "keras_ncf_ml100k_salahudin77_ncf_model.h5"]
    if not os.path.isdir(CORPUS):
        for n in names:
            tap.skip(n, "../shared/corpus is absent")
        return
    p = os.path.join(CORPUS, names[0])
    labels, mat = read_text_vectors(p, False)
    tap.ok(mat.shape == (1000, 50), "GloVe reference reads 1000 x 50")
    check_vectors("corpus GloVe", p, mat, renamed(labels),
                  kind="GloVe text")
    p = os.path.join(CORPUS, names[1])
    labels, mat = read_text_vectors(p, True)
    tap.ok(mat.shape == (717, 100), "word2vec reference reads 717 x 100")
    check_vectors("corpus word2vec", p, mat, renamed(labels),
                  kind="word2vec text")
    p = os.path.join(CORPUS, names[2])
    _, mat = read_text_vectors(p, False)
    mat = numpy.array([[float(x) for x in line.split("\t")] for line in
                       open(p).read().split("\n") if line],
                      dtype=numpy.float32)
    with open(os.path.join(CORPUS, "projector_books_kkunaal_meta.tsv"),
              encoding="utf-8") as f:
        meta = f.read().split("\n")
    if meta[-1] == "":
        meta.pop()
    tap.ok(mat.shape == (9999, 15) and len(meta) == 9999,
           "projector reference reads 9999 x 15 and 9999 titles")
    check_vectors("corpus projector", p, mat, renamed(meta),
                  kind="TensorBoard projector vectors")
    p = os.path.join(CORPUS, names[3])
    models, error, _ = dump(p)
    if not tap.ok(error is None and len(models) == 1,
                  "corpus Keras imports (%s)" % error):
        return
    m = models[0]
    with h5py.File(p, "r") as f:
        mw = f["model_weights"]
        users = mw["user_embedding/user_embedding/embeddings"][()]
        movies = mw["movie_embedding/movie_embedding/embeddings"][()]
        kernel = mw["dense/dense/kernel"][()]
    u = m["embs"].get("user_embedding")
    i = m["embs"].get("movie_embedding")
    tap.ok(m["kind"] == "collab" and m["invalid"] is None and
           u is not None and i is not None and u["role"] == "user" and
           i["role"] == "item", "corpus Keras: collab, user and movie")
    tap.ok(u is not None and same(u["matrix"], users) and
           u["rows"] == 943 and u["dim"] == 50,
           "corpus Keras: users 943 x 50 equal h5py's")
    tap.ok(i is not None and same(i["matrix"], movies) and
           i["rows"] == 1682, "corpus Keras: movies 1682 x 50 equal h5py's")
    k = m["weights"].get("dense/kernel", ("", "", ""))
    tap.ok(k[1] == "100,128" and numpy.array_equal(numpy.array(
        k[2].split(), dtype=numpy.float32), kernel.ravel()),
        "corpus Keras: dense/kernel kept")
    tap.ok(len(m["weights"]) == 8, "corpus Keras: 8 model weights kept")
    export = os.path.join(CORPUS, "tabular_rossmann_c74p_current_best")
    saved = os.path.join(CORPUS,
                         "tabular_rossmann_c74p_models_current_best.pth")
    want, error, _ = dump(export)
    got, error2, _ = dump(saved, "-V", export)
    ok = error is None and error2 is None and len(want) == 1 and \
        len(got) == 1 and len(got[0]["order"]) == len(want[0]["order"])
    if tap.ok(ok, "learn.save() file with the export as vocabulary "
              "(%s, %s)" % (error, error2)):
        pairs = zip(got[0]["order"], want[0]["order"])
        tap.ok(all(got[0]["embs"][g]["labels"] ==
                   want[0]["embs"][w]["labels"] and
                   got[0]["embs"][g]["na_row"] == 0 for g, w in pairs),
               "every embedding takes the export's labels, #na# first")


def test_progress(d):
    """Nothing is written to a standard error that is not a terminal."""
    p = os.path.join(d, "glove.txt")
    _, error, err = dump(p, "-p")
    tap.ok(error is None and err == "",
           "progress asked for, stderr piped: nothing written")


def main():
    """Run every group of tests in a temporary folder."""
    if not os.access(DUMP, os.X_OK):
        print("1..0 # SKIP %s not built" % DUMP)
        return
    d = tempfile.mkdtemp(prefix="embrepl-import-")
    rng = numpy.random.RandomState(5)
    try:
        test_word2vec(d, rng)
        test_glove(d, rng)
        test_projector(d, rng)
        test_npy(d, rng)
        test_keras(d, rng)
        test_broken(d)
        test_corpus()
        test_progress(d)
    finally:
        shutil.rmtree(d)
    tap.done()


main()
