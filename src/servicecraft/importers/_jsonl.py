"""JSON Lines: the interchange format, one conversation per line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import orjson

from servicecraft.importers._convert import conversation_from_dict
from servicecraft.importers._records import RawRecord
from servicecraft.model import Conversation, Rejection

BOM = b"\xef\xbb\xbf"


def split_lines(handle: BinaryIO, source: str, fmt: str) -> Iterator[RawRecord]:
    """Each non-blank line as a raw record, numbered from 1; memory holds one line at a time."""
    for number, line in enumerate(handle, start=1):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        if line.strip():
            yield RawRecord(fmt, source, f"line {number}", line)


def load_json(raw: RawRecord) -> object | Rejection:
    """Decode one JSON record, or say why it is not JSON."""
    try:
        data: object = orjson.loads(raw.payload)  # type: ignore[arg-type]
        return data
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":", 1)[0]
        if "utf-8" in str(exc).lower():
            reason = "not valid UTF-8"
        return Rejection(raw.source, raw.location, f"invalid JSON: {reason}")


def parse_jsonl(raw: RawRecord) -> Conversation | Rejection:
    data = load_json(raw)
    if isinstance(data, Rejection):
        return data
    try:
        return conversation_from_dict(data)  # type: ignore[arg-type]
    except ValueError as exc:
        return Rejection(raw.source, raw.location, str(exc))
