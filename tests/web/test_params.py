"""Out-of-range parameters are client errors, and conversation ids with '/' open (issue 12,
defects 8 and 9): each test failed before its fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import select

from servicecraft.service import auth
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.store import User, open_database
from tests.web.conftest import close_db, csrf_of

HUGE = str(2**31)  # ids are INTEGER columns: PostgreSQL's overflow at 2**31 (SQLite's at 2**63)
SLASHED = ["x/../../tokens", "a/b", "odd id?#%"]


def _token(url: str, scopes: tuple[str, ...] = ("read",)) -> dict[str, str]:
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
            token = auth.create_token(s, admin.id, "t", list(scopes))
            return {"Authorization": "Bearer " + token}
    finally:
        close_db(db)


def test_out_of_range_parameters_are_never_a_server_error(client_for, org) -> None:
    c = client_for("admin")
    for path in ("/departments/", "/teams/", "/people/"):
        assert c.get(path + HUGE).status_code == 404
    for path in ("/coaching/", "/calibration/", "/practice/"):  # pages added later
        assert c.get(path + str(2**63)).status_code == 404, path
    for path in (f"/teams/{HUGE}/coaching", f"/departments/{2**63}/readiness"):
        assert c.get(path).status_code == 404, path
    for query in (f"person_id={HUGE}", f"team_id={HUGE}", f"department_id={2**63}"):
        assert c.get(f"/search?{query}").status_code == 400
    assert c.get("/search?date_to=9999-12-31").status_code == 400
    assert c.get("/search?date_from=0001-01-01").status_code == 400
    assert c.get("/search?date_to=2999-12-31").status_code == 200
    api = client_for()
    headers = _token(org.url)
    for path in ("/api/v1/people/", "/api/v1/teams/"):
        assert api.get(f"{path}{HUGE}/summary", headers=headers).status_code == 404
    for query in (f"person_id={HUGE}", "date_to=9999-12-31", f"page={2**62}", "page=100001"):
        assert api.get(f"/api/v1/conversations?{query}", headers=headers).status_code == 422
    r = api.get("/api/v1/conversations?page=100000&page_size=200", headers=headers)
    assert r.status_code == 200 and r.json()["items"] == []


def test_a_survey_request_the_databases_cannot_hold_is_a_client_error(client_for, org) -> None:
    # Found by the API fuzz suite: an id past SQLite's 2**63 in the body was a 500.
    api = client_for()
    headers = _token(org.url, ("read", "import"))
    for body in (
        {"person_id": 2**63},
        {"team_id": int(HUGE)},
        {"department_id": -(2**63) - 1},
        {"date_to": "9999-12-31"},
        {"conversation_id": "a\u0000b"},
        {"conversation_id": "x" * 201},
    ):
        r = api.post("/api/v1/surveys", json=body, headers=headers)
        assert r.status_code == 422, (body, r.status_code, r.text)
    r = api.post("/api/v1/surveys", json={"person_id": 1, "limit": 1}, headers=headers)
    assert r.status_code == 200, r.text
    # The same filter from the search page's form.
    page = client_for("admin")
    csrf = csrf_of(page.get("/search").text)
    for field, value in (("person_id", str(2**63)), ("team_id", HUGE), ("date_to", "9999-12-31")):
        r = page.post("/surveys", data={field: value, "csrf_token": csrf})
        assert r.status_code == 400, (field, r.status_code)


def test_conversation_ids_with_slashes_open_and_are_encoded_in_links(client_for, org) -> None:
    db = open_database(org.url, migrate=False)
    try:
        template = {
            "messages": [
                {"role": "customer", "text": "Where is my order?"},
                {"role": "agent", "text": "I will look into it.", "author": "Priya Nair"},
            ]
        }
        body = b"\n".join(orjson.dumps({"id": cid, **template}) for cid in SLASHED)
        assert import_jsonl_bytes(db, body).imported == len(SLASHED)
    finally:
        close_db(db)
    c = client_for("admin")
    headers = _token(org.url)
    html = c.get("/search").text
    assert 'href="/conversations/x%2F..%2F..%2Ftokens"' in html
    assert 'href="/conversations/x/' not in html
    for cid in SLASHED:
        page = c.get("/conversations/" + quote(cid, safe=""), follow_redirects=False)
        assert page.status_code == 200 and "Where is my order?" in page.text
        api = c.get("/api/v1/conversations/" + quote(cid, safe=""), headers=headers)
        assert api.status_code == 200, api.text
        assert api.json()["id"] == cid


def test_every_integer_id_a_route_reads_is_bounded_to_what_the_databases_hold() -> None:
    # Issue 12, defect 8, for every route, pages added later included: an unbounded id
    # reaches the database driver, which fails on SQLite past 2**63 and on PostgreSQL past
    # 2**31 (a 500). web.bounds defines the bounds; this finds a route that forgot them.
    from fastapi.routing import APIRoute

    from servicecraft.web import create_app
    from servicecraft.web.bounds import MAX_ID

    def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            included = getattr(route, "original_router", None)  # an included router
            if included is not None:
                yield from api_routes(included.routes)

    app = create_app("sqlite:///:memory:", "x" * 32, secure_cookies=False)
    unbounded, seen = [], 0
    for route in api_routes(app.routes):
        seen += 1
        dependant = route.dependant
        fields = dependant.path_params + dependant.query_params + dependant.body_params
        for field in fields:
            if not field.name.endswith("_id") or field.field_info.annotation not in (
                int,
                int | None,
            ):
                continue
            limits = {type(m).__name__: m for m in field.field_info.metadata}
            le, ge = limits.get("Le"), limits.get("Ge")
            if le is None or ge is None or le.le > MAX_ID or ge.ge < -MAX_ID:
                unbounded.append(f"{sorted(route.methods)} {route.path}: {field.name}")
    assert seen > 50, "the app's routes were not found"
    assert not unbounded, unbounded


def test_a_nul_byte_in_an_address_or_a_form_is_a_client_error(client_for, org) -> None:
    # PostgreSQL's text holds no NUL byte: these were 500s there (found by a probe of the pages).
    c = client_for("admin")
    csrf = csrf_of(c.get("/search").text)
    for path in ("/conversations/a%00b", "/conversations/a%00b/review"):
        assert c.get(path).status_code == 404, path
    r = c.post("/conversations/a%00b/survey", data={"csrf_token": csrf})
    assert r.status_code == 404
    r = c.post("/practice/start", data={"scenario_id": "a\x00b", "csrf_token": csrf})
    assert r.status_code == 400 and "NUL" in r.text
    anonymous = client_for()
    token = csrf_of(anonymous.get("/login").text)
    r = anonymous.post(
        "/login", data={"username": "ad\x00min", "password": "x", "csrf_token": token}
    )
    assert r.status_code == 400
    assert r.headers["x-frame-options"] == "DENY"  # still inside the security headers
    assert c.get("/search?q=a%00b").status_code == 200  # a query value only filters: no error
