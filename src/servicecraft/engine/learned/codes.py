"""A table of weights keyed by integer codes (word pairs and triples), looked up in bulk.

The politeness model weighs word pairs and triples, each coded as one integer. A batch looks
up tens of thousands of codes, most of them absent. A binary search over the sorted codes
(``np.searchsorted``) costs about sixteen dependent steps per code; this table is an
open-addressing hash table (linear probing, at most about half full), so a lookup costs one
or two gathers of the whole batch, and building it one sort. Both give the same weights.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

_EMPTY = -1  # codes are non-negative
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / the golden ratio


class CodeTable:
    """``lookup(codes)``: each code's weight, 0.0 for a code not in the table."""

    def __init__(self, codes: Codes, weights: npt.ArrayLike) -> None:
        codes = np.asarray(codes, dtype=np.int64)
        values = np.asarray(weights, dtype=np.float64)
        ascending = np.sort(codes)  # a plain sort: np.unique costs several times more
        if len(codes) != len(values) or bool((ascending[1:] == ascending[:-1]).any()):
            raise ValueError("codes must be distinct, one weight each")
        if len(codes) and codes.min() < 0:
            raise ValueError("codes must be non-negative")
        self._bits = max(int(np.ceil(np.log2(2 * len(codes) + 1))), 1)
        # Linear probing without wrapping round: in the order of their home slots, each code
        # takes the first free slot from its home on, so a code sits at the larger of its home
        # and one past the code before it. Every slot between a code's home and its place is
        # then full, and a lookup walks from the home to the code or to the first empty slot;
        # the table runs past its last home far enough to end with an empty slot.
        home = self._home(codes)
        order = np.argsort(home)  # codes sharing a home may come in any order
        steps = np.arange(len(codes))
        place = np.maximum.accumulate(home[order] - steps) + steps if len(codes) else steps
        size = max(1 << self._bits, int(place[-1]) + 2 if len(codes) else 1)
        self._keys: Codes = np.full(size, _EMPTY, dtype=np.int64)
        self._weights: Floats = np.zeros(size, dtype=np.float64)
        self._keys[place] = codes[order]
        self._weights[place] = values[order]

    def __len__(self) -> int:
        return int(np.count_nonzero(self._keys != _EMPTY))

    def _home(self, codes: Codes) -> npt.NDArray[np.intp]:
        """Each code's first slot: the top bits of its product with the multiplier."""
        shift = np.uint64(64 - self._bits)
        product = codes.astype(np.uint64) * _MULTIPLIER  # wraps modulo 2**64, as intended
        home: npt.NDArray[np.intp] = (product >> shift).astype(np.intp)
        return home

    def lookup(self, codes: Codes) -> Floats:
        found: Floats = np.zeros(len(codes), dtype=np.float64)
        slot = self._home(codes)
        pending = np.arange(len(codes))
        while len(pending):
            at = slot[pending]
            keys = self._keys[at]
            hit = keys == codes[pending]
            found[pending[hit]] = self._weights[at[hit]]
            # Absent codes stop at the first empty slot; the rest probe the next one.
            onward = ~hit & (keys != _EMPTY)
            pending = pending[onward]
            slot[pending] = at[onward] + 1
        return found
