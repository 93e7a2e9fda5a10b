"""The database schema: the organisation, logins, and conversations with their scorecards.

Scores and metrics are columns (filtered, sorted and aggregated by the dashboards);
the full conversation and scorecard JSON live in a separate table, read only when
one conversation is shown.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, synonym

from servicecraft.model import SKILLS as SKILLS  # re-exported: the skill columns below


class Base(DeclarativeBase):
    pass


def name_key(name: str) -> str:
    """The caseless form of a name: 'ÉQUIPE', 'Équipe' and 'équipe' share one.

    Computed here in Python, never with SQL's lower(), which folds only ASCII on SQLite
    and follows the server's locale on PostgreSQL ('İstanbul' folds three ways).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _name_key_default(context: Any) -> str:
    return name_key(context.get_current_parameters()["name"])


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Unique, so two imports creating "ÉQUIPE" and "Équipe" at once cannot both succeed.
    name_key: Mapped[str] = mapped_column(String(400), unique=True, default=_name_key_default)


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
    role: Mapped[str | None] = mapped_column(String(80))  # their job, e.g. "Senior agent"
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
    # A disabled login cannot log in, its sessions end and its API tokens stop working.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebSession(Base):
    """A logged-in browser session; the cookie carries the token, only its hash is stored.

    Deleting the row ends the session at once (logout, password change, disabled login),
    whatever copies of the cookie exist.
    """

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DataVersion(Base):
    """One row: a number that grows whenever the aggregates change (import, survey answer).

    Every server process caches dashboard figures against it, so a cache is one indexed
    read from fresh, whichever process or command imported.
    """

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


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
        Index("ix_conversations_started_at", "started_at", "id"),
        # A person's best and most recent conversations without scanning all of theirs.
        Index("ix_conversations_person_score", "person_id", "score"),
        Index("ix_conversations_person_started_at", "person_id", "started_at"),
        Index("ix_conversations_score", "score"),
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
    survey_comment: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What scored it (servicecraft version, scoring revision, rubric, learned tier): rows
    # scored otherwise, or before this was recorded (NULL), are what `rescore` updates.
    scored_with: Mapped[str | None] = mapped_column(String(200))

    # The names the specification uses; ``id`` already is the source's (external) id.
    external_id = synonym("id")
    customer_messages_before_straight_answer = synonym("before_straight_answer")


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
    __table_args__ = (
        Index("ix_hindrances_department_key", "department_id", "key"),
        Index("ix_hindrances_team_key", "team_id", "key"),
    )
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
    """A single-use survey link: only the hash of its unguessable token is stored.

    One per conversation (one survey per conversation): a new link for the same
    conversation replaces the token of an unanswered one.
    """

    __tablename__ = "survey_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)  # mailed by servicecraft itself


class SurveyQuestion(Base):
    """The organisation's wording of a survey question, or that it is turned off.

    No row: the default wording, asked (``service.surveys.DEFAULT_QUESTIONS``).
    """

    __tablename__ = "survey_questions"
    key: Mapped[str] = mapped_column(String(20), primary_key=True)  # csat | ces | nps | comment
    text: Mapped[str] = mapped_column(String(300))
    enabled: Mapped[bool] = mapped_column(Boolean)


WEEKLY_COUNTS = (
    "conversations",  # all conversations in the cell
    "scored",  # those with an overall score
    "above",  # scored above their team's mean for the same week
    "one_touch",
    "chased",  # conversations where the customer chased at least once
    "chasers",  # chaser messages in all
    "handoffs",
    "surveyed",  # with a CSAT answer
)
WEEKLY_SUMS = ("score_sum", "score_squares", "csat_sum")
HISTOGRAM_BINS = 10  # scores 0-9.99, 10-19.99, ..., 90-100


class WeeklyStats(Base):
    """Per person and week: counts and sums the dashboards add up instead of scanning conversations.

    Kept in step by the import (and the survey answer) in the same transaction as the
    conversations it summarises; ``store.aggregates.refresh`` recomputes cells from them.
    """

    __tablename__ = "weekly_stats"
    __table_args__ = (
        Index("ix_weekly_stats_team_week", "team_id", "week"),
        Index("ix_weekly_stats_department_week", "department_id", "week"),
        Index("ix_weekly_stats_person_week", "person_id", "week"),
        Index("ix_weekly_stats_week", "week"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date | None] = mapped_column(Date)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    conversations: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    above: Mapped[int] = mapped_column(Integer)
    one_touch: Mapped[int] = mapped_column(Integer)
    chased: Mapped[int] = mapped_column(Integer)
    chasers: Mapped[int] = mapped_column(Integer)
    handoffs: Mapped[int] = mapped_column(Integer)
    surveyed: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[float] = mapped_column(Float)
    score_squares: Mapped[float] = mapped_column(Float)
    csat_sum: Mapped[float] = mapped_column(Float)
    rapport_sum: Mapped[float] = mapped_column(Float)
    rapport_n: Mapped[int] = mapped_column(Integer)
    empathy_sum: Mapped[float] = mapped_column(Float)
    empathy_n: Mapped[int] = mapped_column(Integer)
    respect_sum: Mapped[float] = mapped_column(Float)
    respect_n: Mapped[int] = mapped_column(Integer)
    ownership_sum: Mapped[float] = mapped_column(Float)
    ownership_n: Mapped[int] = mapped_column(Integer)
    honesty_sum: Mapped[float] = mapped_column(Float)
    honesty_n: Mapped[int] = mapped_column(Integer)
    solution_sum: Mapped[float] = mapped_column(Float)
    solution_n: Mapped[int] = mapped_column(Integer)
    proactivity_sum: Mapped[float] = mapped_column(Float)
    proactivity_n: Mapped[int] = mapped_column(Integer)
    clarity_sum: Mapped[float] = mapped_column(Float)
    clarity_n: Mapped[int] = mapped_column(Integer)
    # The score histogram, so a distribution needs no scan either.
    bin0: Mapped[int] = mapped_column(Integer)
    bin1: Mapped[int] = mapped_column(Integer)
    bin2: Mapped[int] = mapped_column(Integer)
    bin3: Mapped[int] = mapped_column(Integer)
    bin4: Mapped[int] = mapped_column(Integer)
    bin5: Mapped[int] = mapped_column(Integer)
    bin6: Mapped[int] = mapped_column(Integer)
    bin7: Mapped[int] = mapped_column(Integer)
    bin8: Mapped[int] = mapped_column(Integer)
    bin9: Mapped[int] = mapped_column(Integer)


# Names the specification uses for these tables; the classes above avoid clashing with
# ``servicecraft.model.Hindrance``/``Survey`` where both are imported.
Hindrance = HindranceRow
Survey = SurveyLink
PersonWeek = WeeklyStats
