"""Request dependencies: database session, the logged-in user, their Viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from servicecraft.service import Session, auth
from servicecraft.service.policy import Viewer, capabilities, viewer_for
from servicecraft.service.users import User
from servicecraft.web.security import csrf_token


class LoginRequired(Exception):
    """No one is logged in: pages redirect to the login form, the API answers 401."""


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's database session, opened and closed on the event loop.

    A sync generator here costs two trips through the thread pool per request (removing
    them gave +5-33% requests/s, benchmarks.load). Opening a Session connects to nothing
    (the connection is checked out at its first query, in the handler's thread), so nothing
    here waits on the pool; closing gives the connection back (a rollback, which on a
    database that stops answering mid-request holds this worker's loop until the connection
    fails).
    """
    session = request.app.state.db.session()
    try:
        yield session
    finally:
        session.close()


DB = Annotated[Session, Depends(db_session)]


def log_in(request: Request, session: Session, user: User) -> None:
    """Start a server-side session: the signed cookie carries only its random token, so
    logging out (or a password change, or disabling the login) ends it for every copy."""
    request.session.clear()  # a fresh session at login: no fixation of a pre-login one
    request.session["sid"] = auth.start_session(session, user)
    csrf_token(request)


def log_out(request: Request, session: Session) -> None:
    auth.end_session(session, request.session.get("sid"))
    request.session.clear()


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
    user = auth.session_user(session, request.session.get("sid"))
    if user is None:
        request.session.pop("sid", None)
        raise LoginRequired
    viewer = viewer_for(user)
    request.state.user = user
    request.state.viewer = viewer
    return Current(user=user, viewer=viewer, session=session, request=request)


Me = Annotated[Current, Depends(current)]
