"""The database schema: the organisation, logins, and conversations with their scorecards.

Scores and metrics are columns (filtered, sorted and aggregated by the dashboards);
the full conversation and scorecard JSON live in a separate table, read only when
one conversation is shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SKILLS = (
    "rapport",
    "empathy",
    "respect",
    "ownership",
    "honesty",
    "solution",
    "proactivity",
    "clarity",
)


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | lead | reviewer | agent
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated: read import
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime)


class Conversation(Base):
    """One scored conversation; ``id`` is the source's id, so re-importing adds nothing."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_team_week", "team_id", "week"),
        Index("ix_conversations_department_week", "department_id", "week"),
        Index("ix_conversations_person_week", "person_id", "week"),
        Index("ix_conversations_started_at", "started_at"),
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    week: Mapped[date | None] = mapped_column(Date)  # the Monday of started_at's week
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    score: Mapped[float | None] = mapped_column(Float)
    rapport: Mapped[float | None] = mapped_column(Float)
    empathy: Mapped[float | None] = mapped_column(Float)
    respect: Mapped[float | None] = mapped_column(Float)
    ownership: Mapped[float | None] = mapped_column(Float)
    honesty: Mapped[float | None] = mapped_column(Float)
    solution: Mapped[float | None] = mapped_column(Float)
    proactivity: Mapped[float | None] = mapped_column(Float)
    clarity: Mapped[float | None] = mapped_column(Float)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)
    one_touch: Mapped[bool] = mapped_column(Boolean, default=True)
    chasers: Mapped[int] = mapped_column(Integer, default=0)
    before_straight_answer: Mapped[int | None] = mapped_column(Integer)
    first_response_seconds: Mapped[float | None] = mapped_column(Float)
    hindrance_count: Mapped[int] = mapped_column(Integer, default=0)
    predicted_resolution: Mapped[float | None] = mapped_column(Float)
    predicted_satisfaction: Mapped[float | None] = mapped_column(Float)
    predicted_effectiveness: Mapped[float | None] = mapped_column(Float)
    csat: Mapped[float | None] = mapped_column(Float)
    nps: Mapped[int | None] = mapped_column(Integer)
    ces: Mapped[float | None] = mapped_column(Float)
    content_hash: Mapped[str] = mapped_column(String(64))


class ConversationDocument(Base):
    """The conversation and scorecard JSON, kept out of the table the dashboards scan."""

    __tablename__ = "conversation_documents"
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    conversation: Mapped[str] = mapped_column(Text)
    scorecard: Mapped[str] = mapped_column(Text)


class HindranceRow(Base):
    __tablename__ = "hindrances"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(200), index=True)


class SurveyLink(Base):
    """A single-use survey link: only the hash of its unguessable token is stored."""

    __tablename__ = "survey_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
