"""The JSON API: bearer tokens, scopes, revocation, access rules, import, OpenAPI."""

from __future__ import annotations

import re

import orjson
import pytest

from tests.web.conftest import csrf_of, sample_lines


def make_token(client, scopes=("read",), name="test") -> str:  # type: ignore[no-untyped-def]
    page = client.get("/tokens").text
    r = client.post(
        "/tokens", data={"name": name, "scopes": list(scopes), "csrf_token": csrf_of(page)}
    )
    assert r.status_code == 200, r.text
    match = re.search(r'id="new-token">([^<]+)<', r.text)
    assert match, "the new token is shown once"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_openapi_is_valid_and_offline(client_for) -> None:
    c = client_for()
    spec = c.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}",
        "/api/v1/people/{person_id}/summary",
        "/api/v1/teams/{team_id}/summary",
        "/api/v1/import",
    } <= paths
    assert not any(p in paths for p in ("/", "/login", "/tokens")), "pages stay out of the API"
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert c.get("/docs").status_code == 404  # the CDN-backed Swagger UI is off
    docs = c.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/conversations" in docs.text
    assert "cdn" not in docs.text.lower()
    # Structural checks (no validator package is a dependency): refs resolve, operations
    # are complete and uniquely named.
    text = orjson.dumps(spec).decode()
    for ref in set(re.findall(r'"\$ref":"#/components/schemas/([^"]+)"', text)):
        assert ref in spec["components"]["schemas"], ref
    op_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(op_ids) == len(set(op_ids))
    for ops in spec["paths"].values():
        for op in ops.values():
            assert op["responses"] and op["summary"]
            assert op.get("security") == [{"HTTPBearer": []}]


def test_api_needs_a_token(client_for) -> None:
    c = client_for()
    r = c.get("/api/v1/conversations")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert c.get("/api/v1/conversations", headers=bearer("sc_not-a-token")).status_code == 401
    # A logged-in browser session is not an API credential.
    assert client_for("admin").get("/api/v1/conversations").status_code == 401


def test_read_token_lists_scorecards(client_for, org) -> None:
    admin = client_for("admin")
    token = make_token(admin)
    api = client_for()
    r = api.get("/api/v1/conversations", headers=bearer(token), params={"page_size": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == sum(len(v) for v in org.conversations.values())
    assert len(body["items"]) == 5
    card = body["items"][0]
    assert {"id", "score", "skills", "metrics", "messages"} <= set(card)
    assert set(card["skills"]["empathy"]) >= {"score", "evidence"}
    cid = org.conversations["Priya Nair"][0]
    one = api.get(f"/api/v1/conversations/{cid}", headers=bearer(token)).json()
    assert one["id"] == cid and one["conversation"]["messages"]
    summary = api.get(
        f"/api/v1/people/{org.people['Priya Nair']}/summary", headers=bearer(token)
    ).json()
    assert summary["name"] == "Priya Nair" and summary["conversations"] == len(
        org.conversations["Priya Nair"]
    )
    # Every skill says how often it was observed; a mean exists exactly where it was.
    for skill, mean in summary["skills"].items():
        observed = summary["observed"][skill]
        assert summary["coverage"][skill] == pytest.approx(observed / summary["conversations"])
        assert (mean is None) == (observed == 0)
    team = api.get(f"/api/v1/teams/{org.teams['Support A']}/summary", headers=bearer(token)).json()
    assert team["name"] == "Support A" and "skills" in team


def test_agent_token_sees_only_their_own(client_for, org) -> None:
    token = make_token(client_for("priya"))
    api = client_for()
    h = bearer(token)
    items = api.get("/api/v1/conversations", headers=h, params={"page_size": 200}).json()["items"]
    assert {i["id"] for i in items} == set(org.conversations["Priya Nair"])
    other = api.get(
        "/api/v1/conversations", headers=h, params={"person_id": org.people["Tom Reed"]}
    ).json()
    assert {i["id"] for i in other["items"]} <= set(org.conversations["Priya Nair"])
    assert (
        api.get(f"/api/v1/conversations/{org.conversations['Tom Reed'][0]}", headers=h).status_code
        == 403
    )
    assert api.get(f"/api/v1/people/{org.people['Tom Reed']}/summary", headers=h).status_code == 403
    assert api.get(f"/api/v1/teams/{org.teams['Support A']}/summary", headers=h).status_code == 403
    assert (
        api.get(f"/api/v1/people/{org.people['Priya Nair']}/summary", headers=h).status_code == 200
    )


def test_import_needs_the_import_scope(client_for) -> None:
    admin = client_for("admin")
    read = make_token(admin, ("read",))
    api = client_for()
    body = b"\n".join(sample_lines()[:2])
    r = api.post("/api/v1/import", content=body, headers=bearer(read))
    assert r.status_code == 403
    # Non-admins cannot mint import tokens at all.
    priya = client_for("priya")
    r = priya.post(
        "/tokens",
        data={"name": "x", "scopes": ["import"], "csrf_token": csrf_of(priya.get("/tokens").text)},
    )
    assert r.status_code == 403


def test_import_reports_counts_and_rejections(client_for) -> None:
    admin = client_for("admin")
    token = make_token(admin, ("read", "import"))
    lines = sample_lines()[:3]
    fresh = orjson.loads(lines[0])
    fresh["id"] = "api-import-1"
    body = b"\n".join([orjson.dumps(fresh), b"{not json", lines[1], b'{"id": "x"}'])
    r = client_for().post(
        "/api/v1/import",
        content=body,
        headers={**bearer(token), "Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    result = r.json()
    # lines[1] is already stored with the same content: re-importing adds nothing.
    assert result["imported"] == 1 and result["skipped"] == 1
    assert result["rejected"] == 2
    assert [x["line"] for x in result["rejections"]] == [2, 4]
    assert all(x["reason"] for x in result["rejections"])
    got = client_for().get("/api/v1/conversations/api-import-1", headers=bearer(token))
    assert got.status_code == 200


def test_revoked_token_stops_working(client_for) -> None:
    admin = client_for("admin")
    token = make_token(admin, name="to revoke")
    api = client_for()
    assert api.get("/api/v1/conversations", headers=bearer(token)).status_code == 200
    page = admin.get("/tokens").text
    assert token not in page, "plaintext is shown once, never again"
    token_id = re.search(r'action="/tokens/(\d+)/revoke"', page).group(1)
    r = admin.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 200 and "revoked" in r.text
    assert api.get("/api/v1/conversations", headers=bearer(token)).status_code == 401


def test_users_cannot_revoke_each_others_tokens(client_for) -> None:
    admin = client_for("admin")
    make_token(admin, name="admins")
    token_id = re.search(r'action="/tokens/(\d+)/revoke"', admin.get("/tokens").text).group(1)
    tom = client_for("tom")
    page = tom.get("/tokens").text
    assert "admins" not in page
    assert (
        tom.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page)}).status_code
        == 404
    )
