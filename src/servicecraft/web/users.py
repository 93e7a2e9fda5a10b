"""The admins' Users page: list logins, add one, disable or enable it, set a password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from servicecraft.service import dashboards, users
from servicecraft.service.policy import ROLES, PermissionDenied, may_manage_users
from servicecraft.web.deps import Me, signed_in
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(alias="csrf_token")]


def _admin(me: Me) -> None:
    if not may_manage_users(me.viewer):
        raise PermissionDenied("only administrators manage users")


def _page(me: Me, *, message: str | None = None, error: str | None = None) -> Response:
    context = me.context(
        title="Users",
        section="users",
        logins=users.list_users(me.session),
        roles=ROLES,
        options=dashboards.filter_options(me.session, me.viewer),
        message=message,
        error=error,
    )
    return page(me.request, "users.html", context, 400 if error else 200)


def _change(me: Me, change: Callable[[], object], done: str) -> Response:
    try:
        change()
    except users.UserError as exc:
        return _page(me, error=str(exc).replace("--", ""))
    finally:
        # A password set or a login disabled ends sessions: this worker stops trusting the
        # ones it remembers at once (others within signed_in.RECHECK).
        signed_in(me.request).forget()
    return _page(me, message=done)


@router.get("/users")
def users_page(me: Me) -> Response:
    _admin(me)
    return _page(me)


@router.post("/users")
def add_user(
    me: Me,
    username: Annotated[str, Form(min_length=1, max_length=150)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
    person: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    csrf_token_: Csrf = "",
) -> Response:
    check_csrf(me.request, csrf_token_)
    _admin(me)
    db = me.request.app.state.db
    return _change(
        me,
        lambda: (
            users.add_user(
                db,
                username.strip(),
                role,
                password,
                person=person or None,
                department=department or None,
                team=team or None,
            )
            and None
        ),
        f"Created the {role} login “{username.strip()}”.",
    )


@router.post("/users/{username}/disable")
def disable(me: Me, username: str, csrf_token_: Csrf = "") -> Response:
    check_csrf(me.request, csrf_token_)
    _admin(me)
    db = me.request.app.state.db
    return _change(
        me,
        lambda: users.set_disabled(db, username, True, by=me.user.username),
        f"Disabled “{username}”: no login, no session, no API token.",
    )


@router.post("/users/{username}/enable")
def enable(me: Me, username: str, csrf_token_: Csrf = "") -> Response:
    check_csrf(me.request, csrf_token_)
    _admin(me)
    db = me.request.app.state.db
    return _change(
        me, lambda: users.set_disabled(db, username, False), f"Enabled “{username}” again."
    )


@router.post("/users/{username}/password")
def set_password(
    me: Me,
    username: str,
    password: Annotated[str, Form(max_length=1024)],
    csrf_token_: Csrf = "",
) -> Response:
    check_csrf(me.request, csrf_token_)
    _admin(me)
    db = me.request.app.state.db
    return _change(
        me,
        lambda: users.set_password(db, username, password),
        f"Set a new password for “{username}”; their open sessions have ended.",
    )
