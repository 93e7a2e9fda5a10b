"""Importers: every source format into the one conversation model.

Splitting a file into raw records (``iter_raw``) is cheap and streams; parsing a raw
record (``parse_raw``) is the work that runs in worker processes. A malformed record
becomes a ``Rejection`` with its file, line or record number and the reason; the
rest of the file still imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib import resources

import orjson

from servicecraft.importers._convert import conversation_from_dict, conversation_to_dict
from servicecraft.importers._csv import parse_csv, split_rows
from servicecraft.importers._dch import parse_dch
from servicecraft.importers._detect import detect_format, open_error
from servicecraft.importers._jsonl import parse_jsonl, split_lines
from servicecraft.importers._jsonstream import TruncatedArray, iter_array
from servicecraft.importers._records import FORMATS, CsvColumns, RawRecord, SourceError
from servicecraft.importers._zendesk import parse_zendesk
from servicecraft.model import Conversation, Rejection

__all__ = [
    "FORMATS",
    "CsvColumns",
    "RawRecord",
    "SourceError",
    "conversation_from_dict",
    "conversation_to_dict",
    "detect_format",
    "iter_raw",
    "parse_raw",
    "read_conversations",
    "sample_path",
]

_PARSERS: dict[str, Callable[[RawRecord], Conversation | Rejection]] = {
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "dch": parse_dch,
    "zendesk": parse_zendesk,
}


def iter_raw(
    path: str, fmt: str | None = None, *, csv_columns: CsvColumns | None = None
) -> Iterator[RawRecord | Rejection]:
    """Stream a file into raw records (and rejections for what cannot even be split)."""
    fmt = fmt or detect_format(path)
    if fmt not in _PARSERS:
        raise SourceError(f"{path}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
                yield from split_rows(text, path, csv_columns or CsvColumns())
            return
        with open(path, "rb") as handle:
            if fmt == "jsonl" or (fmt == "zendesk" and _is_ndjson(handle)):
                yield from split_lines(handle, path, fmt)
            elif fmt == "dch":
                yield from _split_array(handle, path, fmt, None)
            else:
                yield from _split_zendesk(path)
    except OSError as exc:
        raise open_error(path, exc) from None


def parse_raw(raw: RawRecord) -> Conversation | Rejection:
    """Parse one raw record; never raises: problems come back as a Rejection."""
    try:
        return _PARSERS[raw.fmt](raw)
    except Exception as exc:  # a parser bug must cost one record, not the whole import
        return Rejection(raw.source, raw.location, f"cannot parse: {type(exc).__name__}: {exc}")


def read_conversations(
    paths: Iterable[str], fmt: str | None = None, *, csv_columns: CsvColumns | None = None
) -> Iterator[Conversation | Rejection]:
    """Every conversation (or rejection) in the files, in order."""
    for path in paths:
        for raw in iter_raw(path, fmt, csv_columns=csv_columns):
            yield raw if isinstance(raw, Rejection) else parse_raw(raw)


def sample_path() -> str:
    """The bundled sample: DCH-1 dialogues (CC BY 4.0) and handwritten conversations."""
    return str(resources.files("servicecraft").joinpath("data", "sample.jsonl"))


def _is_ndjson(handle: object) -> bool:
    """One ticket per line: the first line is a whole JSON object that is not a document."""
    head = handle.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")  # type: ignore[attr-defined]
    handle.seek(0)  # type: ignore[attr-defined]
    try:
        first = orjson.loads(head.split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return False
    return isinstance(first, dict) and "tickets" not in first


def _split_array(
    handle: object, path: str, fmt: str, key: bytes | None
) -> Iterator[RawRecord | Rejection]:
    number = 0
    try:
        for number, element in enumerate(iter_array(handle, key), start=1):  # type: ignore[arg-type]
            yield RawRecord(fmt, path, f"record {number}", element)
    except TruncatedArray:
        yield Rejection(path, f"record {number + 1}", "the file ends in the middle of this record")
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from None


def _split_zendesk(path: str) -> Iterator[RawRecord | Rejection]:
    """A JSON export: sideloaded users and groups first, then each ticket carrying its own."""
    users = _sideloaded(path, b"users")
    groups = {str(g.get("id")): g.get("name") for g in _sideloaded(path, b"groups").values()}
    with open(path, "rb") as handle:
        head = handle.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")
        handle.seek(0)
        key = None if head[:1] == b"[" else b"tickets"
        try:
            for raw in _split_array(handle, path, "zendesk", key):
                yield (
                    _with_people(raw, users, groups)
                    if (users or groups) and isinstance(raw, RawRecord)
                    else raw
                )
        except KeyError:
            raise SourceError(f"{path}: a Zendesk export needs a 'tickets' array") from None


def _sideloaded(path: str, key: bytes) -> dict[str, dict[str, object]]:
    with open(path, "rb") as handle:
        try:
            items = [orjson.loads(e) for e in iter_array(handle, key)]
        except (KeyError, ValueError, TruncatedArray, orjson.JSONDecodeError):
            return {}
    return {str(i["id"]): i for i in items if isinstance(i, dict) and "id" in i}


def _with_people(
    raw: RawRecord, users: dict[str, dict[str, object]], groups: dict[str, object]
) -> RawRecord | Rejection:
    try:
        ticket = orjson.loads(raw.payload)  # type: ignore[arg-type]
    except orjson.JSONDecodeError:
        return raw  # the worker reports it with the reason
    if not isinstance(ticket, dict):
        return raw
    comments = ticket.get("comments")
    if not isinstance(comments, list):
        comments = []
    ids = {str(c.get("author_id")) for c in comments if isinstance(c, dict)} | {
        str(ticket.get("requester_id"))
    }
    ticket["users"] = [users[i] for i in ids if i in users]
    group = groups.get(str(ticket.get("group_id")))
    if group and "group" not in ticket:
        ticket["group"] = {"name": group}
    return RawRecord(raw.fmt, raw.source, raw.location, orjson.dumps(ticket))
