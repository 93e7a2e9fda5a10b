"""Coaching plans: a lead creates one from a person's skill gaps; the person practises and
acknowledges it; both see progress week by week. Plus a team's open plans."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from servicecraft.model import SKILLS
from servicecraft.practice import scenarios_for_skill
from servicecraft.service import coaching, dashboards
from servicecraft.service import practice as practising
from servicecraft.service.policy import PermissionDenied
from servicecraft.web import charts
from servicecraft.web.bounds import PathId
from servicecraft.web.deps import Me
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)
FOCUS_DEFAULT = 2  # the widest gaps pre-selected on a new plan


def _render(me: Me, template: str, status: int = 200, **context: Any) -> Response:
    return page(me.request, template, me.context(section="practice", **context), status)


def _new_form(me: Me, person_id: int, status: int = 200, **values: Any) -> Response:
    profile = dashboards.person_profile(me.session, me.viewer, person_id)
    gaps = coaching.skill_gaps(me.session, me.viewer, person_id)
    focus = values.get("focus") or [g.skill for g in gaps if g.gap and g.gap > 0][:FOCUS_DEFAULT]
    suggested = {
        s.id
        for skill in focus
        for s in scenarios_for_skill(practising.scenarios().values(), skill)[:2]
    }
    return _render(
        me,
        "coaching_new.html",
        status,
        title="New coaching plan",
        person=profile.person,
        gaps=gaps,
        focus=focus,
        scenarios=sorted(practising.scenarios().values(), key=lambda s: s.id),
        chosen=values.get("chosen") or suggested,
        pass_mark=values.get("pass_mark", 70),
        due=values.get("due") or (practising.now().date() + timedelta(days=14)),
        notes=values.get("notes", ""),
        error=values.get("error"),
    )


@router.get("/people/{person_id}/coaching/new")
def coaching_new(me: Me, person_id: PathId) -> Response:
    # Creating is the lead's; the form checks the same rule before showing anything
    # (plans_for raises LookupError for an unknown person).
    coaching.plans_for(me.session, me.viewer, person_id)
    if me.viewer.role not in ("admin", "lead"):
        raise PermissionDenied("only this person's lead or an admin can coach them")
    return _new_form(me, person_id)


@router.post("/people/{person_id}/coaching")
def coaching_create(
    me: Me,
    person_id: PathId,
    focus: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
    scenario: Annotated[list[str], Form()] = [],  # noqa: B006
    pass_mark: Annotated[float, Form(ge=0, le=100)] = 70,
    due: Annotated[date | None, Form()] = None,
    notes: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(me.request, csrf_token)
    try:
        plan = coaching.create_plan(
            me.session,
            me.viewer,
            person_id=person_id,
            focus_skills=focus,
            scenario_ids=scenario,
            pass_mark=pass_mark,
            due=due or practising.now().date() + timedelta(days=14),
            notes=notes,
        )
    except ValueError as exc:
        me.session.rollback()
        return _new_form(
            me,
            person_id,
            400,
            focus=focus,
            chosen=set(scenario),
            pass_mark=pass_mark,
            due=due,
            notes=notes,
            error=str(exc).capitalize(),
        )
    me.session.commit()
    return RedirectResponse(f"/coaching/{plan.id}", status_code=303)


@router.get("/coaching/{plan_id}")
def coaching_plan(me: Me, plan_id: PathId) -> Response:
    plan = coaching.get_plan(me.session, me.viewer, plan_id)
    person = coaching.coached_person(me.session, me.viewer, plan)
    progress = coaching.progress(me.session, plan)
    weeks = progress["weeks"]
    chart = charts.line_chart(
        {"practice": weeks["practice"], "real conversations": weeks["real"]},
        weeks["labels"],
        title="Focus skills, week by week: practice and real conversations",
    )
    return _render(
        me,
        "coaching_plan.html",
        title="Coaching plan",
        plan=plan,
        person=person,
        progress=progress,
        chart=chart,
        has_points=any(v is not None for v in weeks["practice"] + weeks["real"]),
        is_person=me.viewer.person_id == plan.person_id,
        overdue=plan.due < practising.now().date() and not progress["passed"],
        skills=SKILLS,
    )


@router.post("/coaching/{plan_id}/acknowledge")
def coaching_acknowledge(
    me: Me, plan_id: PathId, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(me.request, csrf_token)
    coaching.acknowledge(me.session, me.viewer, plan_id)
    me.session.commit()
    return RedirectResponse(f"/coaching/{plan_id}", status_code=303)


@router.post("/coaching/{plan_id}/close")
def coaching_close(me: Me, plan_id: PathId, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(me.request, csrf_token)
    coaching.close_plan(me.session, me.viewer, plan_id)
    me.session.commit()
    return RedirectResponse(f"/coaching/{plan_id}", status_code=303)


@router.get("/teams/{team_id}/coaching")
def team_coaching(me: Me, team_id: PathId) -> Response:
    data = coaching.team_overview(me.session, me.viewer, team_id)
    return _render(
        me, "coaching_team.html", title="Team coaching", today=practising.now().date(), **data
    )
