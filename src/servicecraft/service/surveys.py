"""Customer survey links: unguessable, single-use, one per conversation, stored only as a hash.

A link's token is 32 random bytes (``secrets.token_urlsafe``); the database keeps its
SHA-256, so a leaked database does not leak working links. Answering marks the link
used in the same transaction that stores the answer, so a link cannot be answered twice.
A conversation is surveyed once: a conversation with an answer (through a link or from
its source) gets no new link, and a new link for an unanswered one replaces the old.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, exists, select, update
from sqlalchemy.orm import Session

from servicecraft.catalogue import SURVEY_RANGES
from servicecraft.service.policy import PermissionDenied, Viewer, may_create_surveys, row_scope
from servicecraft.store import (
    Conversation,
    ConversationDocument,
    Database,
    SurveyLink,
    SurveyQuestion,
    bump_data_version,
    refresh_aggregates,
)

LINK_LIFETIME = timedelta(days=30)
MAX_COMMENT = 2000
CHUNK = 500
# The questions and their scales; the organisation may reword or turn off any of them.
SCALES = SURVEY_RANGES
DEFAULT_QUESTIONS = {
    "csat": "How satisfied are you with the help you got?",
    "ces": "The company made it easy for me to handle my issue.",
    "nps": "How likely are you to recommend us to a friend or colleague?",
    "comment": "Anything else you would like to tell us?",
}


class SurveyClosed(Exception):
    """The link is unknown, already answered, or expired (one message for all: no oracle)."""


class AlreadySurveyed(Exception):
    """The conversation has an answer already: one survey per conversation."""


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    csat: int | None = None  # 1..5
    nps: int | None = None  # 0..10
    ces: int | None = None  # 1..7
    comment: str | None = None

    def __post_init__(self) -> None:
        for name, value, (low, high) in (
            ("csat", self.csat, SCALES["csat"]),
            ("nps", self.nps, SCALES["nps"]),
            ("ces", self.ces, SCALES["ces"]),
        ):
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}")
        if self.comment is not None and len(self.comment) > MAX_COMMENT:
            raise ValueError("comment must be at most 2,000 characters")
        if self.csat is None and self.nps is None and self.ces is None and not self.comment:
            raise ValueError("answer at least one question")


@dataclass(frozen=True, slots=True)
class Question:
    key: str  # csat | ces | nps | comment
    text: str
    enabled: bool

    @property
    def scale(self) -> tuple[int, int] | None:
        return SCALES.get(self.key)


@dataclass(frozen=True, slots=True)
class CreatedLink:
    conversation_id: str
    customer: str | None  # the customer's name or address as the source gave it
    token: str  # shown once: only its hash is stored


@dataclass(frozen=True, slots=True)
class Selection:
    """Which conversations to survey: every filter given must hold."""

    ids: tuple[str, ...] = ()
    person_id: int | None = None
    team_id: int | None = None
    department_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class LinkBatch:
    created: tuple[CreatedLink, ...]
    skipped: int  # matched, but surveyed already (asked or answered)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/survey/{token}"


def answered_clause() -> ColumnElement[bool]:
    c = Conversation
    return (
        c.csat.is_not(None)
        | c.ces.is_not(None)
        | c.nps.is_not(None)
        | c.survey_comment.is_not(None)
    )


def questions(session: Session) -> tuple[Question, ...]:
    stored = {q.key: q for q in session.execute(select(SurveyQuestion)).scalars()}
    return tuple(
        Question(key, stored[key].text, stored[key].enabled)
        if key in stored
        else Question(key, text, True)
        for key, text in DEFAULT_QUESTIONS.items()
    )


def set_question(
    db: Database, key: str, *, text: str | None = None, enabled: bool | None = None
) -> Question:
    """Reword a question or turn it on or off; an empty text restores the default."""
    if key not in DEFAULT_QUESTIONS:
        raise ValueError(f"unknown question {key!r}; use one of {', '.join(DEFAULT_QUESTIONS)}")
    if text is not None and len(text) > 300:
        raise ValueError("a question must be at most 300 characters")
    with db.transaction() as session:
        row = session.get(SurveyQuestion, key)
        if row is None:
            row = SurveyQuestion(key=key, text=DEFAULT_QUESTIONS[key], enabled=True)
            session.add(row)
        if text is not None:
            row.text = text.strip() or DEFAULT_QUESTIONS[key]
        if enabled is not None:
            row.enabled = enabled
        if not any(q.enabled for q in questions(session) if q.key != key) and not row.enabled:
            raise ValueError("at least one question must stay on")
        return Question(row.key, row.text, row.enabled)


def create_link(db: Database, conversation_id: str, viewer: Viewer | None = None) -> str:
    """A survey token for one conversation; show it once (e.g. in an email link).

    An unanswered conversation's earlier link stops working (its token was lost or is
    being re-sent); an answered one raises AlreadySurveyed.
    """
    token = secrets.token_urlsafe(32)
    with db.transaction() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or (
            viewer is not None and not _mine(session, viewer, conversation_id)
        ):
            raise LookupError(f"no conversation {conversation_id!r}")
        if viewer is not None and not may_create_surveys(viewer):
            raise PermissionDenied("only admins and leads create survey links")
        link = session.execute(
            select(SurveyLink).where(SurveyLink.conversation_id == conversation_id)
        ).scalar_one_or_none()
        answered = any(
            v is not None
            for v in (
                conversation.csat,
                conversation.ces,
                conversation.nps,
                conversation.survey_comment,
            )
        )
        if answered or (link is not None and link.used_at is not None):
            raise AlreadySurveyed(f"conversation {conversation_id!r} has been answered already")
        if link is None:
            session.add(
                SurveyLink(
                    token_hash=_hash(token), conversation_id=conversation_id, created_at=_now()
                )
            )
        else:
            link.token_hash, link.created_at, link.sent_at = _hash(token), _now(), None
        bump_data_version(session)  # the pages' "asked" counts and response rates change
    return token


def _mine(session: Session, viewer: Viewer, conversation_id: str) -> bool:
    query = select(Conversation.id).where(
        Conversation.id == conversation_id, row_scope(viewer, Conversation)
    )
    return session.execute(query).first() is not None


def create_links(db: Database, viewer: Viewer, selection: Selection) -> LinkBatch:
    """Links for every conversation of a selection not surveyed yet, in chunks."""
    if not may_create_surveys(viewer):
        raise PermissionDenied("only admins and leads create survey links")
    where = _selection_clause(viewer, selection)
    linked = exists().where(SurveyLink.conversation_id == Conversation.id)
    with db.session() as session:
        matched = session.execute(
            select(Conversation.id, (answered_clause() | linked).label("surveyed"))
            .where(where)
            .order_by(Conversation.started_at, Conversation.id)
        ).all()
    todo = [cid for cid, surveyed in matched if not surveyed]
    if selection.limit is not None:
        todo = todo[: selection.limit]
    created: list[CreatedLink] = []
    for start in range(0, len(todo), CHUNK):
        created.extend(_create_chunk(db, todo[start : start + CHUNK]))
    skipped = sum(1 for _, surveyed in matched if surveyed)
    return LinkBatch(created=tuple(created), skipped=skipped)


def links_for_new(db: Database, ids: Sequence[str]) -> list[CreatedLink]:
    """Links for conversations an import just stored (the command line's --survey-links)."""
    created: list[CreatedLink] = []
    admin = Viewer(role="admin")
    for start in range(0, len(ids), CHUNK):
        selection = Selection(ids=tuple(ids[start : start + CHUNK]))
        created.extend(create_links(db, admin, selection).created)
    return created


def _selection_clause(viewer: Viewer, s: Selection) -> ColumnElement[bool]:
    c = Conversation
    clauses: list[ColumnElement[bool]] = [row_scope(viewer, Conversation)]
    if s.ids:
        clauses.append(c.id.in_(s.ids))
    for column, value in ((c.person_id, s.person_id), (c.team_id, s.team_id)):
        if value is not None:
            clauses.append(column == value)
    if s.department_id is not None:
        clauses.append(c.department_id == s.department_id)
    if s.date_from is not None:
        clauses.append(c.started_at >= datetime.combine(s.date_from, time.min))
    if s.date_to is not None:
        clauses.append(c.started_at < datetime.combine(s.date_to + timedelta(days=1), time.min))
    return and_(*clauses)


def _create_chunk(db: Database, ids: list[str]) -> Iterator[CreatedLink]:
    tokens = {cid: secrets.token_urlsafe(32) for cid in ids}
    with db.transaction() as session:
        customers = customers_of(session, ids)
        now = _now()
        for cid, token in tokens.items():
            session.add(SurveyLink(token_hash=_hash(token), conversation_id=cid, created_at=now))
        bump_data_version(session)  # the pages' "asked" counts and response rates change
    for cid, token in tokens.items():
        yield CreatedLink(cid, customers.get(cid), token)


def customers_of(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The first customer author of each conversation (a name or an address), where known."""
    found: dict[str, str] = {}
    for cid, document in session.execute(
        select(ConversationDocument.conversation_id, ConversationDocument.conversation).where(
            ConversationDocument.conversation_id.in_(list(ids))
        )
    ):
        messages: list[dict[str, Any]] = orjson.loads(document).get("messages", [])
        author = next(
            (m.get("author") for m in messages if m.get("role") == "customer" and m.get("author")),
            None,
        )
        if isinstance(author, str):
            found[cid] = author
    return found


def mark_sent(db: Database, conversation_ids: Iterable[str]) -> None:
    ids = list(conversation_ids)
    if ids:
        with db.transaction() as session:
            session.execute(
                update(SurveyLink).where(SurveyLink.conversation_id.in_(ids)).values(sent_at=_now())
            )


def open_link(db: Database, token: str) -> str:
    """The conversation a usable link belongs to; SurveyClosed otherwise."""
    with db.session() as session:
        link = session.execute(
            select(SurveyLink).where(SurveyLink.token_hash == _hash(token))
        ).scalar_one_or_none()
        if link is None or link.used_at is not None or _now() - link.created_at > LINK_LIFETIME:
            raise SurveyClosed("this survey link is not valid any more")
        return link.conversation_id


def answer(db: Database, token: str, response: SurveyAnswer) -> None:
    """Store the answer and close the link, atomically."""
    with db.transaction() as session:
        now = _now()
        # Claim the link with a conditional update: of two concurrent answers only one wins.
        claimed = session.execute(
            update(SurveyLink)
            .where(
                SurveyLink.token_hash == _hash(token),
                SurveyLink.used_at.is_(None),
                SurveyLink.created_at > now - LINK_LIFETIME,
            )
            .values(used_at=now)
            .returning(SurveyLink.conversation_id)
        ).scalar_one_or_none()
        if claimed is None:
            raise SurveyClosed("this survey link is not valid any more")
        conversation = session.get(Conversation, claimed)
        assert conversation is not None
        store_answer(conversation, response)
        # Survey coverage and CSAT on the dashboards come from the weekly aggregates.
        refresh_aggregates(session, [(conversation.team_id, conversation.week)])


def store_answer(conversation: Conversation, response: SurveyAnswer) -> None:
    conversation.csat = None if response.csat is None else float(response.csat)
    conversation.nps = response.nps
    conversation.ces = None if response.ces is None else float(response.ces)
    conversation.survey_comment = response.comment


def id_of(db: Database, kind: str, name: str) -> int:
    """A person's, team's or department's id by name (the command line's filters)."""
    from servicecraft.store import Department, Person, Team

    model: Any = {"person": Person, "team": Team, "department": Department}[kind]
    with db.session() as session:
        found = session.execute(select(model.id).where(model.name == name)).scalars().all()
    if not found:
        raise LookupError(f"no {kind} named {name!r}")
    if len(found) > 1:
        raise LookupError(f"{len(found)} teams are named {name!r}; filter by department too")
    return int(found[0])


def asked_questions(db: Database) -> tuple[Question, ...]:
    """The questions the public page asks (those turned on), in the organisation's words."""
    with db.session() as session:
        return tuple(q for q in questions(session) if q.enabled)
