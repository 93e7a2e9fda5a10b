"""Lessons, the myths quiz (results by department) and the department readiness check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from servicecraft.practice.lessons import content
from servicecraft.service import lessons
from servicecraft.service import practice as practising
from servicecraft.web.bounds import PathId
from servicecraft.web.deps import Me
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _render(me: Me, template: str, status: int = 200, **context: Any) -> Response:
    return page(me.request, template, me.context(section="practice", **context), status)


@router.get("/lessons")
def lesson_list(me: Me) -> Response:
    scope = practising.scope_of(me.session, me.viewer)
    return _render(
        me,
        "lessons.html",
        title="Lessons",
        lessons=content().lessons,
        quiz=content().quiz,
        readiness=content().readiness,
        department_id=scope.department_id,
    )


@router.post("/lessons/quiz")
async def quiz_answer(me: Me) -> Response:
    form = await me.request.form()
    check_csrf(me.request, str(form.get("csrf_token", "")))
    answers = {m.id: str(form.get(m.id, "")) for m in content().quiz}
    mark = lessons.take_quiz(me.session, me.viewer, answers)
    me.session.commit()
    return _render(me, "quiz_result.html", title="Quiz", mark=mark)


@router.get("/lessons/quiz/results")
def quiz_results(me: Me) -> Response:
    return _render(
        me,
        "quiz_results.html",
        title="Quiz results",
        rows=lessons.quiz_by_department(me.session, me.viewer),
    )


@router.post("/lessons/readiness")
async def readiness_answer(me: Me) -> Response:
    form = await me.request.form()
    check_csrf(me.request, str(form.get("csrf_token", "")))
    answers: dict[str, int] = {}
    for q in content().readiness:
        value = str(form.get(q.id, ""))
        if value:
            if not value.isdigit():
                raise HTTPException(400, f"{q.text}: answer from 1 to 5")
            answers[q.id] = int(value)
    try:
        lessons.answer_readiness(me.session, me.viewer, answers)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    me.session.commit()
    scope = practising.scope_of(me.session, me.viewer)
    return _render(
        me, "readiness_thanks.html", title="Readiness", department_id=scope.department_id
    )


@router.get("/departments/{department_id}/readiness")
def department_readiness(me: Me, department_id: PathId) -> Response:
    data = lessons.department_readiness(me.session, me.viewer, department_id)
    return _render(me, "readiness.html", title="Readiness", **data)
