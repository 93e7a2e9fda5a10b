"""Practice, coaching and hiring in real headless Chromium, on a phone-sized screen too.

Set SERVICECRAFT_SCREENSHOTS=1 to (re)write docs/screenshots/practice-*.png from this run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import LiveServer, Org, build_org, live
from tests.web.test_browser import ARGS, CHROMIUM, log_in, shot

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

SCRIPTS = Path(__file__).resolve().parents[1] / "practice" / "scripts"
GOOD = (SCRIPTS / "good.txt").read_text().splitlines()
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Org]]:
    org = build_org(f"sqlite:///{tmp_path_factory.mktemp('practice')}/org.db")
    server = live(org.url)
    yield server, org
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def watch(page: Any) -> list[str]:
    """Console errors and failed requests (a CSP block, anything fetched from outside)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on(
        "requestfailed",
        lambda r: (
            errors.append(f"{r.url} {r.failure}") if r.failure != "net::ERR_ABORTED" else None
        ),
    )
    return errors


def reply_until_the_end(page: Any, lines: list[str]) -> None:
    for line in lines:
        if page.locator("#reply").count() == 0:
            return
        page.fill("#reply", line)
        page.click("form.replybox button[type=submit]")
        page.wait_for_load_state("domcontentloaded")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways: {width}px wide"


def test_a_practice_session_played_to_its_end_on_a_phone(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, _ = site
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch(page)
    log_in(page, server.url, "priya")
    page.goto(f"{server.url}/practice")
    no_sideways_scroll(page)
    shot(page, "practice-home")
    page.click("button[data-scenario=charged-twice]")
    assert page.locator(".bubble.customer").count() == 1
    page.fill("#reply", GOOD[0])
    page.click("form.replybox button[type=submit]")
    assert (
        page.locator(".bubble.agent").count() == 1 and page.locator(".bubble.customer").count() == 2
    )
    no_sideways_scroll(page)
    shot(page, "practice-chat")
    reply_until_the_end(page, GOOD[1:])
    assert page.locator("#reply").count() == 0  # the customer ended the session
    assert page.locator(".outcome").inner_text() == "Resolved"
    assert page.locator("#feedback svg.line-chart path.line").count() == 1
    assert page.locator("#scorecard .pill").count() >= 8
    no_sideways_scroll(page)
    shot(page, "practice-feedback")
    assert not errors, errors
    context.close()


def test_a_coaching_plan_created_practised_and_acknowledged(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    person = org.people["Tom Reed"]
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lead = lead_context.new_page()
    errors = watch(lead)
    log_in(lead, server.url, "lead")
    lead.goto(f"{server.url}/people/{person}/coaching/new")
    for box in lead.locator("input[name=focus]").all():
        box.uncheck()
    lead.check("input[name=focus][value=ownership]")
    for box in lead.locator("input[name=scenario]").all():
        box.uncheck()
    lead.check("input[name=scenario][value=thats-billing]")
    lead.fill("input[name=pass_mark]", "60")
    lead.fill("textarea[name=notes]", "Keep the customer: no handoffs.")
    shot(lead, "coaching-new")
    lead.click("form.formgrid button[type=submit]")
    assert "/coaching/" in lead.url and "Not acknowledged yet" in lead.inner_text("#ack")
    plan_url = lead.url

    agent_context = browser.new_context(viewport=PHONE, is_mobile=True)
    tom = agent_context.new_page()
    errors += watch(tom)
    log_in(tom, server.url, "tom")
    tom.goto(f"{server.url}/practice")
    assert tom.locator("#assigned").count() == 1
    tom.goto(plan_url)
    tom.click("#plan form[action$=acknowledge] button")
    assert "Acknowledged by Tom Reed" in tom.inner_text("#ack")
    tom.click("#plan button:has-text('Practise now')")
    reply_until_the_end(tom, GOOD)
    assert tom.locator(".outcome").inner_text() == "Resolved"

    lead.goto(plan_url)
    assert lead.locator("#plan td.num").first.inner_text() == "1"
    assert "passed" in lead.inner_text(".pagehead")
    assert lead.locator("#progress svg.line-chart circle").count() >= 1
    shot(lead, "coaching-plan")
    lead.goto(f"{server.url}/teams/{org.teams['Support A']}/coaching")
    assert "Tom Reed" in lead.inner_text("#plans")
    assert not errors, errors
    lead_context.close()
    agent_context.close()


def test_a_hiring_link_used_once_and_refused_the_second_time(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch(page)
    log_in(page, server.url, "lead")
    page.goto(f"{server.url}/hiring")
    page.fill("#candidate", "Alex Applicant")
    page.select_option("#scenario", "first-timer")
    page.click("form[action='/hiring'] button[type=submit]")
    link = page.inner_text("#link").strip()
    shot(page, "hiring")

    candidate_context = browser.new_context(viewport=PHONE, is_mobile=True)
    candidate = candidate_context.new_page()
    errors += watch(candidate)
    candidate.goto(link)
    assert "Welcome, Alex Applicant" in candidate.inner_text("h1")
    candidate.click("button:has-text('Start the conversation')")
    reply_until_the_end(candidate, GOOD)
    assert "your conversation is complete" in candidate.inner_text("#done")
    assert candidate.locator("#scorecard").count() == 0  # results are not the candidate's
    shot(candidate, "candidate")
    # The same link again, in a fresh browser: refused.
    again = browser.new_context().new_page()
    response = again.goto(link)
    assert response is not None and response.status == 404
    assert "used or is no longer valid" in again.inner_text("#closed")

    page.goto(f"{server.url}/hiring")
    assert "Alex Applicant" in page.inner_text("#results")
    assert "resolved" in page.inner_text("#results")
    assert not errors, errors
    context.close()
    candidate_context.close()
