# Writes a clustered float32 matrix and numpy's answers about it (nearest
# neighbours under three metrics, principal components) to the file named
# by argv[1], for tests/test-oracle.c. All arrays are little-endian.
import sys

import numpy as np

ROWS, DIM, NQ, K, NCOMP = 3000, 24, 6, 10, 5

rng = np.random.default_rng(20240601)
centres = rng.normal(0, 3, size=(12, DIM))
which = rng.integers(0, 12, size=ROWS)
scale = np.linspace(2.0, 0.2, DIM)
m = (centres[which] + rng.normal(0, 1, size=(ROWS, DIM)) * scale)
m = m.astype(np.float32)
queries = np.array([0, 1, 17, 999, 2000, ROWS - 1], dtype=np.int64)
x = m.astype(np.float64)


def top(scores, row):
    """The K best rows by score, ties by lower row, the query's row out."""
    scores = scores.copy()
    scores[row] = -np.inf
    order = np.lexsort((np.arange(ROWS), -scores))[:K]
    return order, scores[order]


with open(sys.argv[1], "wb") as f:
    np.array([ROWS, DIM, NQ, K, NCOMP], dtype="<i8").tofile(f)
    m.astype("<f4").tofile(f)
    queries.astype("<i8").tofile(f)
    norms = np.linalg.norm(x, axis=1)
    for metric in ("cosine", "dot", "euclidean"):
        for q in queries:
            v = x[q]
            if metric == "cosine":
                s = x @ v / (norms * np.linalg.norm(v))
            elif metric == "dot":
                s = x @ v
            else:
                s = -np.linalg.norm(x - v, axis=1)
            rows, scores = top(s, q)
            if metric == "euclidean":
                scores = -scores
            rows.astype("<i8").tofile(f)
            scores.astype("<f8").tofile(f)
    cov = np.cov(x, rowvar=False)
    w, v = np.linalg.eigh(cov)
    order = np.argsort(w)[::-1][:NCOMP]
    (w[order] / w.sum()).astype("<f8").tofile(f)
    w[order].astype("<f8").tofile(f)
    v[:, order].T.astype("<f8").tofile(f)
    x.mean(axis=0).astype("<f8").tofile(f)
