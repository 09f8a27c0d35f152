"""A matrix over 4 GiB (slow: it writes 4.3 GB to $TMPDIR).

4,200,000 rows of 256 float32 make 4,300,800,000 bytes, so every row from
4,194,304 on starts past the 4 GiB offset. The store is written in chunks
with h5py, its label index built with numpy as doc/store-format.md says.
show and similar, in memory and streamed under --memory-limit, must give
what h5py reads and numpy computes.

EMBREPL_SKIP_SLOW=1 skips it; so does a $TMPDIR with less than 6 GB free.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storecheck import Tap  # noqa: E402

import h5py  # noqa: E402
import numpy  # noqa: E402

ROWS, DIM = 4_200_000, 256
BLOCK = 1 << 18
EMBREPL = os.path.abspath(os.environ.get("EMBREPL", "src/embrepl"))
t = Tap()


def label_hashes():
    """FNV-1a of the labels "0", "1", ..., computed per number of digits."""
    prime = numpy.uint64(1099511628211)
    h = numpy.empty(ROWS, dtype=numpy.uint64)
    lo = 0
    for digits in range(1, 20):
        hi = min(ROWS, 10 ** digits)
        if lo >= hi:
            break
        r = numpy.arange(lo, hi, dtype=numpy.int64)
        x = numpy.full(hi - lo, 14695981039346656037, dtype=numpy.uint64)
        for pos in range(digits):
            x ^= ((r // 10 ** (digits - 1 - pos)) % 10 + 48).astype(
                numpy.uint64)
            x *= prime
        h[lo:hi] = x
        lo = hi
    return h


def label_index():
    """The label index: linear probing, built in sorted order of home slot.

    Placing rows in the order of their home slots gives each row a slot
    whose run from its home is full, which is all a lookup needs.
    """
    slots = 8
    while slots < 2 * ROWS:
        slots *= 2
    home = (label_hashes() % numpy.uint64(slots)).astype(numpy.int64)
    order = numpy.argsort(home)
    i = numpy.arange(ROWS, dtype=numpy.int64)
    slot = numpy.maximum.accumulate(home[order] - i) + i
    index = numpy.zeros(slots, dtype=numpy.int64)
    inside = slot < slots
    index[slot[inside]] = order[inside] + 1
    free = 0
    for row in order[~inside]:
        while index[free] != 0:
            free += 1
        index[free] = row + 1
    return index


def write_big(p):
    """Write the store in blocks of rows; the values are uniform noise."""
    with h5py.File(p, "w") as f:
        f.attrs["embrepl_format"] = "embrepl-store"
        f.attrs["format_version"] = numpy.int64(1)
        m = f.create_group("models", track_order=True).create_group("big")
        m.attrs["kind"] = "vectors"
        m.attrs["source"] = "tests/test-large.py"
        g = m.create_group("embeddings").create_group("v")
        g.attrs["role"] = "vector"
        g.attrs["na_row"] = numpy.int64(-1)
        g.attrs["order"] = numpy.int64(0)
        mat = g.create_dataset("matrix", shape=(ROWS, DIM), dtype="f4",
                               chunks=(64, DIM))
        lab = g.create_dataset("labels", shape=(ROWS,), chunks=(65536,),
                               dtype=h5py.string_dtype("utf-8"))
        for a in range(0, ROWS, BLOCK):
            b = min(ROWS, a + BLOCK)
            mat[a:b] = block(a // BLOCK)
            lab[a:b] = numpy.array([str(r) for r in range(a, b)],
                                   dtype=object)
        g.create_dataset("label_index", data=label_index(), chunks=(512,))


def cosine_top(row, k):
    """numpy's top k cosine rows for row, from the same noise again.

    float32 products pick 1000 candidates; float64 ranks them exactly.
    """
    q = block(row // BLOCK)[row % BLOCK]
    cand, blocks = [], {}
    for a in range(0, ROWS, BLOCK):
        x = block(a // BLOCK)
        s = x @ q / numpy.linalg.norm(x, axis=1)
        best = numpy.argpartition(-s, 1000)[:1000]
        cand.extend(int(a + r) for r in best)
    cand = [r for r in cand if r != row]
    for r in cand:
        blocks.setdefault(r // BLOCK, []).append(r)
    q64 = q.astype(numpy.float64)
    exact = {}
    for b, rows in blocks.items():
        x = block(b)[[r % BLOCK for r in rows]].astype(numpy.float64)
        for r, v in zip(rows, x @ q64 / numpy.linalg.norm(x, axis=1)):
            exact[r] = v / numpy.linalg.norm(q64)
    top = sorted(exact, key=lambda r: (-exact[r], r))[:k]
    return [(r, exact[r]) for r in top]


def block(n):
    """Block n of rows: the uniform noise that write_big() stores."""
    a = n * BLOCK
    b = min(ROWS, a + BLOCK)
    rng = numpy.random.default_rng(a)
    return rng.random((b - a, DIM), dtype=numpy.float32) - 0.5


def run(*args):
    """Run embrepl; return (status, stdout, stderr)."""
    p = subprocess.run([EMBREPL] + list(args), capture_output=True,
                       timeout=600, env=dict(os.environ, LC_ALL="C.UTF-8"))
    return p.returncode, p.stdout, p.stderr


def split_json(text):
    """The JSON documents printed one after the other."""
    dec, docs, at = json.JSONDecoder(), [], 0
    text = text.decode()
    while text[at:].strip():
        while text[at].isspace():
            at += 1
        doc, at = dec.raw_decode(text, at)
        docs.append(doc)
    return docs


def main():
    """Write the store, ask embrepl, compare, clean up."""
    if os.environ.get("EMBREPL_SKIP_SLOW"):
        print("1..0 # SKIP EMBREPL_SKIP_SLOW is set")
        return
    tmp = tempfile.mkdtemp(prefix="embrepl-test-large.")
    try:
        if shutil.disk_usage(tmp).free < 6 * 10 ** 9:
            print("1..0 # SKIP less than 6 GB free in %s" % tmp)
            return
        p = os.path.join(tmp, "big.h5")
        write_big(p)
        row = ROWS - 1
        t.ok(row * DIM * 4 > 1 << 32 and os.path.getsize(p) > 1 << 32,
             "row %d starts past 4 GiB, the file has %d bytes" %
             (row, os.path.getsize(p)))
        with h5py.File(p, "r") as f:
            qrow = f["models/big/embeddings/v/matrix"][row]
        t.ok((qrow == block(row // BLOCK)[row % BLOCK]).all(),
             "h5py reads back the row written")
        want = cosine_top(row, 10)
        for limit in ([], ["--memory-limit", "512M"]):
            how = "streamed" if limit else "in memory"
            rc, out, err = run(*(limit + [p, "-f", "json", "-c",
                                          "show v #%d" % row, "-c",
                                          "similar v %d 10" % row]))
            docs = split_json(out) if rc == 0 else [[{}], []]
            vec = docs[0][0].get("vector", [])
            t.ok(len(vec) == DIM and (numpy.array(vec, "f4") == qrow).all(),
                 "%s: show of row %d is what h5py reads %s" %
                 (how, row, err.strip()[:80]))
            hits = docs[1]
            t.ok([h["row"] for h in hits] == [r for r, _ in want] and
                 all(abs(h["score"] - s) < 1e-5
                     for h, (_, s) in zip(hits, want)),
                 "%s: similar over 4.3 GB is numpy's top 10 %s" %
                 (how, err.strip()[:80]))
            t.ok(rc == 0 and all(h["label"] == str(h["row"]) for h in hits),
                 "%s: the hits' labels are read from the store" % how)
        rc, out, err = run(p, "-f", "json", "-c", "show v 4194304")
        t.ok(rc == 0 and json.loads(out)[0]["row"] == 4194304,
             "the label \"4194304\" is found through the label index")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.done()


main()
