"""Not observed reads as such in real Chromium, coverage sits beside averages, and "See an
example" opens a conversation that shows the skill.

The organisation is scored with a user's own proactivity scorer (tests/service/
test_coverage.py), so which conversations show the skill is known whatever the built-in
detectors do. Set SERVICECRAFT_SCREENSHOTS=1 to write docs/screenshots/observed-*.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from servicecraft.engine import Engine
from servicecraft.model import SKILLS
from servicecraft.service.auth import hash_password
from servicecraft.service.importing import import_items
from servicecraft.store import Department, Person, Team, User, open_database
from tests.service.test_coverage import Proactivity, conversations
from tests.web.conftest import PASSWORD, LiveServer, live

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('observed')}/org.db"
    db = open_database(url)
    with db.transaction() as s:
        department = Department(name="Logistics")
        s.add(department)
        s.flush()
        team = Team(name="Deliveries", department_id=department.id)
        s.add(team)
        s.flush()
        s.add_all(Person(name=name, team_id=team.id) for name in ("Ana", "Ben", "Zed"))
        s.add(User(username="admin", password_hash=hash_password(PASSWORD), role="admin"))
    import_items(db, conversations(), engine=Engine(scorers=[Proactivity()], learned=False))
    with db.session() as s:
        ids = {name: pid for name, pid in s.execute(select(Person.name, Person.id))}
        ids["team"] = team.id
    db.close()
    server = live(url)
    yield server, ids
    server.stop()


@pytest.fixture(scope="module")
def page(site: tuple[LiveServer, dict[str, int]]) -> Iterator:  # type: ignore[type-arg]
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    server, _ = site
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(f"{server.url}/login")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("domcontentloaded")
        yield page
        browser.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("SERVICECRAFT_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"observed-{name}.png"), full_page=True)


def test_team_page_greys_out_what_was_not_observed(site, page) -> None:  # type: ignore[no-untyped-def]
    server, ids = site
    page.goto(f"{server.url}/teams/{ids['team']}")
    people = page.locator("table[data-table=people] tbody tr")
    ben = people.filter(has_text="Ben")
    ana = people.filter(has_text="Ana")
    column = 8 + SKILLS.index("proactivity")  # after name and the seven figures
    ben_cell = ben.locator("td").nth(column)
    assert ben_cell.inner_text() == "—"
    assert "none" in (ben_cell.get_attribute("class") or "").split()  # outside the colour bands
    link = ben_cell.locator("a.not-observed")
    assert "not observed" in (link.get_attribute("title") or "")
    assert link.get_attribute("href") == "/guide#not-observed"
    ana_cell = ana.locator("td").nth(column)
    assert ana_cell.inner_text() == "27"  # (6 x 30 + 10) / 7, not divided by all 13
    assert ana_cell.locator("span").get_attribute("title") == (
        "observed in 54% (7) of conversations"
    )
    coverage = page.locator("#skill-coverage tr[data-skill=proactivity] td.coverage")
    assert coverage.inner_text() == "observed in 33% (7) of conversations"
    shot(page, "team")

    link.click()  # the dash leads to what it means
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith("/guide#not-observed")
    assert page.locator("h2#not-observed").is_visible()
    assert page.locator("article.guide table").count() == 1
    shot(page, "guide")


def test_where_to_practise_and_its_example(site, page) -> None:  # type: ignore[no-untyped-def]
    server, ids = site
    page.goto(f"{server.url}/people/{ids['Ana']}")
    weak = page.locator("#weakest li[data-skill=proactivity]")
    assert "observed in 54% (7) of conversations" in weak.inner_text()
    assert page.locator("#coverage tr[data-skill=proactivity] td.coverage").inner_text() == (
        "observed in 54% (7) of conversations"
    )
    shot(page, "person")
    weak.locator("a.example").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/conversations/ana-0" in page.url and page.url.endswith("?skill=proactivity")
    assert page.locator("#evidence li.minus").count() == 1  # the skill, quoted
    assert page.locator("#evidence .not-observed-note").count() == 0
    assert page.locator(".transcript mark.ev").count() >= 1
    shot(page, "example")

    page.goto(f"{server.url}/people/{ids['Ben']}")
    assert page.locator("#weakest li[data-skill=proactivity]").count() == 0
    assert "Proactivity (0)" in page.locator("#too-rare").inner_text()
    page.goto(f"{server.url}/conversations/ben-00?skill=proactivity")
    note = page.locator("#evidence .not-observed-note")
    assert "Not observed" in note.inner_text()
    assert note.locator("a").get_attribute("href") == "/guide#not-observed"
    chip = page.locator(".skills-select a[data-skill=proactivity]")
    assert "unobserved" in (chip.get_attribute("class") or "") and chip.inner_text().endswith("—")
    shot(page, "not-observed")


def test_the_menu_links_the_guide(site, page) -> None:  # type: ignore[no-untyped-def]
    server, _ = site
    page.goto(f"{server.url}/search")
    page.click("header nav a >> text=Reading scores")
    assert page.url.endswith("/guide")
    assert page.locator("h1").inner_text() == "Reading scores"
