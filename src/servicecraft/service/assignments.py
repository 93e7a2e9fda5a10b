"""Review assignments: N conversations per agent per week into reviewers' queues.

A lead (or an admin) picks the week, how many per agent, the rule (random, lowest
AutoQA score, the customer chased, handed off) and the reviewers; conversations
already reviewed or assigned are skipped, and picks are shared out round-robin.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from servicecraft.service.policy import PermissionDenied, Viewer, may_assign_reviews
from servicecraft.service.policy import row_scope as scope
from servicecraft.service.reviews import ReviewError, now
from servicecraft.store import Conversation, Person, Review, ReviewAssignment, User

RULES = {
    "random": "at random",
    "low_score": "lowest AutoQA score first",
    "chased": "the customer chased",
    "handoffs": "handed off",
}
_FILTERS: dict[str, ColumnElement[bool]] = {
    "random": true(),
    "low_score": Conversation.score.is_not(None),
    "chased": Conversation.chasers > 0,
    "handoffs": Conversation.handoffs > 0,
}
MAX_PER_AGENT = 50


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    created: int
    agents: int
    short: tuple[tuple[str, int], ...]  # agents with fewer matching conversations than asked


def reviewers(session: Session) -> list[tuple[int, str, str]]:
    """Users who may be given reviews: (id, username, role)."""
    rows = session.execute(
        select(User.id, User.username, User.role)
        .where(User.role.in_(("reviewer", "lead", "admin")))
        .order_by(User.username)
    )
    return [(i, u, r) for i, u, r in rows]


def create_assignments(
    session: Session,
    viewer: Viewer,
    *,
    week: date,
    per_agent: int,
    rule: str,
    reviewer_ids: Sequence[int],
    seed: int | None = None,
) -> AssignmentReport:
    """Assign up to ``per_agent`` of each agent's conversations of ``week``; commits."""
    if not may_assign_reviews(viewer):
        raise PermissionDenied("leads and admins assign reviews")
    if rule not in RULES:
        raise ReviewError(f"rule must be one of {', '.join(RULES)}")
    if not 1 <= per_agent <= MAX_PER_AGENT:
        raise ReviewError(f"per agent must be from 1 to {MAX_PER_AGENT}")
    allowed = {i for i, _, _ in reviewers(session)}
    chosen = [i for i in dict.fromkeys(reviewer_ids) if i in allowed]
    if not chosen:
        raise ReviewError("choose at least one reviewer")
    start = monday(week)
    taken = select(ReviewAssignment.conversation_id).union(
        select(Review.conversation_id).where(Review.source == "app")
    )
    candidates = session.execute(
        select(Conversation.id, Conversation.person_id, Conversation.score, Person.name)
        .join(Person, Person.id == Conversation.person_id)
        .where(
            scope(viewer, Conversation),
            _FILTERS[rule],
            Conversation.week == start,
            Conversation.id.not_in(taken),
        )
        .order_by(Conversation.person_id, Conversation.id)
    ).all()
    by_agent: dict[int, list[tuple[str, float | None]]] = {}
    names: dict[int, str] = {}
    for cid, pid, score, name in candidates:
        if pid is None:  # the inner join to people rules this out; mypy cannot see it
            continue
        by_agent.setdefault(pid, []).append((cid, score))
        names[pid] = name
    rng = random.Random(seed)
    stamp: datetime = now()
    created, short, turn = 0, [], 0
    for pid, items in by_agent.items():
        if rule == "low_score":
            picks = sorted(items, key=lambda item: (item[1], item[0]))[:per_agent]
        else:
            picks = rng.sample(items, min(per_agent, len(items)))
        if len(picks) < per_agent:
            short.append((names[pid], len(picks)))
        for cid, _ in picks:
            session.add(
                ReviewAssignment(
                    conversation_id=cid,
                    reviewer_id=chosen[turn % len(chosen)],
                    week=start,
                    reason=rule,
                    created_by=viewer.user_id,
                    created_at=stamp,
                )
            )
            turn += 1
            created += 1
    session.commit()
    return AssignmentReport(created, len(by_agent), tuple(sorted(short)))


@dataclass(frozen=True, slots=True)
class QueueItem:
    assignment_id: int
    conversation_id: str
    person: str | None
    week: date
    reason: str
    autoqa: float | None
    done: bool


def queue(session: Session, viewer: Viewer, *, include_done: bool = False) -> list[QueueItem]:
    """The viewer's own review queue, oldest week first."""
    if viewer.user_id is None:
        return []
    query = (
        select(ReviewAssignment, Conversation.score, Person.name)
        .join(Conversation, Conversation.id == ReviewAssignment.conversation_id)
        .outerjoin(Person, Person.id == Conversation.person_id)
        .where(ReviewAssignment.reviewer_id == viewer.user_id)
        .order_by(ReviewAssignment.week, ReviewAssignment.id)
    )
    if not include_done:
        query = query.where(ReviewAssignment.review_id.is_(None))
    return [
        QueueItem(
            assignment_id=a.id,
            conversation_id=a.conversation_id,
            person=person,
            week=a.week,
            reason=a.reason,
            autoqa=score,
            done=a.review_id is not None,
        )
        for a, score, person in session.execute(query)
    ]
