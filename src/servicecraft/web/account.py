"""Login, logout and the API tokens page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from servicecraft.service import auth, users
from servicecraft.service.policy import (
    landing_path,
    may_import,
    may_manage_all_tokens,
    may_manage_tokens,
    viewer_for,
)
from servicecraft.web.bounds import MAX_ID, PathId
from servicecraft.web.deps import DB, Me, log_in, log_out
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf, csrf_token

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: '//evil.example' or 'https://...' would be an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _client_ip(request: Request) -> str:
    # The direct peer only: X-Forwarded-For is attacker-controlled unless a trusted
    # proxy sets it, and trusting it would let anyone dodge the per-IP limit.
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    context = {
        "csrf": csrf_token(request),
        "next": _safe_next(next) or "",
        "title": "Log in",
        "user": None,
    }
    return page(request, "login.html", context)


@router.post("/login")
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token_)
    error, status = None, 401
    try:
        user = auth.authenticate(session, username, password, _client_ip(request))
    except auth.LoginLocked:
        user = None
        error, status = "Too many failed attempts. Wait 15 minutes and try again.", 429
    if user is None:
        context = {
            "csrf": csrf_token(request),
            "next": _safe_next(next) or "",
            "username": username,
            "error": error or "Wrong username or password.",
            "title": "Log in",
            "user": None,
        }
        return page(request, "login.html", context, status)
    log_in(request, session, user)
    return RedirectResponse(_safe_next(next) or landing_path(viewer_for(user)), status_code=303)


@router.post("/logout")
def logout(
    request: Request, session: DB, csrf_token_: Annotated[str, Form(alias="csrf_token")] = ""
) -> Response:
    check_csrf(request, csrf_token_)
    log_out(request, session)
    return RedirectResponse("/login", status_code=303)


def _tokens_page(
    me: Me, *, created: dict[str, str] | None = None, message: str | None = None
) -> Response:
    admin = may_manage_all_tokens(me.viewer)
    tokens = auth.list_tokens(me.session, owner_id=None if admin else me.user.id)
    context = me.context(
        title="API tokens",
        section="tokens",
        tokens=tokens,
        users=users.list_users(me.session) if admin else [],
        created=created,
        message=message,
    )
    return page(me.request, "tokens.html", context)


@router.get("/tokens")
def tokens_page(me: Me) -> Response:
    return _tokens_page(me)


@router.post("/tokens")
def create_token(
    me: Me,
    name: Annotated[str, Form(max_length=80)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    user_id: Annotated[int | None, Form(ge=-MAX_ID, le=MAX_ID)] = None,
    csrf_token_: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    check_csrf(me.request, csrf_token_)
    owner = me.user
    if user_id is not None and user_id != me.user.id:
        if not may_manage_tokens(me.viewer, user_id):
            raise HTTPException(403, "Only an administrator can create tokens for someone else.")
        found = users.get_user(me.session, user_id)
        if found is None:
            raise HTTPException(404, "No such user.")
        owner = found
    wanted = auth.parse_scopes(scopes or [])
    if "import" in wanted and not may_import(viewer_for(owner)):
        raise HTTPException(403, "Only administrators' tokens may import.")
    if not wanted:
        raise HTTPException(400, "Choose at least one scope.")
    plaintext = auth.create_token(me.session, owner.id, name or "token", wanted)
    return _tokens_page(me, created={"name": name or "token", "token": plaintext})


@router.post("/tokens/{token_id}/revoke")
def revoke(
    me: Me, token_id: PathId, csrf_token_: Annotated[str, Form(alias="csrf_token")] = ""
) -> Response:
    check_csrf(me.request, csrf_token_)
    owner = None if may_manage_all_tokens(me.viewer) else me.user.id
    if not auth.revoke_token(me.session, token_id, owner_id=owner):
        raise HTTPException(404, "No such active token.")
    return _tokens_page(me, message="Token revoked; it stops working immediately.")
