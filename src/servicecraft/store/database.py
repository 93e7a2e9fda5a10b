"""Opening a database: SQLite by default, PostgreSQL when the URL says so; migrations applied."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from servicecraft.store import aggregates

DEFAULT_URL = "sqlite:///servicecraft.db"
ENV_URL = "SERVICECRAFT_DATABASE_URL"
# Per process. Connections beyond POOL_SIZE are closed when returned, so a worker whose steady
# load exceeds it (50 users on 2 workers keep ~25 requests each in flight) reopened a
# connection for ~1 request in 8; at 25 it is ~1 in 40. The total stays 40, as before.
POOL_SIZE, POOL_OVERFLOW = 25, 15
PING_AFTER_IDLE = 1.0  # seconds; see _ping_after_idle
_IDLE_SINCE = "servicecraft_idle_since"


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else $SERVICECRAFT_DATABASE_URL, else a local SQLite file."""
    url = url or os.environ.get(ENV_URL) or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if "://" not in url:  # a bare path means a SQLite file
        url = f"sqlite:///{url}"
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while an import writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle ``PING_AFTER_IDLE`` seconds.

    A restarted database server leaves the pool's connections dead; a check before each use
    (``pool_pre_ping``) hides that from requests but costs a round trip per request, a
    quarter of a cached page's on PostgreSQL. A connection reused within the second is
    almost never dead, and when one is, the error marks every older connection in the pool
    invalid: a restart under load fails the requests on pooled connections at that moment,
    and the next ones get new connections.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as error:  # any failure: the pool opens a new connection instead
            raise DisconnectionError(str(error)) from error


class Database:
    """An open database: ``session()`` gives a Session to use as a context manager."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default migrate to the latest schema) the database at ``url``."""
    url = database_url(url)
    # FastAPI runs page handlers on up to 40 threads: a pool that lets most of them hold a
    # connection at once.
    pool: dict[str, Any] = {}
    if not url.startswith("sqlite:///:memory:"):
        pool.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    engine = create_engine(url, **pool)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        _ping_after_idle(engine)
    if migrate:
        upgrade(engine)
    return Database(engine)


def _config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("servicecraft.store") / "migrations")
    )
    return config


def upgrade(engine: Engine) -> None:
    """Apply the packaged Alembic migrations up to the latest."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if aggregates.needs_rebuild(connection):
            aggregates.rebuild(connection)
