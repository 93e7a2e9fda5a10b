"""Request dependencies: database session, the logged-in user, their Viewer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from servicecraft.service import Session
from servicecraft.service.policy import Viewer, capabilities, viewer_for
from servicecraft.service.users import User, get_user
from servicecraft.web.security import csrf_token


class LoginRequired(Exception):
    """No one is logged in: pages redirect to the login form, the API answers 401."""


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.db.session() as session:
        yield session


DB = Annotated[Session, Depends(db_session)]


def password_fingerprint(user: User) -> str:
    """A short digest of the password hash, kept in the session.

    The session cookie is self-contained (signed, not stored server-side), so this
    is what ends every session of a user whose password was changed or reset.
    """
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def log_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session at login: no fixation of a pre-login one
    request.session.update({"uid": user.id, "pf": password_fingerprint(user)})
    csrf_token(request)


@dataclass(slots=True)
class Current:
    """The logged-in user, their Viewer, and the request's database session."""

    user: User
    viewer: Viewer
    session: Session
    request: Request

    def context(self, **values: Any) -> dict[str, Any]:
        """The template context every logged-in page shares."""
        return {
            "user": self.user,
            "viewer": self.viewer,
            "can": capabilities(self.viewer),
            "csrf": csrf_token(self.request),
            **values,
        }


def current(request: Request, session: DB) -> Current:
    uid = request.session.get("uid")
    user = get_user(session, uid) if isinstance(uid, int) else None
    if (
        user is None
        or user.disabled_at is not None
        or request.session.get("pf") != password_fingerprint(user)
    ):
        request.session.pop("uid", None)
        raise LoginRequired
    viewer = viewer_for(user)
    request.state.user = user
    request.state.viewer = viewer
    return Current(user=user, viewer=viewer, session=session, request=request)


Me = Annotated[Current, Depends(current)]
