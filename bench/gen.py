# Writes the synthetic clustered stores `make bench` measures, into the
# folder named by argv[1], unless they are there already. Fixed seeds: the
# same stores on every machine. Uses examples/embrepl_export.py, so the
# stores follow doc/store-format.md.
import os
import sys
import time

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
sys.dont_write_bytecode = True
import embrepl_export  # noqa: E402

STORES = (
    # file name, rows, dim, seed
    ("clustered-1m-64.h5", 1000000, 64, 1),
    ("clustered-100k-300.h5", 100000, 300, 2),
    ("clustered-10m-64.h5", 10000000, 64, 3),
)
CLUSTERS = 200
BLOCK = 1000000


def clustered(rows, dim, seed):
    """Rows drawn around CLUSTERS centres of varied spread, as float32."""
    rng = numpy.random.default_rng(seed)
    centres = rng.normal(0, 1, size=(CLUSTERS, dim))
    spread = rng.uniform(0.2, 0.6, size=CLUSTERS)
    axis = numpy.linspace(1.5, 0.5, dim)
    m = numpy.empty((rows, dim), dtype=numpy.float32)
    for start in range(0, rows, BLOCK):
        n = min(BLOCK, rows - start)
        which = rng.integers(0, CLUSTERS, size=n)
        noise = rng.standard_normal((n, dim), dtype=numpy.float32)
        m[start:start + n] = (centres[which] * axis +
                              noise * spread[which, None])
    return m


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    only = sys.argv[2:]
    for name, rows, dim, seed in STORES:
        path = os.path.join(folder, name)
        if os.path.exists(path) or (only and name not in only):
            continue
        t0 = time.time()
        matrix = clustered(rows, dim, seed)
        labels = ["item-%d" % i for i in range(rows)]
        model = {"name": "bench", "kind": "vectors",
                 "source": "bench/gen.py, seed %d" % seed,
                 "embeddings": [{"name": "items", "role": "item",
                                 "matrix": matrix, "labels": labels,
                                 "na_row": -1}]}
        embrepl_export.write_store(path, [model])
        print("bench: wrote %s in %.0f s" % (path, time.time() - t0),
              file=sys.stderr)


main()
