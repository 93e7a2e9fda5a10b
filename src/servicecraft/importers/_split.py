"""Raw records from a JSON array in a file, with a rejection for a truncated tail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import orjson

from servicecraft.importers._jsonstream import TruncatedArray, iter_array
from servicecraft.importers._records import RawRecord, SourceError
from servicecraft.model import Rejection


def split_array(
    handle: BinaryIO, path: str, fmt: str, key: bytes | None
) -> Iterator[RawRecord | Rejection]:
    """Each element as ``record N`` (1-based); the array under ``key`` when one is given."""
    number = 0
    try:
        for number, element in enumerate(iter_array(handle, key), start=1):
            yield RawRecord(fmt, path, f"record {number}", element)
    except TruncatedArray as cut:
        yield from _truncated(path, fmt, number, cut.tail)
    except KeyError:
        wanted = key.decode() if key else "?"
        raise SourceError(f"{path}: the JSON document has no top-level {wanted!r} array") from None
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from None


def _truncated(path: str, fmt: str, number: int, tail: bytes) -> Iterator[RawRecord | Rejection]:
    """A file cut short: keep a last record that is still whole, and say where it stops."""
    reason = "the file ends before the closing ']': cut short?"
    if tail and _is_json(tail):
        number += 1
        yield RawRecord(fmt, path, f"record {number}", tail)
    elif tail:
        reason = "the file ends in the middle of this record"
    yield Rejection(path, f"record {number + 1}", reason)


def _is_json(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True
