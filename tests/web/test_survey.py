"""The customer survey page: public, single-use, CSRF-protected."""

from __future__ import annotations

from servicecraft.service import surveys
from servicecraft.store import Conversation, open_database

from .conftest import csrf_of


def test_survey_link_answers_once(server, org, client_for) -> None:  # type: ignore[no-untyped-def]
    db = open_database(org.url)
    conversation_id = org.conversations["Jo Baker"][0]  # craft-004: not surveyed yet
    token = surveys.create_link(db, conversation_id)
    customer = client_for()  # nobody logged in
    page = customer.get(f"/survey/{token}")
    assert page.status_code == 200 and "How satisfied are you" in page.text
    forged = customer.post(f"/survey/{token}", data={"csat": "5"})
    assert forged.status_code == 403  # no CSRF token
    sent = customer.post(
        f"/survey/{token}", data={"csat": "2", "nps": "3", "csrf_token": csrf_of(page.text)}
    )
    assert sent.status_code == 200 and "Thank you" in sent.text
    with db.session() as s:
        assert s.get(Conversation, conversation_id).csat == 2.0  # type: ignore[union-attr]
    again = customer.post(f"/survey/{token}", data={"csat": "5", "csrf_token": csrf_of(page.text)})
    assert again.status_code == 404 and "already been used" in again.text
    assert customer.get(f"/survey/{token}").status_code == 404
    assert customer.get("/survey/not-a-real-token").status_code == 404
    db.close()
