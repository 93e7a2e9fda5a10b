"""CSV with one row per message; the rows of one conversation stand together."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from servicecraft.importers._convert import parse_time
from servicecraft.importers._records import CsvColumns, RawRecord, SourceError
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
TRUE, FALSE = {"true", "1", "yes", "y", "public"}, {"false", "0", "no", "n", "internal", "private"}


def split_rows(handle: TextIO, source: str, columns: CsvColumns) -> Iterator[RawRecord | Rejection]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    index = {name.strip(): i for i, name in enumerate(header)}
    wanted = {f: getattr(columns, f) for f in FIELDS}
    missing = [wanted[f] for f in REQUIRED if wanted[f] not in index]
    if missing:
        raise SourceError(f"{source}: CSV header has no column {', '.join(map(repr, missing))}")
    positions = [index.get(wanted[f]) for f in FIELDS]
    seen: dict[str, int] = {}
    current: str | None = None
    rows: list[tuple[int, tuple[str | None, ...]]] = []
    end_of_previous = reader.line_num
    for row in reader:
        # A quoted field may span lines: report the line where the row starts.
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
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
    messages = []
    cid = (rows[0][1][0] or "").strip()
    channel = None
    for line, values in rows:
        try:
            messages.append(_message(values))
        except ValueError as exc:
            return Rejection(raw.source, f"line {line}", str(exc))
        channel = channel or values[6] or None
    if not cid:
        return Rejection(raw.source, raw.location, "conversation id is empty")
    return Conversation(id=cid, messages=messages, channel=channel)


def _message(values: tuple[str | None, ...]) -> Message:
    _, role, author, department, timestamp, text, _, public = values
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of customer, agent, system; got {role!r}")
    if text is None:
        raise ValueError("the row has no text")
    for name, value in (("text", text), ("author", author), ("department", department)):
        if value and _has_surrogates(value):
            raise ValueError(f"{name} is not valid UTF-8")
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
