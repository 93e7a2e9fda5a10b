"""Calibration sessions: chosen reviewers grade chosen conversations blind, then compare.

A grader sees the others' grades of a conversation only after submitting their own,
and a submitted grade is final (it could otherwise be nudged toward the others). The
agreement figures (Krippendorff's alpha, pairwise differences, strictest and most
lenient, AutoQA against the consensus) are shown to a grader once they have graded
every conversation, and to the lead who runs the session. Calibration grades never
count as reviews of the agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicecraft.agreement import Agreement, agreement
from servicecraft.service.policy import PermissionDenied, Viewer, may_run_calibration
from servicecraft.service.policy import may_see_conversation as may_see
from servicecraft.service.reviews import (
    FIELDS,
    OVERALL,
    Grades,
    ReviewError,
    actor_name,
    apply_grades,
    event,
    now,
)
from servicecraft.store import (
    CalibrationConversation,
    CalibrationReviewer,
    CalibrationSession,
    Conversation,
    ConversationDocument,
    Review,
    User,
)

MAX_CONVERSATIONS = 50


def create_session(
    session: Session,
    viewer: Viewer,
    title: str,
    conversation_ids: Sequence[str],
    reviewer_ids: Sequence[int],
) -> int:
    """A new session over conversations the lead may see, with at least two graders."""
    if not may_run_calibration(viewer):
        raise PermissionDenied("leads and admins run calibration sessions")
    title = title.strip() or "Calibration"
    ids = list(dict.fromkeys(c.strip() for c in conversation_ids if c.strip()))
    if not ids or len(ids) > MAX_CONVERSATIONS:
        raise ReviewError(f"pick from 1 to {MAX_CONVERSATIONS} conversations")
    found = {
        c.id: c
        for c in session.execute(select(Conversation).where(Conversation.id.in_(ids))).scalars()
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ReviewError(f"no conversation {', '.join(missing[:5])}")
    for c in found.values():
        if not may_see(viewer, c.person_id, c.team_id, c.department_id):
            raise PermissionDenied(f"conversation {c.id} is not yours to see")
    graders = set(dict.fromkeys(reviewer_ids))
    known = set(
        session.execute(
            select(User.id).where(
                User.id.in_(graders), User.role.in_(("reviewer", "lead", "admin"))
            )
        ).scalars()
    )
    if len(known) < 2 or known != graders:
        raise ReviewError("pick at least two reviewers (reviewers, leads or admins)")
    row = CalibrationSession(title=title[:200], created_by=viewer.user_id, created_at=now())
    session.add(row)
    session.flush()
    session.add_all(CalibrationConversation(session_id=row.id, conversation_id=i) for i in ids)
    session.add_all(CalibrationReviewer(session_id=row.id, user_id=u) for u in sorted(known))
    session.commit()
    return row.id


def recent_conversations(
    session: Session, viewer: Viewer, limit: int = 30
) -> list[tuple[str, float | None]]:
    """The newest conversations a lead may put in a session: (id, AutoQA score)."""
    from servicecraft.service.policy import row_scope as scope

    if not may_run_calibration(viewer):
        return []
    rows = session.execute(
        select(Conversation.id, Conversation.score)
        .where(scope(viewer, Conversation))
        .order_by(Conversation.started_at.desc(), Conversation.id)
        .limit(limit)
    ).all()
    return [(cid, score) for cid, score in rows]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    title: str
    conversations: int
    graders: int
    mine_left: int | None  # conversations the viewer still has to grade (None: not a grader)


def _graders(session: Session, session_id: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(User.id, User.username)
        .join(CalibrationReviewer, CalibrationReviewer.user_id == User.id)
        .where(CalibrationReviewer.session_id == session_id)
        .order_by(User.username)
    )
    return [(i, u) for i, u in rows]


def _conversation_ids(session: Session, session_id: int) -> list[str]:
    return list(
        session.execute(
            select(CalibrationConversation.conversation_id)
            .where(CalibrationConversation.session_id == session_id)
            .order_by(CalibrationConversation.conversation_id)
        ).scalars()
    )


def _grades(session: Session, session_id: int) -> list[Review]:
    return list(
        session.execute(
            select(Review).where(Review.session_id == session_id, Review.source == "calibration")
        ).scalars()
    )


def list_sessions(session: Session, viewer: Viewer) -> list[SessionSummary]:
    """Sessions the viewer grades in, plus every session for leads and admins."""
    rows = session.execute(
        select(CalibrationSession).order_by(CalibrationSession.id.desc())
    ).scalars()
    out = []
    for s in rows:
        graders = _graders(session, s.id)
        is_grader = any(u == viewer.user_id for u, _ in graders)
        if not is_grader and not may_run_calibration(viewer):
            continue
        conversations = _conversation_ids(session, s.id)
        done = {
            g.conversation_id for g in _grades(session, s.id) if g.reviewer_id == viewer.user_id
        }
        out.append(
            SessionSummary(
                id=s.id,
                title=s.title,
                conversations=len(conversations),
                graders=len(graders),
                mine_left=len(set(conversations) - done) if is_grader else None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class SessionItem:
    conversation_id: str
    autoqa: Mapping[str, float | None]  # "overall" and each skill, from the engine
    mine: Mapping[str, float | None] | None  # the viewer's submitted grades (None: not yet)
    others: tuple[tuple[str, Mapping[str, float | None], str | None], ...]  # shown once allowed
    hidden: int  # grades submitted by others but not shown yet
    messages: tuple[Mapping[str, Any], ...]  # the public transcript: role, author, text


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    title: str
    graders: tuple[str, ...]
    is_grader: bool
    items: tuple[SessionItem, ...]
    agreement: Mapping[str, Agreement] | None  # per field; None until the viewer may see it
    submitted: Mapping[str, int]  # grader → conversations graded


def _as_grades(review: Review) -> dict[str, float | None]:
    values: dict[str, float | None] = dict(review.skills or {})
    if review.score is not None:
        values[OVERALL] = review.score
    return values


def _autoqa(c: Conversation) -> dict[str, float | None]:
    return {name: c.score if name == OVERALL else getattr(c, name) for name in FIELDS}


def _allowed(session: Session, viewer: Viewer, row: CalibrationSession) -> tuple[bool, bool]:
    """(is a grader, may see the session at all)."""
    graders = _graders(session, row.id)
    is_grader = any(u == viewer.user_id for u, _ in graders)
    return is_grader, is_grader or may_run_calibration(viewer)


def session_view(session: Session, viewer: Viewer, session_id: int) -> SessionView:
    row = session.get(CalibrationSession, session_id)
    if row is None:
        raise LookupError(f"no calibration session {session_id}")
    is_grader, allowed = _allowed(session, viewer, row)
    if not allowed:
        raise PermissionDenied("you are not in this calibration session")
    graders = _graders(session, row.id)
    ids = _conversation_ids(session, row.id)
    conversations = {
        c.id: c
        for c in session.execute(select(Conversation).where(Conversation.id.in_(ids))).scalars()
    }
    grades = _grades(session, row.id)
    transcripts = _transcripts(session, ids)
    by_key = {(g.conversation_id, g.reviewer_id): g for g in grades}
    items = []
    for cid in ids:
        mine = by_key.get((cid, viewer.user_id)) if is_grader else None
        # Blind: a grader sees the others only once their own grade of this one is in.
        visible = mine is not None or not is_grader
        others = [g for g in grades if g.conversation_id == cid and g.reviewer_id != viewer.user_id]
        items.append(
            SessionItem(
                conversation_id=cid,
                autoqa=_autoqa(conversations[cid]),
                mine=_as_grades(mine) if mine else None,
                others=tuple((g.reviewer, _as_grades(g), g.comment) for g in others)
                if visible
                else (),
                hidden=0 if visible else len(others),
                messages=transcripts.get(cid, ()),
            )
        )
    submitted = {name: sum(1 for g in grades if g.reviewer_id == uid) for uid, name in graders}
    finished = not is_grader or all(i.mine is not None for i in items)
    stats = _agreement(ids, graders, grades, conversations) if finished else None
    return SessionView(
        id=row.id,
        title=row.title,
        graders=tuple(name for _, name in graders),
        is_grader=is_grader,
        items=tuple(items),
        agreement=stats,
        submitted=submitted,
    )


def _transcripts(session: Session, ids: list[str]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    """The messages a grader reads, without AutoQA's evidence (which would anchor them)."""
    rows = session.execute(
        select(ConversationDocument.conversation_id, ConversationDocument.conversation).where(
            ConversationDocument.conversation_id.in_(ids)
        )
    ).all()
    out: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for cid, document in rows:
        messages = orjson.loads(document).get("messages", [])
        out[cid] = tuple(
            {"role": m.get("role"), "author": m.get("author"), "text": m.get("text", "")}
            for m in messages
            if m.get("public", True)
        )
    return out


