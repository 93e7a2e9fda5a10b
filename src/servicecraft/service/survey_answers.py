"""Survey answers from a CSV keyed by conversation id (an organisation's own survey tool).

Columns (by header, any order, case ignored): ``conversation_id`` (or ``id``), and any of
``csat`` 1-5, ``ces`` 1-7, ``nps`` 0-10, ``comment``; an empty cell is no answer. A
malformed record is reported by its line and the rest still land; every line of the
file is accounted for in the totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, update

from servicecraft.model import Rejection
from servicecraft.service.surveys import SCALES, SurveyAnswer, store_answer
from servicecraft.store import Conversation, Database, SurveyLink, refresh_aggregates
from servicecraft.store.aggregates import Cell

CHUNK = 500
ID_COLUMNS = ("conversation_id", "conversation", "id")
ANSWER_COLUMNS = ("csat", "ces", "nps", "comment")


@dataclass
class AnswerImport:
    lines: int = 0  # physical lines read, the header's included
    blank: int = 0
    stored: int = 0  # a conversation's first answer
    updated: int = 0  # a different answer replaced an earlier one
    unchanged: int = 0  # the same answer again
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def records(self) -> int:
        return self.stored + self.updated + self.unchanged + self.rejected


@dataclass(frozen=True, slots=True)
class _Row:
    location: str
    conversation_id: str
    answer: SurveyAnswer


def import_answers(db: Database, data: bytes, source: str) -> AnswerImport:
    """Store every valid row's answers; SourceError-free: a bad file is all rejections."""
    report = AnswerImport()
    batch: list[_Row] = []
    for item in _rows(data, source, report):
        batch.append(item)
        if len(batch) >= CHUNK:
            _store(db, batch, source, report)
            batch = []
    if batch:
        _store(db, batch, source, report)
    return report


def _rows(data: bytes, source: str, report: AnswerImport) -> Iterator[_Row]:
    # Undecodable bytes are kept as surrogates, so one bad row is rejected, not the file.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    # strict: an unclosed quote is an error for its lines, not a comment swallowing the rest.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    columns: dict[str, int] = {}
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.lines = reader.line_num
            where = _where(before, reader.line_num)
            report.rejections.append(Rejection(source, where, f"malformed CSV: {exc}"))
            continue
        report.lines = reader.line_num
        where = _where(before, reader.line_num)
        if not any(cell.strip() for cell in row):
            report.blank += 1
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            columns = {name: i for i, name in enumerate(header)}
            continue
        parsed = _parse(row, header, columns)
        if isinstance(parsed, str):
            report.rejections.append(Rejection(source, where, parsed))
        else:
            yield _Row(where, *parsed)
    if header is None:
        report.rejections.append(Rejection(source, "line 1", "empty file: no header"))


def _where(before: int, after: int) -> str:
    return f"line {after}" if after <= before + 1 else f"lines {before + 1}-{after}"


def _parse(
    row: list[str], header: list[str], columns: dict[str, int]
) -> tuple[str, SurveyAnswer] | str:
    if not any(name in columns for name in ID_COLUMNS):
        return "the header names no conversation_id column"
    if len(row) != len(header):
        return f"expected {len(header)} fields as in the header, got {len(row)}"
    if any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
        return "not UTF-8 text"
    cid = next((row[columns[n]].strip() for n in ID_COLUMNS if n in columns), "")
    if not cid:
        return "no conversation id"
    values: dict[str, int | str | None] = {}
    for name in ANSWER_COLUMNS:
        cell = row[columns[name]].strip() if name in columns else ""
        if not cell:
            values[name] = None
        elif name == "comment":
            values[name] = cell
        else:
            low, high = SCALES[name]
            try:
                number = float(cell)
            except ValueError:
                number = float("nan")
            if not number.is_integer() or not low <= number <= high:
                return f"{name} must be a whole number from {low} to {high}, got {cell!r}"
            values[name] = int(number)
    try:
        answer = SurveyAnswer(
            csat=values["csat"],  # type: ignore[arg-type]
            nps=values["nps"],  # type: ignore[arg-type]
            ces=values["ces"],  # type: ignore[arg-type]
            comment=values["comment"],  # type: ignore[arg-type]
        )
    except ValueError as exc:
        return str(exc)
    return cid, answer


def _store(db: Database, batch: list[_Row], source: str, report: AnswerImport) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.transaction() as session:
        ids = {r.conversation_id for r in batch}
        found = {
            c.id: c
            for c in session.execute(select(Conversation).where(Conversation.id.in_(ids))).scalars()
        }
        cells: set[Cell] = set()
        for row in batch:
            conversation = found.get(row.conversation_id)
            if conversation is None:
                report.rejections.append(
                    Rejection(source, row.location, f"no conversation {row.conversation_id!r}")
                )
                continue
            before = (
                conversation.csat,
                conversation.ces,
                conversation.nps,
                conversation.survey_comment,
            )
            store_answer(conversation, row.answer)
            after = (
                conversation.csat,
                conversation.ces,
                conversation.nps,
                conversation.survey_comment,
            )
            if before == after:
                report.unchanged += 1
            elif all(v is None for v in before):
                report.stored += 1
            else:
                report.updated += 1
            cells.add((conversation.team_id, conversation.week))
        # Answered elsewhere: the conversation's own link is spent (one survey each).
        session.execute(
            update(SurveyLink)
            .where(SurveyLink.conversation_id.in_(ids), SurveyLink.used_at.is_(None))
            .values(used_at=now)
        )
        refresh_aggregates(session, cells)
