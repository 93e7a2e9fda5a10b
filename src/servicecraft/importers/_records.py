"""Shared pieces of every importer: raw records, source errors, CSV column names."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS: tuple[str, ...] = ("jsonl", "csv", "dch", "zendesk")


class SourceError(Exception):
    """A file that cannot be read at all; str() is one clear line naming the file."""


class MissingColumns(SourceError):
    """A CSV header without a required column (shells add how to name the columns)."""


@dataclass(slots=True, frozen=True)
class RawRecord:
    """One record split from a file but not yet parsed: cheap, picklable, sent to workers."""

    fmt: str
    source: str  # the file name as the user gave it
    location: str  # "line 12" or "record 3" (1-based)
    payload: object  # bytes for JSON records, a tuple of row tuples for CSV


@dataclass(slots=True, frozen=True)
class CsvColumns:
    """Header names of the CSV columns (one row per message)."""

    conversation_id: str = "conversation_id"
    role: str = "role"
    author: str = "author"
    department: str = "department"
    timestamp: str = "timestamp"
    text: str = "text"
    channel: str = "channel"
    public: str = "public"
