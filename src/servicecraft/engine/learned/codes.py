"""A table of weights keyed by integer codes (word pairs and triples), looked up in bulk.

The politeness model weighs word pairs and triples, each coded as one integer. A batch looks
up tens of thousands of codes, most of them absent. A binary search over the sorted codes
(``np.searchsorted``) costs about sixteen dependent steps per code; this table is an
open-addressing hash table (linear probing, at most half full), so a lookup costs one or two
gathers of the whole batch. Both give the same weights.
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
        if len(codes) != len(values) or len(np.unique(codes)) != len(codes):
            raise ValueError("codes must be distinct, one weight each")
        if len(codes) and codes.min() < 0:
            raise ValueError("codes must be non-negative")
        self._bits = max(int(np.ceil(np.log2(2 * len(codes) + 1))), 1)
        self._mask = (1 << self._bits) - 1
        self._keys: Codes = np.full(1 << self._bits, _EMPTY, dtype=np.int64)
        self._weights: Floats = np.zeros(1 << self._bits, dtype=np.float64)
        self._insert(codes, values)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._keys != _EMPTY))

    def _home(self, codes: Codes) -> npt.NDArray[np.intp]:
        """Each code's first slot: the top bits of its product with the multiplier."""
        shift = np.uint64(64 - self._bits)
        product = codes.astype(np.uint64) * _MULTIPLIER  # wraps modulo 2**64, as intended
        home: npt.NDArray[np.intp] = (product >> shift).astype(np.intp)
        return home

    def _insert(self, codes: Codes, values: Floats) -> None:
        """All at once: in each round, every still-homeless code whose slot is free competes
        for it (the first in order wins), and the losers and those facing a full slot step on.
        A code lands on the first slot of its probe run that was free when it got there, so
        every slot between its home and its place is full: lookups find it."""
        slot = self._home(codes)
        pending = np.arange(len(codes))
        while len(pending):
            at = slot[pending]
            free = self._keys[at] == _EMPTY
            taken, first = np.unique(at[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = codes[winners]
            self._weights[taken] = values[winners]
            placed = np.zeros(len(codes), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self._mask

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
            slot[pending] = (at[onward] + 1) & self._mask
        return found
