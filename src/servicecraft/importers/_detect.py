"""Which importer fits a file: by its extension, then by a look at its first bytes."""

from __future__ import annotations

import io
import os

import orjson

from servicecraft.importers._jsonstream import BOM, TruncatedArray, iter_array
from servicecraft.importers._records import FORMATS, SourceError

SNIFF_BYTES = 1 << 16
_CHOOSE = f"name the format with --from ({', '.join(FORMATS)})"


def open_error(path: str, exc: OSError) -> SourceError:
    """One line naming the file and what the system said, without a traceback."""
    if isinstance(exc, FileNotFoundError):
        return SourceError(f"{path}: no such file")
    if isinstance(exc, IsADirectoryError):
        return SourceError(f"{path}: is a directory, not a file")
    if isinstance(exc, PermissionError):
        return SourceError(f"{path}: permission denied")
    return SourceError(f"{path}: cannot read the file: {exc.strerror or exc}")


def sniff(path: str) -> bytes:
    """The first bytes of a file, without a byte-order mark or leading white space."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise open_error(path, exc) from None
    return head.removeprefix(BOM).lstrip()


def detect_format(path: str) -> str:
    """The format of a file; SourceError when it cannot be read or recognised."""
    head = sniff(path)
    ext = os.path.splitext(path)[1].lower()
    if not head:
        raise SourceError(f"{path}: the file is empty")
    if ext == ".csv":
        return "csv"
    if head[:1] == b"[":
        return _array_kind(path, head)
    if head[:1] == b"{":
        return _object_kind(head)
    if ext in (".jsonl", ".ndjson"):
        return "jsonl"  # a first line that is not JSON: rejected as a record, not the file
    if b"," in head.split(b"\n", 1)[0]:
        return "csv"
    raise SourceError(f"{path}: cannot tell the format; {_CHOOSE}")


def _object_kind(head: bytes) -> str:
    """JSON Lines of conversations, or a Zendesk export (NDJSON tickets or a document)."""
    first_line, newline, _ = head.partition(b"\n")
    keys = _keys(first_line) if newline or len(head) < SNIFF_BYTES else None
    if keys is None:
        # A pretty-printed document, or a first line longer than the sniffed bytes: look
        # for the telling keys; only a Zendesk document has a top-level "tickets".
        if b'"tickets"' in head or (b'"comments"' in head and b'"messages"' not in head):
            return "zendesk"
        return "jsonl"
    if "tickets" in keys or ("comments" in keys and "messages" not in keys):
        return "zendesk"
    return "jsonl"


def _array_kind(path: str, head: bytes) -> str:
    """A DCH-1 dialogue list or a list of Zendesk tickets, by its first element."""
    try:
        first = next(iter_array(io.BytesIO(head)), b"")
    except TruncatedArray:
        first = b""  # the first element is longer than the sniffed bytes
    keys = _keys(first)
    if keys is None:
        keys = {k for k in ("turns", "comments") if f'"{k}"'.encode() in head}
    if "turns" in keys:
        return "dch"
    if "comments" in keys:
        return "zendesk"
    raise SourceError(f"{path}: a JSON array of unknown records; {_CHOOSE}")


def _keys(record: bytes) -> set[str] | None:
    """The keys of a JSON object, or None when the bytes are not one."""
    try:
        data = orjson.loads(record)
    except orjson.JSONDecodeError:
        return None
    return set(data) if isinstance(data, dict) else None
