"""CRC-32 of word pairs for a whole batch at once: ``zlib.crc32(second, first_crc)`` per pair.

A CRC continued over bytes B is linear in the CRC it continues: ``crc32(B, c)`` equals
``crc32(B, 0) ^ shift(c, len(B))``, where ``shift`` runs the register over len(B) zero
bytes. ``shift`` is linear too, so it is four table look-ups, one per byte of ``c``, and
a batch of pairs is a few NumPy operations instead of a Python call per pair (the pairs
were the most costly Python loop of reading a batch). The result is the same integer.
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
Ints = npt.NDArray[np.intp]
# Second words of more bytes than this (rare: long numbers, links) are hashed with zlib.
MAX_BYTES = 48
_POLYNOMIAL = 0xEDB88320  # zlib's CRC-32, bit-reflected


@cache
def shift_tables() -> U32:
    """(MAX_BYTES + 1, 4, 256): [n, k, v] is ``shift(v << 8k, n)``."""
    byte = np.arange(256, dtype=np.uint32)
    for _ in range(8):  # the standard table: one byte of register through the polynomial
        byte = np.where(byte & 1, (byte >> 1) ^ np.uint32(_POLYNOMIAL), byte >> 1)
    tables = np.empty((MAX_BYTES + 1, 4, 256), dtype=np.uint32)
    tables[0] = np.arange(256, dtype=np.uint32) << (8 * np.arange(4, dtype=np.uint32))[:, None]
    for n in range(1, MAX_BYTES + 1):  # one more zero byte
        previous = tables[n - 1]
        tables[n] = byte[previous & 0xFF] ^ (previous >> 8)
    return tables


def continued(first: U32, second: U32, lengths: npt.NDArray[np.intp]) -> U32:
    """``crc32(bytes_j, first[j])`` for every j, given ``second[j] = crc32(bytes_j)`` and
    ``lengths[j] = len(bytes_j)``, at most MAX_BYTES (``pair_crcs`` hashes longer ones)."""
    tables = shift_tables()
    result: U32 = (
        second
        ^ tables[lengths, 0, first & 0xFF]
        ^ tables[lengths, 1, (first >> 8) & 0xFF]
        ^ tables[lengths, 2, (first >> 16) & 0xFF]
        ^ tables[lengths, 3, first >> 24]
    )
    return result


def pair_crcs(
    crcs: U32, spaced: U32, lengths: npt.NDArray[np.intp], encoded: list[bytes], ids: Ints
) -> npt.NDArray[np.int64]:
    """The CRC of every pair of neighbours in ``ids`` (word rows): the second word's bytes
    ``encoded`` (a space, then the word), continuing the first word's CRC ``crcs``; ``spaced``
    and ``lengths`` are each word's ``crc32(encoded)`` and ``len(encoded)``."""
    first, second = ids[:-1], ids[1:]
    n = lengths[second]
    long = np.flatnonzero(n > MAX_BYTES)
    found = continued(crcs[first], spaced[second], np.minimum(n, MAX_BYTES)).astype(np.int64)
    for j in long.tolist():
        found[j] = zlib.crc32(encoded[second[j]], int(crcs[first[j]]))
    return found
