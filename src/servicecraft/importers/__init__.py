"""Importers: every source format into the one conversation model.

Splitting a file into raw records (``iter_raw``) is cheap and streams, in the main
process; parsing a raw record (``parse_raw``) is the work that runs in worker processes.
A malformed record becomes a ``Rejection`` with its file, line or record number and the
reason; the rest of the file still imports. A file that cannot be read at all raises
``SourceError``, whose message is one line naming the file.

The formats and their mappings are documented in docs/formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib import resources

from servicecraft.importers._convert import conversation_from_dict, conversation_to_dict
from servicecraft.importers._csv import parse_csv, split_rows
from servicecraft.importers._dch import parse_dch
from servicecraft.importers._detect import detect_format, open_error
from servicecraft.importers._jsonl import parse_jsonl, split_lines
from servicecraft.importers._records import (
    FORMATS,
    CsvColumns,
    MissingColumns,
    RawRecord,
    SourceError,
)
from servicecraft.importers._split import split_array
from servicecraft.importers._zendesk import parse_zendesk, split_zendesk
from servicecraft.model import Conversation, Rejection

__all__ = [
    "FORMATS",
    "MAX_CONVERSATION_CHARS",
    "CsvColumns",
    "MissingColumns",
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

# Scoring time grows with the text (linearly), so one pasted log or mail archive must not
# stall an import or an API worker: longer conversations are rejected with this reason.
# At this size a conversation scores in about a second (docs/formats.md).
MAX_CONVERSATION_CHARS = 500_000

NO_MESSAGES = "the conversation has no messages; it needs at least one to be scored"
_PARSERS: dict[str, Callable[[RawRecord], Conversation | Rejection]] = {
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "dch": parse_dch,
    "zendesk": parse_zendesk,
}


def iter_raw(
    path: str, fmt: str | None = None, *, csv_columns: CsvColumns | None = None
) -> Iterator[RawRecord | Rejection]:
    """Stream a file into raw records (and rejections for what cannot even be split).

    ``fmt`` is one of FORMATS, or None to detect it. Raises SourceError for a file that
    cannot be read at all: missing, unreadable, empty, undetectable, a CSV header without
    the required columns.
    """
    fmt = fmt or detect_format(path)
    if fmt not in _PARSERS:
        raise SourceError(f"{path}: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
                yield from split_rows(text, path, csv_columns or CsvColumns())
        elif fmt == "zendesk":
            yield from split_zendesk(path)
        else:
            with open(path, "rb") as handle:
                if fmt == "jsonl":
                    yield from split_lines(handle, path, fmt)
                else:
                    yield from split_array(handle, path, fmt, None)
    except OSError as exc:
        raise open_error(path, exc) from None


def parse_raw(raw: RawRecord) -> Conversation | Rejection:
    """Parse one raw record; never raises: problems come back as a Rejection."""
    try:
        parsed = _PARSERS[raw.fmt](raw)
    except Exception as exc:  # a parser bug must cost one record, not the whole import
        return Rejection(raw.source, raw.location, f"cannot parse: {type(exc).__name__}: {exc}")
    if isinstance(parsed, Conversation):
        size = sum(len(m.text) for m in parsed.messages)
        if size > MAX_CONVERSATION_CHARS:
            return Rejection(
                raw.source,
                raw.location,
                f"the conversation's text is {size:,} characters long; at most "
                f"{MAX_CONVERSATION_CHARS:,} are scored (split it, or shorten "
                "its longest messages)",
            )
    if isinstance(parsed, Conversation) and not parsed.messages:
        # Accepted, it would be stored with every score empty and count in no figure.
        return Rejection(raw.source, raw.location, NO_MESSAGES)
    return parsed


def read_conversations(
    paths: Iterable[str], fmt: str | None = None, *, csv_columns: CsvColumns | None = None
) -> Iterator[Conversation | Rejection]:
    """Every conversation (or rejection) in the files, in order, parsed in this process."""
    for path in paths:
        for raw in iter_raw(path, fmt, csv_columns=csv_columns):
            yield raw if isinstance(raw, Rejection) else parse_raw(raw)


def sample_path() -> str:
    """The bundled sample: DCH-1 dialogues (CC BY 4.0) and handwritten conversations."""
    return str(resources.files("servicecraft").joinpath("data", "sample.jsonl"))
