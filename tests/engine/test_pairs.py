"""Word-pair CRCs computed a batch at once equal zlib's, one pair at a time."""

from __future__ import annotations

import itertools
import random
import zlib

import numpy as np

from servicecraft.engine.learned.pairs import MAX_BYTES, continued, pair_crcs


def test_continued_crc_equals_zlib() -> None:
    rng = random.Random(7)
    data = [rng.randbytes(rng.randrange(MAX_BYTES + 1)) for _ in range(5000)]
    first = [rng.randrange(2**32) for _ in data]
    got = continued(
        np.array(first, dtype=np.uint32),
        np.array([zlib.crc32(d) for d in data], dtype=np.uint32),
        np.array([len(d) for d in data], dtype=np.intp),
    )
    assert got.tolist() == [zlib.crc32(d, f) for d, f in zip(data, first, strict=True)]


def test_pairs_of_long_words_too() -> None:
    words = [b" " + w for w in (b"a", b"x" * (MAX_BYTES + 5), b"hello", b"", b"y" * MAX_BYTES)]
    crcs = np.array([zlib.crc32(w[1:]) for w in words], dtype=np.uint32)
    spaced = np.array([zlib.crc32(w) for w in words], dtype=np.uint32)
    lengths = np.array([len(w) for w in words], dtype=np.intp)
    ids = np.array([0, 1, 2, 1, 3, 4, 0, 0], dtype=np.intp)
    expected = [zlib.crc32(words[b], int(crcs[a])) for a, b in itertools.pairwise(ids)]
    assert pair_crcs(crcs, spaced, lengths, words, ids).tolist() == expected
    assert pair_crcs(crcs, spaced, lengths, words, ids[:1]).tolist() == []
