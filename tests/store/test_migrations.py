"""The packaged migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from servicecraft.store import Base, database_url, open_database
from servicecraft.store.database import _config


def test_migrations_reach_head_and_match_the_models(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            head = ScriptDirectory.from_config(_config()).get_current_head()
            assert context.get_current_revision() == head == "0004"
            # Nothing the models declare is missing from (or extra in) the migrated database.
            assert compare_metadata(context, Base.metadata) == []
    finally:
        db.close()


def test_opening_twice_is_harmless_and_data_survives(database_url: str) -> None:
    from servicecraft.store import Department

    db = open_database(database_url)
    with db.transaction() as s:
        s.add(Department(name="Support"))
    db.close()
    db = open_database(database_url)
    try:
        with db.session() as s:
            assert s.execute(sa.select(Department.name)).scalars().all() == ["Support"]
    finally:
        db.close()


def test_downgrade_to_nothing_and_back(database_url: str) -> None:
    db = open_database(database_url)
    config = _config()
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        db.close()
    db = open_database(database_url)
    try:
        with db.engine.connect() as connection:
            assert "weekly_stats" in sa.inspect(connection).get_table_names()
    finally:
        db.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "plain-path.db"))  # a bare path means a SQLite file
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            with pytest.raises(sa.exc.IntegrityError):
                connection.exec_driver_sql(
                    "INSERT INTO teams (name, department_id) VALUES ('orphan', 999)"
                )
    finally:
        db.close()


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICECRAFT_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///servicecraft.db"
    assert database_url("x.db") == "sqlite:///x.db"
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    monkeypatch.setenv("SERVICECRAFT_DATABASE_URL", "postgresql://u@h/env")
    assert database_url() == "postgresql+psycopg://u@h/env"
    assert database_url("sqlite:///given.db") == "sqlite:///given.db"


def test_config_uses_packaged_migrations() -> None:
    location = Path(_config().get_main_option("script_location") or "")
    assert (location / "versions" / "0001_initial_schema.py").is_file()
    assert isinstance(_config(), Config)
