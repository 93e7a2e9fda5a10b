"""Coaching plans: from a person's skill gaps against their team to assigned practice.

A lead (of the person's team or department) or an admin creates a plan: focus skills,
scenarios with a pass mark, a due date and notes. The person sees it, practises the
scenarios (sessions started from the plan count towards it) and acknowledges it. Progress
is the practice and real-conversation scores on the focus skills, week by week.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicecraft.model import SKILLS
from servicecraft.service import dashboards
from servicecraft.service import practice as practising
from servicecraft.service.policy import (
    PermissionDenied,
    Viewer,
    may_assign_practice,
    may_see_coaching_plan,
    may_see_team_coaching,
)
from servicecraft.store import CoachingPlan, Department, Person, PracticeSessionRow, Team
from servicecraft.store import WeeklyStats as W

P = PracticeSessionRow
PROGRESS_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Gap:
    skill: str
    score: float | None
    team: float | None
    gap: float | None  # team minus person: positive means below the team


def _person_and_team(session: Session, person_id: int) -> tuple[Person, Team]:
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    team = session.get(Team, person.team_id)
    assert team is not None  # a foreign key, not null
    return person, team


def may_coach(viewer: Viewer, person_id: int, team: Team) -> bool:
    return may_assign_practice(viewer, person_id, team.id, team.department_id)


def may_see_plan(viewer: Viewer, plan: CoachingPlan, team: Team) -> bool:
    return may_see_coaching_plan(viewer, plan.person_id, team.id, team.department_id)


def skill_gaps(session: Session, viewer: Viewer, person_id: int) -> list[Gap]:
    """Each skill's person and team means over the dashboards' window, widest gap first."""
    profile = dashboards.person_profile(session, viewer, person_id)
    gaps = []
    for skill in SKILLS:
        mine, theirs = profile.totals.skills[skill], profile.team_totals.skills[skill]
        gap = None if mine is None or theirs is None else round(theirs - mine, 1)
        gaps.append(Gap(skill, mine, theirs, gap))
    return sorted(gaps, key=lambda g: (g.gap is None, -(g.gap or 0.0), g.skill))


def create_plan(
    session: Session,
    viewer: Viewer,
    *,
    person_id: int,
    focus_skills: list[str],
    scenario_ids: list[str],
    pass_mark: float,
    due: date,
    notes: str = "",
) -> CoachingPlan:
    """Raises ValueError naming the field for bad input, PermissionDenied for the wrong lead."""
    _, team = _person_and_team(session, person_id)
    if not may_coach(viewer, person_id, team) or viewer.user_id is None:
        raise PermissionDenied("only this person's lead or an admin can coach them")
    bad = [s for s in focus_skills if s not in SKILLS]
    if not focus_skills or bad:
        raise ValueError(f"focus skills: choose one or more of {', '.join(SKILLS)}")
    unknown = [s for s in scenario_ids if s not in practising.scenarios()]
    if not scenario_ids or unknown:
        raise ValueError("scenarios: choose one or more of the listed scenarios")
    if not 0 <= pass_mark <= 100:
        raise ValueError("pass mark: a score from 0 to 100")
    if due < practising.now().date():
        raise ValueError("due date: today or later")
    if len(notes) > 4000:
        raise ValueError("notes: at most 4,000 characters")
    plan = CoachingPlan(
        person_id=person_id,
        team_id=team.id,
        created_by=viewer.user_id,
        focus_skills=" ".join(dict.fromkeys(focus_skills)),
        scenarios=" ".join(dict.fromkeys(scenario_ids)),
        pass_mark=float(pass_mark),
        due=due,
        notes=notes.strip(),
        created_at=practising.now(),
    )
    session.add(plan)
    session.flush()
    return plan


def coached_person(session: Session, viewer: Viewer, plan: CoachingPlan) -> Person:
    """The person a plan (already checked with `get_plan`) is for."""
    person = session.get(Person, plan.person_id)
    assert person is not None  # a foreign key, not null
    return person


def get_plan(session: Session, viewer: Viewer, plan_id: int) -> CoachingPlan:
    plan = session.get(CoachingPlan, plan_id)
    if plan is None:
        raise LookupError(f"no coaching plan {plan_id}")
    team = session.get(Team, plan.team_id)
    assert team is not None
    if not may_see_plan(viewer, plan, team):
        raise PermissionDenied("not your coaching plan")
    return plan


def acknowledge(session: Session, viewer: Viewer, plan_id: int) -> CoachingPlan:
    """The coached person confirms they have read the plan (once; later calls change nothing)."""
    plan = get_plan(session, viewer, plan_id)
    if viewer.person_id != plan.person_id:
        raise PermissionDenied("only the coached person acknowledges their plan")
    if plan.acknowledged_at is None:
        plan.acknowledged_at = practising.now()
    return plan


def close_plan(session: Session, viewer: Viewer, plan_id: int) -> CoachingPlan:
    plan = get_plan(session, viewer, plan_id)
    team = session.get(Team, plan.team_id)
    assert team is not None
    if not may_coach(viewer, plan.person_id, team):
        raise PermissionDenied("only the lead closes a plan")
    if plan.closed_at is None:
        plan.closed_at = practising.now()
    return plan


def plans_for(session: Session, viewer: Viewer, person_id: int) -> list[CoachingPlan]:
    """A person's plans, open ones first, if the viewer may see them."""
    _, team = _person_and_team(session, person_id)
    if not may_see_coaching_plan(viewer, person_id, team.id, team.department_id):
        raise PermissionDenied("not yours to see")
    rows = session.execute(
        select(CoachingPlan)
        .where(CoachingPlan.person_id == person_id)
        .order_by(CoachingPlan.closed_at.is_not(None), CoachingPlan.due, CoachingPlan.id)
    )
    return list(rows.scalars())


