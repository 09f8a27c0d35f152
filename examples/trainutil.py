"""What both example training scripts share, done the way fastai v2 does it.

- ``random_split``: fastai's RandomSplitter(valid_pct=0.2), with numpy's
  seeded permutation so that tests can rebuild the split without torch.
- ``trunc_normal_``: the initialisation of fastai's Embedding (std 0.01).
- ``fit_one_cycle``: fastai's one-cycle policy (cosine warm-up over the
  first 25 % of steps from lr/25 to lr, cosine annealing to lr/1e5,
  momentum 0.95 -> 0.85 -> 0.95) driving fastai's Adam (betas 0.9 and
  0.99, eps 1e-5, weight decay decoupled from the gradient as fastai's
  true_wd does). As fastai's training loader does, the last partial batch
  of each epoch is dropped.
"""

import math
import os

import numpy

VALID_PCT = 0.2
SEED = 42


def repo_path(*parts):
    """Return a path relative to the top of the source tree."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.normpath(os.path.join(top, *parts))


def random_split(n, seed=SEED, valid_pct=VALID_PCT):
    """Return the (train, valid) row numbers of a seeded random split."""
    perm = numpy.random.RandomState(seed).permutation(n)
    cut = int(valid_pct * n)
    return numpy.sort(perm[cut:]), numpy.sort(perm[:cut])


def vocab_of(values):
    """Return fastai's vocabulary of a categorical column: #na# first."""
    return ["#na#"] + sorted(set(values))


def encode(values, vocab):
    """Return the codes of values in vocab; unknown values get 0 (#na#)."""
    index = {v: i for i, v in enumerate(vocab)}
    return numpy.array([index.get(v, 0) for v in values], dtype=numpy.int64)


def trunc_normal_(tensor, std=0.01):
    """Fill tensor as fastai's Embedding does: N(0, 1) folded at 2, scaled."""
    import torch

    with torch.no_grad():
        return tensor.normal_().fmod_(2).mul_(std)


def cosine(start, end, pct):
    """Return the cosine interpolation from start to end at pct."""
    return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))


def one_cycle(step, total, lr_max, pct_start=0.25, div=25.0,
              div_final=1e5, moms=(0.95, 0.85, 0.95)):
    """Return fastai's one-cycle (lr, momentum) at step of total."""
    warm = max(1, int(total * pct_start))
    if step < warm:
        pct = step / warm
        return (cosine(lr_max / div, lr_max, pct),
                cosine(moms[0], moms[1], pct))
    pct = (step - warm) / max(1, total - warm)
    return (cosine(lr_max, lr_max / div_final, pct),
            cosine(moms[1], moms[2], pct))


def fit_one_cycle(model, loss_of_batch, n_rows, epochs, lr_max, wd,
                  batch_size, seed=SEED):
    """Train model with fastai's one-cycle Adam; return the last loss."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=lr_max,
                            betas=(0.9, 0.99), eps=1e-5, weight_decay=wd)
    steps = epochs * (n_rows // batch_size)
    gen = torch.Generator().manual_seed(seed)
    step = 0
    loss = None
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n_rows, generator=gen)
        for start in range(0, steps // epochs * batch_size, batch_size):
            lr, mom = one_cycle(step, steps, lr_max)
            for group in opt.param_groups:
                group["lr"] = lr
                group["betas"] = (mom, 0.99)
            loss = loss_of_batch(order[start:start + batch_size])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
    return float(loss)
