"""Fuzzing the API from its OpenAPI description (schemathesis) and the pages' parameters
(hypothesis): no request gets a 500, on SQLite and PostgreSQL (issue 12, defect 8).

Fixed seeds and bounded cases, so CI runs the same requests every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from sqlalchemy import select
from starlette.testclient import TestClient

from servicecraft.service import auth
from servicecraft.store import User, open_database
from tests.conftest import _postgres_admin
from tests.web.conftest import SECRET, build_org, close_db, csrf_of, login

# The import body is JSON Lines text: sent as the text it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One organisation per database for the whole module (the fuzz only reads, or imports)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        url = f"sqlite:///{path}"
        build_org(url)
        yield url
        return
    admin = _postgres_admin()
    name = f"servicecraft_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        build_org(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def fuzz_app(fuzz_url: str) -> Iterator[Any]:
    from servicecraft.web import create_app

    app = create_app(fuzz_url, SECRET, secure_cookies=False)
    yield app
    close_db(app.state.db)


@pytest.fixture(scope="module")
def bearer(fuzz_url: str) -> dict[str, str]:
    db = open_database(fuzz_url, migrate=False)
    try:
        with db.session() as s:
            admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
            token = auth.create_token(s, admin.id, "fuzz", ["read", "import"])
    finally:
        close_db(db)
    return {"Authorization": f"Bearer {token}"}


def test_no_api_request_is_a_server_error(fuzz_app: Any, bearer: dict[str, str]) -> None:
    # schemathesis's own pytest plugin does not run under pytest 9, so each operation's
    # strategy drives a plain hypothesis test here.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=bearer, checks=[not_a_server_error])

        check()


# The pages' parameters: ids, dates, numbers and words from every range, malformed included.
ids = st.integers(min_value=-(2**70), max_value=2**70).map(str) | st.sampled_from(
    ["", "abc", "1e3", "-0", " 1", "9" * 40]
)
dates = st.dates().map(str) | st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "x"])
numbers = st.floats(allow_nan=True, allow_infinity=True).map(str) | ids
words = st.text(max_size=20)
page_requests = st.one_of(
    st.tuples(st.just("/departments/{}"), ids),
    st.tuples(st.just("/teams/{}"), ids),
    st.tuples(st.just("/people/{}"), ids),
    st.tuples(st.just("/conversations/{}"), words),
    st.tuples(st.just("/search?person_id={}"), ids),
    st.tuples(st.just("/search?department_id={}"), ids),
    st.tuples(st.just("/search?date_from={}"), dates),
    st.tuples(st.just("/search?date_to={}"), dates),
    st.tuples(st.just("/search?min_score={}"), numbers),
    st.tuples(st.just("/search?page={}"), ids),
    st.tuples(st.just("/search?skill={}&metric={}"), words),
    st.tuples(st.just("/departments/1?sort={}"), words),
)


@pytest.fixture(scope="module")
def admin_client(fuzz_app: Any) -> Iterator[TestClient]:
    with TestClient(fuzz_app, base_url="http://127.0.0.1") as client:
        assert login(client, "admin").status_code == 303  # type: ignore[arg-type]
        assert csrf_of(client.get("/login").text)
        yield client


@FUZZ
@given(request=page_requests)
def test_no_page_parameter_is_a_server_error(
    admin_client: TestClient, request: tuple[str, str]
) -> None:
    template, value = request
    from urllib.parse import quote

    url = template.format(quote(value, safe=""), quote(value, safe=""))
    response = admin_client.get(url, follow_redirects=False)
    assert response.status_code < 500, (url, response.status_code)
