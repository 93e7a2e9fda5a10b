"""Which importer fits a file: by its extension, then by a look at its first bytes."""

from __future__ import annotations

import os

from servicecraft.importers._records import SourceError

SNIFF_BYTES = 1 << 16


def open_error(path: str, exc: OSError) -> SourceError:
    if isinstance(exc, FileNotFoundError):
        return SourceError(f"{path}: no such file")
    if isinstance(exc, IsADirectoryError):
        return SourceError(f"{path}: is a directory, not a file")
    if isinstance(exc, PermissionError):
        return SourceError(f"{path}: permission denied")
    return SourceError(f"{path}: cannot read file: {exc.strerror or exc}")


def sniff(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise open_error(path, exc) from None


def detect_format(path: str) -> str:
    """The format of a file; SourceError when it cannot be read or recognised."""
    head = sniff(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        return "csv"
    if not head:
        raise SourceError(f"{path}: the file is empty")
    if head[:1] == b"[":
        return _json_array_kind(path, head)
    if head[:1] == b"{":
        first_line = head.split(b"\n", 1)[0]
        if b'"comments"' in first_line:
            return "zendesk"
        if b'"messages"' in first_line or ext in (".jsonl", ".ndjson"):
            return "jsonl"
        if b'"tickets"' in head:
            return "zendesk"
        return "jsonl"
    if ext in (".jsonl", ".ndjson"):
        return "jsonl"
    if b"," in head.split(b"\n", 1)[0]:
        return "csv"
    raise SourceError(
        f"{path}: cannot tell the format; name it with --from ({', '.join(_formats())})"
    )


def _json_array_kind(path: str, head: bytes) -> str:
    if b'"turns"' in head and b'"sender"' in head:
        return "dch"
    if b'"comments"' in head:
        return "zendesk"
    raise SourceError(
        f"{path}: a JSON array of unknown records; name the format with --from "
        f"({', '.join(_formats())})"
    )


def _formats() -> tuple[str, ...]:
    from servicecraft.importers._records import FORMATS

    return FORMATS
