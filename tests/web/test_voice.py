"""Surveys and the myth check in the app and the API, over HTTP against the real server."""

from __future__ import annotations

import csv
import io
import re

from servicecraft.service import surveys
from servicecraft.store import open_database

from .conftest import close_db, csrf_of
from .test_api import bearer, make_token

LINK = re.compile(r'<code class="link">([^<]+)</code>')


def test_answers_show_on_the_conversation_and_person_pages(client_for, org) -> None:  # type: ignore[no-untyped-def]
    priya = client_for("priya")
    page = priya.get("/conversations/craft-001").text  # surveyed in the sample, with a comment
    assert "Customer survey" in page and "Sorted in minutes, lovely person." in page
    assert "Ask for feedback" not in page  # agents do not pick which customers are asked
    person = priya.get(f"/people/{org.people['Priya Nair']}").text
    assert "What customers said" in person and "Sorted in minutes, lovely person." in person
    assert "Promoters minus detractors" in person and "Net Promoter" not in person
    tom = client_for("tom")
    low = tom.get(f"/people/{org.people['Tom Reed']}?comments=low&only_low=1").text
    assert "Nobody wanted to help." in low


def test_a_lead_asks_one_conversation_and_every_one_of_a_filter(client_for, org) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead")  # leads the Support department
    page = lead.get("/conversations/craft-004").text  # Jo Baker, Support, not surveyed
    assert "Not asked yet." in page and "Ask for feedback" in page
    made = lead.post("/conversations/craft-004/survey", data={"csrf_token": csrf_of(page)})
    assert made.status_code == 200
    link = LINK.search(made.text)
    assert link and link.group(1).startswith("http://127.0.0.1:")
    customer = client_for()
    path = "/survey/" + link.group(1).rsplit("/", 1)[1]
    form = customer.get(path)
    assert form.status_code == 200 and "made it easy for me" in form.text
    answered = customer.post(
        path,
        data={
            "csat": "4",
            "ces": "6",
            "comment": "Fine in the end",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert answered.status_code == 200 and "Thank you" in answered.text
    again = lead.get("/conversations/craft-004").text
    assert "Fine in the end" in again and "Ask for feedback" not in again
    refused = lead.post("/conversations/craft-004/survey", data={"csrf_token": csrf_of(again)})
    assert refused.status_code == 409
    other = lead.post(
        "/conversations/craft-007/survey", data={"csrf_token": csrf_of(again)}
    )  # Luis Gomez, IT: not this lead's
    assert other.status_code == 404
    search = lead.get("/search").text
    as_csv = lead.post("/surveys", data={"csrf_token": csrf_of(search), "as_csv": "true"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    ids = {r["conversation_id"] for r in rows}
    assert ids and "craft-004" not in ids and "craft-001" not in ids  # one survey each
    assert all(r["link"].startswith("http://127.0.0.1:") for r in rows)
    assert not ids & set(org.conversations["Luis Gomez"])  # only the lead's department
    none_left = lead.post("/surveys", data={"csrf_token": csrf_of(search)})
    assert "No new links" in none_left.text
    agent = client_for("priya")
    assert (
        agent.post("/surveys", data={"csrf_token": csrf_of(agent.get("/search").text)}).status_code
        == 403
    )


def test_turned_off_questions_are_not_asked_and_closed_links_are_friendly(client_for, org) -> None:  # type: ignore[no-untyped-def]
    db = open_database(org.url)
    try:
        surveys.set_question(db, "nps", enabled=False)
        surveys.set_question(db, "csat", text="Were you happy with us?")
        token = surveys.create_link(db, "craft-006")
    finally:
        close_db(db)
    customer = client_for()
    form = customer.get(f"/survey/{token}").text
    assert "Were you happy with us?" in form and "recommend" not in form
    empty = customer.post(f"/survey/{token}", data={"csrf_token": csrf_of(form)})
    assert empty.status_code == 400 and "Answer at least one question." in empty.text
    sent = customer.post(
        f"/survey/{token}", data={"csat": "5", "nps": "2", "csrf_token": csrf_of(form)}
    )
    assert sent.status_code == 200
    closed = customer.get(f"/survey/{token}")
    assert closed.status_code == 404 and "already been used or is no longer valid" in closed.text
    db = open_database(org.url)
    try:
        with db.session() as s:
            from servicecraft.store import Conversation

            row = s.get(Conversation, "craft-006")
            assert row is not None and row.csat == 5.0 and row.nps is None  # nps was turned off
    finally:
        close_db(db)


def test_myth_page_and_api(client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead")
    page = lead.get("/myths")
    assert page.status_code == 200 and "Myth check" in page.text
    assert "Too little data for a chart yet" in page.text and "Who answers" in page.text
    assert "too little data" in page.text  # a handful of answers: no noise printed
    assert client_for("priya").get("/myths").status_code == 403
    admin = client_for("admin")
    read = make_token(admin, ("read",))
    api = client_for()
    report = api.get("/api/v1/myths", headers=bearer(read)).json()
    first = report["findings"][0]
    assert {"factor", "outcome", "n", "effect", "ci", "verdict"} <= set(first)
    assert api.post("/api/v1/surveys", json={}, headers=bearer(read)).status_code == 403
    write = make_token(admin, ("read", "import"), name="surveys")
    made = api.post("/api/v1/surveys", json={"conversation_id": "craft-008"}, headers=bearer(write))
    assert made.status_code == 200, made.text
    body = made.json()
    assert [c["conversation_id"] for c in body["created"]] == ["craft-008"] and body["skipped"] == 0
    again = api.post(
        "/api/v1/surveys", json={"conversation_id": "craft-008"}, headers=bearer(write)
    )
    assert again.json() == {"created": [], "skipped": 1}


def test_api_import_can_make_survey_links_for_new_conversations(client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("admin")
    write = make_token(admin, ("read", "import"), name="importer")
    api = client_for()
    line = (
        '{"id": "new-1", "messages": [{"role": "customer", "text": "Hi", "author": "a@example.com"},'
        ' {"role": "agent", "text": "Hello, sorted.", "author": "Priya Nair"}]}'
    )
    first = api.post(
        "/api/v1/import?survey_links=true", content=line.encode(), headers=bearer(write)
    )
    assert first.status_code == 200, first.text
    links = first.json()["survey_links"]
    assert [(s["conversation_id"], s["customer"]) for s in links] == [("new-1", "a@example.com")]
    assert api.get("/survey/" + links[0]["link"].rsplit("/", 1)[1]).status_code == 200
    again = api.post(
        "/api/v1/import?survey_links=true", content=line.encode(), headers=bearer(write)
    )
    assert again.json()["survey_links"] == []  # nothing new, nothing asked twice
    plain = api.post("/api/v1/import", content=line.encode(), headers=bearer(write))
    assert plain.json()["survey_links"] is None
