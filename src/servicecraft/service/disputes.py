"""Disputes: the agent proposes other grades with a reason; the reviewer, a lead or an admin
accepts (the proposed grades replace the disputed ones) or rejects, with a reason.

Every step lands in the review's audit trail (``review_events``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicecraft.service.policy import PermissionDenied, Viewer, may_dispute, may_resolve
from servicecraft.service.reviews import (
    OVERALL,
    Grades,
    ReviewError,
    actor_name,
    apply_grades,
    disputes_of,
    event,
    now,
    review_with_conversation,
    shown,
)
from servicecraft.store import Dispute, Review


def open_dispute(
    session: Session, viewer: Viewer, review_id: int, proposed: Grades, reason: str
) -> Dispute:
    """The agent proposes other grades for some fields of a review, with a reason; commits."""
    review, c = review_with_conversation(session, review_id)
    if not may_dispute(viewer, c.person_id):
        raise PermissionDenied("only the agent of this conversation disputes its reviews")
    reason = reason.strip()
    if not reason:
        raise ReviewError("say why: a dispute needs a reason")
    if any(d.status == "open" for d in disputes_of(session, review.id)):
        raise ReviewError("this review already has an open dispute")
    changed = {
        name: proposed.value(name)
        for name in proposed.graded()
        if shown(proposed.value(name)) != shown(_current(review, name), _has(review, name))
    }
    if not changed:
        raise ReviewError("propose at least one grade that differs from the review's")
    dispute = Dispute(
        review_id=review.id,
        raised_by=viewer.user_id,
        proposed=changed,
        reason=reason,
        status="open",
        created_at=now(),
    )
    session.add(dispute)
    session.flush()
    actor = actor_name(session, viewer)
    for name, value in changed.items():
        event(
            session,
            review,
            viewer,
            actor,
            "disputed",
            name=name,
            old=shown(_current(review, name), _has(review, name)),
            new=shown(value),
            note=reason,
            dispute_id=dispute.id,
        )
    session.commit()
    return dispute


def _current(review: Review, name: str) -> float | None:
    return review.score if name == OVERALL else (review.skills or {}).get(name)


def _has(review: Review, name: str) -> bool:
    return review.score is not None if name == OVERALL else name in (review.skills or {})


def resolve_dispute(
    session: Session, viewer: Viewer, dispute_id: int, *, accept: bool, reason: str
) -> Dispute:
    """Accept (the proposed grades replace the disputed ones) or reject, with a reason."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise LookupError(f"no dispute {dispute_id}")
    review, c = review_with_conversation(session, dispute.review_id)
    if not may_resolve(viewer, review.reviewer_id, c.person_id, c.team_id, c.department_id):
        raise PermissionDenied("the reviewer, a lead over this conversation or an admin decides")
    if dispute.status != "open":
        raise ReviewError(f"this dispute was already {dispute.status}")
    reason = reason.strip()
    if not reason:
        raise ReviewError("say why: a decision needs a reason")
    actor = actor_name(session, viewer)
    dispute.status = "accepted" if accept else "rejected"
    dispute.resolved_by = viewer.user_id
    dispute.resolution = reason
    dispute.resolved_at = now()
    event(session, review, viewer, actor, dispute.status, note=reason, dispute_id=dispute.id)
    if accept:
        proposed = dict(dispute.proposed)
        overall = proposed.pop(OVERALL, None)
        grades = Grades(overall, proposed, review.comment)
        apply_grades(
            session,
            review,
            grades,
            viewer,
            actor,
            "changed by dispute",
            dispute_id=dispute.id,
            replace=False,
        )
        if OVERALL in dispute.proposed and overall is None and review.score is not None:
            # The agent proposed N/A for the overall: replace=False keeps a None, so clear it.
            event(
                session,
                review,
                viewer,
                actor,
                "changed by dispute",
                name=OVERALL,
                old=shown(review.score),
                new="N/A",
                dispute_id=dispute.id,
            )
            review.score = None
    session.commit()
    return dispute
