"""Write embrepl stores (doc/store-format.md, version 1) from Python.

Only numpy and h5py are needed to import this module; torch is used when a
fastai Learner or a torch module is exported.

Two entry points:

write_store(path, models)
    Writes a store holding the given models, atomically: the file is written
    beside the target as ``.NAME.XXXXXX``, flushed, closed and renamed over
    ``path``.  ``models`` is a list of ``Model`` objects or of plain dicts
    with the same keys.

export(learn, path, name=None, embeddings=None, kind=None, source=None)
    Writes one store holding the model of a fastai v2 Learner (duck-typed:
    fastai itself is not needed).  ``model_from_learner`` takes the same
    arguments and returns the ``Model`` without writing it.

A model, as a ``Model`` or as a dict:

    name         the group name under /models (required)
    kind         "tabular", "collab" or "vectors" (required)
    source       free text: where the model came from
    weights      dict of original tensor name -> array (numpy array, torch
                 tensor or anything numpy.asarray takes); a "/" in a name
                 makes nested groups
    embeddings   list of ``Embedding`` objects or dicts, in model order
    continuous   list of continuous variable names, or None
    mean, std    lists of floats, one per continuous name, or None
    classes      list of target class names, or None
    y_range      (low, high), or None

An embedding, as an ``Embedding`` or as a dict:

    name         the variable's name: the group name (required)
    role         "categorical", "user", "item" or "vector" (required)
    weight       the name in ``weights`` of its 2-D matrix; when the tensor
                 is float32 the store's ``matrix`` is a hard link to it
    matrix       the matrix itself, when it is not among ``weights``
    labels       one string per row, or None to label rows "0", "1", ...
    na_row       0 when row 0 is fastai's "#na#", -1 when no row is
                 reserved; None (the default) infers it from labels[0]
    order        position in the model; None means the list position
    bias_weight  the name in ``weights`` of its bias ([rows] or [rows, 1])
    bias         the bias itself, when it is not among ``weights``

Exporting a Learner reads:

- tabular (``learn.model.embeds``, an nn.ModuleList of nn.Embedding):
  one embedding per name in ``learn.dls.cat_names`` (or the keys of
  ``learn.dls.classes``) labelled by ``learn.dls.classes[name]``;
  ``learn.dls.cont_names`` with the means and stds of the Normalize proc in
  ``learn.dls.procs``; target classes from ``learn.dls.vocab``; y_range
  from ``learn.model.y_range``, a SigmoidRange layer or ``learn.dls.y_range``.
- collab, EmbeddingDotBias (``u_weight``, ``i_weight``, ``u_bias``,
  ``i_bias``) or EmbeddingNN (``embeds[0]`` users, ``embeds[1]`` items):
  embeddings "users" and "items" labelled by the two entries of
  ``learn.dls.classes`` (user column first).
- any other model: pass ``embeddings`` mapping each variable to the names
  of its modules, e.g. ``{"users": ("user_factors", "user_bias"),
  "items": ("item_factors", "item_bias")}``; a value may be one module
  name, a (weight, bias) pair or a dict with keys weight, bias, role and
  labels.  A module name may also be a full state_dict name.

Use:

    import embrepl_export
    embrepl_export.export(learn, "adult.h5")
"""

import copy
import os
import secrets

import h5py
import numpy

FORMAT_NAME = "embrepl-store"
FORMAT_VERSION = 1
KINDS = ("tabular", "collab", "vectors")
ROLES = ("categorical", "user", "item", "vector")
NA_LABEL = "#na#"

FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
INDEX_CHUNK = 512
LABEL_CHUNK = 1024
ROW_CHUNK_FLOATS = 16384

WEIGHT_DTYPES = {
    numpy.dtype(numpy.float32): numpy.float32,
    numpy.dtype(numpy.float64): numpy.float64,
    numpy.dtype(numpy.int64): numpy.int64,
    numpy.dtype(numpy.uint8): numpy.uint8,
}


class Embedding:
    """One embedding of a model; see the module docstring for the fields."""

    def __init__(self, name, role, weight=None, matrix=None, labels=None,
                 na_row=None, order=None, bias_weight=None, bias=None):
        self.name = name
        self.role = role
        self.weight = weight
        self.matrix = matrix
        self.labels = labels
        self.na_row = na_row
        self.order = order
        self.bias_weight = bias_weight
        self.bias = bias


