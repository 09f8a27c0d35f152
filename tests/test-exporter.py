"""Test examples/embrepl_export.py: write_store round trips and export().

Prints TAP.  export() is tried on fake fastai Learners: torch modules laid
out as fastai v2's TabularModel, EmbeddingDotBias and EmbeddingNN, with
SimpleNamespace objects standing in for the DataLoaders.
"""

import os
import re
import shutil
import sys
import tempfile
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import storecheck  # noqa: E402  (prints the SKIP plan without h5py)
from storecheck import h5py, numpy  # noqa: E402

TOP = os.environ.get("top_srcdir") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "examples"))
import embrepl_export  # noqa: E402


def plain_models():
    """Return two plain-data models covering the writer's cases."""
    rng = numpy.random.RandomState(7)
    colours = rng.randn(4, 3).astype(numpy.float32)
    sizes = rng.randn(3, 2)
    numbered = rng.randn(5, 1).astype(numpy.float32)
    users = rng.randn(3, 2).astype(numpy.float32)
    user_bias = rng.randn(3, 1).astype(numpy.float32)
    zeta = {
        "name": "zeta", "kind": "tabular", "source": "hand-made",
        "weights": {"embeds.0.weight": colours, "embeds.1.weight": sizes,
                    "deep/er/kernel:0": numbered,
                    "steps": numpy.int64(12), "mask": numpy.array(
                        [True, False]), "half": numpy.ones(2, "float16")},
        "embeddings": [
            {"name": "colour", "role": "categorical",
             "weight": "embeds.0.weight",
             "labels": ["#na#", "red", "gr\u00fcn", "\u9752"]},
            embrepl_export.Embedding("size", "categorical",
                                     weight="embeds.1.weight",
                                     labels=["#na#", "S", "M"]),
            {"name": "number", "role": "categorical",
             "weight": "deep/er/kernel:0"},
        ],
        "continuous": ["age", "height"], "mean": [30.5, 1.7],
        "std": [9.0, 0.1], "classes": ["no", "yes"],
    }
    alpha = embrepl_export.Model(
        "alpha", "collab", source="second",
        weights={"u.weight": users, "ub.weight": user_bias},
        embeddings=[embrepl_export.Embedding(
            "users", "user", weight="u.weight", bias_weight="ub.weight",
            labels=["10", "2", "33"]),
            embrepl_export.Embedding("items", "item",
                                     matrix=numpy.eye(2, dtype="float64"),
                                     bias=[0.5, -0.5])],
        y_range=(0, 5.5))
    return [zeta, alpha]


