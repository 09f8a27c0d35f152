"""Check the two example stores against the format and their training data.

Prints TAP.  The parts that recompute values from the training data read
../shared/data (or $EMBREPL_DATA) and are skipped when it is absent.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storecheck  # noqa: E402  (prints the SKIP plan without h5py)
from storecheck import h5py, numpy  # noqa: E402

TOP = os.environ.get("top_srcdir") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("EMBREPL_DATA") or \
    os.path.join(TOP, "..", "shared", "data")

ADULT_CATEGORICAL = ["workclass", "education", "marital-status",
                     "occupation", "relationship", "race", "sex",
                     "native-country"]
ADULT_CONTINUOUS = ["age", "fnlwgt", "education-num", "capital-gain",
                    "capital-loss", "hours-per-week"]
TOP_TITLES = ["Titanic (1997)", "L.A. Confidential (1997)",
              "Shawshank Redemption, The (1994)",
              "Silence of the Lambs, The (1991)", "Star Wars (1977)",
              "Schindler's List (1993)", "As Good As It Gets (1997)"]
BOTTOM_TITLES = ["Children of the Corn: The Gathering (1996)",
                 "Lawnmower Man 2: Beyond Cyberspace (1996)"]
MAX_BYTES = 5 * 1024 * 1024


def width_rule(n):
    """Return fastai's embedding width for n categories (with #na#)."""
    return min(600, round(1.6 * n ** 0.56))


def split(n):
    """Return the training rows of the scripts' seeded 80/20 split."""
    perm = numpy.random.RandomState(42).permutation(n)
    return sorted(perm[int(0.2 * n):].tolist())


def check_adult_shape(tap, model, embs):
    """Check the adult model against fastai's tabular layout."""
    tap.ok(model.attrs["kind"] == "tabular", "adult: kind tabular")
    tap.ok(list(embs) == ADULT_CATEGORICAL,
           "adult: one embedding per categorical variable, in order")
    total = 0
    for i, var in enumerate(ADULT_CATEGORICAL):
        group = model["embeddings"][var]
        rows, dim = embs[var][1]
        total += dim
        tap.ok(group.attrs["role"] == "categorical" and
               group.attrs["na_row"] == 0 and group.attrs["order"] == i and
               group.attrs["weight"] == "embeds.%d.weight" % i,
               "adult/%s: categorical, na_row 0, embeds.%d.weight" %
               (var, i))
        tap.ok(dim == width_rule(rows), "adult/%s: width %d for %d rows" %
               (var, dim, rows))
    names = storecheck.read_strings(model["continuous/names"])
    tap.ok(names == ADULT_CONTINUOUS, "adult: continuous names")
    tap.ok(storecheck.read_strings(model["classes"]) == ["<=50K", ">50K"],
           "adult: classes <=50K, >50K")
    w = model["weights"]
    tap.ok(w["layers.0.0.weight"].shape == (200, total + 6) and
           w["layers.1.0.weight"].shape == (100, 200) and
           w["layers.2.0.weight"].shape == (2, 100) and
           w["bn_cont.running_mean"].shape == (6,),
           "adult: layers 200, 100, 2 over %d embedding columns + 6" % total)


