"""Human review in real headless Chromium: a review given, seen and acknowledged by the agent,
disputed and settled; a blind calibration session whose grades stay hidden until submitted.

Set SERVICECRAFT_SCREENSHOTS=1 to (re)write docs/screenshots/review-*.png from this run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import LiveServer, Org, build_org, live
from tests.web.test_browser import ARGS, CHROMIUM, log_in, shot

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Org]]:
    org = build_org(f"sqlite:///{tmp_path_factory.mktemp('review')}/org.db")
    server = live(org.url)
    yield server, org
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:  # type: ignore[type-arg]
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def page_for(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # checked at the end of each journey
    log_in(page, base, username)
    return page


def cell(page, field: str, column: int) -> str:  # type: ignore[no-untyped-def]
    """The text of a grades-table cell: column 1 is AutoQA, 2 the first reviewer."""
    return str(page.locator(f"#side-by-side tr[data-field={field}] td").nth(column).inner_text())


def test_review_acknowledge_dispute_resolve(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    cid = org.conversations["Priya Nair"][0]

    reviewer = page_for(browser, server.url, "reviewer")
    reviewer.goto(f"{server.url}/conversations/{cid}/review")
    assert reviewer.locator(".transcript .msg").count() >= 2  # graded beside the transcript
    reviewer.fill("#r-g_overall", "55")
    reviewer.fill("#r-g_empathy", "40")
    reviewer.check("#my-review input[name=na_solution]")
    reviewer.fill("#comment", "Apologised late; the refund was right.")
    reviewer.click("#my-review button[type=submit]")
    reviewer.wait_for_load_state("domcontentloaded")
    assert cell(reviewer, "overall", 2) == "55"
    assert cell(reviewer, "empathy", 2) == "40"
    assert cell(reviewer, "solution", 2) == "N/A"
    assert cell(reviewer, "clarity", 2) == "–"  # not graded
    autoqa = cell(reviewer, "overall", 1)
    assert autoqa != "55" and autoqa  # AutoQA is its own column, untouched
    shot(reviewer, "review-given")

    agent = page_for(browser, server.url, "priya")
    agent.click("nav >> text=Reviews")
    shot(agent, "reviews-inbox")
    row = agent.locator("#inbox tbody tr").first
    assert "reviewer" in row.inner_text() and "new" in row.inner_text()
    row.locator("a").click()
    agent.wait_for_load_state("domcontentloaded")
    assert agent.locator("#my-review").count() == 0  # agents do not grade
    agent.click("text=Acknowledge")
    agent.wait_for_load_state("domcontentloaded")
    assert "acknowledged" in agent.locator("#reviews").inner_text()
    agent.click("summary:has-text('Dispute this review')")
    form = agent.locator("details.dispute-form form")
    form.locator("input[name=g_empathy]").fill("80")
    form.locator("textarea[name=reason]").fill("I apologised in my first reply.")
    form.locator("button[type=submit]").click()
    agent.wait_for_load_state("domcontentloaded")
    assert agent.locator(".dispute[data-status=open]").count() == 1
    assert "empathy → 80" in agent.locator(".dispute").inner_text()
    shot(agent, "review-disputed")

    lead = page_for(browser, server.url, "lead")
    lead.goto(f"{server.url}/conversations/{cid}")
    lead.click("#human-reviews")  # from the conversation page to its reviews
    assert lead.url.endswith(f"/conversations/{cid}/review")
    lead.click("nav >> text=Reviews")
    assert "Priya Nair" in lead.locator("#inbox").inner_text()
    lead.locator("#inbox tbody tr a").first.click()
    lead.wait_for_load_state("domcontentloaded")
    lead.fill("form.resolve textarea[name=reason]", "Yes: the first reply says sorry.")
    lead.click("form.resolve button[value=accept]")
    lead.wait_for_load_state("domcontentloaded")
    assert lead.locator(".dispute[data-status=accepted]").count() == 1
    assert cell(lead, "empathy", 2) == "80"
    lead.click("details.audit summary")
    history = lead.locator("details.audit").inner_text()
    for line in ("reviewer graded empathy: – → 40", "priya acknowledged",
                 "priya disputed empathy: 40 → 80", "lead accepted",
                 "lead changed by dispute empathy: 40 → 80"):  # fmt: skip
        assert line in history
    shot(lead, "review-resolved")
    for p in (reviewer, agent, lead):
        assert p.errors == []
        p.context.close()


def test_blind_calibration_session(site, browser) -> None:  # type: ignore[no-untyped-def]
    server, org = site
    c1, c2 = sorted(org.conversations["Tom Reed"][:2])

    lead = page_for(browser, server.url, "lead")
    lead.click("nav >> text=Calibration")
    lead.fill("#title", "Tom's chats")
    lead.check("#new-session label:has-text('reviewer') input")
    lead.check("#new-session label:has-text('admin') input")
    lead.fill("#more", f"{c1}, {c2}")
    lead.click("#new-session button[type=submit]")
    lead.wait_for_load_state("domcontentloaded")
    assert "/calibration/" in lead.url
    session_url = lead.url

    reviewer = page_for(browser, server.url, "reviewer")
    reviewer.goto(session_url)
    item = reviewer.locator(f"section[data-conversation='{c1}']")
    item.locator("input[name=g_overall]").fill("40")
    item.locator("input[name=g_empathy]").fill("30")
    item.locator("button[type=submit]").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert reviewer.locator("#agreement").inner_text().count("Shown once") == 1

    admin = page_for(browser, server.url, "admin")
    admin.goto(session_url)
    first = admin.locator(f"section[data-conversation='{c1}']")
    assert first.locator(".status.hidden").inner_text().startswith("1 grade hidden")
    assert "40" not in first.inner_text()  # blind: the reviewer's grade is not on the page
    shot(admin, "calibration-blind")
    first.locator("input[name=g_overall]").fill("60")
    first.locator("input[name=g_empathy]").fill("50")
    first.locator("button[type=submit]").click()
    admin.wait_for_load_state("domcontentloaded")
    first = admin.locator(f"section[data-conversation='{c1}']")
    assert first.locator(".status.hidden").count() == 0
    assert "reviewer" in first.locator("thead").inner_text()
    second = admin.locator(f"section[data-conversation='{c2}']")
    second.locator("input[name=g_overall]").fill("80")
    second.locator("input[name=g_empathy]").fill("70")
    second.locator("button[type=submit]").click()
    admin.wait_for_load_state("domcontentloaded")

    reviewer.reload()
    assert reviewer.locator(f"section[data-conversation='{c2}'] .status.hidden").count() == 1
    second = reviewer.locator(f"section[data-conversation='{c2}']")
    second.locator("input[name=g_overall]").fill("70")
    second.locator("input[name=g_empathy]").fill("60")
    second.locator("button[type=submit]").click()
    reviewer.wait_for_load_state("domcontentloaded")
    table = reviewer.locator("#agreement-table")
    overall = table.locator("tr[data-field=overall]").inner_text()
    assert "reviewer" in overall and "admin" in overall  # strictest, most lenient
    assert "15.0" in overall  # mean pairwise difference: |60-40| and |80-70|
    alpha = table.locator("tr[data-field=overall] td.alpha").inner_text()
    assert alpha not in ("", "–")
    assert table.locator("tr[data-field=clarity] td.alpha").inner_text() == "–"
    shot(reviewer, "calibration-agreement")

    lead.goto(session_url)
    assert lead.locator(".status.hidden").count() == 0  # the lead runs it, grades nothing
    for p in (reviewer, admin, lead):
        assert p.errors == []
        p.context.close()


def test_calibrate_save_and_list_a_rubric_version(site, browser) -> None:  # type: ignore[no-untyped-def]
    from servicecraft.service.reviews import make_grades, save_review
    from servicecraft.store import Conversation, open_database
    from tests.review.conftest import viewer
    from tests.web.conftest import close_db

    server, org = site
    admin = page_for(browser, server.url, "admin")
    admin.goto(f"{server.url}/rubrics")
    admin.click("#calibrate button[type=submit]")
    admin.wait_for_load_state("domcontentloaded")
    assert "more needed" in admin.locator("#outcome .alert").inner_text()
    assert admin.locator("#outcome form").count() == 0  # nothing to save

    # Reviews of every conversation, given through the service (the review pages are
    # exercised above): a reviewer who grades by whether a solution was given.
    db = open_database(org.url)
    try:
        who = viewer(db, "reviewer")
        with db.session() as s:
            for cid in sorted(c for cs in org.conversations.values() for c in cs):
                solution = s.get(Conversation, cid).solution  # type: ignore[union-attr]
                save_review(s, who, cid, make_grades(85 if (solution or 0) >= 50 else 35, None))
    finally:
        close_db(db)
    admin.click("#calibrate button[type=submit]")
    admin.wait_for_load_state("domcontentloaded")
    outcome = admin.locator("#outcome").inner_text()
    assert "Before" in outcome and "After" in outcome and "spearman" in outcome.lower()
    assert "reviewed conversations" in outcome and "reviews" in outcome.split("conversations")[-1]
    assert any(kept in outcome for kept in ("refitted", "moved toward", "recentred"))
    admin.fill("#note", "fitted to our reviewers")
    shot(admin, "rubric-calibrated")
    admin.click("#outcome button[type=submit]")
    admin.wait_for_load_state("domcontentloaded")
    assert "Saved as version 1" in admin.locator(".alert.info").inner_text()
    row = admin.locator("#versions tr[data-version='1']").inner_text()
    assert "fitted to our reviewers" in row and "admin" in row
    yaml_text = admin.request.get(f"{server.url}/rubrics/1.yaml").text()
    assert "overall" in yaml_text and "extends" in yaml_text
    shot(admin, "rubric-versions")
    assert admin.errors == []
    admin.context.close()
