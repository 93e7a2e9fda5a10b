"""Importing human reviews from JSON Lines: one review a line, several reviewers per conversation.

``{"conversation_id", "reviewer", "score": 0-100 (optional), "skills": {skill: 0-100 or null}
(optional), "comment"}``. A bad line is rejected with its file and line number and never
stops the rest; every line read is counted as imported, updated, unchanged, blank or
rejected. Re-importing a file changes nothing: a reviewer's imported review of a
conversation is replaced, with an audit event per changed grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicecraft.service.reviews import Grades, ReviewError, apply_grades, event, make_grades, now
from servicecraft.store import Conversation, Database, Review, User

BATCH = 500
KEYS = {"conversation_id", "reviewer", "score", "skills", "comment"}


@dataclass
class ReviewImportReport:
    lines: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    rejections: list[str] = field(default_factory=list)  # "file:line: why"

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def accounted(self) -> bool:
        """Every line read is in exactly one of the totals."""
        total = self.imported + self.updated + self.unchanged + self.blank + self.rejected
        return total == self.lines


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    conversation_id: str
    reviewer: str
    grades: Grades


def parse_line(raw: bytes) -> tuple[str, str, Grades]:
    """(conversation id, reviewer, grades) of one line, or ReviewError saying what is wrong."""
    try:
        record: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ReviewError(f"not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ReviewError("a review must be a JSON object")
    unknown = set(record) - KEYS
    if unknown:
        raise ReviewError(f"unknown field(s) {', '.join(sorted(unknown))}")
    cid, reviewer = record.get("conversation_id"), record.get("reviewer")
    if not isinstance(cid, str) or not cid.strip():
        raise ReviewError("conversation_id must be a non-empty string")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ReviewError("reviewer must be a non-empty string")
    skills = record.get("skills")
    if skills is not None and not isinstance(skills, dict):
        raise ReviewError("skills must be an object of skill → 0-100 or null")
    comment = record.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ReviewError("comment must be a string")
    grades = make_grades(record.get("score"), skills, comment)
    return cid.strip(), reviewer.strip()[:150], grades


def import_reviews(db: Database, path: str | Path) -> ReviewImportReport:
    """Read and store a reviews file; batches of lines per transaction."""
    report = ReviewImportReport()
    name = str(path)
    batch: list[_Line] = []
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            report.lines += 1
            if not raw.strip():
                report.blank += 1
                continue
            try:
                cid, reviewer, grades = parse_line(raw)
            except ReviewError as exc:
                report.rejections.append(f"{name}:{number}: {exc}")
                continue
            batch.append(_Line(number, cid, reviewer, grades))
            if len(batch) >= BATCH:
                _store(db, name, batch, report)
                batch = []
    if batch:
        _store(db, name, batch, report)
    return report


def _store(db: Database, name: str, lines: list[_Line], report: ReviewImportReport) -> None:
    with db.transaction() as session:
        ids = {line.conversation_id for line in lines}
        known = set(
            session.execute(select(Conversation.id).where(Conversation.id.in_(ids))).scalars()
        )
        users = dict(
            session.execute(
                select(User.username, User.id).where(User.username.in_({x.reviewer for x in lines}))
            ).all()
        )
        for line in lines:
            if line.conversation_id not in known:
                report.rejections.append(
                    f"{name}:{line.number}: unknown conversation {line.conversation_id!r}"
                )
                continue
            _upsert(session, line, users.get(line.reviewer), report)


def _upsert(session: Session, line: _Line, user_id: int | None, report: ReviewImportReport) -> None:
    review = session.execute(
        select(Review).where(
            Review.conversation_id == line.conversation_id,
            Review.reviewer == line.reviewer,
            Review.source == "import",
        )
    ).scalar_one_or_none()
    actor = f"import ({line.reviewer})"
    if review is None:
        stamp = now()
        review = Review(
            conversation_id=line.conversation_id,
            reviewer_id=user_id,
            reviewer=line.reviewer,
            source="import",
            score=None,
            skills={},
            comment=None,
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(review)
        session.flush()
        event(session, review, None, actor, "imported")
        apply_grades(session, review, line.grades, None, actor, "imported")
        report.imported += 1
    elif apply_grades(session, review, line.grades, None, actor, "re-imported"):
        report.updated += 1
    else:
        report.unchanged += 1