def read_adult(path):
    """Return the columns of adult.data, fields stripped."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [[x.strip() for x in r] for r in csv.reader(f) if r]
    return {name: [r[i] for r in rows[1:]]
            for i, name in enumerate(rows[0])}


def check_adult_data(tap, model, embs):
    """Recompute the adult vocabularies and statistics from the data."""
    path = os.path.join(DATA, "adult.data")
    if not os.path.exists(path):
        tap.skip("adult: vocabularies and statistics from the data",
                 "%s not found" % path)
        return
    cols = read_adult(path)
    train = split(len(cols["Y"]))
    for var in ADULT_CATEGORICAL:
        vocab = ["#na#"] + sorted({cols[var][i] for i in train})
        tap.ok(embs[var][0] == vocab, "adult/%s: labels are #na# + sorted "
               "training values (%d)" % (var, len(vocab)))
    x = numpy.array([[float(cols[n][i]) for n in ADULT_CONTINUOUS]
                     for i in train])
    tap.ok(numpy.allclose(model["continuous/mean"][()], x.mean(axis=0),
                          rtol=1e-12, atol=0),
           "adult: continuous means of the training rows")
    tap.ok(numpy.allclose(model["continuous/std"][()],
                          x.std(axis=0) + 1e-7, rtol=1e-12, atol=0),
           "adult: continuous stds (population, + 1e-7) of training rows")
    tap.ok(sorted({cols["Y"][i] for i in train}) ==
           storecheck.read_strings(model["classes"]),
           "adult: classes are the sorted training targets")


def check_movielens_shape(tap, model, embs):
    """Check the movielens model against fastai's EmbeddingDotBias."""
    tap.ok(model.attrs["kind"] == "collab", "movielens: kind collab")
    tap.ok(list(model.attrs["y_range"]) == [0.0, 5.5],
           "movielens: y_range 0, 5.5")
    tap.ok(list(embs) == ["users", "items"], "movielens: users, items")
    for var, role, prefix in (("users", "user", "u"), ("items", "item", "i")):
        g = model["embeddings"][var]
        tap.ok(g.attrs["role"] == role and g.attrs["na_row"] == 0 and
               g.attrs["weight"] == prefix + "_weight.weight" and
               g.attrs["bias_weight"] == prefix + "_bias.weight" and
               embs[var][1][1] == 50,
               "movielens/%s: role %s, 50 factors, %s_weight, %s_bias" %
               (var, role, prefix, prefix))
    users = embs["users"][0][1:]
    tap.ok([str(u) for u in sorted(int(u) for u in users)] == users,
           "movielens: user labels are ids in numeric order")
    items = embs["items"][0][1:]
    tap.ok(items == sorted(items), "movielens: item labels are sorted")
    bias = model["embeddings/items/bias"][1:]
    order = numpy.argsort(bias)
    top = [items[i] for i in order[::-1][:10]]
    bottom = [items[i] for i in order[:10]]
    hits = [t for t in TOP_TITLES if t in top]
    tap.ok(len(hits) >= 4, "movielens: top 10 item biases hold lesson "
           "titles (%s)" % "; ".join(hits))
    tap.ok(all(t in bottom for t in BOTTOM_TITLES),
           "movielens: bottom 10 item biases hold %s" %
           "; ".join(BOTTOM_TITLES))


def check_movielens_data(tap, embs):
    """Recompute the movielens vocabularies from the data."""
    item_path = os.path.join(DATA, "ml-100k.u.item")
    data_path = os.path.join(DATA, "ml-100k.u.data")
    if not (os.path.exists(item_path) and os.path.exists(data_path)):
        tap.skip("movielens: vocabularies from the data",
                 "%s not found" % data_path)
        return
    with open(item_path, "rb") as f:
        titles = {}
        for line in f:
            fields = line.decode("latin-1").split("|")
            titles[fields[0]] = fields[1]
    with open(data_path) as f:
        ratings = [line.split() for line in f if line.strip()]
    train = split(len(ratings))
    users = sorted({int(ratings[i][0]) for i in train})
    items = sorted({titles[ratings[i][1]] for i in train})
    tap.ok(embs["users"][0] == ["#na#"] + [str(u) for u in users],
           "movielens: user labels are the training users (%d)" %
           len(users))
    tap.ok(embs["items"][0] == ["#na#"] + items,
           "movielens: item labels are the training titles (%d)" %
           len(items))
    tap.ok(titles["1"] == "Toy Story (1995)" and
           any("\u00e9" in t for t in embs["items"][0]),
           "movielens: Latin-1 titles became UTF-8 labels")


def check_example(tap, name, shape_check, data_check):
    """Open one example store and run the checks on it."""
    path = os.path.join(TOP, "examples", name + ".h5")
    if not tap.ok(os.path.exists(path), "%s exists" % path):
        return
    tap.ok(os.path.getsize(path) < MAX_BYTES, "%s: under 5 MB" % name)
    with h5py.File(path, "r") as f:
        found = storecheck.check_store(tap, f)
        tap.ok(list(found) == [name], "%s: one model named %s" %
               (name, name))
        if name not in found:
            return
        model = f["models"][name]
        shape_check(tap, model, found[name])
        data_check(tap, model, found[name])


def main():
    """Run every check."""
    tap = storecheck.Tap()
    check_example(tap, "adult", check_adult_shape, check_adult_data)
    check_example(tap, "movielens", check_movielens_shape,
                  lambda tap, model, embs: check_movielens_data(tap, embs))
    tap.done()


main()
