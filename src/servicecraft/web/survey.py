"""The customer survey: a public page behind an unguessable, single-use link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from servicecraft.catalogue import SURVEY_RANGES
from servicecraft.service import surveys
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf, csrf_token

router = APIRouter(include_in_schema=False)
CSAT, NPS = SURVEY_RANGES["csat"], SURVEY_RANGES["nps"]


def _page(request: Request, status: int = 200, **context: object) -> Response:
    context = {"csrf": csrf_token(request), "title": "How did we do?", "user": None, **context}
    return page(request, "survey.html", context, status)


@router.get("/survey/{token}")
def survey_form(request: Request, token: str) -> Response:
    try:
        surveys.open_link(request.app.state.db, token)
    except surveys.SurveyClosed:
        return _page(request, 404, closed=True)
    return _page(request, token=token)


@router.post("/survey/{token}")
def survey_answer(
    request: Request,
    token: str,
    csat: Annotated[int, Form(ge=CSAT[0], le=CSAT[1])],
    nps: Annotated[int | None, Form(ge=NPS[0], le=NPS[1])] = None,
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    check_csrf(request, csrf_token_)
    try:
        surveys.answer(
            request.app.state.db,
            token,
            surveys.SurveyAnswer(csat=csat, nps=nps, comment=comment or None),
        )
    except surveys.SurveyClosed:
        return _page(request, 404, closed=True)
    return _page(request, thanks=True)
