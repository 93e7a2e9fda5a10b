"""The FastAPI application: wiring, sessions, errors, and `serve`."""

from __future__ import annotations

import os
import secrets
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from servicecraft import __version__
from servicecraft.catalogue import UnknownSort
from servicecraft.service.policy import PermissionDenied, capabilities
from servicecraft.store import open_database
from servicecraft.web import (
    account,
    api,
    api_groups,
    calibration,
    coaching,
    guide,
    hiring,
    lessons,
    pages,
    practice,
    reviews,
    survey,
    users,
    voice,
)
from servicecraft.web.deps import LoginRequired
from servicecraft.web.page_cache import FreshnessCache, Kept
from servicecraft.web.render import make_templates, page
from servicecraft.web.security import RejectNul, SecurityHeaders, csrf_token
from servicecraft.web.signed_in import SignedInCache

SESSION_COOKIE = "servicecraft_session"
SESSION_MAX_AGE = 12 * 3600  # a working day: a stolen cookie does not live for weeks


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    viewer = getattr(request.state, "viewer", None)
    context: dict[str, Any] = {
        "status": status,
        "heading": heading,
        "message": message,
        "user": getattr(request.state, "user", None),
        "viewer": viewer,
        "can": capabilities(viewer) if viewer is not None else None,
        "csrf": csrf_token(request),
        "title": heading,
    }
    return page(request, "error.html", context, status)


def create_app(database_url: str, secret_key: str, *, secure_cookies: bool = True) -> FastAPI:
    """The web application over one database.

    secure_cookies=False is for plain-HTTP development and tests only: it drops
    the Secure flag on the session cookie and the HSTS header.
    """
    if len(secret_key) < 16:
        raise ValueError("secret_key must be at least 16 characters")
    app = FastAPI(
        title="servicecraft API",
        version=__version__,
        description="Scored customer-service conversations, people and team summaries, import.",
        openapi_url="/api/v1/openapi.json",
        # The bundled Swagger UI and ReDoc load from a CDN; /api/v1/docs is served offline instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = open_database(database_url)
    app.state.templates = make_templates()
    app.state.page_cache = FreshnessCache[Kept]()  # rendered dashboards, per access scope
    app.state.signed_in = SignedInCache()  # sessions checked in the last second
    practice.scenarios_ready()  # a broken scenario file ($SERVICECRAFT_SCENARIOS) stops the start

    app.mount(
        "/static", StaticFiles(directory=str(files("servicecraft.web") / "static")), name="static"
    )
    app.include_router(account.router)
    app.include_router(survey.router)
    app.include_router(reviews.router)  # before pages: /conversations/{id:path} takes all
    app.include_router(pages.router)
    app.include_router(guide.router)
    app.include_router(api.router)
    app.include_router(api_groups.router)
    app.include_router(users.router)
    app.include_router(calibration.router)
    app.include_router(practice.router)
    app.include_router(coaching.router)
    app.include_router(hiring.router)
    app.include_router(lessons.router)
    app.include_router(voice.router)
    app.include_router(voice.api_router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "Send a valid API token: Authorization: Bearer <token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if target != "/" else "/login", 303)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return _error_page(request, 403, "Not yours to see", "You do not have access to this page.")

    @app.exception_handler(LookupError)
    async def _missing(request: Request, exc: LookupError) -> Response:
        return _error_page(request, 404, "Not found", "There is nothing at this address.")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        headings = {403: "Refused", 404: "Not found", 405: "Not allowed", 429: "Slow down"}
        response = _error_page(
            request, exc.status_code, headings.get(exc.status_code, "Error"), str(exc.detail)
        )
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(UnknownSort)
    async def _unknown_sort(request: Request, exc: UnknownSort) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        message = str(exc)
        return _error_page(request, 400, "Bad request", message[:1].upper() + message[1:] + ".")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if exc.errors() and all(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            # An id in the address that no row can have (not a number, or >= 2**63).
            return _error_page(request, 404, "Not found", "There is nothing at this address.")
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return _error_page(
            request, 400, "Bad request", "Some of the values in the address are not valid."
        )

    # Order matters: the outermost middleware runs first. Headers wrap everything,
    # including the session layer's responses and errors.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.add_middleware(RejectNul)
    app.add_middleware(SecurityHeaders, hsts=secure_cookies)
    return app


_ENV_URL, _ENV_KEY, _ENV_DEV = (
    "SERVICECRAFT_DATABASE_URL",
    "SERVICECRAFT_SECRET_KEY",
    "SERVICECRAFT_DEV",
)


def app_from_env() -> FastAPI:
    """The app for one of serve's worker processes, from what serve put in the environment."""
    return create_app(
        os.environ[_ENV_URL], os.environ[_ENV_KEY], secure_cookies=os.environ.get(_ENV_DEV) != "1"
    )


def default_workers() -> int:
    """One worker process per core: page handlers are CPU-bound Python (templates, charts)."""
    return max(1, os.cpu_count() or 1)


def serve(
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    secret_key: str | None = None,
    dev: bool = False,
    workers: int = 1,
) -> None:
    """Run the app with uvicorn, in ``workers`` processes sharing the port.

    Without a secret key a random one is made (shared by the workers), which logs everyone
    out on restart; pass one (SERVICECRAFT_SECRET_KEY) to keep sessions. dev=True allows
    plain HTTP cookies, for running on localhost without TLS.
    """
    import uvicorn

    key = secret_key or secrets.token_urlsafe(32)
    options: dict[str, Any] = dict(
        host=host, port=port, proxy_headers=False, server_header=False, log_level="info"
    )
    if workers <= 1:
        uvicorn.run(create_app(database_url, key, secure_cookies=not dev), **options)
        return
    # Worker processes import the app by name; they read the settings from the environment.
    os.environ.update({_ENV_URL: database_url, _ENV_KEY: key, _ENV_DEV: "1" if dev else "0"})
    uvicorn.run("servicecraft.web.app:app_from_env", factory=True, workers=workers, **options)
