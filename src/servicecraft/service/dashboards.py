"""Dashboard read queries, filtered by who is asking.

The organisation, department, team and person figures add up the ``weekly_stats``
aggregates (one row per person and week, kept in step by the import), so a page
reads hundreds of rows, not millions of conversations. "Better than average, every
time" is the share of a group's scored conversations above their team's mean for the
same week. Lists of conversations (search, detail, hindrances) live in
``service.listings`` and are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session

from servicecraft import catalogue
from servicecraft.service.cache import by_data_version
from servicecraft.service.figures import (
    DepartmentDetail,
    DepartmentStats,
    Histogram,
    Overview,
    PersonProfile,
    PersonRef,
    PersonStats,
    Ref,
    SkillCoverage,
    Stats,
    TeamDetail,
    TeamRef,
    TeamStats,
    WeakSkill,
)
from servicecraft.service.listings import (
    conversation_detail,
    conversation_rows,
    filter_options,
    hindrances,
    search_conversations,
)
from servicecraft.service.policy import (
    PermissionDenied,
    Viewer,
    may_see_department,
    may_see_organisation,
    may_see_person,
    may_see_team,
)
from servicecraft.store import SKILLS, ConversationDocument, Department, Person, Team, WeeklyStats
from servicecraft.store import Conversation as C
from servicecraft.store.schema import HISTOGRAM_BINS

__all__ = [
    "SORT_KEYS",
    "conversation_detail",
    "department_detail",
    "filter_options",
    "hindrances",
    "organisation_overview",
    "person_profile",
    "search_conversations",
    "team_detail",
]

W = WeeklyStats
KEYS = ("id", "week", "person_id", "team_id", "department_id")
SUMMED = [c for c in W.__table__.columns if c.name not in KEYS]
SORT_KEYS = catalogue.GROUP_SORTS
HISTOGRAM_EDGES = tuple(range(0, 101, 100 // HISTOGRAM_BINS))
G = TypeVar("G", bound=Stats)
EXAMPLE_WINDOW = 500  # recent conversations a weakest-skill example is picked from
EXAMPLE_CHECKS = 50  # of those, the lowest-scored whose evidence is looked at
# A skill is ranked among a person's weakest only when observed in at least this many of
# their conversations and this share of them: a mean of two is not a pattern.
MIN_OBSERVED = 5
MIN_COVERAGE = 0.1
MAX_WEEKS = 520


@dataclass
class _Group:
    """The summed aggregates of one group: over the whole window and per week."""

    total: dict[str, float] = field(default_factory=dict)
    weeks: dict[date, dict[str, float]] = field(default_factory=dict)


def _add(into: dict[str, float], values: Mapping[Any, Any]) -> None:
    for column in SUMMED:
        into[column.name] = into.get(column.name, 0) + (values.get(column.name) or 0)


def _fields(sums: dict[str, float]) -> dict[str, Any]:
    """Means and rates from counts and sums (None where there was nothing to count)."""
    n, scored, surveyed = (int(sums.get(k, 0)) for k in ("conversations", "scored", "surveyed"))

    def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
        return scale * part / whole if whole else None

    mean = ratio(sums.get("score_sum", 0), scored)
    spread = None
    if mean is not None:
        spread = math.sqrt(max(0.0, sums["score_squares"] / scored - mean * mean))
    return {
        "conversations": n,
        "score": mean,
        "score_sd": spread,
        "skills": {s: ratio(sums.get(f"{s}_sum", 0), sums.get(f"{s}_n", 0)) for s in SKILLS},
        "observed": {s: int(sums.get(f"{s}_n", 0)) for s in SKILLS},
        "coverage": {s: ratio(sums.get(f"{s}_n", 0), n) for s in SKILLS},
        "score_coverage": ratio(scored, n),
        "better_rate": ratio(sums.get("above", 0), scored),
        "one_touch": ratio(sums.get("one_touch", 0), n),
        "chasing": ratio(sums.get("chased", 0), n),
        "chasers_per_100": ratio(sums.get("chasers", 0), n, 100.0),
        "survey_coverage": ratio(surveyed, n),
        "csat": ratio(sums.get("csat_sum", 0), surveyed),
    }


def _build(
    cls: type[G],
    group: _Group | None,
    weeks: tuple[date, ...],
    before: _Group | None = None,
    **identity: Any,
) -> G:
    """A group's figures over ``weeks``, with ``before`` (the previous period) as ``previous``."""
    group = group or _Group()
    weekly = tuple(Stats(week=w, **_fields(group.weeks.get(w, {}))) for w in weeks)
    previous = Stats(**_fields(before.total)) if before is not None else None
    return cls(weekly=weekly, previous=previous, **_fields(group.total), **identity)


