"""What a new user tripped on, page by page, over HTTP against a real database of each kind."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import unescape

import pytest

from servicecraft import catalogue
from tests.web.conftest import LiveServer, Org, build_org, csrf_of, live, login
from tests.web.test_api import bearer, make_token


@pytest.fixture(scope="module")
def org(module_database_url: str) -> Org:
    """Built once per database kind; tests that write add their own users, nothing else."""
    return build_org(module_database_url)


@pytest.fixture(scope="module")
def server(org: Org) -> Iterator[LiveServer]:
    s = live(org.url)
    yield s
    s.stop()


def nav(html: str) -> str:
    return html.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]


def crumbs(html: str) -> list[str]:
    found = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def test_agents_get_no_links_that_403_and_no_tokens_item(client_for, org) -> None:
    agent = client_for("priya")
    page = agent.get(f"/people/{org.people['Priya Nair']}").text
    menu = nav(page).split("<nav>", 1)[1].split("</nav>", 1)[0]
    assert "API tokens" not in menu and "Hindrances" not in menu
    assert 'href="/tokens"' in nav(page)  # still reachable, from their name
    assert crumbs(page) == []
    for cid in org.conversations["Priya Nair"]:
        for href in crumbs(agent.get(f"/conversations/{cid}").text):
            assert agent.get(href).status_code == 200, href
    lead = client_for("lead")
    person_page = lead.get(f"/people/{org.people['Tom Reed']}").text
    assert crumbs(person_page) == [
        f"/departments/{org.departments['Support']}",
        f"/teams/{org.teams['Support A']}",
    ]
    for href in crumbs(person_page):
        assert lead.get(href).status_code == 200
    assert "My department" in nav(person_page) and "Users" not in nav(person_page)


def test_breadcrumbs_have_no_trailing_separator(client_for, org) -> None:
    page = client_for("admin").get(f"/people/{org.people['Tom Reed']}").text
    trail = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert trail.count("›") == 2 and not trail.rstrip().endswith("›")
    assert crumbs(page) == [
        "/",
        f"/departments/{org.departments['Support']}",
        f"/teams/{org.teams['Support A']}",
    ]


def test_organisation_defines_its_measures_once(client_for) -> None:
    page = client_for("admin").get("/").text
    # The tooltips say what a figure counts, in the catalogue's words (docs/web.md has the same).
    assert page.count(catalogue.BETTER_THAN_AVERAGE.replace("'", "&#39;")) >= 2
    assert "every scored skill was above" not in page
    assert "1 team ·" in page and "1 teams" not in page
    # Sparklines carry their scale; the weekly chart's axis starts at 0.
    assert re.search(r'<text class="axis"[^>]*>100%</text>', page)
    chart = page.split('class="chart line-chart"', 1)[1].split("</svg>", 1)[0]
    axis = re.findall(r'<text class="axis"[^>]*text-anchor="end">([^<]+)</text>', chart)
    assert axis and axis[0] in ("0", "100") and "0" in axis


def test_dashboards_have_a_period_and_compare_with_the_one_before(client_for, org) -> None:
    c = client_for("admin")
    for path in (
        "/",
        f"/departments/{org.departments['Support']}",
        f"/teams/{org.teams['Support A']}",
    ):
        page = c.get(f"{path}?weeks=4").text
        assert ("4 weeks" in page and "vs previous" in page) or "no earlier figure" in page
        assert '<select id="weeks" name="weeks">' in page
    assert c.get("/?weeks=0").status_code == 400
    long_ago = c.get("/?weeks=4&until=2001-01-01").text
    assert "01 Jan" in long_ago or "2001-01-01" in long_ago
    assert ">–<" in long_ago  # nothing in that period: dashes, not zeros


def test_team_page_has_trend_distribution_and_hindrances(client_for, org) -> None:
    page = client_for("admin").get(f"/teams/{org.teams['Logistics A']}").text
    assert re.search(r'id="team-trend".*?<svg class="chart line-chart"', page, re.S)
    assert re.search(r'id="team-distribution".*?<svg class="chart histogram"', page, re.S)
    assert 'id="team-hindrances"' in page
    department = client_for("admin").get(f"/departments/{org.departments['Logistics']}").text
    assert 'id="team-hindrances"' not in department


def test_conversation_outcomes_evidence_and_departments(client_for, org) -> None:
    cid = "craft-010"  # Oscar Lund, logistics: helped and hurt
    page = client_for("admin").get(f"/conversations/{cid}").text
    outcomes = page.split('id="outcomes"', 1)[1].split("</section>", 1)[0]
    assert "on a scale from -2 to +2" in outcomes
    assert re.search(r"(very likely not|leans no|uncertain|leans yes|very likely)", outcomes)
    assert "Predicted resolution" in outcomes and "−2 (not at all)" in outcomes
    effects = re.findall(r'<li class="(plus|minus)" value="\d+">', page)
    assert "minus" in effects and effects == sorted(effects)  # "minus" < "plus": hurt first
    assert "· Logistics" in page and "· logistics" not in page


def test_hindrance_chart_has_whole_distinct_labels(client_for) -> None:
    page = client_for("admin").get("/hindrances").text
    chart = page.split('<svg class="chart hbar"', 1)[1].split("</svg>", 1)[0]
    labels = [unescape(t) for t in re.findall(r'<text class="label"[^>]*>([^<]+)</text>', chart)]
    assert labels and len(labels) == len(set(labels))
    said = [unescape(t) for t in re.findall(r"<td>“([^”]+)”</td>", page)]
    for label in labels:
        whole = label.removesuffix("…")
        assert any(s.startswith(whole) for s in said), label  # never cut at the start


def test_conversation_list_snippets_sorting_and_csv(client_for, org) -> None:
    c = client_for("admin")
    page = c.get("/search").text
    assert "When will my replacement parcel arrive?" in page  # craft-010's opening
    assert re.search(r"<td class=\"small\">(chat|email|phone)</td>", page)
    ordered = c.get("/search?sort=-score").text
    scores = [int(s) for s in re.findall(r'<span class="pill \w+">(\d+)</span>', ordered)]
    assert scores and scores == sorted(scores, reverse=True)
    refused = c.get("/search?sort=password_hash")
    assert refused.status_code == 400 and "cannot sort by" in refused.text.lower()
    download = c.get("/search.csv?sort=-score")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    total = sum(len(v) for v in org.conversations.values())
    assert len(rows) == total and rows[0]["opening"]
    assert float(rows[0]["score"]) >= float(rows[-1]["score"] or 0)
    mine = list(csv.DictReader(io.StringIO(client_for("priya").get("/search.csv").text)))
    assert {r["id"] for r in mine} == set(org.conversations["Priya Nair"])


def test_admins_manage_users_in_the_app(client_for) -> None:
    admin = client_for("admin")
    page = admin.get("/users").text
    assert "Users" in nav(page)
    r = admin.post(
        "/users",
        data={
            "username": "newlead",
            "role": "lead",
            "department": "IT",
            "password": "a long enough password",
            "csrf_token": csrf_of(page),
        },
    )
    assert r.status_code == 200 and "Created the lead login" in r.text
    assert login(client_for(), "newlead", "a long enough password").status_code == 303
    short = admin.post(
        "/users/newlead/password", data={"password": "short", "csrf_token": csrf_of(r.text)}
    )
    assert short.status_code == 400 and "at least 10 characters" in short.text
    changed = admin.post(
        "/users/newlead/password",
        data={"password": "another long password", "csrf_token": csrf_of(r.text)},
    )
    assert changed.status_code == 200
    assert login(client_for(), "newlead", "another long password").status_code == 303
    off = admin.post("/users/newlead/disable", data={"csrf_token": csrf_of(changed.text)})
    assert off.status_code == 200 and "disabled" in off.text
    assert login(client_for(), "newlead", "another long password").status_code == 401
    self_off = admin.post("/users/admin/disable", data={"csrf_token": csrf_of(off.text)})
    assert self_off.status_code == 400 and "your own login" in self_off.text
    assert client_for("lead").get("/users").status_code == 403


def test_disabling_ends_sessions_and_tokens(client_for, server) -> None:
    admin = client_for("admin")
    page = admin.get("/users").text
    admin.post(
        "/users",
        data={
            "username": "leaver",
            "role": "reviewer",
            "password": "temporary password 1",
            "csrf_token": csrf_of(page),
        },
    )
    leaver = client_for()
    assert login(leaver, "leaver", "temporary password 1").status_code == 303
    token = make_token(leaver)
    assert leaver.get("/api/v1/conversations", headers=bearer(token)).status_code == 200
    admin.post("/users/leaver/disable", data={"csrf_token": csrf_of(admin.get("/users").text)})
    assert leaver.get("/", follow_redirects=False).status_code == 303  # to the login form
    assert leaver.get("/api/v1/conversations", headers=bearer(token)).status_code == 401


def test_api_groups_and_reference(client_for, org) -> None:
    admin, agent = client_for("admin"), client_for("priya")
    token, mine = make_token(admin), make_token(agent)
    api = client_for()
    orgs = api.get("/api/v1/organisation?weeks=8", headers=bearer(token)).json()
    assert len(orgs["departments"]) == len(org.departments) and len(orgs["totals"]["weeks"]) == 8
    dept = api.get(
        f"/api/v1/departments/{org.departments['Support']}/summary?sort=name", headers=bearer(token)
    ).json()
    assert [p["name"] for p in dept["people"]] == sorted(p["name"] for p in dept["people"])
    assert set(dept["metrics"]) >= {"better_rate", "chasers_per_100", "csat"}
    bad = api.get(
        f"/api/v1/departments/{org.departments['Support']}/summary?sort=x", headers=bearer(token)
    )
    assert bad.status_code == 422 and "cannot sort by 'x'" in bad.json()["detail"]
    cited = api.get("/api/v1/hindrances", headers=bearer(token)).json()
    assert cited["total"] == sum(cited["by_kind"].values()) > 0
    for path in ("/api/v1/organisation", "/api/v1/hindrances"):
        assert api.get(path, headers=bearer(mine)).status_code == 403
    spec = api.get("/api/v1/openapi.json").json()
    for path, operations in spec["paths"].items():
        for op in operations.values():
            for p in op.get("parameters", []):
                assert p.get("description") or p["schema"].get("description"), (path, p["name"])
    reference = api.get("/api/v1/docs").text
    assert "<th>Type</th>" in reference and "<th>Example</th>" in reference
    assert "integer, 1 to 200" in reference and "/api/v1/hindrances" in reference
    assert f'"{api.base_url}/api/v1/conversations/craft-001"' in reference


def test_narrow_screens_get_a_wrapping_menu(client_for) -> None:
    css = client_for().get("/static/app.css").text
    narrow = css.split("@media (max-width: 720px)", 1)[1]
    assert ".topbar { flex-wrap: wrap" in narrow and ".topbar nav" in narrow
