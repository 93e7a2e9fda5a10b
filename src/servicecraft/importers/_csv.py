"""CSV with one row per message; the rows of one conversation stand together."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, TextIO

from servicecraft.importers._convert import mixed_zones, parse_time, zones_error
from servicecraft.importers._records import CsvColumns, MissingColumns, RawRecord, SourceError
from servicecraft.model import ROLES, Conversation, Message, Rejection

# Order of the values kept per row in a raw record.
FIELDS = (
    "conversation_id",
    "role",
    "author",
    "department",
    "timestamp",
    "text",
    "channel",
    "public",
)
REQUIRED = ("conversation_id", "role", "text")
# The csv module refuses fields over 128 KiB by default; a long email thread is bigger.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
TRUE, FALSE = {"true", "1", "yes", "y", "public"}, {"false", "0", "no", "n", "internal", "private"}


def split_rows(handle: TextIO, source: str, columns: CsvColumns) -> Iterator[RawRecord | Rejection]:
    """Group the rows of each conversation into one raw record, as they stream by.

    Only the ids of conversations already seen are remembered (to catch one whose rows
    are not together), so memory grows with the number of conversations, not rows."""
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceError(f"{source}: cannot read the CSV header: {exc}") from None
    if header is None:
        raise SourceError(f"{source}: the file is empty (no CSV header)")
    index = {name.strip(): i for i, name in enumerate(header)}
    wanted = {f: getattr(columns, f) for f in FIELDS}
    missing = [wanted[f] for f in REQUIRED if wanted[f] not in index]
    if missing:
        found = ", ".join(repr(name.strip()) for name in header if name.strip()) or "nothing"
        raise MissingColumns(
            f"{source}: CSV header has no column {', '.join(map(repr, missing))} (it has {found})"
        )
    positions = [index.get(wanted[f]) for f in FIELDS]
    seen: dict[str, int] = {}
    current: str | None = None
    rows: list[tuple[int, tuple[str | None, ...]]] = []
    for line, row in _rows(reader, source):
        if isinstance(row, Rejection):
            yield row
            continue
        values = tuple(row[p] if p is not None and p < len(row) else None for p in positions)
        cid = (values[0] or "").strip()
        if cid != current:
            if rows:
                yield _group(source, current or "", rows, seen)
            current, rows = cid, []
        rows.append((line, values))
    if rows:
        yield _group(source, current or "", rows, seen)


def _rows(reader: Any, source: str) -> Iterator[tuple[int, list[str] | Rejection]]:
    """Each non-blank row with the line it starts on (a quoted field may span lines)."""
    end_of_previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the size limit: lose the row, not the file
            line, end_of_previous = end_of_previous + 1, reader.line_num
            yield line, Rejection(source, f"line {line}", f"unreadable CSV row: {exc}")
            continue
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield line, row


def _group(
    source: str, cid: str, rows: list[tuple[int, tuple[str | None, ...]]], seen: dict[str, int]
) -> RawRecord | Rejection:
    first_line = rows[0][0]
    if cid in seen:
        return Rejection(
            source,
            f"line {first_line}",
            f"rows of conversation {cid!r} appear again after line {seen[cid]}; "
            "keep the rows of one conversation together",
        )
    seen[cid] = rows[-1][0]
    return RawRecord("csv", source, f"line {first_line}", tuple(rows))


def parse_csv(raw: RawRecord) -> Conversation | Rejection:
    rows: tuple[tuple[int, tuple[str | None, ...]], ...] = raw.payload  # type: ignore[assignment]
    messages: list[Message] = []
    cid = (rows[0][1][0] or "").strip()
    channel = None
    for line, values in rows:
        try:
            messages.append(_message(values))
        except ValueError as exc:
            return Rejection(raw.source, f"line {line}", str(exc))
        channel = channel or (values[6] or "").strip() or None
    if not cid:
        return Rejection(raw.source, raw.location, "conversation id is empty")
    if (bad := mixed_zones(messages)) >= 0:
        at = messages[bad].at
        zoned = at is not None and at.tzinfo is None  # then the earlier times had a zone
        return Rejection(raw.source, f"line {rows[bad][0]}", zones_error("timestamp", zoned))
    return Conversation(id=cid, messages=messages, channel=channel)


def _message(values: tuple[str | None, ...]) -> Message:
    for name, value in zip(FIELDS, values, strict=True):
        if value and _has_surrogates(value):
            # Bytes that are not UTF-8 were kept as surrogates while splitting, so that
            # the row, not the file, is what gets rejected.
            raise ValueError(f"{name} is not valid UTF-8")
    _, role, author, department, timestamp, text, _, public = values
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of customer, agent, system; got {role!r}")
    if text is None:
        raise ValueError("the row has no text column")
    flag = (public or "").strip().lower()
    if flag and flag not in TRUE | FALSE:
        raise ValueError(f"public must be true or false, got {public!r}")
    return Message(
        role=role,  # type: ignore[arg-type]
        text=text,
        author=(author or "").strip() or None,
        department=(department or "").strip() or None,
        at=parse_time(timestamp, "timestamp"),
        public=flag not in FALSE,
    )


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
