"""Importing: files (or a request body) into the database, scored, idempotently.

Each batch is one transaction. A conversation already stored with the same content (its
id and the SHA-256 of its canonical JSON) is skipped; one whose content changed is
scored again and updated in place (survey answers collected through a survey link are
kept unless the new content carries a survey); a malformed record is reported and the
rest land. The weekly aggregates of the cells a batch touches are recomputed in that
same transaction. An interrupted import loses at most its open batch, and
running it again completes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servicecraft.engine import Engine
from servicecraft.executors import Executor
from servicecraft.importers import RawRecord, conversation_to_dict, parse_raw, read_conversations
from servicecraft.model import Conversation, Rejection, Scorecard
from servicecraft.pipeline import EngineSpec, Scored, score_files
from servicecraft.serialize import scorecard_to_dict
from servicecraft.store import (
    SKILLS,
    ConversationDocument,
    Database,
    Department,
    HindranceRow,
    Person,
    Team,
    refresh_aggregates,
)
from servicecraft.store import Conversation as ConversationRow
from servicecraft.store.aggregates import Cell

UNASSIGNED_TEAM = "Unassigned"
DEFAULT_DEPARTMENT = "Support"


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0  # stored before with other content: scored again and replaced
    skipped: int = 0  # already stored with the same content
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def skipped_duplicates(self) -> int:
        return self.skipped


def import_files(
    db: Database,
    paths: Iterable[str],
    fmt: str | None = None,
    *,
    engine: Engine | None = None,
    batch_size: int = 500,
    on_progress: Callable[[ImportReport], None] | None = None,
    executor: Executor | None = None,
    spec: EngineSpec | None = None,
) -> ImportReport:
    """Import every conversation in the files; SourceError if a file cannot be read at all.

    ``on_progress`` is called with the running report after each committed batch. With an
    ``executor`` (processes, Ray), parsing and scoring run there, as ``spec`` says, while
    every database write stays here, one transaction per batch as without one.
    """
    if executor is None:
        items: Iterable[Conversation | Rejection | Scored] = read_conversations(paths, fmt)
    else:
        items = score_files(paths, fmt, spec=spec, executor=executor, mode="card")
    return import_items(db, items, engine=engine, batch_size=batch_size, on_progress=on_progress)


def import_jsonl_bytes(
    db: Database, data: bytes, *, source: str = "request body", engine: Engine | None = None
) -> ImportReport:
    """Import a JSONL body (the API's POST /import): rejections name their line."""
    return import_items(db, _jsonl_items(data, source), engine=engine)


def _jsonl_items(data: bytes, source: str) -> Iterator[Conversation | Rejection]:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield parse_raw(RawRecord("jsonl", source, f"line {number}", line))


def import_items(
    db: Database,
    items: Iterable[Conversation | Rejection | Scored],
    *,
    engine: Engine | None = None,
    batch_size: int = 500,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Store the items; a ``Scored`` item (scored elsewhere) carries its scorecard."""
    scorer = _LazyEngine(engine)
    report = ImportReport()
    batch: list[tuple[Conversation, Scorecard | None]] = []
    for item in items:
        if isinstance(item, Rejection):
            report.rejections.append(item)
            continue
        batch.append(item.output if isinstance(item, Scored) else (item, None))  # type: ignore[arg-type]
        if len(batch) >= batch_size:
            _store_batch(db, batch, scorer, report)
            batch = []
            if on_progress:
                on_progress(report)
    if batch:
        _store_batch(db, batch, scorer, report)
        if on_progress:
            on_progress(report)
    return report


class _LazyEngine:
    """The engine, built only when a conversation arrives unscored (not when workers score)."""

    def __init__(self, engine: Engine | None) -> None:
        self._engine = engine

    def score_many(self, conversations: list[Conversation]) -> list[Scorecard]:
        if not conversations:
            return []
        if self._engine is None:
            self._engine = Engine()
        return self._engine.score_many(conversations)


def content_hash(document: dict[str, object]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _store_batch(
    db: Database,
    batch: list[tuple[Conversation, Scorecard | None]],
    engine: _LazyEngine,
    report: ImportReport,
) -> None:
    unique: dict[str, tuple[Conversation, Scorecard | None]] = {}
    for conversation, card in batch:  # the last copy of an id within a batch wins
        unique[conversation.id] = (conversation, card)
    with db.transaction() as session:
        stored = {
            cid: (digest, (team_id, week))
            for cid, digest, team_id, week in session.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.content_hash,
                    ConversationRow.team_id,
                    ConversationRow.week,
                ).where(ConversationRow.id.in_(unique))
            )
        }
        cells: set[Cell] = set()  # the weekly aggregates this batch changes
        changed: list[tuple[Conversation, dict[str, object], str, bool]] = []
        given: list[Scorecard | None] = []
        for conversation, card in unique.values():
            document = conversation_to_dict(conversation)
            digest = content_hash(document)
            previous = stored.get(conversation.id)
            if previous is not None and previous[0] == digest:
                report.skipped += 1
                continue
            if previous is not None:
                cells.add(previous[1])  # it may move to another week
                report.updated += 1
            else:
                report.imported += 1
            changed.append((conversation, document, digest, previous is not None))
            given.append(card)
        cards = _cards(engine, [c for c, _, _, _ in changed], given)
        people = _People(session)
        for (conversation, document, digest, known), card in zip(changed, cards, strict=True):
            row = _add(session, conversation, document, digest, card, people, known)
            cells.add((row.team_id, row.week))
        refresh_aggregates(session, cells)


def _cards(
    engine: _LazyEngine, conversations: list[Conversation], given: list[Scorecard | None]
) -> list[Scorecard]:
    """The scorecards handed in, and the missing ones scored in one pass (learned tier)."""
    missing = [c for c, card in zip(conversations, given, strict=True) if card is None]
    fresh = iter(engine.score_many(missing))
    return [card if card is not None else next(fresh) for card in given]


def _add(
    session: Session,
    conversation: Conversation,
    document: dict[str, object],
    digest: str,
    card: Scorecard,
    people: _People,
    stored: bool,
) -> ConversationRow:
    person_id, team_id, department_id = people.resolve(
        card.agent, _department_of(conversation, card.agent)
    )
    started = next((m.at for m in conversation.messages if m.at is not None), None)
    if started is not None and started.tzinfo is not None:
        started = started.astimezone(UTC).replace(tzinfo=None)
    week = (started.date() - timedelta(days=started.weekday())) if started else None
    outcomes = card.outcomes or {}
    survey = conversation.survey
    values = dict(
        channel=conversation.channel,
        status=conversation.status,
        started_at=started,
        week=week,
        person_id=person_id,
        team_id=team_id,
        department_id=department_id,
        score=card.score,
        handoffs=card.metrics.handoffs,
        one_touch=card.metrics.one_touch,
        chasers=card.metrics.chasers,
        before_straight_answer=card.metrics.customer_messages_before_straight_answer,
        first_response_seconds=card.metrics.first_response_seconds,
        hindrance_count=len(card.metrics.hindrances),
        predicted_resolution=_expected(outcomes, "resolution"),
        predicted_satisfaction=_expected(outcomes, "satisfaction"),
        predicted_effectiveness=_expected(outcomes, "effectiveness"),
        content_hash=digest,
        **{skill: card.skills[skill].score if skill in card.skills else None for skill in SKILLS},
    )
    if survey is not None:
        values.update(
            csat=survey.csat, nps=survey.nps, ces=survey.ces, survey_comment=survey.comment
        )
    row = session.get(ConversationRow, conversation.id) if stored else None
    if row is None:
        row = ConversationRow(id=conversation.id, **values)
        session.add(row)
    else:
        # Updated in place, so survey links and answers given through them survive a
        # re-import of a changed conversation whose source carries no survey.
        for name, value in values.items():
            setattr(row, name, value)
        for model in (ConversationDocument, HindranceRow):
            session.execute(delete(model).where(model.conversation_id == conversation.id))
    session.add(
        ConversationDocument(
            conversation_id=conversation.id,
            conversation=orjson.dumps(document).decode(),
            scorecard=orjson.dumps(scorecard_to_dict(card)).decode(),
        )
    )
    for h in card.metrics.hindrances:
        session.add(
            HindranceRow(
                conversation_id=conversation.id,
                department_id=department_id,
                team_id=team_id,
                person_id=person_id,
                kind=h.kind,
                text=h.text,
                key=hindrance_key(h.text),
            )
        )
    return row


def hindrance_key(text: str) -> str:
    """Group the same hindrance said in different words: lower-case, letters only, trimmed."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return " ".join(words)[:200]


def _expected(outcomes: dict[str, object], name: str) -> float | None:
    value = outcomes.get(name)
    if isinstance(value, dict):
        expected = value.get("expected")
        return float(expected) if isinstance(expected, int | float) else None
    return None


def _department_of(conversation: Conversation, agent: str | None) -> str | None:
    for m in conversation.messages:
        if m.role == "agent" and m.author == agent and m.department:
            return m.department
    return None


class _People:
    """Agents by name → (person, team, department); unknown agents join an Unassigned team."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = session.execute(
            select(Person.name, Person.id, Team.id, Team.department_id).join(
                Team, Team.id == Person.team_id
            )
        ).all()
        self.known = {name.casefold(): (pid, tid, did) for name, pid, tid, did in rows}

    def resolve(
        self, name: str | None, department: str | None
    ) -> tuple[int | None, int | None, int | None]:
        if not name:
            return None, None, None
        found = self.known.get(name.casefold())
        if found is None:
            team = self._unassigned_team(department or DEFAULT_DEPARTMENT)
            person = Person(name=name, team_id=team.id)
            self.session.add(person)
            self.session.flush()
            found = self.known[name.casefold()] = (person.id, team.id, team.department_id)
        return found

    def _unassigned_team(self, department_name: str) -> Team:
        department = self.session.execute(
            select(Department).where(func.lower(Department.name) == department_name.lower())
        ).scalar_one_or_none()
        if department is None:
            department = Department(
                name=department_name.title() if department_name.islower() else department_name
            )
            self.session.add(department)
            self.session.flush()
        team = self.session.execute(
            select(Team).where(Team.department_id == department.id, Team.name == UNASSIGNED_TEAM)
        ).scalar_one_or_none()
        if team is None:
            team = Team(name=UNASSIGNED_TEAM, department_id=department.id)
            self.session.add(team)
            self.session.flush()
        return team