class Model:
    """One model of a store; see the module docstring for the fields."""

    def __init__(self, name, kind, source="", weights=None, embeddings=None,
                 continuous=None, mean=None, std=None, classes=None,
                 y_range=None):
        self.name = name
        self.kind = kind
        self.source = source
        self.weights = dict(weights or {})
        self.embeddings = list(embeddings or [])
        self.continuous = continuous
        self.mean = mean
        self.std = std
        self.classes = classes
        self.y_range = y_range


class StoreError(ValueError):
    """A model that cannot be written as a valid store."""


def fnv1a64_many(labels):
    """Return the 64-bit FNV-1a hashes of the UTF-8 bytes of labels."""
    encoded = [s.encode("utf-8") for s in labels]
    n = len(encoded)
    hashes = numpy.full(n, FNV_OFFSET, dtype=numpy.uint64)
    if n == 0:
        return hashes
    lengths = numpy.fromiter((len(b) for b in encoded), dtype=numpy.int64,
                             count=n)
    starts = numpy.zeros(n, dtype=numpy.int64)
    numpy.cumsum(lengths[:-1], out=starts[1:])
    data = numpy.frombuffer(b"".join(encoded), dtype=numpy.uint8)
    prime = numpy.uint64(FNV_PRIME)
    with numpy.errstate(over="ignore"):
        for j in range(int(lengths.max())):
            live = numpy.nonzero(lengths > j)[0]
            byte = data[starts[live] + j].astype(numpy.uint64)
            hashes[live] = (hashes[live] ^ byte) * prime
    return hashes


def index_slots(rows):
    """Return the label index size for rows labels."""
    slots = 8
    while slots < 2 * rows:
        slots *= 2
    return slots


def build_label_index(labels):
    """Return the open-addressing label index of labels, in row order."""
    slots = index_slots(len(labels))
    mask = slots - 1
    homes = (fnv1a64_many(labels) & numpy.uint64(mask)).tolist()
    table = [0] * slots
    for row, home in enumerate(homes):
        i = home
        while table[i] != 0:
            i = (i + 1) & mask
        table[i] = row + 1
    return numpy.asarray(table, dtype=numpy.int64)


def to_numpy(value):
    """Return value (a tensor, array or sequence) as a numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        value = value.numpy()
    return numpy.asarray(value)


def weight_array(name, value):
    """Return a weight as one of the dtypes the format allows."""
    array = to_numpy(value)
    if array.dtype in WEIGHT_DTYPES:
        return array
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(numpy.float32)
    if kind == "b":
        return array.astype(numpy.uint8)
    if kind in "iu":
        return array.astype(numpy.int64)
    raise StoreError("weight %s: unsupported dtype %s" % (name, array.dtype))


def as_record(value, cls):
    """Return value as an instance of cls, converting a dict."""
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(**value)
    raise StoreError("expected a %s or a dict, got %r" % (cls.__name__,
                                                          type(value)))


def check_name(what, name):
    """Refuse a group or dataset name HDF5 would misread."""
    if not isinstance(name, str) or name == "" or "/" in name or \
            name in (".", ".."):
        raise StoreError("%s: bad name %r" % (what, name))


def row_labels(emb, rows):
    """Return the labels of an embedding's rows, checked."""
    if emb.labels is None:
        labels = [str(i) for i in range(rows)]
    else:
        labels = [str(s) for s in emb.labels]
    if len(labels) != rows:
        raise StoreError("embedding %s: %d labels for %d rows" %
                         (emb.name, len(labels), rows))
    if any(s == "" for s in labels):
        raise StoreError("embedding %s: empty label" % emb.name)
    if len(set(labels)) != rows:
        raise StoreError("embedding %s: labels are not unique" % emb.name)
    return labels


