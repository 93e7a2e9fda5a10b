"""Conversation listings: search, one conversation, and the hindrances cited, per viewer.

These read the conversations table itself (through its indexes), unlike the
dashboards' totals which read the weekly aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from servicecraft import catalogue
from servicecraft.service.figures import (
    ConversationDetail,
    ConversationRow,
    FilterOptions,
    HindranceGroup,
    Hindrances,
    Ref,
    SearchPage,
)
from servicecraft.service.policy import (
    PermissionDenied,
    Viewer,
    department_scope,
    group_scope,
    may_see_conversation,
    may_see_hindrances,
    person_scope,
    row_scope,
    sees_everything,
    team_scope,
)
from servicecraft.store import (
    SKILLS,
    ConversationDocument,
    Department,
    HindranceRow,
    Person,
    Team,
    WeeklyStats,
)
from servicecraft.store import Conversation as C

# The conditions behind the catalogue's named filters.
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
SEARCH_SORTS = {key: getattr(C, key) for key in catalogue.CONVERSATION_SORTS}
MAX_PAGE_SIZE = 500
COUNT_CAP = 10_000
SNIPPET = 140  # characters of the opening message shown in lists
EXAMPLES = 20


def conversation_rows(
    session: Session,
    where: ColumnElement[bool],
    *,
    order: Sequence[Any],
    limit: int,
    offset: int = 0,
    scored: bool = False,
    documents: bool = False,
    snippets: bool = False,
) -> tuple[ConversationRow, ...]:
    query = (
        select(C, Person.name, Team.name)
        .outerjoin(Person, Person.id == C.person_id)
        .outerjoin(Team, Team.id == C.team_id)
        .where(where, C.score.is_not(None) if scored else true())
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    rows = session.execute(query).all()
    cards: dict[str, Any] = {}
    if documents and rows:
        found = session.execute(
            select(ConversationDocument.conversation_id, ConversationDocument.scorecard).where(
                ConversationDocument.conversation_id.in_([r[0].id for r in rows])
            )
        )
        cards = {cid: orjson.loads(card) for cid, card in found}
    openings: dict[str, str | None] = {}
    if snippets and rows:
        found = session.execute(
            select(ConversationDocument.conversation_id, ConversationDocument.conversation).where(
                ConversationDocument.conversation_id.in_([r[0].id for r in rows])
            )
        )
        openings = {cid: _snippet(orjson.loads(doc)) for cid, doc in found}
    return tuple(
        ConversationRow(
            id=c.id,
            started_at=c.started_at,
            score=c.score,
            person_id=c.person_id,
            person_name=person_name,
            team_name=team_name,
            skills={skill: getattr(c, skill) for skill in SKILLS},
            one_touch=c.one_touch,
            chasers=c.chasers,
            handoffs=c.handoffs,
            csat=c.csat,
            predicted_resolution=c.predicted_resolution,
            scorecard=cards.get(c.id),
            channel=c.channel,
            snippet=openings.get(c.id),
        )
        for c, person_name, team_name in rows
    )


def _snippet(conversation: dict[str, Any], limit: int = SNIPPET) -> str | None:
    """What the customer first said (or the first message), cut at a word near ``limit``."""
    messages = [m for m in conversation.get("messages", []) if m.get("public", True)]
    first = next((m for m in messages if m.get("role") == "customer"), None)
    first = first or (messages[0] if messages else None)
    if first is None:
        return None
    text = " ".join(str(first.get("text", "")).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def conversation_detail(
    session: Session, viewer: Viewer, conversation_id: str
) -> ConversationDetail:
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
    if not may_see_conversation(
        viewer, conversation.person_id, conversation.team_id, conversation.department_id
    ):
        raise PermissionDenied("not yours to see")
    return ConversationDetail(
        conversation=orjson.loads(document.conversation),
        scorecard=orjson.loads(document.scorecard),
        started_at=conversation.started_at,
        person_id=conversation.person_id,
        person_name=person_name,
        team_id=conversation.team_id,
        team_name=team_name,
        department_id=conversation.department_id,
        department_name=department_name,
    )


def hindrances(
    session: Session, viewer: Viewer, limit: int = 200, *, team_id: int | None = None
) -> Hindrances:
    """Policies and systems cited, grouped by what was said, most cited first (of one team's
    conversations with ``team_id``)."""
    if not may_see_hindrances(viewer):
        raise PermissionDenied("hindrances are for leads, reviewers and admins")
    h = HindranceRow
    where = group_scope(viewer, h)
    if team_id is not None:
        where = and_(where, h.team_id == team_id)
    groups = session.execute(
        select(h.key, h.kind, h.department_id, func.count().label("n"), func.min(h.text))
        .where(where)
        .group_by(h.key, h.kind, h.department_id)
        .order_by(func.count().desc(), h.key, h.kind)
        .limit(limit)
    ).all()
    # Example conversations for every group shown, in one query rather than one per group.
    keys = {g.key for g in groups}
    ranked = (
        select(
            h.key,
            h.kind,
            h.department_id,
            h.conversation_id,
            func.row_number()
            .over(partition_by=(h.key, h.kind, h.department_id), order_by=h.conversation_id)
            .label("rank"),
        )
        .where(where, h.key.in_(keys))
        .subquery()
    )
    examples: dict[tuple[Any, ...], list[str]] = {}
    for key, kind, department_id, cid, _ in session.execute(
        select(ranked).where(ranked.c.rank <= EXAMPLES)
    ):
        examples.setdefault((key, kind, department_id), []).append(cid)
    names = dict(session.execute(select(Department.id, Department.name)).all())
    by_kind = dict(
        session.execute(select(h.kind, func.count()).where(where).group_by(h.kind)).all()
    )
    return Hindrances(
        total=sum(by_kind.values()),
        by_kind=by_kind,
        groups=tuple(
            HindranceGroup(
                key=key,
                text=text,
                kind=kind,
                department=None if department_id is None else names.get(department_id),
                count=n,
                conversations=tuple(examples.get((key, kind, department_id), [])),
            )
            for key, kind, department_id, n, text in groups
        ),
    )


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
    min_skill: float | None = None,
    max_skill: float | None = None,
    metric: str | None = None,
    one_touch: bool | None = None,
    min_chasers: int | None = None,
    min_handoffs: int | None = None,
    outcome: str | None = None,
    min_resolution: float | None = None,
    max_resolution: float | None = None,
    sort: str = "-started_at",
    page: int = 1,
    page_size: int = 50,
    with_documents: bool = False,
    with_snippets: bool = False,
) -> SearchPage:
    """Conversations matching every filter given that the viewer may read.

    ``min_score``/``max_score`` bound the overall score, or ``skill``'s score when a
    skill is named (the web form's and API's contract); ``min_skill``/``max_skill``
    bound ``skill``'s score always. ``sort`` is a column of SEARCH_SORTS, "-" for
    descending; rows without a value come last either way. ``total`` is exact when
    only who-filters apply (read from the weekly aggregates), else counted up to
    COUNT_CAP with ``exact`` False past it. Unknown skill, metric, outcome or sort
    names are a ValueError.
    """
    if skill is not None and skill not in SKILLS:
        raise ValueError(f"unknown skill {skill!r}")
    if (min_skill is not None or max_skill is not None) and skill is None:
        raise ValueError("min_skill/max_skill need a skill")
    if metric is not None and metric not in METRIC_FILTERS:
        raise ValueError(f"unknown metric filter {metric!r}")
    if outcome is not None and outcome not in OUTCOME_FILTERS:
        raise ValueError(f"unknown outcome filter {outcome!r}")
    order_by = catalogue.parse_sort(sort, SEARCH_SORTS)
    order = SEARCH_SORTS[order_by.key]
    clauses: list[ColumnElement[bool]] = [row_scope(viewer, C)]
    for column, value in ((C.person_id, person_id), (C.team_id, team_id)):
        if value is not None:
            clauses.append(column == value)
    if department_id is not None:
        clauses.append(C.department_id == department_id)
    if date_from is not None:
        clauses.append(C.started_at >= datetime.combine(date_from, time.min))
    if date_to is not None:
        clauses.append(C.started_at < datetime.combine(date_to + timedelta(days=1), time.min))
    target: Any = getattr(C, skill) if skill else C.score
    skill_column: Any = getattr(C, skill) if skill else None
    bounds: tuple[tuple[Any, float | None, float | None], ...] = (
        (target, min_score, max_score),
        (skill_column, min_skill, max_skill),
        (C.predicted_resolution, min_resolution, max_resolution),
    )
    for bounded, low, high in bounds:
        if low is not None:
            clauses.append(bounded >= low)
        if high is not None:
            clauses.append(bounded <= high)
    if metric is not None:
        clauses.append(METRIC_FILTERS[metric])
    if outcome is not None:
        clauses.append(OUTCOME_FILTERS[outcome])
    if one_touch is not None:
        clauses.append(C.one_touch.is_(one_touch))
    if min_chasers is not None:
        clauses.append(C.chasers >= min_chasers)
    if min_handoffs is not None:
        clauses.append(C.handoffs >= min_handoffs)
    where = and_(*clauses)
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    only_scope = len(clauses) == 1 + sum(v is not None for v in (person_id, team_id, department_id))
    total, exact = _total(session, viewer, where, only_scope, person_id, team_id, department_id)
    rows = _page(
        session,
        where,
        order,
        descending=order_by.descending,
        offset=(page - 1) * page_size,
        limit=page_size,
        documents=with_documents,
        snippets=with_snippets,
    )
    return SearchPage(total=total, exact=exact, page=page, page_size=page_size, rows=rows)


def _total(
    session: Session,
    viewer: Viewer,
    where: ColumnElement[bool],
    only_scope: bool,
    person_id: int | None,
    team_id: int | None,
    department_id: int | None,
) -> tuple[int, bool]:
    """How many match: exact from the weekly aggregates when only who-filters apply,
    else counted up to COUNT_CAP (counting a million rows per page view is what makes
    search slow on PostgreSQL; past the cap the page says "10,000+")."""
    if only_scope:
        w = WeeklyStats
        clauses: list[ColumnElement[bool]] = []
        if not sees_everything(viewer):
            clauses.append(row_scope(viewer, w))
        for column, value in ((w.person_id, person_id), (w.team_id, team_id)):
            if value is not None:
                clauses.append(column == value)
        if department_id is not None:
            clauses.append(w.department_id == department_id)
        found = session.execute(select(func.sum(w.conversations)).where(*clauses)).scalar()
        return int(found or 0), True
    capped = select(C.id).where(where).limit(COUNT_CAP + 1).subquery()
    found = session.execute(select(func.count()).select_from(capped)).scalar() or 0
    return min(int(found), COUNT_CAP), found <= COUNT_CAP


def _page(
    session: Session,
    where: ColumnElement[bool],
    order: Any,
    *,
    descending: bool,
    offset: int,
    limit: int,
    documents: bool,
    snippets: bool = False,
) -> tuple[ConversationRow, ...]:
    """One page sorted by ``order`` with rows lacking a value last, on both databases.

    The rows with a value come first, in index order (no NULLS LAST in the ORDER BY,
    which PostgreSQL cannot serve from a plain index), then those without, by id.
    """
    direction = (order.desc(), C.id.desc()) if descending else (order.asc(), C.id.asc())
    rows = conversation_rows(
        session,
        and_(where, order.is_not(None)),
        order=direction,
        limit=limit,
        offset=offset,
        documents=documents,
        snippets=snippets,
    )
    if len(rows) == limit:
        return rows
    if rows:
        valued = offset + len(rows)
    else:
        count = select(func.count()).select_from(C).where(where, order.is_not(None))
        valued = int(session.execute(count).scalar() or 0)
    return rows + conversation_rows(
        session,
        and_(where, order.is_(None)),
        order=(C.id,),
        limit=limit - len(rows),
        offset=max(0, offset - valued),
        documents=documents,
        snippets=snippets,
    )


def filter_options(session: Session, viewer: Viewer) -> FilterOptions:
    """The departments, teams and people a viewer may filter by."""
    departments = (
        select(Department.id, Department.name)
        .where(department_scope(viewer, Department.id))
        .order_by(Department.name)
    )
    teams = (
        select(Team.id, Team.name)
        .where(team_scope(viewer, Team.id, Team.department_id))
        .order_by(Team.name)
    )
    people = (
        select(Person.id, Person.name)
        .join(Team, Team.id == Person.team_id)
        .where(person_scope(viewer, Person.id, Team.id, Team.department_id))
    )
    return FilterOptions(
        departments=tuple(Ref(i, n) for i, n in session.execute(departments)),
        teams=tuple(Ref(i, n) for i, n in session.execute(teams)),
        people=tuple(Ref(i, n) for i, n in session.execute(people.order_by(Person.name))),
    )
