"""Practice, coaching and hiring pages over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.web.conftest import Org, csrf_of

SCRIPTS = Path(__file__).resolve().parents[1] / "practice" / "scripts"
GOOD = (SCRIPTS / "good.txt").read_text().splitlines()


def start(client: httpx.Client, scenario: str, plan: int | None = None) -> str:
    page = client.get("/practice")
    data = {"scenario_id": scenario, "csrf_token": csrf_of(page.text)}
    if plan is not None:
        data["plan_id"] = str(plan)
    r = client.post("/practice/start", data=data)
    assert r.status_code == 200, r.text
    return str(r.url)


def play(client: httpx.Client, url: str, lines: list[str]) -> httpx.Response:
    page = client.get(url)
    for line in lines:
        if 'name="text"' not in page.text:
            break
        page = client.post(f"{url}/reply", data={"text": line, "csrf_token": csrf_of(page.text)})
        assert page.status_code == 200, page.text
    return page


def test_an_agent_plays_to_the_end_and_sees_feedback(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    priya = client_for("priya")
    url = start(priya, "charged-twice")
    page = play(priya, url, GOOD)
    assert 'name="text"' not in page.text  # the customer ended it
    assert "Resolved" in page.text and "How it went" in page.text
    assert "Scorecard, with evidence" in page.text and "Against real conversations" in page.text
    assert "<svg" in page.text  # the mood chart
    history = priya.get("/practice").text
    assert "Charged twice" in history and "resolved" in history
    # Others: a colleague is refused, the lead sees it in the team's practice.
    assert client_for("tom").get(url).status_code == 403
    lead = client_for("lead")
    assert lead.get(url).status_code == 200
    team = lead.get("/practice/team").text
    assert "Priya Nair" in team and "Charged twice" in team
    assert client_for("tom").get("/practice/team").status_code == 403


def test_a_bad_reply_is_refused_and_nothing_is_lost(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    priya = client_for("priya")
    url = start(priya, "policy-no")
    page = priya.get(url)
    r = priya.post(f"{url}/reply", data={"text": "x" * 5000, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 400 and "at most 4000 characters" in r.text
    r = priya.post(f"{url}/reply", data={"text": "Let me check.", "csrf_token": csrf_of(r.text)})
    assert r.status_code == 200 and r.text.count('class="bubble agent"') == 1
    lead = client_for("lead")
    r = lead.post(f"{url}/reply", data={"text": "hi", "csrf_token": csrf_of(lead.get(url).text)})
    assert r.status_code == 403
    r = priya.post(f"{url}/end", data={"csrf_token": csrf_of(priya.get(url).text)})
    assert "Unresolved" in r.text


def test_a_coaching_plan_is_created_practised_and_acknowledged(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    person = org.people["Priya Nair"]
    lead = client_for("lead")
    form = lead.get(f"/people/{person}/coaching/new")
    assert form.status_code == 200 and "vs team" in form.text
    assert client_for("tom").get(f"/people/{person}/coaching/new").status_code == 403
    r = lead.post(
        f"/people/{person}/coaching",
        data={
            "focus": ["empathy", "ownership"],
            "scenario": ["charged-twice"],
            "pass_mark": "60",
            "notes": "Own it.",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert r.status_code == 200 and "Coaching plan: Priya Nair" in r.text
    plan_url = str(r.url)
    plan_id = int(plan_url.rsplit("/", 1)[1])
    bad = lead.post(f"/people/{person}/coaching", data={"csrf_token": csrf_of(form.text)})
    assert bad.status_code == 400 and "Focus skills" in bad.text
    priya = client_for("priya")
    mine = priya.get(plan_url)
    assert "Not acknowledged yet" in mine.text and "Practise now" in mine.text
    r = priya.post(f"{plan_url}/acknowledge", data={"csrf_token": csrf_of(mine.text)})
    assert "Acknowledged by Priya Nair" in r.text
    play(priya, start(priya, "charged-twice", plan=plan_id), GOOD)
    progress = lead.get(plan_url).text
    assert re.search(r"<td class=\"num\">1</td>", progress) and "passed" in progress
    team = lead.get(f"/teams/{org.teams['Support A']}/coaching").text
    assert "Priya Nair" in team and "Charged twice" in team
    # The plan's scenario only through the plan; someone else's plan not at all.
    r = client_for("tom").post(
        "/practice/start",
        data={
            "scenario_id": "charged-twice",
            "plan_id": str(plan_id),
            "csrf_token": csrf_of(client_for("tom").get("/practice").text),
        },
    )
    assert r.status_code in (403, 400)


def test_a_hiring_link_is_used_once(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead")
    page = lead.get("/hiring")
    r = lead.post(
        "/hiring",
        data={
            "candidate": "Sam Hopeful",
            "scenario_id": "thats-billing",
            "csrf_token": csrf_of(page.text),
        },
    )
    link = re.search(r'id="link">([^<]+)<', r.text)
    assert link, r.text
    assert client_for("priya").get("/hiring").status_code == 403
    candidate = client_for()
    intro = candidate.get(link.group(1))
    assert intro.status_code == 200 and "Welcome, Sam Hopeful" in intro.text
    token = link.group(1).rsplit("/", 1)[1]
    r = candidate.post(f"/candidate/{token}", data={"csrf_token": csrf_of(intro.text)})
    assert r.status_code == 200 and 'name="text"' in r.text
    r = candidate.post(
        "/candidate-session/reply",
        data={"text": "Let me check your bill myself.", "csrf_token": csrf_of(r.text)},
    )
    assert r.text.count('class="bubble agent"') == 1 and "Scorecard" not in r.text
    again = client_for().get(link.group(1))
    assert again.status_code == 404 and "has been used" in again.text
    results = lead.get("/hiring").text
    assert "Sam Hopeful" in results and "used" in results


def test_where_to_practise_links_to_practise_now(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    person = org.people["Priya Nair"]
    page = client_for("priya").get(f"/people/{person}").text
    skill = re.search(r'href="/practice\?skill=(\w+)">Practise now', page)
    assert skill, "no Practise now link on Where to practise"
    practice = client_for("priya").get(f"/practice?skill={skill.group(1)}").text
    assert f"Scenarios that train {skill.group(1)}" in practice
    # Leads get the coaching entry points; agents do not.
    assert "/coaching/new" in client_for("lead").get(f"/people/{person}").text
    assert "/coaching/new" not in page
    assert (
        f"/teams/{org.teams['Support A']}/coaching"
        in client_for("lead").get(f"/teams/{org.teams['Support A']}").text
    )


def test_lessons_quiz_and_readiness_pages(org: Org, client_for) -> None:  # type: ignore[no-untyped-def]
    priya = client_for("priya")
    page = priya.get("/lessons")
    assert (
        page.status_code == 200
        and "Service is a skill" in page.text
        and "Myth or true?" in page.text
    )
    myths = re.findall(r'name="([a-z-]+)" value="myth"', page.text)
    r = priya.post(
        "/lessons/quiz", data={**dict.fromkeys(myths, "myth"), "csrf_token": csrf_of(page.text)}
    )
    assert f"{len(myths)} of {len(myths)}" in r.text
    statements = re.findall(
        r'<fieldset><legend>([^<]+)</legend>\s*(?:<label><input type="radio" name="([a-z-]+)" value="1")',
        page.text,
    )
    r = priya.post(
        "/lessons/readiness",
        data={**{q: "4" for _, q in statements}, "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 200 and "counted for your department" in r.text
    assert priya.get("/lessons/quiz/results").status_code == 403
    lead = client_for("lead")
    assert "Support" in lead.get("/lessons/quiz/results").text
    readiness = lead.get(f"/departments/{org.departments['Support']}/readiness").text
    assert "4.0" in readiness and "One-touch" in readiness
