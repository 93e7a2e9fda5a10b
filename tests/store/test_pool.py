"""Pooled PostgreSQL connections: a dead one is replaced, checked only after being idle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from servicecraft.store import Database, database, open_database
from tests.conftest import _postgres_admin, fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with fresh_database("postgresql", tmp_path) as url:
        opened = open_database(url)
        try:
            yield opened
        finally:
            opened.close()


def _backend(session: sa.orm.Session) -> int:
    return int(session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    admin = _postgres_admin()
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as s:
        first = _backend(s)
    _terminate(first)  # as a restarted server leaves the pool's connections
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # idle long enough to check
    with db.session() as s:
        assert _backend(s) != first  # no error: the check found it dead, a new one served


def test_a_connection_reused_at_once_is_not_checked_first(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or True)
    for _ in range(3):
        with db.session() as s:
            _backend(s)
    assert pings == []  # reused within PING_AFTER_IDLE: no round trip spent on a check
    monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)
    with db.session() as s:
        _backend(s)
    assert len(pings) == 1


def test_the_first_error_on_a_dead_connection_replaces_the_others_in_the_pool(
    db: Database,
) -> None:
    # Connections reused within PING_AFTER_IDLE are not checked: after a database restart the
    # first request on one fails, and that error marks every older pooled connection invalid.
    sessions = [db.session() for _ in range(3)]
    old = {_backend(s) for s in sessions}
    for s in sessions:
        s.close()
    for pid in old:
        _terminate(pid)
    with pytest.raises(sa.exc.OperationalError), db.session() as s:
        _backend(s)
    sessions = [db.session() for _ in range(3)]
    try:
        assert not {_backend(s) for s in sessions} & old  # all three new, none failed
    finally:
        for s in sessions:
            s.close()
