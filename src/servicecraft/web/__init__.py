"""The web application: dashboards, login and the JSON API (see docs/web.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(database_url: str, secret_key: str, *, secure_cookies: bool = True) -> FastAPI:
    # Imported lazily so `import servicecraft.web` (e.g. by the CLI) stays cheap.
    from servicecraft.web.app import create_app as _create_app

    return _create_app(database_url, secret_key, secure_cookies=secure_cookies)


def serve(
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    secret_key: str | None = None,
    dev: bool = False,
    **_: Any,
) -> None:
    from servicecraft.web.app import serve as _serve

    _serve(database_url, host=host, port=port, secret_key=secret_key, dev=dev)


__all__ = ["create_app", "serve"]
