"""Train fastai's dot-product collab model on MovieLens 100K; write a store.

The data is MovieLens 100K (F. Maxwell Harper and Joseph A. Konstan, 2015,
"The MovieLens Datasets: History and Context", ACM TiiS 5(4), article 19),
https://grouplens.org/datasets/movielens/100k/: u.data (user, movie,
rating, timestamp; tab-separated) and u.item (movie id | title | ...;
Latin-1).  Its terms allow research use and forbid redistributing the data;
this script reads it from outside the source tree and the store it writes
holds only the trained model.

As in fastai's collaborative filtering lesson the ratings are joined with
the titles and the title is the item, so that movies sharing a title merge.
The model is fastai v2's EmbeddingDotBias (u_weight, i_weight, u_bias,
i_bias; 50 factors; sigmoid_range(dot + user bias + item bias, 0, 5.5)),
trained like learn.fit_one_cycle(5, 5e-3, wd=0.1) with batches of 64 on a
seeded random 80/20 split; vocabularies are "#na#" then the training
values, user ids sorted as numbers.

Usage: python3 examples/train_movielens.py [--data DIR] [--out FILE]
where DIR holds ml-100k.u.data and ml-100k.u.item (or u.data and u.item).
"""

import argparse
import os
import sys
import time
from types import SimpleNamespace

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import embrepl_export  # noqa: E402
import trainutil  # noqa: E402

FACTORS = 50
Y_RANGE = (0.0, 5.5)
EPOCHS = 5
LR = 5e-3
WD = 0.1
BATCH = 64


def data_file(directory, name):
    """Return the path of a MovieLens file, with or without the prefix."""
    for candidate in ("ml-100k." + name, name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    return None


def read_ratings(directory):
    """Return (user ids, titles, ratings) of MovieLens 100K."""
    with open(data_file(directory, "u.item"), encoding="latin-1") as f:
        titles = {}
        for line in f:
            fields = line.rstrip("\n").split("|")
            if len(fields) > 1:
                titles[int(fields[0])] = fields[1]
    users, items, ratings = [], [], []
    with open(data_file(directory, "u.data"), encoding="ascii") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3:
                users.append(int(fields[0]))
                items.append(titles[int(fields[1])])
                ratings.append(float(fields[2]))
    return users, items, numpy.array(ratings, dtype=numpy.float32)


def user_vocab(users):
    """Return the vocabulary of user ids: #na#, then ids in numeric order."""
    return ["#na#"] + [str(u) for u in sorted(set(users))]


def build_model(n_users, n_items):
    """Return a torch module laid out as fastai's EmbeddingDotBias."""
    import torch
    from torch import nn

    class EmbeddingDotBias(nn.Module):
        """fastai's dot product with biases, squashed into y_range."""

        def __init__(self):
            super().__init__()
            self.y_range = Y_RANGE
            self.u_weight = nn.Embedding(n_users, FACTORS)
            self.i_weight = nn.Embedding(n_items, FACTORS)
            self.u_bias = nn.Embedding(n_users, 1)
            self.i_bias = nn.Embedding(n_items, 1)
            for emb in (self.u_weight, self.i_weight, self.u_bias,
                        self.i_bias):
                trainutil.trunc_normal_(emb.weight)

        def forward(self, users, items):
            dot = (self.u_weight(users) * self.i_weight(items)).sum(1)
            res = dot + self.u_bias(users)[:, 0] + self.i_bias(items)[:, 0]
            low, high = self.y_range
            return torch.sigmoid(res) * (high - low) + low

    return EmbeddingDotBias()


def train(user_codes, item_codes, ratings, train_rows, valid_rows, n_users,
          n_items):
    """Train the model; return it and its validation mean squared error."""
    import torch

    torch.manual_seed(trainutil.SEED)
    torch.set_num_threads(2)
    model = build_model(n_users, n_items)
    users = torch.from_numpy(user_codes)
    items = torch.from_numpy(item_codes)
    target = torch.from_numpy(ratings)
    tr = torch.from_numpy(train_rows)
    va = torch.from_numpy(valid_rows)

    def batch_loss(batch):
        rows = tr[batch]
        pred = model(users[rows], items[rows])
        return torch.nn.functional.mse_loss(pred, target[rows])

    trainutil.fit_one_cycle(model, batch_loss, len(tr), EPOCHS, LR, WD,
                            BATCH)
    model.eval()
    with torch.no_grad():
        pred = model(users[va], items[va])
        mse = torch.nn.functional.mse_loss(pred, target[va])
    return model, float(mse)


def show_biases(model, titles, n=5):
    """Print the items with the lowest and the highest learned biases."""
    bias = model.i_bias.weight.detach().numpy()[:, 0].copy()
    bias[0] = numpy.nan
    order = numpy.argsort(bias)
    order = order[~numpy.isnan(bias[order])]
    print("lowest item biases: %s" %
          "; ".join(titles[i] for i in order[:n]))
    print("highest item biases: %s" %
          "; ".join(titles[i] for i in order[::-1][:n]))


def main():
    """Train on MovieLens 100K and write the store."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=trainutil.repo_path(
        "..", "shared", "data"))
    parser.add_argument("--out", default=trainutil.repo_path(
        "examples", "movielens.h5"))
    args = parser.parse_args()
    if data_file(args.data, "u.data") is None or \
            data_file(args.data, "u.item") is None:
        sys.exit("train_movielens: %s: no u.data and u.item; get MovieLens "
                 "100K from https://grouplens.org/datasets/movielens/100k/"
                 % args.data)
    started = time.time()
    users, items, ratings = read_ratings(args.data)
    train_rows, valid_rows = trainutil.random_split(len(ratings))
    uvocab = user_vocab(users[i] for i in train_rows)
    ivocab = trainutil.vocab_of(items[i] for i in train_rows)
    user_codes = trainutil.encode([str(u) for u in users], uvocab)
    item_codes = trainutil.encode(items, ivocab)
    model, mse = train(user_codes, item_codes, ratings, train_rows,
                       valid_rows, len(uvocab), len(ivocab))
    print("movielens: %d training ratings, %d validation ratings, "
          "%d users, %d titles, validation MSE %.4f (%.0f s)" %
          (len(train_rows), len(valid_rows), len(uvocab) - 1,
           len(ivocab) - 1, mse, time.time() - started))
    show_biases(model, ivocab)
    dls = SimpleNamespace(classes={"user": uvocab, "title": ivocab})
    source = ("examples/train_movielens.py: fastai-style EmbeddingDotBias "
              "(50 factors, y_range 0-5.5) trained on MovieLens 100K "
              "(F. Maxwell Harper and Joseph A. Konstan, 2015, ACM TiiS "
              "5(4); research use, the data is not redistributed), seeded "
              "80/20 split, 5 epochs one-cycle lr 5e-3 wd 0.1; validation "
              "MSE %.4f" % mse)
    embrepl_export.export(SimpleNamespace(model=model, dls=dls), args.out,
                          name="movielens", source=source)
    print("movielens: wrote %s" % args.out)


if __name__ == "__main__":
    main()
