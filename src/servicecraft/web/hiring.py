"""The hiring screen: leads and admins create one-time links; a candidate plays one scenario.

The candidate has no login: claiming the link (a POST) marks it used and puts the new
session's id in the signed session cookie; later requests need that cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from servicecraft.service import hiring
from servicecraft.service import practice as practising
from servicecraft.service.policy import may_hire
from servicecraft.web.deps import Me
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf, csrf_token

router = APIRouter(include_in_schema=False)
CANDIDATE_KEY = "candidate_session"


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/hiring")
def hiring_page(me: Me) -> Response:
    if not may_hire(me.viewer):
        raise HTTPException(403, "The hiring screen is for leads and admins.")
    return _page_for(me, new_link=None)


def _page_for(
    me: Me, new_link: str | None, status: int = 200, error: str | None = None
) -> Response:
    return page(
        me.request,
        "hiring.html",
        me.context(
            section="practice",
            title="Hiring screen",
            results=hiring.results(me.session, me.viewer),
            scenarios=sorted(practising.scenarios().values(), key=lambda s: s.id),
            new_link=new_link,
            error=error,
        ),
        status,
    )


@router.post("/hiring")
def hiring_create(
    me: Me,
    candidate: Annotated[str, Form(max_length=300)] = "",
    scenario_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(me.request, csrf_token)
    try:
        token = hiring.create_link(me.session, me.viewer, candidate, scenario_id)
    except (ValueError, LookupError) as exc:
        me.session.rollback()
        return _page_for(me, None, 400, str(exc).capitalize())
    me.session.commit()
    # Shown once: only its hash is stored.
    return _page_for(me, str(me.request.base_url).rstrip("/") + f"/candidate/{token}")


def _candidate_page(request: Request, status: int = 200, **context: Any) -> Response:
    context = {
        "csrf": csrf_token(request),
        "title": "Practice conversation",
        "user": None,
        **context,
    }
    return page(request, "candidate.html", context, status)


@router.get("/candidate/{token}")
def candidate_intro(request: Request, token: str) -> Response:
    try:
        link = hiring.open_link(request.app.state.db, token, _ip(request))
    except hiring.TooManyAttempts as exc:
        return _candidate_page(request, 429, closed=str(exc).capitalize())
    except hiring.LinkClosed:
        return _candidate_page(
            request, 404, closed="This link has been used or is no longer valid."
        )
    return _candidate_page(
        request,
        token=token,
        candidate=link.candidate,
        scenario=practising.scenario(link.scenario_id),
    )


@router.post("/candidate/{token}")
def candidate_claim(
    request: Request, token: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    try:
        session_id = hiring.claim(request.app.state.db, token, _ip(request))
    except hiring.TooManyAttempts as exc:
        return _candidate_page(request, 429, closed=str(exc).capitalize())
    except hiring.LinkClosed:
        return _candidate_page(
            request, 404, closed="This link has been used or is no longer valid."
        )
    request.session[CANDIDATE_KEY] = session_id
    return RedirectResponse("/candidate-session", status_code=303)


def _candidate_row(request: Request, session: Any) -> Any:
    session_id = request.session.get(CANDIDATE_KEY)
    if not isinstance(session_id, int):
        raise HTTPException(404, "There is no session in progress in this browser.")
    return hiring.candidate_session(session, session_id)


@router.get("/candidate-session")
def candidate_play(request: Request, error: str | None = None) -> Response:
    with request.app.state.db.session() as session:
        row = _candidate_row(request, session)
        return _candidate_context(request, row, error=error)


def _candidate_context(
    request: Request, row: Any, status: int = 200, error: str | None = None
) -> Response:
    live = practising.replay(row) if row.outcome is None else None
    transcript = (
        [{"role": m.role, "text": m.text} for m in live.messages]
        if live is not None
        else (practising.result_of(row) or {"transcript": []})["transcript"]
    )
    return _candidate_page(
        request,
        status,
        playing=True,
        scenario=practising.scenario(row.scenario_id),
        transcript=transcript,
        ended=row.outcome is not None,
        error=error,
    )


@router.post("/candidate-session/reply")
def candidate_reply(
    request: Request,
    text: Annotated[str, Form(max_length=20_000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    with request.app.state.db.transaction() as session:
        row = _candidate_row(request, session)
        try:
            practising.reply(session, row, text)
        except ValueError as exc:
            return _candidate_context(request, row, 400, error=str(exc).capitalize())
    return RedirectResponse("/candidate-session#latest", status_code=303)


@router.post("/candidate-session/end")
def candidate_end(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    with request.app.state.db.transaction() as session:
        practising.finish(session, _candidate_row(request, session))
    return RedirectResponse("/candidate-session", status_code=303)
