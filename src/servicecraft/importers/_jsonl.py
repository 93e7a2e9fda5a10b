"""JSON Lines: the interchange format, one conversation per line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import orjson

from servicecraft.importers._convert import conversation_from_dict
from servicecraft.importers._records import RawRecord, SourceError
from servicecraft.model import Conversation, Rejection

BOM = b"\xef\xbb\xbf"
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def split_lines(handle: BinaryIO, source: str, fmt: str) -> Iterator[RawRecord]:
    """Each non-blank line as a raw record, numbered from 1; memory holds one line at a time.

    A file without a single record is a SourceError: it is almost surely the wrong file."""
    empty = True
    for number, line in enumerate(handle, start=1):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        if line and not line.isspace():
            empty = False
            yield RawRecord(fmt, source, f"line {number}", line)
    if empty:
        raise SourceError(f"{source}: the file is empty")


def json_error(raw: RawRecord, exc: orjson.JSONDecodeError) -> Rejection:
    """A rejection that says why a record is not JSON, without echoing the record."""
    message = str(exc)
    if "utf-8" in message.lower():
        reason = "not valid UTF-8"
    else:
        # orjson says "<what is wrong>: line L column C (char N)"; N counts from the start
        # of this record, which is what the user needs to find the spot.
        reason = f"{message.split(': line ', 1)[0]} at character {exc.pos + 1}"
    return Rejection(raw.source, raw.location, f"invalid JSON: {reason}")


def load_json(raw: RawRecord) -> object | Rejection:
    """Decode one JSON record, or say why it is not JSON."""
    try:
        data: object = _loads(raw.payload)  # type: ignore[arg-type]
    except _JSONDecodeError as exc:
        return json_error(raw, exc)
    return data


def parse_jsonl(raw: RawRecord) -> Conversation | Rejection:
    # Hot path: one call per conversation, so the JSON decode is inlined here.
    try:
        data = _loads(raw.payload)  # type: ignore[arg-type]
    except _JSONDecodeError as exc:
        return json_error(raw, exc)
    try:
        return conversation_from_dict(data)
    except ValueError as exc:
        return Rejection(raw.source, raw.location, str(exc))