def progress(session: Session, plan: CoachingPlan) -> dict[str, Any]:
    """Per scenario: attempts, best score, passed; and the focus skills week by week."""
    rows = (
        session.execute(
            select(P).where(P.plan_id == plan.id, P.outcome.is_not(None)).order_by(P.started_at)
        )
        .scalars()
        .all()
    )
    scenarios = []
    for sid in plan.scenarios.split():
        mine = [r for r in rows if r.scenario_id == sid]
        scores = [r.score for r in mine if r.score is not None]
        best = max(scores) if scores else None
        scenarios.append(
            {
                "id": sid,
                "title": practising.scenarios()[sid].title
                if sid in practising.scenarios()
                else sid,
                "attempts": len(mine),
                "best": best,
                "passed": best is not None and best >= plan.pass_mark,
            }
        )
    return {
        "scenarios": scenarios,
        "passed": all(s["passed"] for s in scenarios),
        "weeks": weekly(session, plan),
    }


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(session: Session, plan: CoachingPlan) -> dict[str, Any]:
    """Practice and real-conversation means on the focus skills, over the last weeks."""
    skills = plan.focus_skills.split()
    end = _monday(max(practising.now().date(), plan.due))
    weeks = [end - timedelta(weeks=k) for k in range(PROGRESS_WEEKS - 1, -1, -1)]
    start = datetime.combine(weeks[0], datetime.min.time())
    practice = session.execute(
        select(P).where(
            P.person_id == plan.person_id, P.outcome.is_not(None), P.started_at >= start
        )
    ).scalars()
    by_week: dict[date, list[float]] = {}
    for row in practice:
        values = [getattr(row, s) for s in skills if getattr(row, s) is not None]
        if values:
            by_week.setdefault(_monday(row.started_at.date()), []).append(sum(values) / len(values))
    real_rows = session.execute(
        select(
            W.week,
            *[getattr(W, f"{s}_sum") for s in skills],
            *[getattr(W, f"{s}_n") for s in skills],
        ).where(W.person_id == plan.person_id, W.week >= weeks[0])
    ).all()
    real: dict[date, list[float]] = {}
    for r in real_rows:
        n = len(skills)
        means = [r[1 + i] / r[1 + n + i] for i in range(n) if r[1 + n + i]]
        if means and r[0] is not None:
            real.setdefault(r[0], []).append(sum(means) / len(means))
    return {
        "labels": [w.strftime("%d %b") for w in weeks],
        "practice": [_mean(by_week.get(w)) for w in weeks],
        "real": [_mean(real.get(w)) for w in weeks],
    }


def _mean(values: list[float] | None) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def team_overview(session: Session, viewer: Viewer, team_id: int) -> dict[str, Any]:
    """A team's open plans, who is overdue, and the scenarios it practises most."""
    team = session.get(Team, team_id)
    if team is None:
        raise LookupError(f"no team {team_id}")
    if not may_see_team_coaching(viewer, team.id, team.department_id):
        raise PermissionDenied("not your team")
    today = practising.now().date()
    plans = session.execute(
        select(CoachingPlan, Person.name)
        .join(Person, Person.id == CoachingPlan.person_id)
        .where(CoachingPlan.team_id == team_id, CoachingPlan.closed_at.is_(None))
        .order_by(CoachingPlan.due)
    ).all()
    practised = Counter(
        session.execute(
            select(P.scenario_id).where(P.team_id == team_id, P.candidate_link_id.is_(None))
        )
        .scalars()
        .all()
    )
    department = session.get(Department, team.department_id)
    return {
        "team": team,
        "department": department,
        "plans": [
            {
                "plan": plan,
                "person": name,
                "overdue": plan.due < today and not progress(session, plan)["passed"],
            }
            for plan, name in plans
        ],
        "most_practised": [
            (practising.scenarios()[sid].title if sid in practising.scenarios() else sid, n)
            for sid, n in practised.most_common(5)
        ],
    }
