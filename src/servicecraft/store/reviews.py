"""Tables for human review: reviews, assignments, disputes, their audit trail, calibration
sessions, rubric versions and rescoring runs.

AutoQA (the engine's scores) stays in ``conversations``; a human review is a row here and
never overwrites it. Per-skill grades are a JSON object ``{skill: 0-100 or null}``: a key
present with null means the reviewer said N/A, a key absent means not graded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from servicecraft.store.schema import Base

REVIEW_SOURCES = ("app", "import", "calibration")
DISPUTE_STATES = ("open", "accepted", "rejected")


class CalibrationSession(Base):
    """A lead's blind grading exercise: chosen conversations, chosen reviewers."""

    __tablename__ = "calibration_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CalibrationConversation(Base):
    __tablename__ = "calibration_conversations"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )


class CalibrationReviewer(Base):
    __tablename__ = "calibration_reviewers"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Review(Base):
    """One person's grades of one conversation (a calibration grade when session_id is set)."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_conversation_reviewer", "conversation_id", "reviewer", "source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(150))  # username, or the name in an import
    source: Mapped[str] = mapped_column(String(20))  # app | import | calibration
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float | None] = mapped_column(Float)  # the overall; None = not graded / N/A
    skills: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReviewAssignment(Base):
    """A conversation put in a reviewer's queue; done once ``review_id`` is set."""

    __tablename__ = "review_assignments"
    __table_args__ = (Index("ix_review_assignments_reviewer_done", "reviewer_id", "review_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    week: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))  # random | low_score | chased | handoffs
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))


class Dispute(Base):
    """An agent's proposed grades for a review of their conversation, and the decision."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"overall" | skill: 0-100 or null}
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # open | accepted | rejected
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReviewEvent(Base):
    """The audit trail of a review: who did what, when, and the old and new values."""

    __tablename__ = "review_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))  # "overall", a skill, "comment"
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class RubricVersion(Base):
    """A rubric the organisation saved (e.g. calibrated to its reviewers), numbered from 1."""

    __tablename__ = "rubric_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    yaml: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    reviews_used: Mapped[int | None] = mapped_column(Integer)
    agreement_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    agreement_after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Rescore(Base):
    """One explicit rescoring of the stored conversations with a chosen rubric version."""

    __tablename__ = "rescores"
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_version: Mapped[int | None] = mapped_column(Integer)  # None: the built-in rubric
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(150))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    conversations: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