def check_plain(tap, path, models):
    """Check the store written from plain_models() value by value."""
    zeta, alpha = models
    with h5py.File(path, "r") as f:
        storecheck.check_store(tap, f)
        tap.ok(list(f["models"]) == ["zeta", "alpha"],
               "models listed in creation order")
        z = f["models/zeta"]
        w = storecheck.all_weights(z["weights"])
        tap.ok(sorted(w) == sorted(zeta["weights"]),
               "every weight under its original name, nested at /")
        tap.ok(isinstance(z["weights/deep/er"], h5py.Group),
               "a / in a weight name makes groups")
        tap.ok(w["steps"].dtype == numpy.int64 and w["steps"][()] == 12 and
               w["mask"].dtype == numpy.uint8 and
               w["half"].dtype == numpy.float32,
               "weights keep int64, turn bool to uint8, float16 to float32")
        e = z["embeddings"]
        tap.ok(list(e) == ["colour", "size", "number"],
               "embeddings listed in creation order")
        tap.ok(numpy.array_equal(e["colour/matrix"][()],
                                 zeta["weights"]["embeds.0.weight"]),
               "float32 matrix round trips")
        tap.ok(storecheck.read_strings(e["colour/labels"]) ==
               zeta["embeddings"][0]["labels"], "UTF-8 labels round trip")
        tap.ok(not storecheck.same_object(e["size/matrix"],
                                          w["embeds.1.weight"]) and
               e["size/matrix"].dtype == numpy.float32 and
               numpy.allclose(e["size/matrix"][()],
                              zeta["weights"]["embeds.1.weight"]) and
               w["embeds.1.weight"].dtype == numpy.float64,
               "a float64 weight is kept; the matrix is a float32 copy")
        tap.ok(storecheck.read_strings(e["number/labels"]) ==
               ["0", "1", "2", "3", "4"] and e["number"].attrs["na_row"] ==
               -1, "rows without vocabulary are numbered, na_row -1")
        tap.ok(e["colour"].attrs["na_row"] == 0, "#na# row gives na_row 0")
        tap.ok(h5py.h5o.get_info(e["colour/matrix"].id).rc == 2,
               "linked matrix has two links")
        c = z["continuous"]
        tap.ok(storecheck.read_strings(c["names"]) == ["age", "height"] and
               list(c["mean"][()]) == [30.5, 1.7] and
               list(c["std"][()]) == [9.0, 0.1],
               "continuous names, mean and std round trip")
        tap.ok(storecheck.read_strings(z["classes"]) == ["no", "yes"] and
               "y_range" not in z.attrs, "classes round trip, no y_range")
        a = f["models/alpha"]
        tap.ok(list(a.attrs["y_range"]) == [0.0, 5.5] and
               a.attrs["source"] == "second", "y_range and source")
        tap.ok(numpy.array_equal(a["embeddings/users/bias"][()],
                                 alpha.weights["ub.weight"][:, 0]),
               "bias of a [rows, 1] weight becomes [rows]")
        tap.ok(list(a["embeddings/items/bias"][()]) == [0.5, -0.5] and
               "weight" not in a["embeddings/items"].attrs and
               a["embeddings/items"].attrs["order"] == 1,
               "matrix and bias given directly")


def check_atomic(tap, directory):
    """Check the temporary name and that a failed write keeps the file."""
    path = os.path.join(directory, "keep.h5")
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((src, dst))
        real_replace(src, dst)

    embrepl_export.os.replace = spy
    try:
        embrepl_export.write_store(path, plain_models())
    finally:
        embrepl_export.os.replace = real_replace
    src, dst = renames[0] if renames else ("", "")
    tap.ok(os.path.dirname(src) == directory and dst == path and
           re.fullmatch(r"\.keep\.h5\.[A-Za-z0-9]{6}", os.path.basename(src)),
           "written as .NAME.XXXXXX beside the target (%s)" %
           os.path.basename(src))
    before = open(path, "rb").read()
    bad = plain_models()
    bad[0]["embeddings"][1].labels = ["#na#", "S", "S"]
    try:
        embrepl_export.write_store(path, bad)
        raised = False
    except embrepl_export.StoreError:
        raised = True
    tap.ok(raised, "duplicate labels are refused")
    tap.ok(open(path, "rb").read() == before and
           sorted(os.listdir(directory)) == ["keep.h5"],
           "a failed write leaves the old file and no temporary file")
    for change, what in ((("kind", "nonsense"), "an unknown kind"),
                         (("name", "a/b"), "a model name with /")):
        bad = plain_models()
        bad[0][change[0]] = change[1]
        try:
            embrepl_export.write_store(path, bad)
            raised = False
        except embrepl_export.StoreError:
            raised = True
        tap.ok(raised, "%s is refused" % what)


