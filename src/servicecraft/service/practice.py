"""Practice sessions in the app: start, reply, finish, history, and who may see which.

A session row keeps the trainee's replies; the simulator is deterministic, so each request
rebuilds the session by replaying them (a few milliseconds) instead of storing its state.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from servicecraft.engine import Engine
from servicecraft.model import SKILLS
from servicecraft.practice import PracticeResult, PracticeSession, Scenario
from servicecraft.practice import load_scenarios as _load_scenarios
from servicecraft.service.policy import (
    PermissionDenied,
    Viewer,
    may_see_practice,
    practice_scope,
)
from servicecraft.store import Person, PracticeSessionRow, Team, WeeklyStats

P = PracticeSessionRow
SessionRow = PracticeSessionRow  # the type shells annotate with (they import no store module)
MAX_REPLIES = 40  # a session longer than any scenario's max_turns is a mistake, not practice
HISTORY_LIMIT = 50


@lru_cache(maxsize=1)
def engine() -> Engine:
    """One engine per process: the rubric and the learned weights load once."""
    return Engine()


# An organisation's own scenario files or folders for the app, separated like PATH.
SCENARIOS_ENV = "SERVICECRAFT_SCENARIOS"


@lru_cache(maxsize=1)
def scenarios() -> dict[str, Scenario]:
    """The bundled scenarios plus those in $SERVICECRAFT_SCENARIOS (a bad file fails at start)."""
    extra = [p for p in os.environ.get(SCENARIOS_ENV, "").split(os.pathsep) if p]
    return _load_scenarios(extra)


def scenario(scenario_id: str) -> Scenario:
    found = scenarios().get(scenario_id)
    if found is None:
        raise LookupError(f"no scenario {scenario_id!r}")
    return found


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose practice a session counts as: the person, and the team and department leads see."""

    user_id: int | None
    person_id: int | None
    team_id: int | None
    department_id: int | None


def scope_of(session: Session, viewer: Viewer) -> Scope:
    """A login's own scope: their person's team, else the team or department they lead."""
    team_id, department_id = viewer.team_id, viewer.department_id
    if viewer.person_id is not None:
        person = session.get(Person, viewer.person_id)
        if person is not None:
            team = session.get(Team, person.team_id)
            team_id = person.team_id
            department_id = team.department_id if team else department_id
    elif team_id is not None and department_id is None:
        team = session.get(Team, team_id)
        department_id = team.department_id if team else None
    return Scope(viewer.user_id, viewer.person_id, team_id, department_id)


def may_see(viewer: Viewer, row: PracticeSessionRow) -> bool:
    return may_see_practice(viewer, row.user_id, row.team_id, row.department_id)


def visible(viewer: Viewer) -> ColumnElement[bool]:
    return practice_scope(viewer, P)