def _collect(
    session: Session, key: Any, where: ColumnElement[bool], weeks: tuple[date, ...]
) -> dict[Any, _Group]:
    """Sum the aggregates per value of ``key`` (None: one group, keyed 0) and week."""
    if not weeks:
        return {}
    window = and_(W.week >= weeks[0], W.week <= weeks[-1])
    label = (key if key is not None else literal(0)).label("g")
    groups = [key] if key is not None else []
    query = (
        select(label, W.week, *[func.sum(c).label(c.name) for c in SUMMED])
        .where(where, window)
        .group_by(*groups, W.week)
    )
    out: dict[Any, _Group] = {}
    for row in session.execute(query):
        group = out.setdefault(row.g, _Group())
        _add(group.total, row._mapping)
        if row.week is not None:
            _add(group.weeks.setdefault(row.week, {}), row._mapping)
    return out


@dataclass(frozen=True, slots=True)
class _Period:
    weeks: tuple[date, ...]  # Mondays, oldest first
    previous: tuple[date, ...]  # as many weeks, just before


def _period(session: Session, count: int, until: date | None) -> _Period:
    """The ``count`` weeks up to ``until``'s week (default: the latest with any conversation)."""
    if not 1 <= count <= MAX_WEEKS:
        raise ValueError(f"weeks must be from 1 to {MAX_WEEKS}")
    last: Any = until
    if last is None:
        last = session.execute(select(func.max(W.week))).scalar()
        if last is None:
            return _Period((), ())
        if isinstance(last, str):  # SQLite returns dates through func.max as text
            last = date.fromisoformat(last)
    last = last - timedelta(days=last.weekday())
    weeks = tuple(last - timedelta(weeks=count - 1 - i) for i in range(count))
    previous = tuple(w - timedelta(weeks=count) for w in weeks)
    return _Period(weeks, previous)


def _sorted(items: Iterable[G], sort: str | None) -> tuple[G, ...]:
    """Sorted by a whitelisted column ("-score": descending); missing values last."""
    order = catalogue.parse_sort(sort or "-score", SORT_KEYS)
    key = order.key

    def value(item: G) -> Any:
        if key in SKILLS:
            return item.skills.get(key)
        found = getattr(item, key)
        return found.casefold() if isinstance(found, str) else found

    items = list(items)
    present = [i for i in items if value(i) is not None]
    missing = [i for i in items if value(i) is None]
    return tuple(sorted(present, key=value, reverse=order.descending)) + tuple(missing)


def _sum_groups(groups: Iterable[_Group]) -> _Group:
    everything = _Group()
    for group in groups:
        _add(everything.total, group.total)
        for w, sums in group.weeks.items():
            _add(everything.weeks.setdefault(w, {}), sums)
    return everything


@by_data_version
def organisation_overview(
    session: Session, viewer: Viewer, weeks: int = 12, until: date | None = None
) -> Overview:
    """Every department's figures over ``weeks`` weeks up to ``until``, and the period before."""
    if not may_see_organisation(viewer):
        raise PermissionDenied("the organisation overview is for admins and reviewers")
    period = _period(session, weeks, until)
    week_list = period.weeks
    by_department = _collect(session, W.department_id, literal(True), week_list)
    before = _collect(session, W.department_id, literal(True), period.previous)
    everything = _sum_groups(by_department.values())
    teams = dict(
        session.execute(select(Team.department_id, func.count()).group_by(Team.department_id)).all()
    )
    people = dict(
        session.execute(
            select(Team.department_id, func.count(Person.id))
            .join(Person, Person.team_id == Team.id)
            .group_by(Team.department_id)
        ).all()
    )
    departments = tuple(
        _build(
            DepartmentStats,
            by_department.get(d.id),
            week_list,
            before.get(d.id, _Group()),
            id=d.id,
            name=d.name,
            teams=teams.get(d.id, 0),
            people=people.get(d.id, 0),
        )
        for d in session.execute(select(Department).order_by(Department.name)).scalars()
    )
    return Overview(
        weeks=week_list,
        previous_weeks=period.previous,
        totals=_build(Stats, everything, week_list, _sum_groups(before.values())),
        departments=departments,
    )


