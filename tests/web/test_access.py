"""Who sees what, over HTTP, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import (
    PASSWORD,
    LiveServer,
    Org,
    build_org,
    close_db,
    csrf_of,
    live,
    login,
)


@pytest.fixture(scope="module")
def org(module_database_url: str) -> Org:
    """One organisation per database kind for the module: these tests only read (and log in)."""
    return build_org(module_database_url)


@pytest.fixture(scope="module")
def server(org: Org) -> Iterator[LiveServer]:
    s = live(org.url)
    yield s
    s.stop()


def test_pages_need_login(client_for) -> None:
    c = client_for()
    for path in ("/", "/people/1", "/search", "/hindrances", "/tokens"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_login_lands_each_role_on_its_page(client_for, org) -> None:
    c = client_for()
    assert login(c, "admin").headers["location"] == "/"
    c = client_for()
    assert login(c, "lead").headers["location"] == f"/departments/{org.departments['Support']}"
    c = client_for()
    assert login(c, "priya").headers["location"] == f"/people/{org.people['Priya Nair']}"


def test_wrong_password_is_refused(client_for) -> None:
    c = client_for()
    r = login(c, "admin", "wrong")
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    assert c.get("/", follow_redirects=False).status_code == 303


def test_admin_sees_every_page(client_for, org) -> None:
    c = client_for("admin")
    r = c.get("/")
    assert r.status_code == 200
    for name in ("Support", "IT", "Logistics"):
        assert name in r.text
    assert c.get(f"/departments/{org.departments['IT']}").status_code == 200
    assert c.get(f"/teams/{org.teams['IT A']}").status_code == 200
    assert c.get(f"/people/{org.people['Kim Lee']}").status_code == 200
    cid = org.conversations["Priya Nair"][0]
    r = c.get(f"/conversations/{cid}")
    assert r.status_code == 200 and 'class="ev ' in r.text
    assert c.get("/hindrances").status_code == 200
    assert c.get("/search").status_code == 200


def test_agent_sees_only_their_own(client_for, org) -> None:
    c = client_for("priya")
    own, other = org.people["Priya Nair"], org.people["Tom Reed"]
    assert c.get(f"/people/{own}").status_code == 200
    assert c.get(f"/people/{other}").status_code == 403
    assert c.get(f"/conversations/{org.conversations['Priya Nair'][0]}").status_code == 200
    r = c.get(f"/conversations/{org.conversations['Tom Reed'][0]}")
    assert r.status_code == 403 and "Tom Reed" not in r.text
    assert c.get(f"/teams/{org.teams['Support A']}").status_code == 403
    assert c.get(f"/departments/{org.departments['Support']}").status_code == 403
    assert c.get("/hindrances").status_code == 403
    # The organisation page sends an agent to their own page instead.
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/people/{own}"
    # Search is filtered to their own conversations, even when asking for someone else's.
    for query in ("", f"?person_id={other}", f"?team_id={org.teams['Support A']}"):
        r = c.get(f"/search{query}")
        assert r.status_code in (200, 403)
        if r.status_code == 200:
            assert "Tom Reed" not in r.text
            for cid in org.conversations["Tom Reed"]:
                assert f"/conversations/{cid}" not in r.text


def test_lead_sees_their_department_only(client_for, org) -> None:
    c = client_for("lead")
    assert c.get(f"/departments/{org.departments['Support']}").status_code == 200
    assert c.get(f"/people/{org.people['Tom Reed']}").status_code == 200
    assert c.get(f"/departments/{org.departments['IT']}").status_code == 403
    assert c.get(f"/people/{org.people['Kim Lee']}").status_code == 403
    assert c.get(f"/conversations/{org.conversations['Luis Gomez'][0]}").status_code == 403


def test_reviewer_reads_all_conversations(client_for, org) -> None:
    c = client_for("reviewer")
    for person in ("Priya Nair", "Luis Gomez", "Oscar Lund"):
        assert c.get(f"/conversations/{org.conversations[person][0]}").status_code == 200


def test_missing_things_are_404(client_for) -> None:
    c = client_for("admin")
    assert c.get("/people/999999").status_code == 404
    assert c.get("/conversations/no-such-id").status_code == 404


def test_department_table_sorts(client_for, org) -> None:
    c = client_for("admin")
    url = f"/departments/{org.departments['Support']}"
    by_name = c.get(f"{url}?sort=name").text
    names = sorted(["Priya Nair", "Tom Reed", "Marco Silva", "Ana Costa", "Jo Baker"])
    positions = [by_name.index(n) for n in names]
    assert positions == sorted(positions)
    # Every sort key of the catalogue works; anything else is a clear error, not a silent default.
    assert c.get(f"{url}?sort=-chasers_per_100").status_code == 200
    refused = c.get(f"{url}?sort=not-a-column")
    assert refused.status_code == 400
    assert "cannot sort by" in refused.text.lower() and "chasers_per_100" in refused.text


def test_search_paginates_and_filters(client_for, org) -> None:
    c = client_for("admin")
    r = c.get(f"/search?person_id={org.people['Priya Nair']}")
    assert r.status_code == 200
    for cid in org.conversations["Priya Nair"]:
        assert cid in r.text
    assert org.conversations["Luis Gomez"][0] not in r.text
    assert c.get("/search?page=0").status_code == 400
    assert c.get("/search?min_score=500").status_code == 400


def test_logout_ends_the_session(client_for) -> None:
    c = client_for("admin")
    token = csrf_of(c.get("/").text)
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_password_is_argon2(org) -> None:
    from sqlalchemy import select

    from servicecraft.service.auth import verify_password
    from servicecraft.store import User, open_database

    db = open_database(org.url)
    with db.session() as s:
        user = s.execute(select(User).where(User.username == "admin")).scalar_one()
    close_db(db)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, "nope")