def _agreement(
    ids: list[str],
    graders: list[tuple[int, str]],
    grades: list[Review],
    conversations: Mapping[str, Conversation],
) -> dict[str, Agreement]:
    """Per field, a conversations × graders matrix (N/A and missing = NaN) and its statistics."""
    column = {uid: j for j, (uid, _) in enumerate(graders)}
    row_of = {cid: i for i, cid in enumerate(ids)}
    out = {}
    for name in FIELDS:
        matrix = np.full((len(ids), len(graders)), np.nan)
        for g in grades:
            value = _as_grades(g).get(name)
            if value is not None and g.reviewer_id in column:
                matrix[row_of[g.conversation_id], column[g.reviewer_id]] = value
        auto = [_autoqa(conversations[cid])[name] for cid in ids]
        out[name] = agreement(matrix, [n for _, n in graders], auto)
    return out


def submit_grade(
    session: Session, viewer: Viewer, session_id: int, conversation_id: str, grades: Grades
) -> Review:
    """A grader's one and final grade of a conversation in the session; commits."""
    row = session.get(CalibrationSession, session_id)
    if row is None:
        raise LookupError(f"no calibration session {session_id}")
    is_grader, _ = _allowed(session, viewer, row)
    if not is_grader:
        raise PermissionDenied("you are not a grader in this session")
    if conversation_id not in _conversation_ids(session, row.id):
        raise LookupError(f"conversation {conversation_id} is not in this session")
    already = session.execute(
        select(Review.id).where(
            Review.session_id == row.id,
            Review.conversation_id == conversation_id,
            Review.reviewer_id == viewer.user_id,
        )
    ).first()
    if already:
        raise ReviewError("you already graded this conversation in this session")
    actor = actor_name(session, viewer)
    stamp = now()
    review = Review(
        conversation_id=conversation_id,
        reviewer_id=viewer.user_id,
        reviewer=actor,
        source="calibration",
        session_id=row.id,
        score=None,
        skills={},
        comment=None,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(review)
    session.flush()
    event(session, review, viewer, actor, "created")
    apply_grades(session, review, grades, viewer, actor, "graded")
    session.commit()
    return review
