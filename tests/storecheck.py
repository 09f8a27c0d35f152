"""TAP output and a checker of every rule of doc/store-format.md.

The checker is written from the format document alone: it rebuilds the
label index with the document's own FNV-1a code, so that it does not share
a line with examples/embrepl_export.py, the writer it tests.
"""

import sys

try:
    import h5py
    import numpy
except ImportError:
    print("1..0 # SKIP python3 with numpy and h5py not found")
    sys.exit(0)

KINDS = ("tabular", "collab", "vectors")
ROLES = ("categorical", "user", "item", "vector")


class Tap:
    """Numbered TAP lines, with the plan printed at the end."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, cond, what):
        """Print one test line; return cond."""
        self.count += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.count, what))
        sys.stdout.flush()
        return bool(cond)

    def skip(self, what, why):
        """Print one skipped test line."""
        self.count += 1
        print("ok %d - %s # SKIP %s" % (self.count, what, why))

    def done(self):
        """Print the plan and exit."""
        print("1..%d" % self.count)
        sys.exit(1 if self.failed else 0)


def fnv1a64(b):
    """Return the 64-bit FNV-1a hash of bytes b."""
    h = 14695981039346656037
    for c in b:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def build_index(labels):
    """Return the label index the format document describes."""
    slots = 8
    while slots < 2 * len(labels):
        slots *= 2
    index = [0] * slots
    for row, label in enumerate(labels):
        i = fnv1a64(label.encode("utf-8")) % slots
        while index[i] != 0:
            i = (i + 1) % slots
        index[i] = row + 1
    return numpy.array(index, dtype=numpy.int64)


def is_utf8_strings(ds):
    """Tell whether ds holds variable-length UTF-8 strings."""
    info = h5py.check_string_dtype(ds.dtype)
    return info is not None and info.encoding == "utf-8" and \
        info.length is None


def tracks_order(group):
    """Tell whether a group tracks the creation order of its links."""
    return group.id.get_create_plist().get_link_creation_order() != 0


def same_object(a, b):
    """Tell whether two datasets are one HDF5 object (hard links)."""
    return h5py.h5o.get_info(a.id).addr == h5py.h5o.get_info(b.id).addr


def is_int(value):
    """Tell whether an attribute value is an integer scalar."""
    return isinstance(value, (int, numpy.integer))


def read_strings(ds):
    """Return a string dataset's entries as a list of str."""
    return list(ds.asstr()[()])


def check_root(tap, f):
    """Check the root attributes and the /models group."""
    tap.ok(f.attrs.get("embrepl_format") == "embrepl-store",
           "root: embrepl_format is embrepl-store")
    version = f.attrs.get("format_version")
    tap.ok(is_int(version) and version == 1, "root: format_version is 1")
    tap.ok("models" in f and tracks_order(f["models"]),
           "root: /models tracks creation order")


