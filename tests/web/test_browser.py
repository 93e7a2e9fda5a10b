"""The real app in real headless Chromium: log in, dashboards with charts, drill down, refusals.

Set SERVICECRAFT_SCREENSHOTS=1 to (re)write docs/screenshots/*.png from this run, or to a
folder to write every page at both widths there for review.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, LiveServer, Org, build_org, live

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Org]]:
    org = build_org(f"sqlite:///{tmp_path_factory.mktemp('browser')}/org.db")
    server = live(org.url)
    yield server, org
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:  # type: ignore[type-arg]
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page, name: str, *, review_only: bool = False) -> None:  # type: ignore[no-untyped-def]
    wanted = os.environ.get("SERVICECRAFT_SCREENSHOTS", "")
    if not wanted or (review_only and wanted == "1"):
        return
    folder = SHOTS if wanted == "1" else Path(wanted)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def path_points(page, selector: str) -> list[int]:  # type: ignore[no-untyped-def]
    """How many points each matching SVG path draws (an empty chart draws none)."""
    return page.eval_on_selector_all(
        selector, "els => els.map(e => (e.getAttribute('d').match(/[ML]/g) || []).length)"
    )


def test_lead_journey(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # A request cancelled because the page navigated on (net::ERR_ABORTED) is not a
    # failure; anything else (blocked by CSP, unreachable host) is.
    page.on(
        "requestfailed",
        lambda r: (
            errors.append(f"failed: {r.url} {r.failure}")
            if r.failure != "net::ERR_ABORTED"
            else None
        ),
    )

    page.goto(f"{server.url}/login")
    shot(page, "login")
    log_in(page, server.url, "admin")
    assert page.url == f"{server.url}/"
    assert page.locator("section.dept").count() == len(org.departments)
    # Charts are drawn: the weekly line chart and a sparkline per metric per department.
    assert page.locator("svg.line-chart path.line").count() == len(org.departments)
    assert max(path_points(page, "svg.line-chart path.line")) >= 1
    assert page.locator("section.dept svg.spark").count() >= 6 * len(org.departments) - 6
    box = page.locator("svg.line-chart").bounding_box()
    assert box and box["width"] > 400 and box["height"] > 100
    shot(page, "organisation")

    page.click("section.dept h2 a >> text=Support")
    assert "/departments/" in page.url
    assert page.locator("table[data-table=people] tbody tr").count() == 5
    page.click("table[data-table=people] th a >> text=Person")  # sort by name
    names = page.locator("table[data-table=people] td.name a").all_inner_texts()
    assert names == sorted(names)
    shot(page, "department")

    page.click("table[data-table=people] a >> text=Priya Nair")
    assert page.url.endswith(f"/people/{org.people['Priya Nair']}")
    assert page.locator("#skills svg.hbar rect.bar").count() >= 4
    assert page.locator("#distribution svg.histogram rect.bar").count() == 10
    shot(page, "person")

    page.locator("#best a").first.click()
    assert "/conversations/" in page.url
    marks = page.locator(".transcript mark.ev")
    assert marks.count() > 0
    assert page.locator(".transcript mark.ev.plus").count() > 0
    assert marks.first.get_attribute("title")  # the reason, on hover
    shot(page, "conversation")
    # The skill selector narrows the highlights to one skill.
    page.click(".skills-select a[data-skill=empathy]")
    assert "skill=empathy" in page.url
    assert page.locator("#evidence h2").inner_text().endswith("empathy")

    page.goto(f"{server.url}/search")
    assert page.locator("#results tbody tr").count() > 5
    shot(page, "search")
    page.goto(f"{server.url}/hindrances")
    shot(page, "hindrances")
    page.goto(f"{server.url}/tokens")
    page.fill("#name", "nightly export")
    page.click("form[action='/tokens'] button[type=submit]")
    assert page.locator("#new-token").inner_text().startswith("sc_")
    shot(page, "tokens")

    assert not errors, errors  # nothing blocked by the CSP, nothing fetched from outside
    context.close()


def test_agent_is_refused_other_people(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    log_in(page, server.url, "priya")
    assert page.url.endswith(f"/people/{org.people['Priya Nair']}")
    assert page.locator("h1").inner_text() == "Priya Nair"
    response = page.goto(f"{server.url}/people/{org.people['Tom Reed']}")
    assert response is not None and response.status == 403
    assert "Tom Reed" not in page.content()
    response = page.goto(f"{server.url}/conversations/{org.conversations['Tom Reed'][0]}")
    assert response is not None and response.status == 403
    shot(page, "refused")
    context.close()


WIDTHS = (1400, 390)


def pages_of(org: Org) -> dict[str, list[tuple[str, str]]]:
    """Every page each kind of user has, by a short name."""
    priya = org.people["Priya Nair"]
    return {
        "admin": [
            ("organisation", "/"),
            ("department", f"/departments/{org.departments['Support']}"),
            ("team", f"/teams/{org.teams['Logistics A']}"),
            ("person", f"/people/{priya}"),
            ("conversation", "/conversations/craft-010"),
            ("search", "/search"),
            ("hindrances", "/hindrances"),
            ("tokens", "/tokens"),
            ("users", "/users"),
            ("api-docs", "/api/v1/docs"),
        ],
        "priya": [("agent-person", f"/people/{priya}"), ("agent-search", "/search")],
        "lead": [("lead-department", f"/departments/{org.departments['Support']}")],
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_its_width(site, browser, width: int) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    for username, pages in pages_of(org).items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, server.url, username)
        for name, path in pages:
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.status == 200, path
            bar = page.locator("header.topbar")
            if bar.count() == 0:  # the API reference is public: no menu
                shot(page, f"{name}-{width}", review_only=True)
                continue
            # The menu wraps inside its dark bar: nothing runs off the edge or onto the page.
            assert page.evaluate("document.querySelector('header.topbar').scrollWidth") <= width
            box = bar.bounding_box()
            assert box is not None
            for link in page.locator("header.topbar nav a").all():
                inside = link.bounding_box()
                assert inside is not None
                assert inside["y"] + inside["height"] <= box["y"] + box["height"] + 1, (name, width)
                assert inside["x"] + inside["width"] <= width, (name, width)
            shot(page, f"{name}-{width}", review_only=True)
        context.close()
