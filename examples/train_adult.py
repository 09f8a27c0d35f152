"""Train a fastai-style tabular model on UCI Adult; write examples/adult.h5.

The data is the UCI Adult census income data set (Becker and Kohavi, 1996,
CC BY 4.0), https://archive.ics.uci.edu/dataset/2/adult: adult.data with a
header line naming the columns (age, workclass, ..., native-country, Y).

The model is fastai v2's TabularModel as tabular_learner(layers=[200, 100])
builds it: one embedding per categorical variable (vocabulary "#na#" then
the sorted training values, width min(600, round(1.6 * n ** 0.56))),
batch-normalised continuous variables (normalised first with the training
mean and population std + 1e-7), two Linear-ReLU-BatchNorm blocks and a
linear output over the two target classes.

Usage: python3 examples/train_adult.py [--data adult.data] [--out adult.h5]
"""

import argparse
import csv
import os
import sys
import time
from types import SimpleNamespace

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import embrepl_export  # noqa: E402
import trainutil  # noqa: E402

CATEGORICAL = ["workclass", "education", "marital-status", "occupation",
               "relationship", "race", "sex", "native-country"]
CONTINUOUS = ["age", "fnlwgt", "education-num", "capital-gain",
              "capital-loss", "hours-per-week"]
TARGET = "Y"
EPOCHS = 4
LR = 1e-2
WD = 0.01
BATCH = 64


def read_adult(path):
    """Return the columns of adult.data as a dict of lists of strings."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [[field.strip() for field in row] for row in csv.reader(f)
                if row]
    header, rows = rows[0], rows[1:]
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


def emb_width(n):
    """Return fastai's embedding width for a vocabulary of n entries."""
    return min(600, round(1.6 * n ** 0.56))


def prepare(columns, train):
    """Return vocabularies, codes, normalised continuous data and stats."""
    vocabs, codes = {}, []
    for name in CATEGORICAL:
        values = columns[name]
        vocabs[name] = trainutil.vocab_of(values[i] for i in train)
        codes.append(trainutil.encode(values, vocabs[name]))
    conts = numpy.stack([numpy.array(columns[n], dtype=numpy.float64)
                         for n in CONTINUOUS], axis=1)
    mean = conts[train].mean(axis=0)
    std = conts[train].std(axis=0) + 1e-7
    classes = sorted(set(columns[TARGET][i] for i in train))
    y = numpy.array([classes.index(v) for v in columns[TARGET]],
                    dtype=numpy.int64)
    return (vocabs, numpy.stack(codes, axis=1), (conts - mean) / std,
            mean, std, classes, y)


def build_model(vocab_sizes, n_cont, n_out, layers=(200, 100)):
    """Return a torch module laid out as fastai's TabularModel."""
    import torch
    from torch import nn

    def batchnorm(n):
        bn = nn.BatchNorm1d(n)
        bn.bias.data.fill_(1e-3)
        bn.weight.data.fill_(1.0)
        return bn

    class TabularModel(nn.Module):
        """fastai's TabularModel with embed_p = 0 and no y_range."""

        def __init__(self):
            super().__init__()
            self.embeds = nn.ModuleList(
                nn.Embedding(n, emb_width(n)) for n in vocab_sizes)
            for emb in self.embeds:
                trainutil.trunc_normal_(emb.weight)
            self.emb_drop = nn.Dropout(0.0)
            self.bn_cont = batchnorm(n_cont)
            sizes = [sum(e.embedding_dim for e in self.embeds) + n_cont]
            sizes += list(layers)
            blocks = [nn.Sequential(nn.Linear(a, b, bias=False),
                                    nn.ReLU(inplace=True), batchnorm(b))
                      for a, b in zip(sizes[:-1], sizes[1:])]
            blocks.append(nn.Sequential(nn.Linear(sizes[-1], n_out)))
            self.layers = nn.Sequential(*blocks)

        def forward(self, x_cat, x_cont):
            x = torch.cat([e(x_cat[:, i]) for i, e in
                           enumerate(self.embeds)], 1)
            x = torch.cat([self.emb_drop(x), self.bn_cont(x_cont)], 1)
            return self.layers(x)

    return TabularModel()


def train(codes, conts, y, train_rows, valid_rows, vocabs, classes):
    """Train the model; return it and its validation accuracy."""
    import torch

    torch.manual_seed(trainutil.SEED)
    torch.set_num_threads(2)
    model = build_model([len(vocabs[n]) for n in CATEGORICAL],
                        len(CONTINUOUS), len(classes))
    x_cat = torch.from_numpy(codes)
    x_cont = torch.from_numpy(conts.astype(numpy.float32))
    target = torch.from_numpy(y)
    tr = torch.from_numpy(train_rows)
    va = torch.from_numpy(valid_rows)
    loss_fn = torch.nn.CrossEntropyLoss()

    def batch_loss(batch):
        rows = tr[batch]
        return loss_fn(model(x_cat[rows], x_cont[rows]), target[rows])

    trainutil.fit_one_cycle(model, batch_loss, len(tr), EPOCHS, LR, WD,
                            BATCH)
    model.eval()
    with torch.no_grad():
        pred = model(x_cat[va], x_cont[va]).argmax(1)
    return model, float((pred == target[va]).float().mean())


def default_data():
    """Return the default path of adult.data, beside the source tree."""
    return trainutil.repo_path("..", "shared", "data", "adult.data")


def main():
    """Train on adult.data and write the store."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--out", default=trainutil.repo_path(
        "examples", "adult.h5"))
    args = parser.parse_args()
    if not os.path.exists(args.data):
        sys.exit("train_adult: %s: not found; get adult.data from the UCI "
                 "Machine Learning Repository, "
                 "https://archive.ics.uci.edu/dataset/2/adult, and add the "
                 "header line (see examples/README)" % args.data)
    started = time.time()
    columns = read_adult(args.data)
    n = len(columns[TARGET])
    train_rows, valid_rows = trainutil.random_split(n)
    vocabs, codes, conts, mean, std, classes, y = prepare(columns,
                                                          train_rows)
    model, accuracy = train(codes, conts, y, train_rows, valid_rows, vocabs,
                            classes)
    print("adult: %d training rows, %d validation rows, accuracy %.4f "
          "(%.0f s)" % (len(train_rows), len(valid_rows), accuracy,
                        time.time() - started))
    normalize = SimpleNamespace(means=dict(zip(CONTINUOUS, mean)),
                                stds=dict(zip(CONTINUOUS, std)))
    dls = SimpleNamespace(cat_names=CATEGORICAL, classes=vocabs,
                          cont_names=CONTINUOUS, procs=[normalize],
                          vocab=classes)
    source = ("examples/train_adult.py: fastai-style TabularModel "
              "(layers 200, 100) trained on UCI Adult adult.data "
              "(Becker and Kohavi 1996, CC BY 4.0), seeded 80/20 split, "
              "%d epochs one-cycle; validation accuracy %.4f" %
              (EPOCHS, accuracy))
    embrepl_export.export(SimpleNamespace(model=model, dls=dls), args.out,
                          name="adult", source=source)
    print("adult: wrote %s" % args.out)


if __name__ == "__main__":
    main()
