"""The weekly aggregates: recomputed per (team, week) cell from the conversations in it.

A cell is recomputed whole rather than adjusted by deltas because one figure, the
count of conversations above their team's mean that week, depends on every
conversation in the cell: a new one moves the mean for all the others. Imports touch
few cells per batch when conversations arrive roughly in time order, and the
recomputation runs in the batch's own transaction, so aggregates and conversations
never disagree, even after an interrupted import.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.orm import Session

from servicecraft.model import SKILLS
from servicecraft.store.schema import HISTOGRAM_BINS, Conversation, DataVersion, WeeklyStats

C = Conversation.__table__
W = cast(Table, WeeklyStats.__table__)
Cell = tuple[int | None, date | None]
# Any constant shared by every writer: PostgreSQL serialises aggregate refreshes on it.
_ADVISORY_LOCK = 0x5C_0A66
# Scores have one decimal; a mean summed in another row order can land a hair below a
# score equal to it (52.19999999999999), which must not count as "above" on one run and
# not on the next.
_MEAN_ROUNDING = 1e-6


def _cells_filter(table: Any, cells: Iterable[Cell]) -> ColumnElement[bool]:
    """Rows whose team is one of the cells' teams and week one of their weeks.

    A superset of the cells (their cross product) is harmless: the same filter picks
    the rows to delete and the conversations to recompute them from.
    """
    teams = {team for team, _ in cells}
    weeks = {week for _, week in cells}
    return and_(_in(table.c.team_id, teams), _in(table.c.week, weeks))


def _in(column: Any, values: set[Any]) -> ColumnElement[bool]:
    known = sorted(v for v in values if v is not None)
    clauses = [column.in_(known)] if known else []
    if None in values:
        clauses.append(column.is_(None))
    return or_(*clauses) if clauses else column.is_(None) & column.is_not(None)


def _summary(where: ColumnElement[bool]) -> Any:
    """SELECT producing weekly_stats rows from the conversations matching ``where``."""
    inner = select(
        C.c.week,
        C.c.person_id,
        C.c.team_id,
        C.c.department_id,
        C.c.score,
        C.c.one_touch,
        C.c.chasers,
        C.c.handoffs,
        C.c.csat,
        *[C.c[skill] for skill in SKILLS],
        func.avg(C.c.score).over(partition_by=(C.c.team_id, C.c.week)).label("team_mean"),
    ).where(where)
    s = inner.subquery()

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0.0)

    bins = []
    for i in range(HISTOGRAM_BINS):
        low = s.c.score >= 10 * i if i else true()
        high = s.c.score < 10 * (i + 1) if i < HISTOGRAM_BINS - 1 else true()
        bins.append(count_if(and_(s.c.score.is_not(None), low, high)).label(f"bin{i}"))
    columns = [
        s.c.week,
        s.c.person_id,
        s.c.team_id,
        s.c.department_id,
        func.count().label("conversations"),
        func.count(s.c.score).label("scored"),
        count_if(s.c.score > s.c.team_mean + _MEAN_ROUNDING).label("above"),
        count_if(s.c.one_touch.is_(True)).label("one_touch"),
        count_if(s.c.chasers > 0).label("chased"),
        func.coalesce(func.sum(s.c.chasers), 0).label("chasers"),
        func.coalesce(func.sum(s.c.handoffs), 0).label("handoffs"),
        func.count(s.c.csat).label("surveyed"),
        total(s.c.score).label("score_sum"),
        total(s.c.score * s.c.score).label("score_squares"),
        total(s.c.csat).label("csat_sum"),
    ]
    for skill in SKILLS:
        columns.append(total(s.c[skill]).label(f"{skill}_sum"))
        columns.append(func.count(s.c[skill]).label(f"{skill}_n"))
    columns += bins
    return select(*columns).group_by(s.c.week, s.c.person_id, s.c.team_id, s.c.department_id)


def _replace(connection: Connection | Session, where_w: Any, where_c: Any) -> None:
    if _dialect(connection) == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    connection.execute(delete(W).where(where_w))
    query = _summary(where_c)
    connection.execute(insert(W).from_select([c.name for c in query.selected_columns], query))


def bump_version(connection: Connection | Session) -> None:
    """Tell the page caches that what the dashboards show changed (in the caller's transaction).

    In the same transaction as the change: a cache that sees the new version sees it too.
    """
    connection.execute(update(DataVersion).values(version=DataVersion.version + 1))


def _dialect(connection: Connection | Session) -> str:
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    return bind.dialect.name


def refresh(connection: Connection | Session, cells: Iterable[Cell]) -> None:
    """Recompute the aggregates of these (team_id, week) cells, in the caller's transaction."""
    cells = set(cells)
    if not cells:
        return
    if isinstance(connection, Session):
        connection.flush()  # the conversations just added must be visible to the SELECT
    _replace(connection, _cells_filter(W, cells), _cells_filter(C, cells))
    bump_version(connection)


def rebuild(connection: Connection | Session) -> None:
    """Recompute every aggregate (after a bulk load, or on a database that predates them)."""
    _replace(connection, true(), true())
    bump_version(connection)


def needs_rebuild(connection: Connection) -> bool:
    """Conversations but no aggregates: a database migrated from before they existed."""
    has_conversations = connection.execute(select(exists().select_from(C))).scalar()
    has_stats = connection.execute(select(exists().select_from(W))).scalar()
    return bool(has_conversations) and not has_stats
