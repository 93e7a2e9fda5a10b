"""What customers answered, per person, team or department: the figures the pages show.

Satisfaction as the share of 4s and 5s ("top-two-box") beside the mean, effort as the
mean and the share of 5-7 ("easy"), likelihood to recommend as % promoters (9-10) minus
% detractors (0-6), and the response rate: answered over asked, counting only
conversations with a survey link (an answer that came with its source says nothing
about how many were asked). Computed from the conversations that were asked or
answered (an index walk per person, team or department), week by week for the trends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from servicecraft.service.policy import PermissionDenied, Viewer, may_see_conversation, row_scope
from servicecraft.service.surveys import LINK_LIFETIME, answered_clause
from servicecraft.store import Conversation, Person, SurveyLink

C = Conversation
COMMENT_ORDERS = ("low", "recent")


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts that add up across weeks; the shares and means are derived."""

    asked: int = 0  # survey links made
    answered_asked: int = 0  # of those, answered
    answered: int = 0  # every answer, from links, CSV imports and the sources
    csat_n: int = 0
    csat_sum: float = 0.0
    csat_top2: int = 0
    ces_n: int = 0
    ces_sum: float = 0.0
    ces_easy: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def response_rate(self) -> float | None:
        """Answered over asked, where the asking is known (a survey link was made)."""
        return self.answered_asked / self.asked if self.asked else None

    @property
    def csat_mean(self) -> float | None:
        return self.csat_sum / self.csat_n if self.csat_n else None

    @property
    def top_two_box(self) -> float | None:
        return self.csat_top2 / self.csat_n if self.csat_n else None

    @property
    def ces_mean(self) -> float | None:
        return self.ces_sum / self.ces_n if self.ces_n else None

    @property
    def easy_share(self) -> float | None:
        return self.ces_easy / self.ces_n if self.ces_n else None

    @property
    def promoters_minus_detractors(self) -> float | None:
        """-100 to +100: % promoters (9-10) minus % detractors (0-6)."""
        if not self.nps_n:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.nps_n


def _values(t: Tally) -> tuple[Any, ...]:
    return tuple(getattr(t, name) for name in Tally.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class SurveySummary:
    totals: Tally
    weeks: tuple[tuple[date, Tally], ...]  # oldest first, weeks with anything asked


@dataclass(frozen=True, slots=True)
class SurveyComment:
    conversation_id: str
    started_at: datetime | None
    person_name: str | None
    csat: float | None
    ces: float | None
    nps: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class ConversationSurvey:
    state: str  # not asked | asked | answered | expired
    asked_at: datetime | None
    sent_at: datetime | None
    answered_at: datetime | None
    csat: float | None
    ces: float | None
    nps: int | None
    comment: str | None


def _who(
    viewer: Viewer, person_id: int | None, team_id: int | None, department_id: int | None
) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [row_scope(viewer, C)]
    for column, value in (
        (C.person_id, person_id),
        (C.team_id, team_id),
        (C.department_id, department_id),
    ):
        if value is not None:
            clauses.append(column == value)
    return and_(*clauses)


def survey_summary(
    session: Session,
    viewer: Viewer,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    department_id: int | None = None,
) -> SurveySummary:
    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            C.week,
            func.count(SurveyLink.id),
            count_if(and_(SurveyLink.id.is_not(None), answered_clause())),
            count_if(answered_clause()),
            func.count(C.csat),
            func.coalesce(func.sum(C.csat), 0.0),
            count_if(C.csat >= 4),
            func.count(C.ces),
            func.coalesce(func.sum(C.ces), 0.0),
            count_if(C.ces >= 5),
            func.count(C.nps),
            count_if(C.nps >= 9),
            count_if(C.nps <= 6),
        )
        .outerjoin(SurveyLink, SurveyLink.conversation_id == C.id)
        .where(
            _who(viewer, person_id, team_id, department_id),
            or_(answered_clause(), SurveyLink.id.is_not(None)),
        )
        .group_by(C.week)
        .order_by(C.week)
    )
    totals = Tally()
    weeks: list[tuple[date, Tally]] = []
    for week, *counts in session.execute(query):
        values: list[Any] = [float(v) if isinstance(v, float) else int(v) for v in counts]
        tally = Tally(*values)
        totals = totals + tally
        if week is not None:
            weeks.append((week, tally))
    return SurveySummary(totals=totals, weeks=tuple(weeks))


def survey_comments(
    session: Session,
    viewer: Viewer,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    department_id: int | None = None,
    max_csat: int | None = None,
    order: str = "low",
    limit: int = 50,
) -> tuple[SurveyComment, ...]:
    """Customers' comments, lowest satisfaction first (or newest first); ``max_csat`` keeps
    only those who rated satisfaction at most that."""
    if order not in COMMENT_ORDERS:
        raise ValueError(f"order comments by one of {', '.join(COMMENT_ORDERS)}")
    where = [_who(viewer, person_id, team_id, department_id), C.survey_comment.is_not(None)]
    if max_csat is not None:
        where.append(C.csat <= max_csat)
    ordering: Sequence[Any] = (
        (case((C.csat.is_(None), 1), else_=0), C.csat, C.started_at.desc(), C.id)
        if order == "low"
        else (C.started_at.desc(), C.id)
    )
    rows = session.execute(
        select(C.id, C.started_at, Person.name, C.csat, C.ces, C.nps, C.survey_comment)
        .outerjoin(Person, Person.id == C.person_id)
        .where(*where)
        .order_by(*ordering)
        .limit(min(max(limit, 1), 500))
    )
    return tuple(
        SurveyComment(cid, started, name, csat, ces, nps, comment or "")
        for cid, started, name, csat, ces, nps, comment in rows
    )


def conversation_survey(
    session: Session, viewer: Viewer, conversation_id: str
) -> ConversationSurvey:
    row = session.execute(
        select(C, SurveyLink)
        .outerjoin(SurveyLink, SurveyLink.conversation_id == C.id)
        .where(C.id == conversation_id)
    ).first()
    if row is None:
        raise LookupError(f"no conversation {conversation_id!r}")
    c, link = row
    if not may_see_conversation(viewer, c.person_id, c.team_id, c.department_id):
        raise PermissionDenied("not yours to see")
    answered = any(v is not None for v in (c.csat, c.ces, c.nps, c.survey_comment))
    if answered:
        state = "answered"
    elif link is None:
        state = "not asked"
    elif datetime.now(UTC).replace(tzinfo=None) - link.created_at > LINK_LIFETIME:
        state = "expired"
    else:
        state = "asked"
    return ConversationSurvey(
        state=state,
        asked_at=None if link is None else link.created_at,
        sent_at=None if link is None else link.sent_at,
        answered_at=None if link is None else link.used_at,
        csat=c.csat,
        ces=c.ces,
        nps=c.nps,
        comment=c.survey_comment,
    )