def start(
    session: Session,
    scope: Scope,
    scenario_id: str,
    *,
    plan_id: int | None = None,
    candidate_link_id: int | None = None,
    seed: int | None = None,
) -> PracticeSessionRow:
    """A new open session; the seed is random unless given (a replay uses the stored one)."""
    scenario(scenario_id)  # unknown ids fail here
    row = P(
        user_id=scope.user_id,
        person_id=scope.person_id,
        team_id=scope.team_id,
        department_id=scope.department_id,
        plan_id=plan_id,
        candidate_link_id=candidate_link_id,
        scenario_id=scenario_id,
        seed=random.SystemRandom().randrange(1_000_000) if seed is None else seed,
        replies="[]",
        started_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def get(
    session: Session, viewer: Viewer, session_id: int, *, for_update: bool = False
) -> PracticeSessionRow:
    """A session the viewer may see; ``for_update`` locks the row (PostgreSQL) so two
    replies sent at once from two tabs are applied one after the other, not one lost."""
    row = session.get(P, session_id, with_for_update=for_update)
    if row is None or (row.candidate_link_id is not None and viewer.role not in ("admin", "lead")):
        raise LookupError(f"no practice session {session_id}")
    if not may_see(viewer, row):
        raise PermissionDenied("not your practice session")
    return row


def replay(row: PracticeSessionRow) -> PracticeSession:
    """The live session, rebuilt from the stored replies."""
    live = PracticeSession(scenario(row.scenario_id), row.seed, engine())
    for text in json.loads(row.replies):
        live.reply(text)
    return live


def reply(session: Session, row: PracticeSessionRow, text: str) -> PracticeSession:
    """The trainee's next reply; finishes the session when the customer ends it.

    Only the session's own trainee may reply (a lead looking on may not); the caller checks.
    Raises ValueError for an empty or overlong reply, or a session that has ended.
    """
    if row.outcome is not None:
        raise ValueError("this session has ended")
    replies = json.loads(row.replies)
    if len(replies) >= MAX_REPLIES:
        raise ValueError("this session has reached its length limit")
    live = replay(row)
    live.reply(text)  # ValueError for empty or overlong text, before anything is stored
    row.replies = json.dumps([*replies, " ".join(text.split())])
    if live.ended:
        _store_result(row, live.finish())
    return live


def finish(session: Session, row: PracticeSessionRow) -> PracticeResult | None:
    """End an open session as it stands (the trainee stopped); None if it had ended."""
    if row.outcome is not None:
        return None
    result = replay(row).finish()
    _store_result(row, result)
    return result


def _store_result(row: PracticeSessionRow, result: PracticeResult) -> None:
    row.outcome = result.outcome
    row.score = result.scorecard.score
    for skill in SKILLS:
        skill_score = result.scorecard.skills.get(skill)
        setattr(row, skill, None if skill_score is None else skill_score.score)
    row.finished_at = now()
    row.result = json.dumps(result.to_dict())


def result_of(row: PracticeSessionRow) -> dict[str, Any] | None:
    return None if row.result is None else dict(json.loads(row.result))


def real_skill_means(session: Session, person_id: int | None) -> dict[str, float | None]:
    """The person's real conversations' mean score per skill (None where none was observed)."""
    if person_id is None:
        return dict.fromkeys(SKILLS)
    sums = session.execute(
        select(
            *[getattr(WeeklyStats, f"{s}_sum") for s in SKILLS],
            *[getattr(WeeklyStats, f"{s}_n") for s in SKILLS],
        ).where(WeeklyStats.person_id == person_id)
    ).all()
    means: dict[str, float | None] = {}
    for i, skill in enumerate(SKILLS):
        total = sum(r[i] or 0 for r in sums)
        count = sum(r[len(SKILLS) + i] or 0 for r in sums)
        means[skill] = round(total / count, 1) if count else None
    return means


def comparison(session: Session, row: PracticeSessionRow) -> list[dict[str, Any]]:
    """This session's skills beside the trainee's real conversations' averages."""
    result = result_of(row)
    if result is None or row.person_id is None:
        return []
    real = real_skill_means(session, row.person_id)
    card = result["scorecard"]["skills"]
    rows = []
    for skill in SKILLS:
        mine = card.get(skill, {}).get("score")
        usual = real.get(skill)
        diff = None if mine is None or usual is None else round(mine - usual, 1)
        rows.append({"skill": skill, "practice": mine, "real": usual, "difference": diff})
    return rows


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    scenario_id: str
    title: str
    who: str | None
    outcome: str | None
    score: float | None
    started_at: datetime
    plan_id: int | None


def own_history(session: Session, viewer: Viewer) -> list[SessionSummary]:
    """The viewer's own practice (not their team's), newest first."""
    if viewer.user_id is None:
        return []
    return history(session, viewer, where=P.user_id == viewer.user_id)


def history(
    session: Session, viewer: Viewer, *, where: ColumnElement[bool] | None = None
) -> list[SessionSummary]:
    """Practice sessions the viewer may see, newest first (candidates' are listed apart)."""
    query = (
        select(P, Person.name)
        .outerjoin(Person, Person.id == P.person_id)
        .where(visible(viewer), P.candidate_link_id.is_(None))
        .order_by(P.started_at.desc(), P.id.desc())
        .limit(HISTORY_LIMIT)
    )
    if where is not None:
        query = query.where(where)
    known = scenarios()
    return [
        SessionSummary(
            id=row.id,
            scenario_id=row.scenario_id,
            title=known[row.scenario_id].title if row.scenario_id in known else row.scenario_id,
            who=name,
            outcome=row.outcome,
            score=row.score,
            started_at=row.started_at,
            plan_id=row.plan_id,
        )
        for row, name in session.execute(query).all()
    ]


def real_skill_means_of(session: Session, person_name: str) -> dict[str, float | None]:
    """`real_skill_means` for a person by name (the command line's --person)."""
    person_id = session.execute(
        select(Person.id).where(Person.name == person_name)
    ).scalar_one_or_none()
    if person_id is None:
        raise LookupError(f"no person named {person_name!r}")
    return real_skill_means(session, person_id)
