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
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from servicecraft.engine import Engine
from servicecraft.importers import CsvColumns, RawRecord, conversation_to_dict, iter_raw, parse_raw
from servicecraft.model import Conversation, Rejection, Scorecard
from servicecraft.serialize import scorecard_to_dict
from servicecraft.service.provenance import scored_with
from servicecraft.store import (
    SKILLS,
    ConversationDocument,
    Database,
    Department,
    HindranceRow,
    Person,
    Team,
    name_key,
    refresh_aggregates,
)
from servicecraft.store import Conversation as ConversationRow
from servicecraft.store.aggregates import Cell

UNASSIGNED_TEAM = "Unassigned"
DEFAULT_DEPARTMENT = "Support"
# Times outside these years (in UTC) are refused: they are not real conversation times, and
# the ends of Python's range overflow on conversion to UTC or in week arithmetic.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# A batch that collides with a concurrent import (the same new department, person or
# conversation) is rolled back and stored again, seeing what the other one committed.
BATCH_ATTEMPTS = 4
_T = TypeVar("_T")


@dataclass
class ImportReport:
    """What an import did with every record it read: read == imported + updated + unchanged +
    rejected. A conversation repeated within the input counts once per copy, as if each copy
    were imported in turn (the later copy updates the earlier one, or leaves it unchanged)."""

    imported: int = 0
    updated: int = 0  # stored before with other content: scored again and replaced
    unchanged: int = 0  # already stored with the same content
    read: int = 0  # records read: conversations and rejections
    rejections: list[Rejection] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)  # stored for the first time (to survey)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def skipped(self) -> int:
        return self.unchanged

    @property
    def skipped_duplicates(self) -> int:
        return self.unchanged

    def add(self, other: ImportReport) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class _Checked:
    """A conversation that can be stored, with its document and content hash."""

    conversation: Conversation
    document: dict[str, object]
    digest: str


def import_files(
    db: Database,
    paths: Iterable[str],
    fmt: str | None = None,
    *,
    engine: Engine | None = None,
    batch_size: int = 500,
    on_progress: Callable[[ImportReport], None] | None = None,
    csv_columns: CsvColumns | None = None,
) -> ImportReport:
    """Import every conversation in the files; SourceError if a file cannot be read at all.

    ``on_progress`` is called with the running report after each committed batch.
    """
    return _import(db, _file_items(paths, fmt, csv_columns), engine, batch_size, on_progress)


def import_jsonl_bytes(
    db: Database, data: bytes, *, source: str = "request body", engine: Engine | None = None
) -> ImportReport:
    """Import a JSONL body (the API's POST /import): rejections name their line."""
    return _import(db, _jsonl_items(data, source), engine, 500, None)


def _file_items(
    paths: Iterable[str], fmt: str | None, csv_columns: CsvColumns | None = None
) -> Iterator[tuple[object, str, str]]:
    for path in paths:
        for raw in iter_raw(path, fmt, csv_columns=csv_columns):
            if isinstance(raw, Rejection):
                yield raw, raw.source, raw.location
            else:
                yield parse_raw(raw), raw.source, raw.location


def _jsonl_items(data: bytes, source: str) -> Iterator[tuple[object, str, str]]:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield (
                parse_raw(RawRecord("jsonl", source, f"line {number}", line)),
                source,
                (f"line {number}"),
            )


