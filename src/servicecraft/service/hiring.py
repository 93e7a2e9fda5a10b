"""The hiring screen: a one-time link that lets a candidate play one assigned scenario.

Like survey links: the token is 32 random bytes (`secrets.token_urlsafe(32)`), shown once;
only its SHA-256 is stored. A link expires, opens one session only (claimed with a
conditional update, so two tabs cannot both start), and an address that keeps presenting
unknown or spent links is refused for a while. Results are for admins and the leads of
the link's department or team, never for agents.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicecraft.service import practice as practising
from servicecraft.service.policy import PermissionDenied, Viewer, candidate_scope, may_hire
from servicecraft.store import CandidateLink, Database, LinkAttempt, PracticeSessionRow

LINK_LIFETIME = timedelta(days=7)
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_IP = 10


class LinkClosed(Exception):
    """Unknown, used or expired (one message for all: no oracle)."""


class TooManyAttempts(Exception):
    """This address presented too many bad links recently."""


@dataclass(frozen=True, slots=True)
class CandidateResult:
    link_id: int
    candidate: str
    scenario_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    session_id: int | None
    outcome: str | None
    score: float | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(session: Session, viewer: Viewer, candidate: str, scenario_id: str) -> str:
    """A new link's token: show it once. Leads' links belong to their department or team."""
    if not may_hire(viewer) or viewer.user_id is None:
        raise PermissionDenied("only admins and leads create candidate links")
    candidate = " ".join(candidate.split())
    if not candidate or len(candidate) > 150:
        raise ValueError("candidate: a name of 1 to 150 characters")
    practising.scenario(scenario_id)
    token = secrets.token_urlsafe(32)
    now = practising.now()
    session.add(
        CandidateLink(
            token_hash=_hash(token),
            candidate=candidate,
            scenario_id=scenario_id,
            created_by=viewer.user_id,
            department_id=viewer.department_id,
            team_id=viewer.team_id,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    return token


def _check_rate(session: Session, ip: str) -> None:
    since = practising.now() - WINDOW
    failures = session.execute(
        select(func.count())
        .select_from(LinkAttempt)
        .where(LinkAttempt.ip == ip, LinkAttempt.at >= since)
    ).scalar_one()
    if failures >= MAX_FAILURES_PER_IP:
        raise TooManyAttempts("too many invalid links from this address; wait 15 minutes")


def _fail(db: Database, ip: str) -> LinkClosed:
    with db.transaction() as session:
        session.add(LinkAttempt(ip=ip, at=practising.now()))
    return LinkClosed("this link is not valid any more")


def open_link(db: Database, token: str, ip: str) -> CandidateLink:
    """The usable link for a token (not claimed yet); LinkClosed or TooManyAttempts otherwise."""
    with db.session() as session:
        _check_rate(session, ip)
        link = session.execute(
            select(CandidateLink).where(CandidateLink.token_hash == _hash(token))
        ).scalar_one_or_none()
        if link is None or link.used_at is not None or link.expires_at <= practising.now():
            raise _fail(db, ip)
        session.expunge(link)
        return link


def claim(db: Database, token: str, ip: str) -> int:
    """Use the link: mark it used and start the candidate's session, atomically; its id."""
    with db.session() as session:
        _check_rate(session, ip)
    with db.transaction() as session:
        now = practising.now()
        link_id = session.execute(
            update(CandidateLink)
            .where(
                CandidateLink.token_hash == _hash(token),
                CandidateLink.used_at.is_(None),
                CandidateLink.expires_at > now,
            )
            .values(used_at=now)
            .returning(CandidateLink.id)
        ).scalar_one_or_none()
        if link_id is not None:
            link = session.get(CandidateLink, link_id)
            assert link is not None
            scope = practising.Scope(None, None, link.team_id, link.department_id)
            return practising.start(session, scope, link.scenario_id, candidate_link_id=link.id).id
    raise _fail(db, ip)


def candidate_session(session: Session, session_id: int) -> PracticeSessionRow:
    """The candidate's own session (the caller holds its id in their signed cookie)."""
    row = session.get(PracticeSessionRow, session_id, with_for_update=True)
    if row is None or row.candidate_link_id is None:
        raise LookupError("no candidate session")
    return row


def results(session: Session, viewer: Viewer) -> list[CandidateResult]:
    """Links and their results: admins see all, leads their department's or team's."""
    if not may_hire(viewer):
        raise PermissionDenied("candidate results are for admins and leads")
    query = (
        select(CandidateLink, PracticeSessionRow)
        .outerjoin(PracticeSessionRow, PracticeSessionRow.candidate_link_id == CandidateLink.id)
        .order_by(CandidateLink.created_at.desc(), CandidateLink.id.desc())
        .limit(200)
    )
    query = query.where(candidate_scope(viewer, CandidateLink))
    return [
        CandidateResult(
            link_id=link.id,
            candidate=link.candidate,
            scenario_id=link.scenario_id,
            created_at=link.created_at,
            expires_at=link.expires_at,
            used_at=link.used_at,
            session_id=row.id if row else None,
            outcome=row.outcome if row else None,
            score=row.score if row else None,
        )
        for link, row in session.execute(query).all()
    ]
