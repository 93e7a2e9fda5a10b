"""In headless Chromium: a lead asks for feedback, the customer answers on the public page,
and the answer with its comment shows on the conversation and on the agent's page.

Screenshots go to docs/screenshots/ with SERVICECRAFT_SCREENSHOTS=1 (as test_browser).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servicecraft.service.importing import import_files
from servicecraft.store import open_database
from tests.myths.org import write_org
from tests.web.conftest import LiveServer, Org, build_org, close_db, live
from tests.web.test_browser import browser, log_in, shot  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
COMMENT = "Jo sorted my refund without me asking twice."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Org]]:
    """The web tests' organisation plus the myth check's held-back one (its Support
    department), so the myth page has answers enough to show real findings."""
    folder = tmp_path_factory.mktemp("voice")
    org = build_org(f"sqlite:///{folder}/org.db")
    db = open_database(org.url)
    try:
        import_files(db, [str(write_org(folder / "voice.jsonl", count=300))])
    finally:
        close_db(db)
    server = live(org.url)
    yield server, org
    server.stop()


def test_survey_link_made_in_the_app_answered_and_shown(site, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    server, org = site
    lead = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(lead, server.url, "lead")
    lead.goto(f"{server.url}/conversations/craft-004")
    lead.click("#survey button[type=submit]")  # Ask for feedback
    lead.wait_for_load_state("domcontentloaded")
    link = lead.inner_text("code.link")
    assert "/survey/" in link
    shot(lead, "survey-link")

    customer = browser.new_page(viewport={"width": 700, "height": 900})  # nobody logged in
    customer.goto(link)
    customer.check("input[name=csat][value='5']")
    customer.check("input[name=ces][value='6']")
    customer.check("input[name=nps][value='9']")
    customer.fill("#comment", COMMENT)
    shot(customer, "survey-form")
    customer.click("button[type=submit]")
    customer.wait_for_load_state("domcontentloaded")
    assert "Thank you" in customer.inner_text("main")
    customer.goto(link)
    assert "already been used" in customer.inner_text("main")
    shot(customer, "survey-closed")

    lead.goto(f"{server.url}/conversations/craft-004")
    panel = lead.inner_text("#survey")
    assert COMMENT in panel and "5" in panel
    shot(lead, "survey-conversation")
    lead.goto(f"{server.url}/people/{org.people['Jo Baker']}")
    block = lead.inner_text("#customers")
    assert COMMENT in block and "response rate" in block.lower()
    lead.locator("#customers").scroll_into_view_if_needed()
    shot(lead, "survey-person")
    lead.goto(f"{server.url}/myths")
    assert lead.locator("svg.forest").count() == 2  # satisfaction and effort
    assert lead.locator("svg.forest .finding.lower").count() >= 4  # handoffs, first reply
    assert "clearly lower satisfaction with each handoff" in lead.inner_text("#myths-csat")
    shot(lead, "myths")
    lead.close()
    customer.close()
