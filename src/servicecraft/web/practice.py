"""The practice pages: pick a scenario, chat with the simulated customer, see the feedback.

Plain forms, no script: each reply is a POST that redirects back to the session page, so
it works in any browser and on a phone. Anyone with a login may practise.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from servicecraft.model import SKILLS
from servicecraft.practice import scenarios_for_skill
from servicecraft.service import coaching
from servicecraft.service import practice as practising
from servicecraft.web import charts
from servicecraft.web.bounds import IdForm, PathId
from servicecraft.web.deps import Me
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)
# Longer replies reach the service, which refuses them with a clear message.
Text = Annotated[str, Form(max_length=20_000)]


def _render(me: Me, template: str, status: int = 200, **context: Any) -> Response:
    return page(me.request, template, me.context(section="practice", **context), status)


def scenarios_ready() -> None:
    """Load the scenarios now: a broken file is reported at start (file, field, problem)."""
    practising.scenarios()


@router.get("/practice")
def practice_home(me: Me, skill: str | None = None) -> Response:
    known = practising.scenarios()
    ordered = sorted(known.values(), key=lambda s: s.id)
    if skill in SKILLS:
        ordered = scenarios_for_skill(ordered, skill)
    plans = []
    if me.viewer.person_id is not None:
        plans = [
            p
            for p in coaching.plans_for(me.session, me.viewer, me.viewer.person_id)
            if not p.closed_at
        ]
    mine = practising.own_history(me.session, me.viewer)
    return _render(
        me,
        "practice.html",
        title="Practice",
        scenarios=ordered,
        skill=skill if skill in SKILLS else None,
        plans=plans,
        known=known,
        history=mine,
    )


@router.post("/practice/start")
def practice_start(
    me: Me,
    scenario_id: Annotated[str, Form(max_length=64)],
    plan_id: IdForm = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(me.request, csrf_token)
    if plan_id is not None:
        plan = coaching.get_plan(me.session, me.viewer, plan_id)
        if plan.person_id != me.viewer.person_id or scenario_id not in plan.scenarios.split():
            raise HTTPException(400, "That scenario is not part of your coaching plan.")
    row = practising.start(
        me.session, practising.scope_of(me.session, me.viewer), scenario_id, plan_id=plan_id
    )
    me.session.commit()
    return RedirectResponse(f"/practice/{row.id}", status_code=303)


def _session_context(me: Me, row: practising.SessionRow) -> dict[str, Any]:
    scenario = practising.scenario(row.scenario_id)
    result = practising.result_of(row)
    if result is None:
        live = practising.replay(row)
        transcript = [{"role": m.role, "text": m.text} for m in live.messages]
        mood: list[float] = list(live.mood)
    else:
        transcript, mood = result["transcript"], result["mood"]
    return {
        "row": row,
        "scenario": scenario,
        "transcript": transcript,
        "result": result,
        "own": row.user_id == me.user.id,
        "mood_chart": _mood_chart(mood) if result is not None else None,
        "comparison": practising.comparison(me.session, row) if result is not None else [],
        "skills": _skills(result),
    }


def _mood_chart(mood: list[float]) -> Any:
    return charts.line_chart(
        {"mood": mood},
        [str(i + 1) for i in range(len(mood))],
        title="The customer's mood, message by message (-1 furious, +1 delighted)",
        width=520,
        height=180,
        lo=-1,
        hi=1,
    )


def _skills(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    if result is None:
        return []
    transcript = result["transcript"]
    rows = []
    for skill, data in result["scorecard"]["skills"].items():
        evidence = [
            {**e, "who": transcript[e["message"]]["role"] if e["message"] < len(transcript) else ""}
            for e in data["evidence"]
        ]
        rows.append({"skill": skill, "score": data["score"], "evidence": evidence})
    return rows


@router.get("/practice/team")
def practice_team(me: Me) -> Response:
    if me.viewer.role not in ("admin", "lead"):
        raise HTTPException(403, "Team practice is for leads and admins.")
    return _render(
        me,
        "practice_team.html",
        title="Team practice",
        history=practising.history(me.session, me.viewer),
    )


@router.get("/practice/{session_id}")
def practice_session(me: Me, session_id: PathId, error: str | None = None) -> Response:
    row = practising.get(me.session, me.viewer, session_id)
    return _render(
        me, "practice_session.html", title="Practice", **_session_context(me, row), error=error
    )


def _own(me: Me, session_id: int) -> practising.SessionRow:
    row = practising.get(me.session, me.viewer, session_id, for_update=True)
    if row.user_id != me.user.id:
        raise HTTPException(403, "Only the person practising can reply.")
    return row


@router.post("/practice/{session_id}/reply")
def practice_reply(
    me: Me, session_id: PathId, text: Text = "", csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(me.request, csrf_token)
    row = _own(me, session_id)
    try:
        practising.reply(me.session, row, text)
    except ValueError as exc:
        me.session.rollback()
        return _render(
            me,
            "practice_session.html",
            400,
            title="Practice",
            **_session_context(me, row),
            error=str(exc).capitalize(),
        )
    me.session.commit()
    return RedirectResponse(f"/practice/{session_id}#latest", status_code=303)


@router.post("/practice/{session_id}/end")
def practice_end(me: Me, session_id: PathId, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(me.request, csrf_token)
    practising.finish(me.session, _own(me, session_id))
    me.session.commit()
    return RedirectResponse(f"/practice/{session_id}#feedback", status_code=303)
