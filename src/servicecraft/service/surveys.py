"""Customer survey links: unguessable, single-use, and stored only as a hash.

A link's token is 32 random bytes (``secrets.token_urlsafe``); the database keeps its
SHA-256, so a leaked database does not leak working links. Answering marks the link
used in the same transaction that stores the answer, so a link cannot be answered twice.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from servicecraft.catalogue import SURVEY_RANGES
from servicecraft.store import Conversation, Database, SurveyLink, refresh_aggregates

LINK_LIFETIME = timedelta(days=30)


class SurveyClosed(Exception):
    """The link is unknown, already answered, or expired (one message for all: no oracle)."""


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    csat: int  # 1..5
    nps: int | None = None  # 0..10
    ces: int | None = None  # 1..7
    comment: str | None = None

    def __post_init__(self) -> None:
        for name, value in (("csat", self.csat), ("nps", self.nps), ("ces", self.ces)):
            low, high = SURVEY_RANGES[name]
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}")
        if self.comment is not None and len(self.comment) > 2000:
            raise ValueError("comment must be at most 2,000 characters")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_link(db: Database, conversation_id: str) -> str:
    """A new survey token for a conversation; show it once (e.g. in an email link)."""
    token = secrets.token_urlsafe(32)
    with db.transaction() as session:
        if session.get(Conversation, conversation_id) is None:
            raise LookupError(f"no conversation {conversation_id!r}")
        session.add(
            SurveyLink(token_hash=_hash(token), conversation_id=conversation_id, created_at=_now())
        )
    return token


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
        conversation.csat = float(response.csat)
        conversation.nps = response.nps
        conversation.ces = None if response.ces is None else float(response.ces)
        conversation.survey_comment = response.comment
        # Survey coverage and CSAT on the dashboards come from the weekly aggregates.
        refresh_aggregates(session, [(conversation.team_id, conversation.week)])
