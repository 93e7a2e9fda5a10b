"""The customer survey: a public page behind an unguessable, single-use link.

It asks the questions the organisation has turned on, in its own words; any may be
skipped but one must be answered. A used, expired or unknown link gets the same
friendly page, so the page tells an attacker nothing about which tokens exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from servicecraft.catalogue import SURVEY_RANGES
from servicecraft.service import surveys
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf, csrf_token

router = APIRouter(include_in_schema=False)
CSAT, CES, NPS = SURVEY_RANGES["csat"], SURVEY_RANGES["ces"], SURVEY_RANGES["nps"]
CSAT_LABELS = ("Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied")
CES_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Neither agree nor disagree",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
)


def _page(request: Request, status: int = 200, **context: object) -> Response:
    context = {
        "csrf": csrf_token(request),
        "title": "How did we do?",
        "user": None,
        "csat_labels": CSAT_LABELS,
        "ces_labels": CES_LABELS,
        **context,
    }
    return page(request, "survey.html", context, status)


def _form(request: Request, token: str, status: int = 200, error: str | None = None) -> Response:
    asked = {q.key: q for q in surveys.asked_questions(request.app.state.db)}
    return _page(request, status, token=token, questions=asked, error=error)


@router.get("/survey/{token}")
def survey_form(request: Request, token: str) -> Response:
    try:
        surveys.open_link(request.app.state.db, token)
    except surveys.SurveyClosed:
        return _page(request, 404, closed=True)
    return _form(request, token)


@router.post("/survey/{token}")
def survey_answer(
    request: Request,
    token: str,
    csat: Annotated[int | None, Form(ge=CSAT[0], le=CSAT[1])] = None,
    ces: Annotated[int | None, Form(ge=CES[0], le=CES[1])] = None,
    nps: Annotated[int | None, Form(ge=NPS[0], le=NPS[1])] = None,
    comment: Annotated[str, Form(max_length=surveys.MAX_COMMENT)] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    check_csrf(request, csrf_token_)
    db = request.app.state.db
    asked = {q.key for q in surveys.asked_questions(db)}
    # A question the organisation turned off is not stored, whatever a crafted form sends.
    values = {
        "csat": csat if "csat" in asked else None,
        "ces": ces if "ces" in asked else None,
        "nps": nps if "nps" in asked else None,
        "comment": comment.strip() if "comment" in asked and comment.strip() else None,
    }
    try:
        answer = surveys.SurveyAnswer(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        try:
            surveys.open_link(db, token)
        except surveys.SurveyClosed:
            return _page(request, 404, closed=True)
        return _form(request, token, 400, error=str(exc).capitalize() + ".")
    try:
        surveys.answer(db, token, answer)
    except surveys.SurveyClosed:
        return _page(request, 404, closed=True)
    return _page(request, thanks=True)
