"""Dashboard read queries, filtered by who is asking.

Every figure is an SQL aggregate over the conversations table (indexed by team,
department and person with the week), so the work stays in the database. "Better
than average, every time" is the share of a group's conversations that scored above
their team's mean for the same week.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from servicecraft.service.viewer import PermissionDenied, Viewer
from servicecraft.store import SKILLS, ConversationDocument, Department, HindranceRow, Person, Team
from servicecraft.store import Conversation as C

SORT_KEYS = (
    "name",
    "conversations",
    "score",
    "better_rate",
    "one_touch",
    "chasing",
    "survey_coverage",
    "csat",
)
METRIC_FILTERS = {
    "not_one_touch": C.one_touch.is_(False),
    "chased": C.chasers > 0,
    "handoff": C.handoffs > 0,
    "hindrance": C.hindrance_count > 0,
}
OUTCOME_FILTERS = {
    "unresolved": C.predicted_resolution < 0,
    "dissatisfied": C.predicted_satisfaction < 0,
}
HISTOGRAM_EDGES = list(range(0, 101, 10))


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    """The conversations a viewer may read."""
    if viewer.sees_everything:
        return true()
    if viewer.role == "lead":
        clauses = []
        if viewer.department_id is not None:
            clauses.append(C.department_id == viewer.department_id)
        if viewer.team_id is not None:
            clauses.append(C.team_id == viewer.team_id)
        return or_(*clauses) if clauses else false()
    if viewer.role == "agent" and viewer.person_id is not None:
        return C.person_id == viewer.person_id
    return false()


def _may_see(
    viewer: Viewer, person_id: int | None, team_id: int | None, department_id: int | None
) -> bool:
    if viewer.sees_everything:
        return True
    if viewer.role == "lead":
        return (viewer.department_id is not None and viewer.department_id == department_id) or (
            viewer.team_id is not None and viewer.team_id == team_id
        )
    return viewer.role == "agent" and person_id is not None and viewer.person_id == person_id


def _aggregates(team_mean: Any) -> list[Any]:
    ratio = lambda condition: func.avg(case((condition, 1.0), else_=0.0))  # noqa: E731
    above = case((C.score.is_(None), None), (C.score > team_mean.c.mean, 1.0), else_=0.0)
    return [
        func.count().label("conversations"),
        func.avg(C.score).label("score"),
        *[func.avg(getattr(C, skill)).label(skill) for skill in SKILLS],
        func.avg(above).label("better_rate"),
        ratio(C.one_touch.is_(True)).label("one_touch"),
        ratio(C.chasers > 0).label("chasing"),
        ratio(C.csat.is_not(None)).label("survey_coverage"),
        func.avg(C.csat).label("csat"),
    ]


def _team_week_mean() -> Any:
    return (
        select(C.team_id, C.week, func.avg(C.score).label("mean"))
        .group_by(C.team_id, C.week)
        .subquery()
    )


def _stats(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    stats = {k: data.get(k) for k in SORT_KEYS if k != "name"}
    stats["conversations"] = int(stats["conversations"] or 0)
    stats["skills"] = {skill: data.get(skill) for skill in SKILLS}
    return stats


def _empty() -> dict[str, Any]:
    stats: dict[str, Any] = {k: None for k in SORT_KEYS if k != "name"}
    stats["conversations"] = 0
    stats["skills"] = dict.fromkeys(SKILLS)
    return stats


def _grouped(
    session: Session, group: Any, where: ColumnElement[bool], weeks: list[date]
) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]]:
    """Totals over the weeks shown and a weekly series, per value of ``group`` (None: one group)."""
    tm = _team_week_mean()
    window = C.week >= weeks[0] if weeks else true()
    key = (group if group is not None else literal_column("0")).label("g")
    base = select(key, *_aggregates(tm)).outerjoin(
        tm, and_(tm.c.team_id == C.team_id, tm.c.week == C.week)
    )
    groups = [group] if group is not None else []
    totals = {
        r.g: _stats(r)
        for r in session.execute(base.where(where, window).group_by(*groups))
        if r.conversations
    }
    weekly_rows = session.execute(
        base.add_columns(C.week.label("wk")).where(where, window).group_by(*groups, C.week)
    ).all()
    series: dict[Any, dict[date, dict[str, Any]]] = {}
    for r in weekly_rows:
        series.setdefault(r.g, {})[r.wk] = _stats(r)
    for k, stats in totals.items():
        stats["weekly"] = [dict(series.get(k, {}).get(w) or _empty(), week=w) for w in weeks]
    return totals, series


def _overall(session: Session, where: ColumnElement[bool], weeks: list[date]) -> dict[str, Any]:
    totals, _ = _grouped(session, None, where, weeks)
    return _with_weekly(next(iter(totals.values()), None), weeks)


def _weeks(session: Session, where: ColumnElement[bool], count: int) -> list[date]:
    last = session.execute(select(func.max(C.week)).where(where)).scalar()
    if last is None:
        return []
    if isinstance(last, str):  # SQLite returns dates through func.max as text
        last = date.fromisoformat(last)
    return [last - timedelta(weeks=count - 1 - i) for i in range(count)]


def _with_weekly(stats: dict[str, Any] | None, weeks: list[date]) -> dict[str, Any]:
    if stats is not None:
        return stats
    empty = _empty()
    empty["weekly"] = [dict(_empty(), week=w) for w in weeks]
    return empty


def _sorted(items: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    key = (sort or "-score").lstrip("-")
    if key not in SORT_KEYS:
        key = "score"
    reverse = (sort or "-score").startswith("-")
    present = [i for i in items if i.get(key) is not None]
    missing = [i for i in items if i.get(key) is None]
    return sorted(present, key=lambda i: i[key], reverse=reverse) + missing


def organisation_overview(session: Session, viewer: Viewer, weeks: int = 12) -> dict[str, Any]:
    if not viewer.sees_everything:
        raise PermissionDenied("the organisation overview is for admins and reviewers")
    week_list = _weeks(session, true(), weeks)
    totals, _ = _grouped(session, C.department_id, true(), week_list)
    counts = dict(
        session.execute(select(Team.department_id, func.count()).group_by(Team.department_id)).all()
    )
    people = dict(
        session.execute(
            select(Team.department_id, func.count(Person.id))
            .join(Person, Person.team_id == Team.id)
            .group_by(Team.department_id)
        ).all()
    )
    departments = [
        dict(
            id=d.id,
            name=d.name,
            teams=counts.get(d.id, 0),
            people=people.get(d.id, 0),
            **_with_weekly(totals.get(d.id), week_list),
        )
        for d in session.execute(select(Department).order_by(Department.name)).scalars()
    ]
    return {
        "weeks": week_list,
        "totals": _overall(session, true(), week_list),
        "departments": departments,
    }


def _people_stats(
    session: Session,
    where: ColumnElement[bool],
    people: list[Any],
    weeks: list[date],
    sort: str | None,
) -> list[dict[str, Any]]:
    by_person, _ = _grouped(session, C.person_id, where, weeks)
    rows = [
        dict(
            id=p.id,
            name=p.name,
            team_id=p.team_id,
            team_name=p.team_name,
            **_with_weekly(by_person.get(p.id), weeks),
        )
        for p in people
    ]
    return _sorted(rows, sort)


def department_detail(
    session: Session,
    viewer: Viewer,
    department_id: int,
    sort: str | None = "-score",
    weeks: int = 12,
) -> dict[str, Any]:
    department = session.get(Department, department_id)
    if department is None:
        raise LookupError(f"no department {department_id}")
    if not (
        viewer.sees_everything or (viewer.role == "lead" and viewer.department_id == department_id)
    ):
        raise PermissionDenied("not your department")
    where = C.department_id == department_id
    week_list = _weeks(session, true(), weeks)
    by_team, _ = _grouped(session, C.team_id, where, week_list)
    teams = [
        dict(id=t.id, name=t.name, **_with_weekly(by_team.get(t.id), week_list))
        for t in session.execute(
            select(Team).where(Team.department_id == department_id).order_by(Team.name)
        ).scalars()
    ]
    people = session.execute(
        select(Person.id, Person.name, Person.team_id, Team.name.label("team_name"))
        .join(Team, Team.id == Person.team_id)
        .where(Team.department_id == department_id)
    ).all()
    return {
        "department": {"id": department.id, "name": department.name},
        "weeks": week_list,
        "totals": _overall(session, where, week_list),
        "teams": _sorted(teams, sort),
        "people": _people_stats(session, where, list(people), week_list, sort),
    }


def team_detail(
    session: Session, viewer: Viewer, team_id: int, sort: str | None = "-score", weeks: int = 12
) -> dict[str, Any]:
    team = session.get(Team, team_id)
    if team is None:
        raise LookupError(f"no team {team_id}")
    department = session.get(Department, team.department_id)
    assert department is not None
    if not _may_see(viewer, None, team.id, department.id) or viewer.role == "agent":
        raise PermissionDenied("not your team")
    where = C.team_id == team_id
    week_list = _weeks(session, true(), weeks)
    people = session.execute(
        select(Person.id, Person.name, Person.team_id, Team.name.label("team_name"))
        .join(Team, Team.id == Person.team_id)
        .where(Person.team_id == team_id)
    ).all()
    return {
        "team": {
            "id": team.id,
            "name": team.name,
            "department_id": department.id,
            "department_name": department.name,
        },
        "weeks": week_list,
        "totals": _overall(session, where, week_list),
        "people": _people_stats(session, where, list(people), week_list, sort),
    }


def _histogram(session: Session, where: ColumnElement[bool]) -> list[int]:
    bucket = case((C.score >= 100, 9), else_=func.floor(C.score / 10))
    counts = dict(
        session.execute(
            select(bucket, func.count()).where(where, C.score.is_not(None)).group_by(bucket)
        ).all()
    )
    return [int(counts.get(i, 0) or counts.get(float(i), 0)) for i in range(10)]


def person_profile(
    session: Session, viewer: Viewer, person_id: int, weeks: int = 12
) -> dict[str, Any]:
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    team = session.get(Team, person.team_id)
    assert team is not None
    department = session.get(Department, team.department_id)
    assert department is not None
    if not _may_see(viewer, person.id, team.id, department.id):
        raise PermissionDenied("not yours to see")
    mine, theirs = C.person_id == person_id, C.team_id == team.id
    week_list = _weeks(session, true(), weeks)
    totals = _overall(session, mine, week_list)
    team_totals = _overall(session, theirs, week_list)
    weakest = []
    for skill in sorted(
        (s for s in SKILLS if totals["skills"][s] is not None), key=lambda s: totals["skills"][s]
    )[:3]:
        column = getattr(C, skill)
        example = session.execute(
            select(C.id).where(mine, column.is_not(None)).order_by(column, C.id).limit(1)
        ).scalar()
        weakest.append(
            {
                "skill": skill,
                "score": totals["skills"][skill],
                "team": team_totals["skills"][skill],
                "example": example,
            }
        )
    return {
        "person": {
            "id": person.id,
            "name": person.name,
            "team_id": team.id,
            "team_name": team.name,
            "department_id": department.id,
            "department_name": department.name,
        },
        "weeks": week_list,
        "totals": totals,
        "team_totals": team_totals,
        "histogram": {
            "edges": HISTOGRAM_EDGES,
            "person": _histogram(session, mine),
            "team": _histogram(session, theirs),
        },
        "weakest": weakest,
        "best": _rows(
            session,
            _listing().where(mine, C.score.is_not(None)).order_by(C.score.desc(), C.id).limit(5),
        ),
        "recent": _rows(
            session, _listing().where(mine).order_by(C.started_at.desc(), C.id).limit(5)
        ),
    }


def _listing() -> Select[Any]:
    return (
        select(C, Person.name.label("person_name"), Team.name.label("team_name"))
        .outerjoin(Person, Person.id == C.person_id)
        .outerjoin(Team, Team.id == C.team_id)
    )


def _rows(session: Session, query: Select[Any], documents: bool = False) -> list[dict[str, Any]]:
    rows = session.execute(query).all()
    cards: dict[str, Any] = {}
    if documents and rows:
        ids = [r[0].id for r in rows]
        docs = session.execute(
            select(ConversationDocument.conversation_id, ConversationDocument.scorecard).where(
                ConversationDocument.conversation_id.in_(ids)
            )
        )
        cards = {cid: orjson.loads(card) for cid, card in docs}
    out = []
    for conversation, person_name, team_name in rows:
        out.append(
            {
                "id": conversation.id,
                "started_at": conversation.started_at,
                "score": conversation.score,
                "person_id": conversation.person_id,
                "person_name": person_name,
                "team_name": team_name,
                "skills": {skill: getattr(conversation, skill) for skill in SKILLS},
                "one_touch": conversation.one_touch,
                "chasers": conversation.chasers,
                "handoffs": conversation.handoffs,
                "csat": conversation.csat,
                "scorecard": cards.get(conversation.id),
            }
        )
    return out


def conversation_detail(session: Session, viewer: Viewer, conversation_id: str) -> dict[str, Any]:
    row = session.execute(
        select(C, ConversationDocument, Person.name, Team.name, Department.name)
        .join(ConversationDocument, ConversationDocument.conversation_id == C.id)
        .outerjoin(Person, Person.id == C.person_id)
        .outerjoin(Team, Team.id == C.team_id)
        .outerjoin(Department, Department.id == C.department_id)
        .where(C.id == conversation_id)
    ).first()
    if row is None:
        raise LookupError(f"no conversation {conversation_id!r}")
    conversation, document, person_name, team_name, department_name = row
    if not _may_see(
        viewer, conversation.person_id, conversation.team_id, conversation.department_id
    ):
        raise PermissionDenied("not yours to see")
    return {
        "conversation": orjson.loads(document.conversation),
        "scorecard": orjson.loads(document.scorecard),
        "started_at": conversation.started_at,
        "person_id": conversation.person_id,
        "person_name": person_name,
        "team_id": conversation.team_id,
        "team_name": team_name,
        "department_id": conversation.department_id,
        "department_name": department_name,
    }


def hindrances(session: Session, viewer: Viewer, limit: int = 200) -> dict[str, Any]:
    if viewer.role == "agent":
        raise PermissionDenied("hindrances are for leads, reviewers and admins")
    h = HindranceRow
    if viewer.sees_everything:
        where: ColumnElement[bool] = true()
    else:
        where = or_(
            h.department_id == viewer.department_id
            if viewer.department_id is not None
            else false(),
            h.team_id == viewer.team_id if viewer.team_id is not None else false(),
        )
    groups_query = (
        select(
            h.key, h.kind, Department.name, func.count().label("n"), func.min(h.text).label("text")
        )
        .outerjoin(Department, Department.id == h.department_id)
        .where(where)
        .group_by(h.key, h.kind, Department.name)
        .order_by(func.count().desc(), h.key)
        .limit(limit)
    )
    groups = []
    for key, kind, department, n, text in session.execute(groups_query):
        ids = (
            session.execute(
                select(h.conversation_id)
                .where(where, h.key == key, h.kind == kind)
                .order_by(h.conversation_id)
                .limit(20)
            )
            .scalars()
            .all()
        )
        groups.append(
            {
                "text": text,
                "kind": kind,
                "department": department,
                "count": n,
                "conversations": list(ids),
            }
        )
    by_kind = dict(
        session.execute(select(h.kind, func.count()).where(where).group_by(h.kind)).all()
    )
    return {"total": sum(by_kind.values()), "by_kind": by_kind, "groups": groups}


def search_conversations(
    session: Session,
    viewer: Viewer,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    department_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    skill: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    metric: str | None = None,
    outcome: str | None = None,
    page: int = 1,
    page_size: int = 50,
    with_documents: bool = False,
) -> dict[str, Any]:
    """Conversations matching every filter given, newest first, that the viewer may read."""
    clauses: list[ColumnElement[bool]] = [_scope(viewer)]
    for column, value in (
        (C.person_id, person_id),
        (C.team_id, team_id),
        (C.department_id, department_id),
    ):
        if value is not None:
            clauses.append(column == value)
    if date_from is not None:
        clauses.append(C.started_at >= datetime.combine(date_from, time.min))
    if date_to is not None:
        clauses.append(C.started_at < datetime.combine(date_to + timedelta(days=1), time.min))
    target = getattr(C, skill) if skill in SKILLS else C.score
    if min_score is not None:
        clauses.append(target >= min_score)
    if max_score is not None:
        clauses.append(target <= max_score)
    if metric in METRIC_FILTERS:
        clauses.append(METRIC_FILTERS[metric])
    if outcome in OUTCOME_FILTERS:
        clauses.append(OUTCOME_FILTERS[outcome])
    where = and_(*clauses)
    total = session.execute(select(func.count()).select_from(C).where(where)).scalar() or 0
    page = max(page, 1)
    query = (
        _listing()
        .where(where)
        .order_by(C.started_at.desc(), C.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return {"total": int(total), "rows": _rows(session, query, documents=with_documents)}


def filter_options(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The departments, teams and people a viewer may filter by."""
    departments = select(Department.id, Department.name).order_by(Department.name)
    teams = select(Team.id, Team.name, Team.department_id).order_by(Team.name)
    people = (
        select(Person.id, Person.name, Team.id.label("team_id"), Team.department_id)
        .join(Team, Team.id == Person.team_id)
        .order_by(Person.name)
    )
    if viewer.role == "lead":
        departments = departments.where(Department.id == viewer.department_id)
        teams = teams.where(
            or_(Team.department_id == viewer.department_id, Team.id == viewer.team_id)
        )
        people = people.where(
            or_(Team.department_id == viewer.department_id, Team.id == viewer.team_id)
        )
    elif not viewer.sees_everything:
        departments, teams, people = (
            departments.where(false()),
            teams.where(false()),
            people.where(Person.id == viewer.person_id),
        )
    return {
        "departments": [{"id": i, "name": n} for i, n in session.execute(departments)],
        "teams": [{"id": i, "name": n} for i, n, _ in session.execute(teams)],
        "people": [{"id": i, "name": n} for i, n, _, _ in session.execute(people)],
    }