def check_matrix(tap, where, group):
    """Check an embedding's matrix; return its shape."""
    m = group["matrix"]
    rows, dim = m.shape if m.ndim == 2 else (0, 0)
    tap.ok(m.dtype == numpy.float32 and m.ndim == 2 and rows >= 1 and
           dim >= 1, "%s: matrix is float32 [%d, %d]" % (where, rows, dim))
    want = (max(1, min(rows, 16384 // max(dim, 1))), dim)
    tap.ok(m.chunks == want, "%s: matrix chunked by %s rows (got %s)" %
           (where, want[0], m.chunks))
    return rows, dim


def check_labels(tap, where, group, rows, na_row):
    """Check labels and label_index; return the labels."""
    ds = group["labels"]
    tap.ok(is_utf8_strings(ds) and ds.shape == (rows,) and
           ds.chunks is not None,
           "%s: labels are %d chunked UTF-8 strings" % (where, rows))
    labels = read_strings(ds)
    tap.ok(len(set(labels)) == len(labels) and all(labels),
           "%s: labels unique and not empty" % where)
    tap.ok(na_row in (0, -1) and (na_row == -1 or labels[0] == "#na#"),
           "%s: na_row %s agrees with row 0 %r" % (where, na_row, labels[0]))
    index = group["label_index"]
    expect = build_index(labels)
    tap.ok(index.dtype == numpy.int64 and index.shape == expect.shape and
           index.chunks == (min(expect.size, 512),),
           "%s: label_index int64 [%d], chunks of 512" %
           (where, expect.size))
    tap.ok(numpy.array_equal(index[()], expect),
           "%s: label_index equals the one rebuilt from the labels" % where)
    return labels


def check_links(tap, where, group, weights, rows):
    """Check the weight and bias_weight attributes and the bias."""
    name = group.attrs.get("weight")
    if name is not None:
        w = weights.get(name)
        tap.ok(w is not None and w.shape == group["matrix"].shape and
               numpy.array_equal(w[()].astype(numpy.float32),
                                 group["matrix"][()]),
               "%s: weight %s holds the matrix" % (where, name))
        if w is not None and w.dtype == numpy.float32:
            tap.ok(same_object(w, group["matrix"]),
                   "%s: matrix is a hard link to weights/%s" % (where, name))
    if "bias" in group:
        b = group["bias"]
        tap.ok(b.dtype == numpy.float32 and b.shape == (rows,),
               "%s: bias is float32 [%d]" % (where, rows))
    name = group.attrs.get("bias_weight")
    if name is not None:
        w = weights.get(name)
        tap.ok(w is not None and "bias" in group and
               numpy.array_equal(w[()].reshape(-1).astype(numpy.float32),
                                 group["bias"][()]),
               "%s: bias equals weights/%s" % (where, name))


def check_embedding(tap, where, group, weights):
    """Check one embedding group; return (labels, matrix shape)."""
    attrs = group.attrs
    tap.ok(attrs.get("role") in ROLES, "%s: role %r is known" %
           (where, attrs.get("role")))
    tap.ok(is_int(attrs.get("na_row")) and is_int(attrs.get("order")),
           "%s: na_row and order are integers" % where)
    rows, dim = check_matrix(tap, where, group)
    labels = check_labels(tap, where, group, rows, attrs.get("na_row"))
    check_links(tap, where, group, weights, rows)
    return labels, (rows, dim)


def check_model(tap, name, group):
    """Check one model group; return its embeddings' labels and shapes."""
    where = "model %s" % name
    tap.ok(group.attrs.get("kind") in KINDS, "%s: kind %r is known" %
           (where, group.attrs.get("kind")))
    tap.ok(isinstance(group.attrs.get("source"), str),
           "%s: source is a string" % where)
    if "y_range" in group.attrs:
        y = group.attrs["y_range"]
        tap.ok(y.dtype == numpy.float64 and y.shape == (2,),
               "%s: y_range is float64 [2]" % where)
    weights = group["weights"]
    tap.ok(isinstance(weights, h5py.Group), "%s: has weights/" % where)
    embs = group["embeddings"]
    tap.ok(tracks_order(embs), "%s: embeddings track creation order" %
           where)
    result = {}
    for var in embs:
        result[var] = check_embedding(tap, "%s/%s" % (name, var), embs[var],
                                      weights)
    orders = [int(embs[v].attrs["order"]) for v in embs]
    tap.ok(orders == list(range(len(orders))),
           "%s: embedding orders are 0..%d in creation order" %
           (where, len(orders) - 1))
    if "continuous" in group:
        cont = group["continuous"]
        n = cont["names"].shape[0]
        tap.ok(is_utf8_strings(cont["names"]),
               "%s: continuous names are UTF-8" % where)
        for key in ("mean", "std"):
            if key in cont:
                tap.ok(cont[key].dtype == numpy.float64 and
                       cont[key].shape == (n,),
                       "%s: continuous %s is float64 [%d]" % (where, key, n))
    if "classes" in group:
        tap.ok(is_utf8_strings(group["classes"]),
               "%s: classes are UTF-8 strings" % where)
    return result


def check_store(tap, f):
    """Check a whole open store; return {model: {var: (labels, shape)}}."""
    check_root(tap, f)
    return {name: check_model(tap, name, f["models"][name])
            for name in f["models"]}


def all_weights(group):
    """Return {original name: dataset} of a weights/ group, nested."""
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            found[name] = obj

    group.visititems(visit)
    return found