def _people(
    session: Session, where: ColumnElement[bool], week_list: tuple[date, ...], scope: Any
) -> list[PersonStats]:
    by_person = _collect(session, W.person_id, where, week_list)
    people = session.execute(
        select(Person.id, Person.name, Person.team_id, Team.name.label("team_name"))
        .join(Team, Team.id == Person.team_id)
        .where(scope)
    ).all()
    return [
        _build(
            PersonStats,
            by_person.get(p.id),
            week_list,
            id=p.id,
            name=p.name,
            team_id=p.team_id,
            team_name=p.team_name,
        )
        for p in people
    ]


@by_data_version
def department_detail(
    session: Session,
    viewer: Viewer,
    department_id: int,
    sort: str | None = "-score",
    weeks: int = 12,
    until: date | None = None,
) -> DepartmentDetail:
    department = session.get(Department, department_id)
    if department is None:
        raise LookupError(f"no department {department_id}")
    if not may_see_department(viewer, department_id):
        raise PermissionDenied("not your department")
    where = W.department_id == department_id
    period = _period(session, weeks, until)
    week_list = period.weeks
    by_team = _collect(session, W.team_id, where, week_list)
    teams = [
        _build(
            TeamStats,
            by_team.get(t.id),
            week_list,
            id=t.id,
            name=t.name,
            department_id=t.department_id,
        )
        for t in session.execute(select(Team).where(Team.department_id == department_id)).scalars()
    ]
    total = _collect(session, None, where, week_list).get(0)
    before = _collect(session, None, where, period.previous).get(0, _Group())
    return DepartmentDetail(
        department=Ref(department.id, department.name),
        weeks=week_list,
        previous_weeks=period.previous,
        totals=_build(Stats, total, week_list, before),
        teams=_sorted(teams, sort),
        people=_sorted(
            _people(session, where, week_list, Team.department_id == department_id), sort
        ),
    )


@by_data_version
def team_detail(
    session: Session,
    viewer: Viewer,
    team_id: int,
    sort: str | None = "-score",
    weeks: int = 12,
    until: date | None = None,
) -> TeamDetail:
    team = session.get(Team, team_id)
    if team is None:
        raise LookupError(f"no team {team_id}")
    department = session.get(Department, team.department_id)
    assert department is not None  # a foreign key, not null
    if not may_see_team(viewer, team.id, department.id):
        raise PermissionDenied("not your team")
    where = W.team_id == team_id
    period = _period(session, weeks, until)
    week_list = period.weeks
    total = _collect(session, None, where, week_list).get(0)
    before = _collect(session, None, where, period.previous).get(0, _Group())
    return TeamDetail(
        team=TeamRef(
            id=team.id, name=team.name, department_id=department.id, department_name=department.name
        ),
        weeks=week_list,
        previous_weeks=period.previous,
        totals=_build(Stats, total, week_list, before),
        people=_sorted(_people(session, where, week_list, Person.team_id == team_id), sort),
        histogram=Histogram(
            edges=HISTOGRAM_EDGES,
            person=(),
            team=tuple(
                int((total or _Group()).total.get(f"bin{i}", 0)) for i in range(HISTOGRAM_BINS)
            ),
        ),
    )


