"""Tables for practice and coaching: practice sessions, coaching plans, candidate links.

Practice sessions keep the trainee's replies: the simulator is deterministic, so an open
session is rebuilt by replaying them (no pickled state). A finished session also keeps its
result JSON and its scores as columns, so histories and weekly charts need no JSON parsing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servicecraft.store.schema import Base


class CoachingPlan(Base):
    """A lead's plan for one person: focus skills, assigned scenarios, a pass mark, a due date."""

    __tablename__ = "coaching_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    focus_skills: Mapped[str] = mapped_column(String(200))  # space-separated skill ids
    scenarios: Mapped[str] = mapped_column(String(1000))  # space-separated scenario ids
    pass_mark: Mapped[float] = mapped_column(Float)
    due: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CandidateLink(Base):
    """A one-time hiring-screen link: only the SHA-256 of its 32-byte token is stored."""

    __tablename__ = "candidate_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    candidate: Mapped[str] = mapped_column(String(150))
    scenario_id: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Whose hiring it is: leads see the results of their own department or team.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class LinkAttempt(Base):
    """A request for a candidate link that did not open one, for rate limiting by address."""

    __tablename__ = "link_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)


class PracticeSessionRow(Base):
    """One practice session, open or finished, by a login or by a candidate."""

    __tablename__ = "practice_sessions"
    __table_args__ = (
        Index("ix_practice_sessions_user_started", "user_id", "started_at"),
        Index("ix_practice_sessions_team_started", "team_id", "started_at"),
        Index("ix_practice_sessions_person_started", "person_id", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_plans.id"), index=True)
    candidate_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidate_links.id"), unique=True
    )
    scenario_id: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    replies: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the trainee's replies
    outcome: Mapped[str | None] = mapped_column(String(12))  # None while the session is open
    score: Mapped[float | None] = mapped_column(Float)
    rapport: Mapped[float | None] = mapped_column(Float)
    empathy: Mapped[float | None] = mapped_column(Float)
    respect: Mapped[float | None] = mapped_column(Float)
    ownership: Mapped[float | None] = mapped_column(Float)
    honesty: Mapped[float | None] = mapped_column(Float)
    solution: Mapped[float | None] = mapped_column(Float)
    proactivity: Mapped[float | None] = mapped_column(Float)
    clarity: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)  # PracticeResult.to_dict() as JSON


class QuizResult(Base):
    """One attempt at the myths quiz, counted under the department the person belonged to."""

    __tablename__ = "quiz_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)


class ReadinessAnswer(Base):
    """A member's answer (1..5) to one readiness statement for their department; latest wins."""

    __tablename__ = "readiness_answers"
    __table_args__ = (UniqueConstraint("user_id", "question", name="uq_readiness_user_question"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    question: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
