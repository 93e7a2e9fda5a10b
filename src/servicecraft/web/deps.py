"""Request dependencies: database session, the logged-in user, their Viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from servicecraft.service import Session, auth
from servicecraft.service.policy import Viewer, capabilities, viewer_for
from servicecraft.service.users import User
from servicecraft.web.security import csrf_token
from servicecraft.web.signed_in import SignedIn, SignedInCache


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
    sid = request.session.get("sid")
    auth.end_session(session, sid)
    signed_in(request).forget(sid)
    request.session.clear()


def signed_in(request: Request) -> SignedInCache:
    """This worker's remembered sessions (see ``web/signed_in.py``)."""
    cache: SignedInCache = request.app.state.signed_in
    return cache


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
    """The logged-in user, checked against the database on every request: every page but
    the kept dashboards, so nothing is done or shown there with a session that has ended.
    The answer is remembered for the dashboards (``current_on_loop``), and an ended session
    is forgotten at once."""
    sid = request.session.get("sid")
    cache = signed_in(request)
    checked = cache.clock()
    user = auth.session_user(session, sid)
    if user is None:
        cache.forget(sid)
        request.session.pop("sid", None)
        raise LoginRequired
    session.expunge(user)  # remembered beyond this request: never lazy-loads
    known = SignedIn(user, viewer_for(user), checked)
    cache.put(str(sid), known)
    return _current(request, session, known)


async def current_on_loop(request: Request, session: DB) -> Current:
    """``current`` for the kept dashboards (``async`` handlers that only read): a session
    this worker checked less than ``signed_in.RECHECK`` ago needs no query, so the request
    is answered here on the event loop; otherwise the check goes to the thread pool."""
    known = signed_in(request).get(request.session.get("sid"))
    if known is None:
        return await run_in_threadpool(current, request, session)
    return _current(request, session, known)


def _current(request: Request, session: Session, known: SignedIn) -> Current:
    request.state.user = known.user
    request.state.viewer = known.viewer
    return Current(user=known.user, viewer=known.viewer, session=session, request=request)


Me = Annotated[Current, Depends(current)]
# For the kept dashboards only: no query and no thread pool trip when the session is known.
MeOnLoop = Annotated[Current, Depends(current_on_loop)]
