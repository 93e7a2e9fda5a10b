"""An organisation in a real database (SQLite and PostgreSQL) and the Viewer of each login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from servicecraft.service.policy import Viewer, viewer_for
from servicecraft.store import Database, User, open_database
from tests.web.conftest import Org, build_org, close_db


@pytest.fixture
def org(database_url: str) -> Org:
    return build_org(database_url)


@pytest.fixture
def db(org: Org) -> Iterator[Database]:
    database = open_database(org.url)
    yield database
    close_db(database)


def viewer(db: Database, username: str) -> Viewer:
    with db.session() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return viewer_for(user)
