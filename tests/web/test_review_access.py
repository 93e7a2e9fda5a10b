"""Review, dispute and calibration pages over HTTP: who may do what (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of


def _post(client, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/reviews").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_review_pages_respect_roles(client_for, org) -> None:  # type: ignore[no-untyped-def]
    priya_cid = org.conversations["Priya Nair"][0]
    it_cid = org.conversations["Luis Gomez"][0]
    reviewer, priya, tom, lead = (client_for(u) for u in ("reviewer", "priya", "tom", "lead"))

    r = _post(reviewer, f"/conversations/{priya_cid}/review", {"g_overall": "101"})
    assert r.status_code == 400 and "from 0 to 100" in r.text  # refused, with the reason
    r = _post(reviewer, f"/conversations/{priya_cid}/review", {"g_overall": "62"})
    assert r.status_code == 200 and r.url.path.endswith("/review")

    # Agents neither grade nor see others' reviews; leads grade their department only.
    assert (
        _post(priya, f"/conversations/{priya_cid}/review", {"g_overall": "99"}).status_code == 403
    )
    assert tom.get(f"/conversations/{priya_cid}/review").status_code == 403
    assert _post(lead, f"/conversations/{it_cid}/review", {"g_overall": "50"}).status_code == 403
    assert lead.get(f"/conversations/{it_cid}/review").status_code == 403

    page = priya.get(f"/conversations/{priya_cid}/review").text
    assert "62" in page and "Acknowledge" in page
    review_id = int(page.split('id="review-', 1)[1].split('"', 1)[0])
    assert _post(tom, f"/reviews/{review_id}/acknowledge", {}).status_code == 403
    assert (
        _post(tom, f"/reviews/{review_id}/dispute", {"g_overall": "90", "reason": "x"}).status_code
        == 403
    )
    r = _post(priya, f"/reviews/{review_id}/dispute", {"g_overall": "90", "reason": " "})
    assert r.status_code == 400 and "needs a reason" in r.text
    r = _post(priya, f"/reviews/{review_id}/dispute", {"g_overall": "90", "reason": "Solved it"})
    assert r.status_code == 200 and "dispute open" in r.text
    dispute_id = (
        int(r.text.split('action="/disputes/', 1)[1].split("/", 1)[0])
        if ('action="/disputes/' in r.text)
        else None
    )
    assert dispute_id is None  # the agent gets no decision form
    lead_page = lead.get(f"/conversations/{priya_cid}/review").text
    dispute_id = int(lead_page.split('action="/disputes/', 1)[1].split("/", 1)[0])
    assert (
        _post(
            priya, f"/disputes/{dispute_id}/resolve", {"decision": "accept", "reason": "me"}
        ).status_code
        == 403
    )
    r = _post(lead, f"/disputes/{dispute_id}/resolve", {"decision": "reject", "reason": ""})
    assert r.status_code == 400
    r = _post(
        lead, f"/disputes/{dispute_id}/resolve", {"decision": "reject", "reason": "62 stands"}
    )
    assert r.status_code == 200 and "dispute rejected" in r.text


def test_calibration_and_rubrics_are_for_leads_and_admins(client_for, org) -> None:  # type: ignore[no-untyped-def]
    reviewer, priya, admin = (client_for(u) for u in ("reviewer", "priya", "admin"))
    assert "New session" not in reviewer.get("/calibration").text
    assert reviewer.get("/rubrics").status_code == 403
    assert priya.get("/rubrics").status_code == 403
    r = _post(reviewer, "/calibration", {"title": "x", "more": org.conversations["Tom Reed"][0]})
    assert r.status_code == 403
    assert (
        _post(
            reviewer, "/reviews/assign", {"week": "2026-03-02", "per_agent": "1", "rule": "random"}
        ).status_code
        == 403
    )
    assert admin.get("/rubrics").status_code == 200
    r = _post(admin, "/rubrics", {"yaml": "skills: [1]", "note": "broken"})
    assert r.status_code == 400 and "Not saved" in r.text
    r = _post(admin, "/calibration", {"title": "x", "more": "nope"})
    assert r.status_code == 400 and "no conversation nope" in r.text


def test_forms_need_the_csrf_token(client_for, org) -> None:  # type: ignore[no-untyped-def]
    reviewer = client_for("reviewer")
    cid = org.conversations["Priya Nair"][0]
    r = reviewer.post(f"/conversations/{cid}/review", data={"g_overall": "50"})
    assert r.status_code == 403


def test_lead_assigns_reviews_into_a_queue(client_for, org) -> None:  # type: ignore[no-untyped-def]
    lead, reviewer = client_for("lead"), client_for("reviewer")
    page = lead.get("/reviews").text
    reviewer_id = re.search(r'name="reviewer_ids" value="(\d+)"> reviewer<', page).group(1)  # type: ignore[union-attr]
    r = _post(lead, "/reviews/assign", {"week": "2026-03-04", "per_agent": "1",
                                          "rule": "random", "reviewer_ids": reviewer_id})  # fmt: skip
    assert r.status_code == 200
    assigned = int(r.text.split("Assigned ", 1)[1].split(" ", 1)[0])
    queue = reviewer.get("/reviews").text.split('id="queue"', 1)[1].split("</section>", 1)[0]
    assert assigned >= 1 and queue.count('/review">') == assigned
    r = _post(lead, "/reviews/assign", {"week": "not a date", "per_agent": "1", "rule": "random"})
    assert r.status_code == 400
