"""Human review: grades beside AutoQA, acknowledgements, disputes, and the audit trail.

A review is a person's grades of one conversation (overall and per skill, 0-100 or N/A)
with a comment. It never touches the engine's scores (AutoQA), which stay on the
conversation; pages show the two side by side. Every change to a review, by its reviewer
or by a settled dispute, is written to ``review_events`` with who, when, old and new.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicecraft.service.policy import (
    PermissionDenied,
    Viewer,
    may_dispute,
    may_resolve,
    may_review,
)
from servicecraft.service.policy import may_see_conversation as may_see
from servicecraft.store import (
    SKILLS,
    Conversation,
    Dispute,
    Person,
    Review,
    ReviewAssignment,
    ReviewEvent,
    User,
)

OVERALL = "overall"
FIELDS = (OVERALL, *SKILLS)
MAX_COMMENT = 5000


class ReviewError(ValueError):
    """A review, dispute or decision that cannot be accepted as given; the message says why."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def grade_value(value: object, what: str) -> float | None:
    """A grade 0-100, or None for N/A; anything else is refused with a message naming it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReviewError(f"{what} must be a number from 0 to 100 or null (N/A), not {value!r}")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 100:
        raise ReviewError(f"{what} must be from 0 to 100, not {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class Grades:
    """What a reviewer gives: the overall and skills (absent = not graded, None = N/A)."""

    score: float | None = None
    skills: Mapping[str, float | None] = field(default_factory=dict)
    comment: str | None = None

    def value(self, name: str) -> float | None:
        return self.score if name == OVERALL else self.skills.get(name)

    def graded(self) -> set[str]:
        return ({OVERALL} if self.score is not None else set()) | set(self.skills)


def make_grades(
    score: object, skills: Mapping[str, object] | None, comment: str | None = None
) -> Grades:
    """Checked grades; unknown skills and out-of-range values are refused."""
    checked: dict[str, float | None] = {}
    for name, value in (skills or {}).items():
        if name not in SKILLS:
            raise ReviewError(f"unknown skill {name!r}; the skills are {', '.join(SKILLS)}")
        checked[name] = grade_value(value, f"skill {name!r}")
    overall = grade_value(score, "score")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ReviewError(f"the comment is longer than {MAX_COMMENT} characters")
    if overall is None and not checked and not text:
        raise ReviewError("give the overall, a skill (or N/A), or a comment")
    return Grades(overall, checked, text or None)


def shown(value: float | None, present: bool = True) -> str | None:
    """A grade as the audit trail writes it: '72', 'N/A', or None when not graded."""
    if not present:
        return None
    return "N/A" if value is None else f"{value:g}"


def _conversation(session: Session, conversation_id: str) -> Conversation:
    row = session.get(Conversation, conversation_id)
    if row is None:
        raise LookupError(f"no conversation {conversation_id!r}")
    return row


def _scope(c: Conversation) -> tuple[int | None, int | None, int | None]:
    return c.person_id, c.team_id, c.department_id


def actor_name(session: Session, viewer: Viewer) -> str:
    user = session.get(User, viewer.user_id) if viewer.user_id is not None else None
    if user is None:
        raise PermissionDenied("a review needs a logged-in user")
    return user.username


def event(
    session: Session,
    review: Review,
    viewer: Viewer | None,
    actor: str,
    action: str,
    *,
    name: str | None = None,
    old: str | None = None,
    new: str | None = None,
    note: str | None = None,
    dispute_id: int | None = None,
) -> None:
    session.add(
        ReviewEvent(
            review_id=review.id,
            dispute_id=dispute_id,
            actor_id=viewer.user_id if viewer else None,
            actor=actor,
            action=action,
            field=name,
            old_value=old,
            new_value=new,
            note=note,
            at=now(),
        )
    )


def apply_grades(
    session: Session,
    review: Review,
    grades: Grades,
    viewer: Viewer | None,
    actor: str,
    action: str,
    *,
    dispute_id: int | None = None,
    replace: bool = True,
) -> int:
    """Write grades onto a review, one audit event per changed field; returns the changes.

    replace=True makes the review exactly ``grades`` (a reviewer re-grading); False only
    changes the fields given (a settled dispute changes the disputed skills alone).
    """
    changes = 0
    old_skills = dict(review.skills or {})
    new_skills = dict(grades.skills) if replace else {**old_skills, **grades.skills}
    if replace or grades.score is not None:
        before = shown(review.score, review.score is not None)
        after = shown(grades.score, grades.score is not None)
        if before != after:
            event(
                session,
                review,
                viewer,
                actor,
                action,
                name=OVERALL,
                old=before,
                new=after,
                dispute_id=dispute_id,
            )
            review.score = grades.score
            changes += 1
    for name in SKILLS:
        before = shown(old_skills.get(name), name in old_skills)
        after = shown(new_skills.get(name), name in new_skills)
        if before != after:
            event(
                session,
                review,
                viewer,
                actor,
                action,
                name=name,
                old=before,
                new=after,
                dispute_id=dispute_id,
            )
            changes += 1
    review.skills = new_skills
    if replace and (review.comment or None) != grades.comment:
        event(
            session,
            review,
            viewer,
            actor,
            action,
            name="comment",
            old=review.comment,
            new=grades.comment,
            dispute_id=dispute_id,
        )
        review.comment = grades.comment
        changes += 1
    if changes:
        review.updated_at = now()
    return changes


def save_review(session: Session, viewer: Viewer, conversation_id: str, grades: Grades) -> Review:
    """Give (or change) the viewer's own review of a conversation; commits."""
    c = _conversation(session, conversation_id)
    if not may_review(viewer, *_scope(c)):
        raise PermissionDenied("you may not review this conversation")
    actor = actor_name(session, viewer)
    review = session.execute(
        select(Review).where(
            Review.conversation_id == c.id,
            Review.reviewer_id == viewer.user_id,
            Review.source == "app",
        )
    ).scalar_one_or_none()
    if review is None:
        stamp = now()
        review = Review(
            conversation_id=c.id,
            reviewer_id=viewer.user_id,
            reviewer=actor,
            source="app",
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
    for assignment in session.execute(
        select(ReviewAssignment).where(
            ReviewAssignment.conversation_id == c.id,
            ReviewAssignment.reviewer_id == viewer.user_id,
            ReviewAssignment.review_id.is_(None),
        )
    ).scalars():
        assignment.review_id = review.id
    session.commit()
    return review


def review_with_conversation(session: Session, review_id: int) -> tuple[Review, Conversation]:
    row = session.execute(
        select(Review, Conversation)
        .join(Conversation, Conversation.id == Review.conversation_id)
        .where(Review.id == review_id, Review.source != "calibration")
    ).first()
    if row is None:
        raise LookupError(f"no review {review_id}")
    return row[0], row[1]


def acknowledge(session: Session, viewer: Viewer, review_id: int) -> Review:
    """The agent confirms they have read a review of their conversation; commits."""
    review, c = review_with_conversation(session, review_id)
    if not may_dispute(viewer, c.person_id):
        raise PermissionDenied("only the agent of this conversation acknowledges its reviews")
    if review.acknowledged_at is None:
        review.acknowledged_at = now()
        event(session, review, viewer, actor_name(session, viewer), "acknowledged")
        session.commit()
    return review


def disputes_of(session: Session, review_id: int) -> list[Dispute]:
    return list(
        session.execute(
            select(Dispute).where(Dispute.review_id == review_id).order_by(Dispute.id)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class ReviewView:
    """One review as pages show it, with its disputes and audit trail."""

    id: int
    reviewer: str
    reviewer_id: int | None
    source: str
    score: float | None
    skills: Mapping[str, float | None]
    comment: str | None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    disputes: tuple[Mapping[str, Any], ...]
    events: tuple[Mapping[str, Any], ...]
    may_acknowledge: bool
    may_dispute: bool
    may_resolve: bool

    def values(self) -> dict[str, float | None]:
        """The overall (when graded) and skills in one mapping, for tables."""
        out: dict[str, float | None] = dict(self.skills)
        if self.score is not None:
            out[OVERALL] = self.score
        return out


def _view(session: Session, viewer: Viewer, review: Review, c: Conversation) -> ReviewView:
    disputes = disputes_of(session, review.id)
    names = dict(session.execute(select(User.id, User.username)).all())
    events = session.execute(
        select(ReviewEvent).where(ReviewEvent.review_id == review.id).order_by(ReviewEvent.id)
    ).scalars()
    own = may_dispute(viewer, c.person_id)
    return ReviewView(
        id=review.id,
        reviewer=review.reviewer,
        reviewer_id=review.reviewer_id,
        source=review.source,
        score=review.score,
        skills=dict(review.skills or {}),
        comment=review.comment,
        created_at=review.created_at,
        updated_at=review.updated_at,
        acknowledged_at=review.acknowledged_at,
        disputes=tuple(
            {
                "id": d.id,
                "status": d.status,
                "proposed": d.proposed,
                "reason": d.reason,
                "raised_by": names.get(d.raised_by),
                "created_at": d.created_at,
                "resolved_by": names.get(d.resolved_by) if d.resolved_by else None,
                "resolution": d.resolution,
                "resolved_at": d.resolved_at,
            }
            for d in disputes
        ),
        events=tuple(
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "field": e.field,
                "old": e.old_value,
                "new": e.new_value,
                "note": e.note,
            }
            for e in events
        ),
        may_acknowledge=own and review.acknowledged_at is None,
        may_dispute=own and not any(d.status == "open" for d in disputes),
        may_resolve=any(d.status == "open" for d in disputes)
        and may_resolve(viewer, review.reviewer_id, *_scope(c)),
    )


def reviews_of(session: Session, viewer: Viewer, conversation_id: str) -> list[ReviewView]:
    """The reviews of a conversation (calibration grades excluded), for whoever may see it."""
    c = _conversation(session, conversation_id)
    if not may_see(viewer, *_scope(c)):
        raise PermissionDenied("not yours to see")
    rows = session.execute(
        select(Review)
        .where(Review.conversation_id == c.id, Review.source != "calibration")
        .order_by(Review.created_at, Review.id)
    ).scalars()
    return [_view(session, viewer, r, c) for r in rows]


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """A conversation's AutoQA beside its human reviews, and whether the viewer may grade."""

    autoqa: Mapping[str, float | None]  # "overall" and each skill; None = not observed
    reviews: list[ReviewView]
    mine: ReviewView | None
    may_review: bool


def review_page(session: Session, viewer: Viewer, conversation_id: str) -> ReviewPage:
    c = _conversation(session, conversation_id)
    found = reviews_of(session, viewer, conversation_id)
    return ReviewPage(
        autoqa={OVERALL: c.score, **{s: getattr(c, s) for s in SKILLS}},
        reviews=found,
        mine=next((r for r in found if r.reviewer_id == viewer.user_id), None),
        may_review=may_review(viewer, *_scope(c)),
    )


def conversation_of(
    session: Session, viewer: Viewer, *, review_id: int | None = None, dispute_id: int | None = None
) -> str:
    """The conversation a review (or a dispute's review) is about, if the viewer may see it."""
    if dispute_id is not None:
        dispute = session.get(Dispute, dispute_id)
        if dispute is None:
            raise LookupError(f"no dispute {dispute_id}")
        review_id = dispute.review_id
    if review_id is None:
        raise LookupError("no review")
    _, c = review_with_conversation(session, review_id)
    if not may_see(viewer, *_scope(c)):
        raise PermissionDenied("not yours to see")
    return c.id


def review_view(session: Session, viewer: Viewer, review_id: int) -> ReviewView:
    review, c = review_with_conversation(session, review_id)
    if not may_see(viewer, *_scope(c)):
        raise PermissionDenied("not yours to see")
    return _view(session, viewer, review, c)


@dataclass(frozen=True, slots=True)
class InboxItem:
    review_id: int
    conversation_id: str
    person: str | None
    reviewer: str
    score: float | None
    autoqa: float | None
    updated_at: datetime
    acknowledged: bool
    dispute: str | None  # the latest dispute's status


def inbox(session: Session, viewer: Viewer, limit: int = 200) -> list[InboxItem]:
    """Reviews an agent should see (their own conversations), or open disputes for others."""
    query = (
        select(Review, Conversation, Person.name)
        .join(Conversation, Conversation.id == Review.conversation_id)
        .outerjoin(Person, Person.id == Conversation.person_id)
        .where(Review.source != "calibration")
        .order_by(Review.updated_at.desc(), Review.id.desc())
    )
    if viewer.role == "agent":
        if viewer.person_id is None:
            return []
        query = query.where(Conversation.person_id == viewer.person_id)
    else:
        open_ids = select(Dispute.review_id).where(Dispute.status == "open")
        query = query.where(Review.id.in_(open_ids))
    out = []
    for review, c, person in session.execute(query.limit(limit)):
        if viewer.role != "agent" and not may_resolve(viewer, review.reviewer_id, *_scope(c)):
            continue
        latest = session.execute(
            select(Dispute.status).where(Dispute.review_id == review.id).order_by(Dispute.id.desc())
        ).first()
        out.append(
            InboxItem(
                review_id=review.id,
                conversation_id=c.id,
                person=person,
                reviewer=review.reviewer,
                score=review.score,
                autoqa=c.score,
                updated_at=review.updated_at,
                acknowledged=review.acknowledged_at is not None,
                dispute=latest[0] if latest else None,
            )
        )
    return out
