"""Kept dashboard pages over HTTP, on a real database (SQLite and PostgreSQL).

A kept page skips the service layer's access checks, so the first tests show that one
viewer's page is never served to another: each would fail if the key lacked the viewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import orjson
import pytest
from jinja2 import UndefinedError

from servicecraft.service.auth import hash_password
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.store import User, open_database
from servicecraft.web.page_cache import _NOT_KEPT, FreshnessCache, Kept, Policy
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


def _add_team_leads(org: Org) -> None:
    db = open_database(org.url)
    try:
        with db.session() as s:
            pw = hash_password(PASSWORD)
            for username, team in (("lead_a", "Support A"), ("lead_b", "IT A")):
                s.add(
                    User(username=username, password_hash=pw, role="lead", team_id=org.teams[team])
                )
            s.commit()
    finally:
        close_db(db)


@pytest.fixture(scope="module")
def org(module_database_url: str) -> Org:
    built = build_org(module_database_url)
    _add_team_leads(built)
    return built


@pytest.fixture(scope="module")
def server(org: Org) -> Iterator[LiveServer]:
    s = live(org.url)
    yield s
    s.stop()


def _kept(server: LiveServer) -> FreshnessCache[Kept]:
    cache: FreshnessCache[Kept] = server.app.state.page_cache
    return cache


def test_a_leads_team_page_is_never_served_to_an_agent_or_another_lead(
    client_for, org, server
) -> None:
    path = f"/teams/{org.teams['Support A']}"
    lead = client_for("lead_a")
    first = lead.get(path)
    assert first.status_code == 200 and "Priya Nair" in first.text
    kept = len(_kept(server))
    assert lead.get(path).text == first.text  # served from the cache
    assert len(_kept(server)) == kept
    # Same address, right after: an agent of that team and the lead of another team are
    # refused; with the viewer out of the key they would get the lead's page.
    for username in ("priya", "lead_b"):
        r = client_for(username).get(path)
        assert r.status_code == 403, username
        assert "Priya Nair" not in r.text and "Tom Reed" not in r.text
    # A reviewer may see the team, but not the lead's page: no coaching button.
    assert f'href="{path}/coaching"' in first.text
    seen = client_for("reviewer").get(path)
    assert seen.status_code == 200 and f'href="{path}/coaching"' not in seen.text


def test_a_department_leads_page_is_not_served_to_a_team_lead(client_for, org) -> None:
    path = f"/departments/{org.departments['Support']}"
    assert client_for("lead").get(path).status_code == 200
    r = client_for("lead_a").get(path)  # leads a team of that department, not the department
    assert r.status_code == 403 and "Support A" not in r.text


def test_an_agent_gets_their_own_person_page_not_their_leads_view_of_it(client_for, org) -> None:
    path = f"/people/{org.people['Priya Nair']}"
    by_lead = client_for("lead_a").get(path)
    own = client_for("priya").get(path)
    assert by_lead.status_code == own.status_code == 200
    assert "/coaching/new" in by_lead.text and "/coaching/new" not in own.text
    assert 'href="/teams/' in by_lead.text and 'href="/teams/' not in own.text


def test_each_session_gets_its_own_csrf_token_and_name_around_a_kept_page(client_for, org) -> None:
    path = f"/departments/{org.departments['IT']}"
    one, two = client_for("admin"), client_for("admin")
    first, second = one.get(path).text, two.get(path).text
    assert csrf_of(first) != csrf_of(second)
    # Each page's logout form carries its own session's token (what a POST is checked against).
    assert csrf_of(one.get("/tokens").text) == csrf_of(first)
    assert csrf_of(two.get("/tokens").text) == csrf_of(second)
    main = re.compile(r"<main>.*</main>", re.S)
    assert main.search(first).group(0) == main.search(second).group(0)  # type: ignore[union-attr]


def test_logins_with_the_same_scope_share_one_render_and_each_keeps_its_own_name(
    client_for, org, server
) -> None:
    # Two leads of one team are two logins with one access scope: the second is served the
    # first one's render (one kept page, not two), with its own name and token around it.
    db = open_database(org.url)
    try:
        with db.session() as s:
            s.add(
                User(
                    username="lead_a2",
                    password_hash=hash_password(PASSWORD),
                    role="lead",
                    team_id=org.teams["Support A"],
                )
            )
            s.commit()
    finally:
        close_db(db)
    path = f"/teams/{org.teams['Support A']}?weeks=8"
    first = client_for("lead_a").get(path)
    kept = len(_kept(server))
    second = client_for("lead_a2").get(path)
    assert first.status_code == second.status_code == 200
    assert len(_kept(server)) == kept  # no render of its own
    main = re.compile(r"<main>.*</main>", re.S)
    assert main.search(first.text).group(0) == main.search(second.text).group(0)  # type: ignore[union-attr]
    assert "lead_a2" in second.text and "lead_a2" not in first.text
    # A login with another scope (a lead of another team) is refused, not served the render.
    assert client_for("lead_b").get(path).status_code == 403


def test_a_kept_block_cannot_hold_the_csrf_token_or_the_user(server) -> None:
    # The kept part is rendered with these as errors: a template that put the token or the
    # user's name into a dashboard's main block fails loudly instead of caching it.
    env = server.app.state.templates.env
    for source in ("{{ csrf }}", "{{ user.username }}", "{% if user %}x{% endif %}"):
        with pytest.raises(UndefinedError):
            env.from_string(source).render(_NOT_KEPT)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _conversation(cid: str) -> bytes:
    return orjson.dumps(
        {
            "id": cid,
            "messages": [
                {
                    "role": "customer",
                    "text": "My parcel is late.",
                    "at": "2026-01-05T10:00:00+00:00",
                },
                {
                    "role": "agent",
                    "text": "I am sorry, I will check where it is.",
                    "author": "Priya Nair",
                    "at": "2026-01-05T10:02:00+00:00",
                },
            ],
        }
    )


COUNT = re.compile(r"Department · ([\d,]+) conversation")


def test_an_import_shows_within_the_staleness_bound(database_url: str) -> None:
    org = build_org(database_url)
    s = live(org.url)
    clock = Clock()
    policy = Policy()  # the defaults the app runs with
    s.app.state.page_cache = FreshnessCache[Kept](policy, clock=clock)
    try:
        with httpx.Client(base_url=s.url, follow_redirects=True, timeout=30) as c:
            assert login(c, "admin").status_code == 303
            path = f"/departments/{org.departments['Support']}?weeks=4&until=2026-01-11"

            def count() -> int:
                return int(COUNT.search(c.get(path).text).group(1))  # type: ignore[union-attr]

            before = count()
            db = open_database(org.url)
            try:
                import_jsonl_bytes(db, _conversation("late-parcel-1"))
            finally:
                close_db(db)
            # Within revalidate_after the page rendered before the import is still served...
            clock.now += policy.revalidate_after / 2
            assert count() == before
            # ...and once it is that old, the next request shows the import.
            clock.now += policy.revalidate_after / 2
            assert count() == before + 1
            # Nothing changed since: the page is kept as long as the ttl allows.
            clock.now += policy.ttl - 1
            assert count() == before + 1
    finally:
        s.stop()