def check_big_index(tap, directory):
    """Check the fast label index against the document's code."""
    labels = ["#na#"] + ["t\u00eate %d" % i for i in range(20000)]
    index = embrepl_export.build_label_index(labels)
    tap.ok(numpy.array_equal(index, storecheck.build_index(labels)),
           "label index of %d labels equals the document's" % len(labels))
    tap.ok(embrepl_export.build_label_index([]).tolist() == [0] * 8,
           "empty label list gives 8 empty slots")
    path = os.path.join(directory, "big.h5")
    matrix = numpy.arange(len(labels) * 3, dtype=numpy.float32)
    embrepl_export.write_store(path, [{
        "name": "words", "kind": "vectors",
        "weights": {"w": matrix.reshape(-1, 3)},
        "embeddings": [{"name": "words", "role": "vector", "weight": "w",
                        "labels": labels, "na_row": -1}]}])
    with h5py.File(path, "r") as f:
        storecheck.check_store(tap, f)
        g = f["models/words/embeddings/words"]
        tap.ok(g["matrix"].chunks == (16384 // 3, 3) and
               g.attrs["na_row"] == -1,
               "a large matrix is chunked by 64 KiB of whole rows")


def tabular_learner(torch):
    """Return a fake fastai tabular Learner with a SigmoidRange output."""
    nn = torch.nn

    class SigmoidRange(nn.Module):
        def __init__(self, low, high):
            super().__init__()
            self.low, self.high = low, high

    class TabularModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeds = nn.ModuleList([nn.Embedding(3, 2),
                                         nn.Embedding(4, 3)])
            self.emb_drop = nn.Dropout(0.0)
            self.bn_cont = nn.BatchNorm1d(2)
            self.layers = nn.Sequential(
                nn.Sequential(nn.Linear(7, 4, bias=False), nn.ReLU(),
                              nn.BatchNorm1d(4)),
                nn.Sequential(nn.Linear(4, 1)), SigmoidRange(-1.0, 2.0))

    normalize = SimpleNamespace(means={"b": 2.0, "a": 1.0},
                                stds={"a": 0.5, "b": 4.0})
    categorify = SimpleNamespace(classes={})
    dls = SimpleNamespace(
        cat_names=["colour", "age_na"], cont_names=["a", "b"],
        classes={"colour": ["#na#", "red", "blue"],
                 "age_na": ["#na#", False, True, None]},
        procs=SimpleNamespace(fs=[categorify, normalize]))
    return SimpleNamespace(model=TabularModel(), dls=dls)


def check_tabular(tap, torch, directory):
    """Export a fake tabular Learner and compare with its state_dict."""
    learn = tabular_learner(torch)
    path = os.path.join(directory, "tab.h5")
    embrepl_export.export(learn, path)
    state = learn.model.state_dict()
    with h5py.File(path, "r") as f:
        storecheck.check_store(tap, f)
        tap.ok(list(f["models"]) == ["tab"], "export names the model after "
               "the file")
        m = f["models/tab"]
        w = storecheck.all_weights(m["weights"])
        tap.ok(sorted(w) == sorted(state) and all(
            numpy.array_equal(w[k][()], state[k].numpy()) for k in state),
            "every state_dict tensor under its name (%d)" % len(state))
        e = m["embeddings"]
        tap.ok(list(e) == ["colour", "age_na"] and
               e["age_na"].attrs["weight"] == "embeds.1.weight" and
               storecheck.read_strings(e["age_na/labels"]) ==
               ["#na#", "False", "True", "None"],
               "embeddings named by cat_names, labels from classes")
        tap.ok(m.attrs["kind"] == "tabular" and
               list(m.attrs["y_range"]) == [-1.0, 2.0] and
               "classes" not in m, "kind tabular, y_range from SigmoidRange")
        tap.ok(list(m["continuous/mean"][()]) == [1.0, 2.0] and
               list(m["continuous/std"][()]) == [0.5, 4.0],
               "mean and std from the Normalize proc, in cont_names order")
    learn.dls.vocab = ["<=50K", ">50K"]
    learn.model.layers = learn.model.layers[:2]
    embrepl_export.export(learn, path, name="clf", source="test")
    with h5py.File(path, "r") as f:
        m = f["models/clf"]
        tap.ok(storecheck.read_strings(m["classes"]) == ["<=50K", ">50K"] and
               "y_range" not in m.attrs and m.attrs["source"] == "test",
               "classes from dls.vocab, export replaces the file")


def collab_models(torch):
    """Return fake EmbeddingDotBias, EmbeddingNN and custom modules."""
    nn = torch.nn

    class EmbeddingDotBias(nn.Module):
        def __init__(self):
            super().__init__()
            self.u_weight, self.i_weight = nn.Embedding(3, 4), \
                nn.Embedding(5, 4)
            self.u_bias, self.i_bias = nn.Embedding(3, 1), nn.Embedding(5, 1)
            self.y_range = (0, 5.5)

    class EmbeddingNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeds = nn.ModuleList([nn.Embedding(3, 4),
                                         nn.Embedding(5, 6)])
            self.layers = nn.Sequential(nn.Linear(10, 1))

    class Factorizer(nn.Module):
        def __init__(self):
            super().__init__()
            self.user_factors = nn.Embedding(3, 2)
            self.user_bias = nn.Embedding(3, 1)
            self.item_factors = nn.Embedding(5, 2)
            self.item_bias = nn.Embedding(5, 1)

    return EmbeddingDotBias(), EmbeddingNN(), Factorizer()


def check_collab(tap, torch, directory):
    """Export fake collab Learners of the three layouts."""
    dls = SimpleNamespace(classes={
        "user": ["#na#", "1", "2"],
        "title": ["#na#", "A (1990)", "B", "C", "\u00c9t\u00e9 (1999)"]})
    dot, enn, custom = collab_models(torch)
    cases = (("dot", dot, None, "u_weight.weight", "u_bias.weight"),
             ("nn", enn, None, "embeds.0.weight", None),
             ("custom", custom,
              {"users": ("user_factors", "user_bias"),
               "items": ("item_factors", "item_bias.weight")},
              "user_factors.weight", "user_bias.weight"))
    for name, model, spec, weight, bias in cases:
        path = os.path.join(directory, name + ".h5")
        embrepl_export.export(SimpleNamespace(model=model, dls=dls), path,
                              embeddings=spec)
        with h5py.File(path, "r") as f:
            storecheck.check_store(tap, f)
            m = f["models"][name]
            e = m["embeddings"]
            users = e["users"].attrs
            tap.ok(m.attrs["kind"] == "collab" and list(e) ==
                   ["users", "items"] and users["role"] == "user" and
                   e["items"].attrs["role"] == "item" and
                   users["weight"] == weight and
                   users.get("bias_weight") == bias,
                   "%s: collab users and items from %s" % (name, weight))
            tap.ok(storecheck.read_strings(e["items/labels"]) ==
                   dls.classes["title"], "%s: item labels" % name)
            if bias is not None:
                b = getattr(model, bias.split(".")[0]).weight
                tap.ok(numpy.array_equal(e["users/bias"][()],
                                         b.detach().numpy()[:, 0]),
                       "%s: user bias values" % name)
    path = os.path.join(directory, "dot.h5")
    with h5py.File(path, "r") as f:
        tap.ok(list(f["models/dot"].attrs["y_range"]) == [0.0, 5.5],
               "dot: y_range from the model")
    try:
        embrepl_export.export(SimpleNamespace(model=custom, dls=dls), path)
        raised = False
    except embrepl_export.StoreError:
        raised = True
    tap.ok(raised, "a model without embeds needs embeddings=")


def main():
    """Run every check in a temporary directory."""
    tap = storecheck.Tap()
    directory = tempfile.mkdtemp(prefix="test-exporter.")
    try:
        path = os.path.join(directory, "plain.h5")
        models = plain_models()
        embrepl_export.write_store(path, models)
        check_plain(tap, path, models)
        atomic = os.path.join(directory, "atomic")
        os.mkdir(atomic)
        check_atomic(tap, atomic)
        check_big_index(tap, directory)
        try:
            import torch
        except ImportError:
            torch = None
        if torch is None:
            tap.skip("export() on fake fastai learners", "no torch")
        else:
            check_tabular(tap, torch, directory)
            check_collab(tap, torch, directory)
    finally:
        shutil.rmtree(directory)
    tap.done()


main()