def row_chunk(rows, dim):
    """Return the chunk shape of a rows x dim matrix: whole rows, 64 KiB."""
    return (max(1, min(rows, ROW_CHUNK_FLOATS // max(dim, 1))), max(dim, 1))


def string_dataset(group, name, values):
    """Write a chunked one-dimensional dataset of UTF-8 strings."""
    values = [str(s) for s in values]
    chunks = (max(1, min(len(values), LABEL_CHUNK)),) if values else None
    group.create_dataset(name, data=numpy.array(values, dtype=object),
                         dtype=h5py.string_dtype("utf-8"),
                         shape=(len(values),), chunks=chunks)


def matrix_sources(model):
    """Return the weights used as embedding matrices, with their shapes."""
    linked = {}
    for emb in model.embeddings:
        if emb.weight is None or emb.matrix is not None:
            continue
        if emb.weight not in model.weights:
            raise StoreError("embedding %s: no weight named %s" %
                             (emb.name, emb.weight))
        array = model.weights[emb.weight]
        if array.ndim != 2:
            raise StoreError("embedding %s: weight %s is not 2-D" %
                             (emb.name, emb.weight))
        linked[emb.weight] = array.shape
    return linked


def write_weights(group, model):
    """Write every weight under its original name; return the datasets."""
    linked = matrix_sources(model)
    datasets = {}
    for name, array in model.weights.items():
        parts = name.split("/")
        for part in parts:
            check_name("weight %s" % name, part)
        parent = group
        for part in parts[:-1]:
            if part in parent:
                parent = parent[part]
            else:
                parent = parent.create_group(part, track_order=True)
        chunks = None
        if name in linked and array.dtype == numpy.float32 and \
                min(array.shape) > 0:
            chunks = row_chunk(*array.shape)
        datasets[name] = parent.create_dataset(parts[-1], data=array,
                                               chunks=chunks)
    return datasets


def write_matrix(group, emb, model, datasets):
    """Write or link an embedding's matrix; return its row count."""
    if emb.matrix is not None:
        array = to_numpy(emb.matrix)
    elif emb.weight is not None:
        array = model.weights[emb.weight]
    else:
        raise StoreError("embedding %s: no weight and no matrix" % emb.name)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise StoreError("embedding %s: matrix shape %s" %
                         (emb.name, array.shape))
    if emb.matrix is None and array.dtype == numpy.float32:
        group["matrix"] = datasets[emb.weight]
    else:
        array = numpy.ascontiguousarray(array, dtype=numpy.float32)
        group.create_dataset("matrix", data=array,
                             chunks=row_chunk(*array.shape))
    return array.shape[0]


def write_bias(group, emb, model, rows):
    """Write an embedding's bias as float32 [rows], if it has one."""
    if emb.bias is not None:
        bias = to_numpy(emb.bias)
    elif emb.bias_weight is not None:
        if emb.bias_weight not in model.weights:
            raise StoreError("embedding %s: no weight named %s" %
                             (emb.name, emb.bias_weight))
        bias = model.weights[emb.bias_weight]
    else:
        return
    if bias.size != rows or (bias.ndim == 2 and bias.shape[0] != rows) or \
            bias.ndim > 2:
        raise StoreError("embedding %s: bias shape %s for %d rows" %
                         (emb.name, bias.shape, rows))
    group.create_dataset("bias", data=bias.reshape(rows).astype(
        numpy.float32))


def write_embedding(parent, emb, position, model, datasets):
    """Write one embedding group: attributes, matrix, labels, index, bias."""
    check_name("embedding", emb.name)
    if emb.role not in ROLES:
        raise StoreError("embedding %s: unknown role %r" %
                         (emb.name, emb.role))
    group = parent.create_group(emb.name)
    rows = write_matrix(group, emb, model, datasets)
    labels = row_labels(emb, rows)
    na_row = emb.na_row
    if na_row is None:
        na_row = 0 if labels[0] == NA_LABEL else -1
    if na_row not in (0, -1) or (na_row == 0 and labels[0] != NA_LABEL):
        raise StoreError("embedding %s: na_row %r but row 0 is %r" %
                         (emb.name, na_row, labels[0]))
    group.attrs["role"] = emb.role
    group.attrs["na_row"] = numpy.int64(na_row)
    order = position if emb.order is None else emb.order
    group.attrs["order"] = numpy.int64(order)
    if emb.weight is not None:
        group.attrs["weight"] = emb.weight
    if emb.bias_weight is not None:
        group.attrs["bias_weight"] = emb.bias_weight
    string_dataset(group, "labels", labels)
    index = build_label_index(labels)
    group.create_dataset("label_index", data=index,
                         chunks=(min(len(index), INDEX_CHUNK),))
    write_bias(group, emb, model, rows)


def float_list(what, values, n):
    """Return values as float64, checking there are n of them."""
    array = numpy.asarray(values, dtype=numpy.float64).reshape(-1)
    if array.size != n:
        raise StoreError("%s: %d values for %d names" % (what, array.size, n))
    return array


def write_model(models_group, model):
    """Write one model group."""
    check_name("model", model.name)
    if model.kind not in KINDS:
        raise StoreError("model %s: unknown kind %r" % (model.name,
                                                        model.kind))
    model.weights = {k: weight_array(k, v) for k, v in model.weights.items()}
    model.embeddings = [as_record(e, Embedding) for e in model.embeddings]
    group = models_group.create_group(model.name)
    group.attrs["kind"] = model.kind
    group.attrs["source"] = model.source or ""
    if model.y_range is not None:
        group.attrs["y_range"] = float_list("y_range", model.y_range, 2)
    datasets = write_weights(group.create_group("weights", track_order=True),
                             model)
    embeddings = group.create_group("embeddings", track_order=True)
    for position, emb in enumerate(model.embeddings):
        write_embedding(embeddings, emb, position, model, datasets)
    if model.continuous is not None:
        cont = group.create_group("continuous")
        names = [str(s) for s in model.continuous]
        string_dataset(cont, "names", names)
        if model.mean is not None:
            cont["mean"] = float_list("mean", model.mean, len(names))
        if model.std is not None:
            cont["std"] = float_list("std", model.std, len(names))
    if model.classes is not None:
        string_dataset(group, "classes", model.classes)


def temp_beside(path):
    """Create and return an empty temporary file .NAME.XXXXXX beside path."""
    directory, base = os.path.split(os.path.abspath(path))
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    while True:
        suffix = "".join(secrets.choice(alphabet) for _ in range(6))
        temp = os.path.join(directory, ".%s.%s" % (base, suffix))
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return temp


def write_store(path, models):
    """Write models to an embrepl store at path, atomically."""
    models = [copy.copy(as_record(m, Model)) for m in models]
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise StoreError("two models share a name")
    temp = temp_beside(path)
    try:
        with h5py.File(temp, "w") as f:
            f.attrs["embrepl_format"] = FORMAT_NAME
            f.attrs["format_version"] = numpy.int64(FORMAT_VERSION)
            group = f.create_group("models", track_order=True)
            for model in models:
                write_model(group, model)
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def state_weights(module):
    """Return a torch module's state_dict as numpy arrays, names kept."""
    return {k: to_numpy(v) for k, v in module.state_dict().items()}


def module_weight_name(model, name):
    """Return the state_dict name of a module's weight, or name itself."""
    keys = model.state_dict().keys()
    if name in keys:
        return name
    if name + ".weight" in keys:
        return name + ".weight"
    raise StoreError("no module or tensor named %s" % name)


def vocabularies(dls):
    """Return the (names, vocabularies) of a DataLoaders' categories."""
    classes = getattr(dls, "classes", None) or {}
    names = list(getattr(dls, "cat_names", None) or classes.keys())
    return names, [list(classes[n]) if n in classes else None
                   for n in names]


def learner_y_range(learn):
    """Return the y_range of a Learner's model or data, or None."""
    model = learn.model
    y_range = getattr(model, "y_range", None)
    if y_range is None:
        for module in model.modules():
            if type(module).__name__ == "SigmoidRange":
                y_range = (module.low, module.high)
    if y_range is None:
        y_range = getattr(getattr(learn, "dls", None), "y_range", None)
    return None if y_range is None else [float(v) for v in y_range]


def normalize_stats(dls, names):
    """Return the means and stds of a Normalize proc, or (None, None)."""
    procs = getattr(dls, "procs", None) or []
    for proc in getattr(procs, "fs", procs):
        means = getattr(proc, "means", None)
        stds = getattr(proc, "stds", None)
        if means is not None and stds is not None:
            return ([float(means[n]) for n in names],
                    [float(stds[n]) for n in names])
    return None, None


def target_classes(dls):
    """Return a classifier's target classes from dls.vocab, or None."""
    vocab = getattr(dls, "vocab", None)
    if vocab is None or isinstance(vocab, str):
        return None
    vocab = list(vocab)
    if vocab and isinstance(vocab[0], (list, tuple)):
        vocab = list(vocab[0])
    return [str(v) for v in vocab]


def collab_embeddings(model, vocabs):
    """Return the users and items of a fastai collab model."""
    user_vocab = vocabs[0] if len(vocabs) > 0 else None
    item_vocab = vocabs[1] if len(vocabs) > 1 else None
    if hasattr(model, "u_weight"):
        return [Embedding("users", "user", weight="u_weight.weight",
                          bias_weight="u_bias.weight", labels=user_vocab),
                Embedding("items", "item", weight="i_weight.weight",
                          bias_weight="i_bias.weight", labels=item_vocab)]
    return [Embedding("users", "user", weight="embeds.0.weight",
                      labels=user_vocab),
            Embedding("items", "item", weight="embeds.1.weight",
                      labels=item_vocab)]


def custom_embeddings(model, spec, kind, names, vocabs):
    """Return the embeddings named by export()'s embeddings argument."""
    result = []
    for position, (var, value) in enumerate(spec.items()):
        if isinstance(value, str):
            value = {"weight": value}
        elif isinstance(value, (tuple, list)):
            value = dict(zip(("weight", "bias"), value))
        value = dict(value)
        role = value.get("role")
        if role is None and kind == "collab":
            role = ("user", "item")[position] if position < 2 else None
        labels = value.get("labels")
        if labels is None and var in names:
            labels = vocabs[names.index(var)]
        elif labels is None and kind == "collab" and position < len(vocabs):
            labels = vocabs[position]
        bias = value.get("bias")
        result.append(Embedding(
            var, role or "categorical",
            weight=module_weight_name(model, value["weight"]),
            bias_weight=None if bias is None else
            module_weight_name(model, bias),
            labels=labels))
    return result


def guess_kind(model, embeddings):
    """Return "collab" or "tabular" for a fastai model."""
    if hasattr(model, "u_weight") or type(model).__name__ == "EmbeddingNN":
        return "collab"
    if embeddings is not None:
        values = list(embeddings.values())
        if len(values) == 2 and all(
                isinstance(v, (tuple, list)) and len(v) > 1 and v[1]
                for v in values):
            return "collab"
    return "tabular"


def model_from_learner(learn, name=None, embeddings=None, kind=None,
                       source=None):
    """Return the Model of a fastai v2 Learner (see the module docstring)."""
    model = learn.model
    dls = getattr(learn, "dls", None)
    kind = kind or guess_kind(model, embeddings)
    names, vocabs = vocabularies(dls)
    if embeddings is not None:
        embs = custom_embeddings(model, embeddings, kind, names, vocabs)
    elif kind == "collab":
        embs = collab_embeddings(model, vocabs)
    elif hasattr(model, "embeds"):
        if len(names) != len(model.embeds):
            raise StoreError("%d categorical names for %d embeddings" %
                             (len(names), len(model.embeds)))
        embs = [Embedding(n, "categorical", weight="embeds.%d.weight" % i,
                          labels=vocabs[i]) for i, n in enumerate(names)]
    else:
        raise StoreError("model has no embeds: name them with embeddings=")
    result = Model(name or "model", kind,
                   source=source or "fastai %s exported by embrepl_export" %
                   type(model).__name__,
                   weights=state_weights(model), embeddings=embs,
                   y_range=learner_y_range(learn))
    cont = list(getattr(dls, "cont_names", None) or [])
    if kind == "tabular" and cont:
        result.continuous = cont
        result.mean, result.std = normalize_stats(dls, cont)
    if kind == "tabular":
        result.classes = target_classes(dls)
    return result


def export(learn, path, name=None, embeddings=None, kind=None, source=None):
    """Write the model of a fastai Learner to a one-model store at path."""
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    write_store(path, [model_from_learner(learn, name, embeddings, kind,
                                          source)])