@by_data_version
def person_profile(
    session: Session, viewer: Viewer, person_id: int, weeks: int = 12, until: date | None = None
) -> PersonProfile:
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    team = session.get(Team, person.team_id)
    assert team is not None
    department = session.get(Department, team.department_id)
    assert department is not None
    if not may_see_person(viewer, person.id, team.id, department.id):
        raise PermissionDenied("not yours to see")
    period = _period(session, weeks, until)
    week_list = period.weeks
    mine = _collect(session, None, W.person_id == person_id, week_list).get(0) or _Group()
    theirs = _collect(session, None, W.team_id == team.id, week_list).get(0) or _Group()
    before = _collect(session, None, W.person_id == person_id, period.previous).get(0, _Group())
    totals = _build(Stats, mine, week_list, before)
    team_totals = _build(Stats, theirs, week_list)
    ranked, too_rare = _rankable(totals)
    weak = sorted(ranked, key=lambda s: totals.skills[s] or 0.0)[:3]
    weakest = tuple(
        WeakSkill(
            skill=skill,
            score=totals.skills[skill] or 0.0,
            team=team_totals.skills[skill],
            example=_example(session, person, skill),
            observed=totals.observed[skill],
            coverage=totals.coverage[skill] or 0.0,
        )
        for skill in weak
    )
    return PersonProfile(
        person=PersonRef(
            id=person.id,
            name=person.name,
            role=person.role,
            team_id=team.id,
            team_name=team.name,
            department_id=department.id,
            department_name=department.name,
        ),
        weeks=week_list,
        previous_weeks=period.previous,
        totals=totals,
        team_totals=team_totals,
        histogram=Histogram(
            edges=HISTOGRAM_EDGES,
            person=tuple(int(mine.total.get(f"bin{i}", 0)) for i in range(HISTOGRAM_BINS)),
            team=tuple(int(theirs.total.get(f"bin{i}", 0)) for i in range(HISTOGRAM_BINS)),
        ),
        weakest=weakest,
        too_rare=too_rare,
        best=conversation_rows(
            session,
            C.person_id == person_id,
            order=(C.score.desc(), C.id),
            limit=5,
            scored=True,
        ),
        recent=conversation_rows(
            session, C.person_id == person_id, order=(C.started_at.desc(), C.id.desc()), limit=5
        ),
    )


def _rankable(totals: Stats) -> tuple[list[str], tuple[SkillCoverage, ...]]:
    """The skills observed often enough to rank, and those observed too rarely."""
    ranked, too_rare = [], []
    for skill in SKILLS:
        observed, coverage = totals.observed.get(skill, 0), totals.coverage.get(skill)
        if observed >= MIN_OBSERVED and (coverage or 0.0) >= MIN_COVERAGE:
            ranked.append(skill)
        elif totals.conversations:
            too_rare.append(SkillCoverage(skill=skill, observed=observed, coverage=coverage))
    return ranked, tuple(too_rare)


def _example(session: Session, person: Person, skill: str) -> str | None:
    """The person's lowest-scored recent conversation on ``skill`` whose evidence for it
    quotes one of the person's own messages; a score without such evidence shows nothing
    to practise (a conversation scored before `rescore`, or the words of another agent)."""
    column = getattr(C, skill)
    recent = (
        select(C.id, column.label("value"))
        .where(C.person_id == person.id)
        .order_by(C.started_at.desc(), C.id.desc())
        .limit(EXAMPLE_WINDOW)
        .subquery()
    )
    lowest = session.execute(
        select(recent.c.id, ConversationDocument.scorecard)
        .join(ConversationDocument, ConversationDocument.conversation_id == recent.c.id)
        .where(recent.c.value.is_not(None))
        .order_by(recent.c.value, recent.c.id)
        .limit(EXAMPLE_CHECKS)
    )
    for cid, document in lowest:
        if _own_evidence(orjson.loads(document), skill, person.name):
            return str(cid)
    return None


def _own_evidence(card: Mapping[str, Any], skill: str, author: str) -> bool:
    result = card.get("skills", {}).get(skill) or {}
    if result.get("score") is None or result.get("observed") is False:
        return False
    messages = card.get("messages") or []
    for evidence in result.get("evidence") or []:
        index = evidence.get("message")
        in_range = isinstance(index, int) and 0 <= index < len(messages)
        if in_range and (messages[index].get("author") or "").casefold() == author.casefold():
            return True
    return False
