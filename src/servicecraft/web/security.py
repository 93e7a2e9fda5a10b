"""Security plumbing for the web app: response headers and CSRF tokens.

The headers middleware is plain ASGI (not BaseHTTPMiddleware) so it adds no
task hop per request; it only rewrites the response start message.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script anywhere (charts are server-side SVG; the one script is a file),
# so script-src 'self' holds. frame-ancestors 'none' replaces X-Frame-Options in
# modern browsers; both are sent for older ones.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the headers above to every response; HSTS too when served over HTTPS."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.extra = list(_HEADERS)
        if hsts:
            self.extra.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.extra if k not in present]
                # Dashboards hold personal data: never let a shared cache keep them.
                if b"cache-control" not in present:
                    path = scope.get("path", "")
                    value = b"public, max-age=3600" if path.startswith("/static/") else b"no-store"
                    headers.append((b"cache-control", value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (the login page included)."""
    session: dict[str, Any] = request.session
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Synchronizer-token check for every form POST.

    The token lives in the signed session cookie and must come back in the form
    body; a cross-site page can make the browser send the cookie but cannot read
    the token. SameSite=Lax is a second, independent defence.
    """
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise HTTPException(
            status_code=403,
            detail="The form expired or came from another site. Reload the page and try again.",
        )


# A form body past this is not buffered to look for NUL bytes (imports are not forms).
_FORM_CHECKED = 1 << 20


class RejectNul:
    """Answers a request that carries a NUL byte in its address (404) or in a form (400).

    PostgreSQL's text holds no NUL byte: such a value reached the database as a 500 there and
    as a lookup on SQLite. No stored id, name or text holds one (imports reject them), so a
    URL with one names nothing, and a form value with one cannot be stored. Only urlencoded
    forms are read (every page form is one, none is multipart); JSON bodies are bounded by the
    API's models, and imports reject a NUL byte per record.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await _plain(send, 404, "There is nothing at this address.")
            return
        headers = dict(scope.get("headers") or [])
        form = headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded")
        if scope["method"] != "POST" or not form:
            await self.app(scope, receive, send)
            return
        read: list[Message] = []
        body = b""
        while len(body) <= _FORM_CHECKED:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if b"%00" in body:
            await _plain(send, 400, "A form value holds a NUL byte (U+0000): nothing can store it.")
            return

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        await self.app(scope, replay, send)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
