"""Dashboards over a demo organisation: the numbers add up, and nobody sees more than their role allows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from servicecraft.service import dashboards
from servicecraft.service.demo import DEMO_PASSWORD, build_demo
from servicecraft.service.viewer import PermissionDenied, Viewer
from servicecraft.store import Conversation, Database, Department, Person, Team, User, open_database

ADMIN = Viewer("admin")


@pytest.fixture
def demo(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    info = build_demo(db, conversations=400, weeks=6)
    assert info.conversations == 400
    assert {u for u, _, _ in info.logins} == {
        "admin",
        "reviewer",
        "lead",
        "teamlead",
        "agent",
        "agent2",
    }
    assert all(p == DEMO_PASSWORD for _, p, _ in info.logins)
    yield db
    db.close()


def viewer_of(db: Database, username: str) -> Viewer:
    with db.session() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        return Viewer(u.role, u.person_id, u.department_id, u.team_id, u.id)


def test_organisation_numbers_add_up(demo: Database) -> None:
    with demo.session() as s:
        data = dashboards.organisation_overview(s, ADMIN, weeks=6)
        total = s.execute(select(func.count()).select_from(Conversation)).scalar()
        mean = s.execute(select(func.avg(Conversation.score))).scalar()
    assert len(data["departments"]) == 5 and len(data["weeks"]) == 6
    assert data["totals"]["conversations"] <= total
    assert sum(d["conversations"] for d in data["departments"]) == data["totals"]["conversations"]
    for d in data["departments"]:
        assert (
            0 <= d["better_rate"] <= 1
            and 0 <= d["one_touch"] <= 1
            and 0 <= d["survey_coverage"] <= 1
        )
        assert len(d["weekly"]) == 6
        assert sum(w["conversations"] for w in d["weekly"]) == d["conversations"]
    assert abs(data["totals"]["score"] - mean) < 10


def test_better_than_average_rate_is_per_team_and_week(demo: Database) -> None:
    with demo.session() as s:
        team_id = s.execute(select(Team.id).where(Team.name == "Billing")).scalar_one()
        data = dashboards.team_detail(s, ADMIN, team_id)
        rows = s.execute(
            select(
                Conversation.id, Conversation.person_id, Conversation.week, Conversation.score
            ).where(Conversation.team_id == team_id, Conversation.week >= data["weeks"][0])
        ).all()
    means: dict[object, list[float]] = {}
    for _, _, week, score in rows:
        means.setdefault(week, []).append(score)
    for person in data["people"]:
        mine = [(w, sc) for _, p, w, sc in rows if p == person["id"]]
        if not mine:
            continue
        expected = sum(sc > sum(means[w]) / len(means[w]) for w, sc in mine) / len(mine)
        assert person["better_rate"] == pytest.approx(expected)


def test_agent_sees_only_their_own(demo: Database) -> None:
    me = viewer_of(demo, "agent")
    other = viewer_of(demo, "agent2")
    with demo.session() as s:
        mine = dashboards.person_profile(s, me, me.person_id)  # type: ignore[arg-type]
        assert mine["person"]["id"] == me.person_id
        with pytest.raises(PermissionDenied):
            dashboards.person_profile(s, me, other.person_id)  # type: ignore[arg-type]
        found = dashboards.search_conversations(s, me, page_size=1000)
        assert found["total"] > 0 and {r["person_id"] for r in found["rows"]} == {me.person_id}
        foreign = (
            s.execute(select(Conversation.id).where(Conversation.person_id == other.person_id))
            .scalars()
            .first()
        )
        with pytest.raises(PermissionDenied):
            dashboards.conversation_detail(s, me, foreign)  # type: ignore[arg-type]
        for call in (
            lambda: dashboards.organisation_overview(s, me),
            lambda: dashboards.hindrances(s, me),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert dashboards.filter_options(s, me)["departments"] == []


def test_leads_see_their_department_or_team_only(demo: Database) -> None:
    lead, teamlead = viewer_of(demo, "lead"), viewer_of(demo, "teamlead")
    with demo.session() as s:
        billing_dept = s.execute(
            select(Department.id).where(Department.name == "Billing")
        ).scalar_one()
        support_team = (
            s.execute(select(Team.id).where(Team.department_id == lead.department_id))
            .scalars()
            .first()
        )
        dashboards.department_detail(s, lead, lead.department_id)  # type: ignore[arg-type]
        dashboards.team_detail(s, lead, support_team)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            dashboards.department_detail(s, lead, billing_dept)
        with pytest.raises(PermissionDenied):
            dashboards.organisation_overview(s, lead)
        rows = dashboards.search_conversations(s, teamlead, page_size=1000)["rows"]
        teams = {s.get(Person, r["person_id"]).team_id for r in rows}  # type: ignore[union-attr]
        assert teams == {teamlead.team_id}
        with pytest.raises(PermissionDenied):
            dashboards.team_detail(s, teamlead, support_team)  # type: ignore[arg-type]


def test_lead_without_scope_sees_nothing(demo: Database) -> None:
    with demo.session() as s:
        assert dashboards.search_conversations(s, Viewer("lead"))["total"] == 0


def test_search_filters(demo: Database) -> None:
    with demo.session() as s:
        low = dashboards.search_conversations(
            s, ADMIN, skill="empathy", max_score=40, page_size=500
        )
        assert all(
            r["skills"]["empathy"] is not None and r["skills"]["empathy"] <= 40 for r in low["rows"]
        )
        chased = dashboards.search_conversations(s, ADMIN, metric="chased", page_size=500)
        assert chased["total"] > 0 and all(r["chasers"] > 0 for r in chased["rows"])
        page2 = dashboards.search_conversations(s, ADMIN, page=2, page_size=10)
        assert len(page2["rows"]) == 10 and page2["total"] == 400
        with_docs = dashboards.search_conversations(s, ADMIN, page_size=2, with_documents=True)
        assert all(r["scorecard"]["id"] == r["id"] for r in with_docs["rows"])


def test_person_profile_shape(demo: Database) -> None:
    me = viewer_of(demo, "agent")
    with demo.session() as s:
        data = dashboards.person_profile(s, ADMIN, me.person_id)  # type: ignore[arg-type]
    assert sum(data["histogram"]["person"]) == data["totals"]["conversations"]
    assert len(data["weakest"]) == 3 and data["weakest"][0]["score"] <= data["weakest"][-1]["score"]
    assert [r["score"] for r in data["best"]] == sorted(
        (r["score"] for r in data["best"]), reverse=True
    )


def test_missing_ids_are_lookup_errors(demo: Database) -> None:
    with demo.session() as s:
        for call in (
            lambda: dashboards.person_profile(s, ADMIN, 10_000),
            lambda: dashboards.team_detail(s, ADMIN, 10_000),
            lambda: dashboards.department_detail(s, ADMIN, 10_000),
            lambda: dashboards.conversation_detail(s, ADMIN, "nope"),
        ):
            with pytest.raises(LookupError):
                call()