def import_items(
    db: Database,
    items: Iterable[Conversation | Rejection],
    *,
    engine: Engine | None = None,
    batch_size: int = 500,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import conversations given as objects; a record's location is its 1-based position."""
    located = ((item, "input", f"record {n}") for n, item in enumerate(items, start=1))
    return _import(db, located, engine, batch_size, on_progress)


def _import(
    db: Database,
    items: Iterable[tuple[object, str, str]],
    engine: Engine | None,
    batch_size: int,
    on_progress: Callable[[ImportReport], None] | None,
) -> ImportReport:
    engine = engine or Engine()
    report = ImportReport()
    batch: list[_Checked] = []
    for item, source, location in items:
        report.read += 1
        checked = item if isinstance(item, Rejection) else check(item, source, location)
        if isinstance(checked, Rejection):
            report.rejections.append(checked)
            continue
        batch.append(checked)
        if len(batch) >= batch_size:
            _store_batch(db, batch, engine, report)
            batch = []
            if on_progress:
                on_progress(report)
    if batch:
        _store_batch(db, batch, engine, report)
        if on_progress:
            on_progress(report)
    return report


def content_hash(document: dict[str, object]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def check(item: object, source: str, location: str) -> _Checked | Rejection:
    """Whether a record can be stored, decided here once for both databases.

    SQLite stores over-long strings and NUL bytes that PostgreSQL refuses; rather than
    let the database decide (and abort the batch), every record is held to the schema's
    column lengths, to text without NUL bytes or unpaired surrogates, and to times both
    databases and the week arithmetic can hold.
    """
    if not isinstance(item, Conversation):
        return Rejection(source, location, f"not a conversation: {type(item).__name__}")
    problem = _storage_problem(item)
    if problem is None:
        document = conversation_to_dict(item)
        try:
            canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except TypeError as exc:  # lone surrogates, e.g. from a CSV that is not UTF-8
            problem = f"text that is not valid UTF-8 ({exc})"
        else:
            return _Checked(item, document, hashlib.sha256(canonical).hexdigest())
    return Rejection(source, location, f"cannot store: {problem}")


def _length(column: object) -> int:
    return int(column.type.length)  # type: ignore[attr-defined]


ID_LENGTH = _length(ConversationRow.__table__.c.id)
CHANNEL_LENGTH = _length(ConversationRow.__table__.c.channel)
STATUS_LENGTH = _length(ConversationRow.__table__.c.status)
PERSON_LENGTH = _length(Person.__table__.c.name)
DEPARTMENT_LENGTH = _length(Department.__table__.c.name)


def _storage_problem(conversation: Conversation) -> str | None:
    fields: list[tuple[str, str | None, int]] = [
        ("id", conversation.id, ID_LENGTH),
        ("channel", conversation.channel, CHANNEL_LENGTH),
        ("status", conversation.status, STATUS_LENGTH),
    ]
    for i, m in enumerate(conversation.messages):
        fields.append((f"messages[{i}].author", m.author, PERSON_LENGTH))
        fields.append((f"messages[{i}].department", m.department, DEPARTMENT_LENGTH))
    for where, value, limit in fields:
        if value is not None and len(value) > limit:
            return f"{where} is {len(value)} characters long; at most {limit} can be stored"
    texts = [(where, value) for where, value, _ in fields]
    texts += [(f"messages[{i}].text", m.text) for i, m in enumerate(conversation.messages)]
    texts += [(f"tags[{i}]", tag) for i, tag in enumerate(conversation.tags)]
    if conversation.survey is not None:
        texts.append(("survey.comment", conversation.survey.comment))
    for where, value in texts:
        if value is not None and "\x00" in value:
            return f"{where} holds a NUL byte (U+0000), which PostgreSQL cannot store"
    for i, m in enumerate(conversation.messages):
        if m.at is not None and _utc(m.at) is None:
            return (
                f"messages[{i}].at {m.at.isoformat()} is outside the supported years "
                f"{FIRST_YEAR}-{LAST_YEAR} (UTC)"
            )
    return None


def _utc(at: datetime) -> datetime | None:
    """The time as naive UTC, or None when outside FIRST_YEAR..LAST_YEAR."""
    if at.tzinfo is not None:
        try:
            at = at.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return at if FIRST_YEAR <= at.year <= LAST_YEAR else None


def _store_batch(db: Database, batch: list[_Checked], engine: Engine, report: ImportReport) -> None:
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        counts = ImportReport()
        try:
            _store_batch_once(db, batch, engine, counts)
        except (IntegrityError, OperationalError) as exc:
            # Another import committed the same new rows first (or held SQLite's lock past
            # its timeout): the next attempt reads what it stored and updates instead.
            if attempt == BATCH_ATTEMPTS or not _is_collision(exc):
                raise
            time.sleep(0.05 * attempt)
            continue
        report.add(counts)
        return


def _is_collision(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return "locked" in str(exc) or "deadlock" in str(exc)


def _store_batch_once(
    db: Database, batch: list[_Checked], engine: Engine, report: ImportReport
) -> None:
    unique: dict[str, _Checked] = {}
    for item in batch:  # the last copy of an id within a batch wins
        earlier = unique.get(item.conversation.id)
        if earlier is not None:
            # The earlier copy is superseded within the batch: count it as the later copy
            # updating (or repeating) it, as two imports one after the other would.
            if earlier.digest == item.digest:
                report.unchanged += 1
            else:
                report.updated += 1
            del unique[item.conversation.id]  # re-insert: the batch keeps input order
        unique[item.conversation.id] = item
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
        changed: list[tuple[_Checked, bool]] = []
        for item in unique.values():
            previous = stored.get(item.conversation.id)
            if previous is not None and previous[0] == item.digest:
                report.unchanged += 1
                continue
            if previous is not None:
                cells.add(previous[1])  # it may move to another week
                report.updated += 1
            else:
                report.imported += 1
                report.new_ids.append(item.conversation.id)
            changed.append((item, previous is not None))
        # One pass for the learned tier.
        cards = engine.score_many([item.conversation for item, _ in changed])
        people = People(session)
        provenance = scored_with(engine)
        for (item, known), card in zip(changed, cards, strict=True):
            row = write_scored(
                session, item.conversation, item.document, item.digest, card, people, known
            )
            row.scored_with = provenance
            cells.add((row.team_id, row.week))
        refresh_aggregates(session, cells)


def write_scored(
    session: Session,
    conversation: Conversation,
    document: dict[str, object],
    digest: str,
    card: Scorecard,
    people: People,
    stored: bool,
) -> ConversationRow:
    person_id, team_id, department_id = people.resolve(
        card.agent, _department_of(conversation, card.agent)
    )
    first = next((m.at for m in conversation.messages if m.at is not None), None)
    started = _utc(first) if first is not None else None  # in range: check() made sure
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


class People:
    """Agents by name → (person, team, department); unknown agents join an Unassigned team.

    New departments, teams and people are each created in a savepoint: when a concurrent
    import created the same one first, the savepoint rolls back and the row it stored is used.
    """

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
            person = _get_or_create(
                self.session,
                lambda: self.session.execute(
                    select(Person).where(Person.name == name)
                ).scalar_one_or_none(),
                lambda: Person(name=name, team_id=team.id),
            )
            team_of = self.session.get(Team, person.team_id)
            assert team_of is not None  # people.team_id is a foreign key
            found = self.known[name.casefold()] = (person.id, team_of.id, team_of.department_id)
        return found

    def _unassigned_team(self, department_name: str) -> Team:
        key = name_key(department_name)
        department = _get_or_create(
            self.session,
            lambda: self.session.execute(
                select(Department).where(Department.name_key == key)
            ).scalar_one_or_none(),
            lambda: Department(
                name=department_name.title() if department_name.islower() else department_name,
                name_key=key,
            ),
        )
        return _get_or_create(
            self.session,
            lambda: self.session.execute(
                select(Team)
                .where(Team.department_id == department.id, Team.name == UNASSIGNED_TEAM)
                .order_by(Team.id)
                .limit(1)
            ).scalar_one_or_none(),
            lambda: Team(name=UNASSIGNED_TEAM, department_id=department.id),
        )


def _get_or_create(session: Session, find: Callable[[], _T | None], make: Callable[[], _T]) -> _T:
    """The row ``find`` finds, else a new one; a unique-key collision with a concurrent
    insert rolls back only the savepoint, and the row the other transaction stored is used."""
    found = find()
    if found is not None:
        return found
    row = make()
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found
    return row
