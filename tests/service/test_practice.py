"""Practice sessions, coaching plans and candidate links in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from servicecraft.service import coaching, hiring
from servicecraft.service import practice as practising
from servicecraft.service.policy import PermissionDenied, Viewer, viewer_for
from servicecraft.store import CandidateLink, Database, User, open_database
from tests.web.conftest import build_org, close_db

GOOD = (
    (Path(__file__).resolve().parents[1] / "practice" / "scripts" / "good.txt")
    .read_text()
    .splitlines()
)


@pytest.fixture
def setup(database_url: str):  # type: ignore[no-untyped-def]
    org = build_org(database_url)
    db = open_database(database_url)
    yield org, db
    close_db(db)


def viewer(db: Database, username: str) -> Viewer:
    with db.session() as s:
        return viewer_for(s.execute(select(User).where(User.username == username)).scalar_one())


def test_a_session_is_played_stored_and_scored(setup) -> None:  # type: ignore[no-untyped-def]
    org, db = setup
    priya = viewer(db, "priya")
    with db.transaction() as s:
        row = practising.start(s, practising.scope_of(s, priya), "charged-twice", seed=4)
        assert row.team_id == org.teams["Support A"] and row.person_id == org.people["Priya Nair"]
        session_id = row.id
    for line in GOOD:
        with db.transaction() as s:
            row = practising.get(s, priya, session_id)
            if row.outcome is not None:
                break
            practising.reply(s, row, line)
    with db.session() as s:
        row = practising.get(s, priya, session_id)
        assert row.outcome == "resolved" and row.score is not None and row.empathy is not None
        result = practising.result_of(row)
        assert result is not None and result["scenario"] == "charged-twice"
        assert len(json.loads(row.replies)) == len(result["transcript"]) // 2
        # The stored result is what the simulator gives for the same seed and replies.
        again = practising.replay(row).finish().to_dict()
        assert again["transcript"] == result["transcript"] and again["outcome"] == "resolved"
        comparison = practising.comparison(s, row)
        assert {r["skill"] for r in comparison} >= {"empathy", "ownership"}
        assert any(r["real"] is not None for r in comparison)  # Priya has real conversations
        with pytest.raises(ValueError, match="ended"):
            practising.reply(s, row, "Hello?")


def test_who_sees_whose_practice(setup) -> None:  # type: ignore[no-untyped-def]
    _, db = setup
    priya, tom, lead = viewer(db, "priya"), viewer(db, "tom"), viewer(db, "lead")
    with db.transaction() as s:
        session_id = practising.start(s, practising.scope_of(s, priya), "first-timer").id
    with db.session() as s:
        assert practising.get(s, priya, session_id).id == session_id
        assert practising.get(s, lead, session_id).id == session_id  # Support's lead
        assert practising.get(s, viewer(db, "admin"), session_id).id == session_id
        with pytest.raises(PermissionDenied):
            practising.get(s, tom, session_id)
        with pytest.raises(PermissionDenied):
            practising.get(s, viewer(db, "reviewer"), session_id)
        assert [h.id for h in practising.history(s, lead)] == [session_id]
        assert practising.history(s, tom) == []
        with pytest.raises(LookupError):
            practising.get(s, priya, session_id + 100)


def test_an_unfinished_session_ends_unresolved(setup) -> None:  # type: ignore[no-untyped-def]
    _, db = setup
    priya = viewer(db, "priya")
    with db.transaction() as s:
        row = practising.start(s, practising.scope_of(s, priya), "policy-no", seed=1)
        practising.reply(s, row, "Let me check that for you.")
        result = practising.finish(s, row)
        assert result is not None and result.outcome == "unresolved" and row.outcome == "unresolved"
        assert practising.finish(s, row) is None
        with pytest.raises(ValueError, match="empty"):
            practising.reply(
                s, practising.start(s, practising.scope_of(s, priya), "policy-no"), "  "
            )


def test_a_coaching_plan_from_gaps_to_acknowledged_progress(setup) -> None:  # type: ignore[no-untyped-def]
    org, db = setup
    lead, priya, tom = viewer(db, "lead"), viewer(db, "priya"), viewer(db, "tom")
    person = org.people["Priya Nair"]
    with db.transaction() as s:
        gaps = coaching.skill_gaps(s, lead, person)
        assert len(gaps) == 8 and all(g.score is not None for g in gaps[:3])
        due = practising.now().date() + timedelta(days=14)
        with pytest.raises(PermissionDenied):
            coaching.create_plan(
                s,
                tom,
                person_id=person,
                focus_skills=["empathy"],
                scenario_ids=["charged-twice"],
                pass_mark=70,
                due=due,
            )
        with pytest.raises(ValueError, match="focus skills"):
            coaching.create_plan(
                s,
                lead,
                person_id=person,
                focus_skills=["charm"],
                scenario_ids=["charged-twice"],
                pass_mark=70,
                due=due,
            )
        with pytest.raises(ValueError, match="due date"):
            coaching.create_plan(
                s,
                lead,
                person_id=person,
                focus_skills=["empathy"],
                scenario_ids=["charged-twice"],
                pass_mark=70,
                due=due - timedelta(days=30),
            )
        plan = coaching.create_plan(
            s,
            lead,
            person_id=person,
            focus_skills=[gaps[0].skill, "empathy"],
            scenario_ids=["charged-twice", "third-chase"],
            pass_mark=70,
            due=due,
            notes="Own it.",
        )
        plan_id = plan.id
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):
            coaching.acknowledge(s, lead, plan_id)
        with pytest.raises(PermissionDenied):
            coaching.get_plan(s, tom, plan_id)
        assert coaching.acknowledge(s, priya, plan_id).acknowledged_at is not None
        assert [p.id for p in coaching.plans_for(s, priya, person)] == [plan_id]
    for scenario_id in ("charged-twice", "third-chase"):
        with db.transaction() as s:
            row = practising.start(
                s, practising.scope_of(s, priya), scenario_id, plan_id=plan_id, seed=2
            )
            for line in GOOD:
                if row.outcome is None:
                    practising.reply(s, row, line)
    with db.session() as s:
        plan = coaching.get_plan(s, lead, plan_id)
        progress = coaching.progress(s, plan)
        assert progress["passed"] and [x["attempts"] for x in progress["scenarios"]] == [1, 1]
        weeks = progress["weeks"]
        assert len(weeks["labels"]) == len(weeks["practice"]) == len(weeks["real"]) == 8
        assert any(v is not None for v in weeks["practice"])
        team = coaching.team_overview(s, lead, org.teams["Support A"])
        assert [p["person"] for p in team["plans"]] == ["Priya Nair"]
        assert not team["plans"][0]["overdue"]
        assert {title for title, _ in team["most_practised"]} == {
            "Charged twice",
            "Chasing for the third time",
        }
        with pytest.raises(PermissionDenied):
            coaching.team_overview(s, priya, org.teams["Support A"])


def test_a_candidate_link_opens_once(setup) -> None:  # type: ignore[no-untyped-def]
    org, db = setup
    lead = viewer(db, "lead")
    with db.transaction() as s:
        with pytest.raises(PermissionDenied):
            hiring.create_link(s, viewer(db, "priya"), "Sam", "first-timer")
        token = hiring.create_link(s, lead, "Sam Candidate", "first-timer")
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    with db.session() as s:
        stored = s.execute(select(CandidateLink)).scalar_one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert hiring.open_link(db, token, "1.2.3.4").candidate == "Sam Candidate"
    session_id = hiring.claim(db, token, "1.2.3.4")
    with pytest.raises(hiring.LinkClosed):
        hiring.claim(db, token, "1.2.3.4")
    with pytest.raises(hiring.LinkClosed):
        hiring.open_link(db, token, "1.2.3.4")
    with db.transaction() as s:
        row = hiring.candidate_session(s, session_id)
        assert row.user_id is None and row.department_id == org.departments["Support"]
        practising.reply(s, row, "I'm so sorry, you haven't broken anything.")
    with db.session() as s:
        assert [r.candidate for r in hiring.results(s, lead)] == ["Sam Candidate"]
        assert [r.candidate for r in hiring.results(s, viewer(db, "admin"))] == ["Sam Candidate"]
        with pytest.raises(PermissionDenied):
            hiring.results(s, viewer(db, "priya"))
        # A candidate's session is not in anyone's practice history, and agents cannot open it.
        assert practising.history(s, lead) == []
        with pytest.raises(LookupError):
            practising.get(s, viewer(db, "priya"), session_id)


def test_expired_links_and_guessing_are_refused(setup) -> None:  # type: ignore[no-untyped-def]
    _, db = setup
    with db.transaction() as s:
        token = hiring.create_link(s, viewer(db, "admin"), "Late", "policy-no")
        s.flush()
        s.execute(update(CandidateLink).values(expires_at=practising.now() - timedelta(seconds=1)))
    with pytest.raises(hiring.LinkClosed):
        hiring.open_link(db, token, "5.6.7.8")
    with pytest.raises(hiring.LinkClosed):
        hiring.claim(db, token, "5.6.7.8")
    for _ in range(hiring.MAX_FAILURES_PER_IP):
        with pytest.raises((hiring.LinkClosed, hiring.TooManyAttempts)):
            hiring.open_link(db, "guess", "5.6.7.8")
    with pytest.raises(hiring.TooManyAttempts):
        hiring.open_link(db, "guess", "5.6.7.8")
    with db.transaction() as s:
        fresh = hiring.create_link(s, viewer(db, "admin"), "Other", "policy-no")
    with pytest.raises(hiring.TooManyAttempts):
        hiring.claim(db, fresh, "5.6.7.8")  # even a good link, from a guessing address
    assert hiring.claim(db, fresh, "9.9.9.9") > 0
