"""Dashboards over a demo organisation: the numbers add up, and nobody sees more than their role allows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from statistics import mean

import orjson
import pytest
from sqlalchemy import func, select

from servicecraft.service import dashboards
from servicecraft.service.demo import DEMO_PASSWORD, build_demo
from servicecraft.service.policy import PermissionDenied, Viewer
from servicecraft.store import (
    Conversation,
    ConversationDocument,
    Database,
    Department,
    HindranceRow,
    Person,
    Team,
    User,
    open_database,
)

ADMIN = Viewer("admin")


@pytest.fixture(scope="module")
def demo(module_database_url: str) -> Iterator[Database]:
    """Built once per database kind: every test here only reads it."""
    db = open_database(module_database_url)
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


def raw_rows(s, first_week):  # type: ignore[no-untyped-def]
    c = Conversation
    return s.execute(
        select(
            c.id,
            c.person_id,
            c.team_id,
            c.department_id,
            c.week,
            c.score,
            c.one_touch,
            c.chasers,
            c.csat,
            c.empathy,
        ).where(c.week >= first_week)
    ).all()


def expected_stats(rows, all_rows):  # type: ignore[no-untyped-def]
    """The figures computed the slow way, straight from the conversations."""
    team_week = defaultdict(list)
    for r in all_rows:
        if r.score is not None:
            team_week[(r.team_id, r.week)].append(r.score)
    scored = [r for r in rows if r.score is not None]
    surveyed = [r.csat for r in rows if r.csat is not None]
    return {
        "conversations": len(rows),
        "score": mean(r.score for r in scored),
        "better_rate": sum(r.score > mean(team_week[(r.team_id, r.week)]) for r in scored)
        / len(scored),
        "one_touch": sum(r.one_touch for r in rows) / len(rows),
        "chasing": sum(r.chasers > 0 for r in rows) / len(rows),
        "chasers_per_100": 100 * sum(r.chasers for r in rows) / len(rows),
        "survey_coverage": len(surveyed) / len(rows),
        "csat": mean(surveyed) if surveyed else None,
    }


def assert_matches(stats, expected) -> None:  # type: ignore[no-untyped-def]
    for key, value in expected.items():
        assert getattr(stats, key) == pytest.approx(value), key


def test_organisation_figures_match_the_conversations(demo: Database) -> None:
    with demo.session() as s:
        data = dashboards.organisation_overview(s, ADMIN, weeks=6)
        rows = raw_rows(s, data.weeks[0])
    assert len(data.departments) == 5 and len(data.weeks) == 6
    assert data.totals.conversations == len(rows) == 400
    assert_matches(data.totals, expected_stats(rows, rows))
    for d in data.departments:
        mine = [r for r in rows if r.department_id == d.id]
        assert_matches(d, expected_stats(mine, rows))
        assert len(d.weekly) == 6
        assert sum(w.conversations for w in d.weekly) == d.conversations
        for w in d.weekly:
            those = [r for r in mine if r.week == w.week]
            if those:
                assert_matches(w, expected_stats(those, rows))
    assert sum(d.conversations for d in data.departments) == data.totals.conversations


def test_people_in_a_team_match_the_conversations(demo: Database) -> None:
    with demo.session() as s:
        team_id = s.execute(select(Team.id).where(Team.name == "Billing")).scalar_one()
        data = dashboards.team_detail(s, ADMIN, team_id)
        rows = raw_rows(s, data.weeks[0])
    assert data.team.name == "Billing" and data.team.department_name == "Billing"
    assert len(data.people) == 5
    for person in data.people:
        mine = [r for r in rows if r.person_id == person.id]
        if mine:
            assert_matches(person, expected_stats(mine, rows))
            assert person.skills["empathy"] == pytest.approx(
                mean(r.empathy for r in mine if r.empathy is not None)
            )
    scores = [p.score for p in data.people if p.score is not None]
    assert scores == sorted(scores, reverse=True)  # default sort: best first


def test_sorting_is_whitelisted(demo: Database) -> None:
    with demo.session() as s:
        dept = s.execute(select(Department.id).where(Department.name == "Support")).scalar_one()
        by_name = dashboards.department_detail(s, ADMIN, dept, sort="name")
        assert [p.name for p in by_name.people] == sorted(
            (p.name for p in by_name.people), key=str.casefold
        )
        by_empathy = dashboards.department_detail(s, ADMIN, dept, sort="-empathy")
        values = [t.skills["empathy"] for t in by_empathy.teams]
        assert values == sorted(values, reverse=True)
        with pytest.raises(ValueError, match="cannot sort by"):
            dashboards.department_detail(s, ADMIN, dept, sort="score; DROP TABLE people")
        with pytest.raises(ValueError):
            dashboards.search_conversations(s, ADMIN, sort="password_hash")


def test_agent_sees_only_their_own(demo: Database) -> None:
    me = viewer_of(demo, "agent")
    other = viewer_of(demo, "agent2")
    assert me.person_id is not None and other.person_id is not None
    with demo.session() as s:
        mine = dashboards.person_profile(s, me, me.person_id)
        assert mine.person.id == me.person_id
        with pytest.raises(PermissionDenied):
            dashboards.person_profile(s, me, other.person_id)
        found = dashboards.search_conversations(s, me, page_size=500)
        assert found.total > 0 and {r.person_id for r in found.rows} == {me.person_id}
        # Asking for someone else's conversations in a filter still yields only one's own.
        assert dashboards.search_conversations(s, me, person_id=other.person_id).total == 0
        foreign = (
            s.execute(select(Conversation.id).where(Conversation.person_id == other.person_id))
            .scalars()
            .first()
        )
        assert foreign is not None
        with pytest.raises(PermissionDenied):
            dashboards.conversation_detail(s, me, foreign)
        team = s.get(Person, me.person_id).team_id  # type: ignore[union-attr]
        for call in (
            lambda: dashboards.organisation_overview(s, me),
            lambda: dashboards.hindrances(s, me),
            lambda: dashboards.team_detail(s, me, team),
            lambda: dashboards.department_detail(s, me, 1),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert dashboards.filter_options(s, me).departments == ()


def test_leads_see_their_department_or_team_only(demo: Database) -> None:
    lead, teamlead = viewer_of(demo, "lead"), viewer_of(demo, "teamlead")
    assert lead.department_id is not None and teamlead.team_id is not None
    with demo.session() as s:
        billing_dept = s.execute(
            select(Department.id).where(Department.name == "Billing")
        ).scalar_one()
        support_team = (
            s.execute(select(Team.id).where(Team.department_id == lead.department_id))
            .scalars()
            .first()
        )
        assert support_team is not None
        dashboards.department_detail(s, lead, lead.department_id)
        dashboards.team_detail(s, lead, support_team)
        with pytest.raises(PermissionDenied):
            dashboards.department_detail(s, lead, billing_dept)
        with pytest.raises(PermissionDenied):
            dashboards.organisation_overview(s, lead)
        rows = dashboards.search_conversations(s, teamlead, page_size=500).rows
        assert {s.get(Person, r.person_id).team_id for r in rows} == {teamlead.team_id}  # type: ignore[union-attr]
        with pytest.raises(PermissionDenied):
            dashboards.team_detail(s, teamlead, support_team)
        groups = dashboards.hindrances(s, lead).groups
        assert {g.department for g in groups} <= {"Support"}
        options = dashboards.filter_options(s, teamlead)
        assert [t.id for t in options.teams] == [teamlead.team_id]


def test_lead_without_scope_sees_nothing(demo: Database) -> None:
    with demo.session() as s:
        assert dashboards.search_conversations(s, Viewer("lead")).total == 0
        assert dashboards.hindrances(s, Viewer("lead")).total == 0


def test_search_filters(demo: Database) -> None:
    search = dashboards.search_conversations
    with demo.session() as s:
        low = search(s, ADMIN, skill="empathy", max_score=40, page_size=500)
        assert low.total > 0
        assert all(r.skills["empathy"] is not None and r.skills["empathy"] <= 40 for r in low.rows)
        band = search(s, ADMIN, skill="clarity", min_skill=50, max_skill=80, min_score=30)
        assert all(50 <= r.skills["clarity"] <= 80 and r.score >= 30 for r in band.rows)  # type: ignore[operator]
        chased = search(s, ADMIN, metric="chased", page_size=500)
        assert chased.total > 0 and all(r.chasers > 0 for r in chased.rows)
        assert search(s, ADMIN, min_chasers=1).total == chased.total
        handed = search(s, ADMIN, min_handoffs=1, page_size=500)
        assert handed.total > 0 and all(r.handoffs >= 1 for r in handed.rows)
        assert (
            search(s, ADMIN, one_touch=False).total
            == search(s, ADMIN, metric="not_one_touch").total
        )
        page2 = search(s, ADMIN, page=2, page_size=10)
        assert len(page2.rows) == 10 and page2.total == 400
        first_two = search(s, ADMIN, page_size=20).rows
        assert [r.id for r in first_two[10:]] == [r.id for r in page2.rows]
        started = [r.started_at for r in search(s, ADMIN, page_size=500).rows]
        assert started == sorted(started, reverse=True)  # newest first by default
        best = [r.score for r in search(s, ADMIN, sort="-score", page_size=30).rows]
        assert best == sorted(best, reverse=True)
        with_docs = search(s, ADMIN, page_size=2, with_documents=True)
        assert all(r.scorecard is not None and r.scorecard["id"] == r.id for r in with_docs.rows)
        resolution = search(s, ADMIN, min_resolution=-1.0, max_resolution=0.0, page_size=500)
        assert all(
            r.predicted_resolution is not None and -1 <= r.predicted_resolution <= 0
            for r in resolution.rows
        )
        with pytest.raises(ValueError):
            search(s, ADMIN, skill="charisma")
        with pytest.raises(ValueError):
            search(s, ADMIN, min_skill=10)


def test_person_profile(demo: Database) -> None:
    me = viewer_of(demo, "agent")
    assert me.person_id is not None
    with demo.session() as s:
        data = dashboards.person_profile(s, ADMIN, me.person_id)
        scores = (
            s.execute(select(Conversation.score).where(Conversation.person_id == me.person_id))
            .scalars()
            .all()
        )
    assert data.totals.conversations == len(scores)
    expected = [0] * 10
    for score in scores:
        expected[min(9, int(score // 10))] += 1
    assert list(data.histogram.person) == expected
    assert sum(data.histogram.team) >= sum(expected)
    assert len(data.weakest) == 3 and data.weakest[0].score <= data.weakest[-1].score
    # An example quotes the person's own evidence for the skill; none is given only where
    # none of their conversations has any (an engine that scored the skill without evidence).
    with demo.session() as s:
        cards = [
            orjson.loads(card)
            for card in s.execute(
                select(ConversationDocument.scorecard)
                .join(Conversation, Conversation.id == ConversationDocument.conversation_id)
                .where(Conversation.person_id == me.person_id)
            ).scalars()
        ]
    for w in data.weakest:
        own = [c for c in cards if has_own_evidence(c, w.skill, data.person.name)]
        assert (w.example is not None) == bool(own), w.skill
    assert any(w.example is not None for w in data.weakest)
    best = [r.score for r in data.best]
    assert best == sorted(scores, reverse=True)[:5]
    assert len(data.totals.weekly) == 12 and data.person.team_name


def has_own_evidence(card, skill, name) -> bool:  # type: ignore[no-untyped-def]
    result = card["skills"][skill]
    evidence = result["evidence"] if result["score"] is not None else []
    return any(card["messages"][e["message"]]["author"] == name for e in evidence)


def test_hindrances_are_grouped_and_counted(demo: Database) -> None:
    with demo.session() as s:
        data = dashboards.hindrances(s, ADMIN)
        total = s.execute(select(func.count()).select_from(HindranceRow)).scalar()
    assert data.total == total == sum(data.by_kind.values()) > 0
    counts = [g.count for g in data.groups]
    assert counts == sorted(counts, reverse=True)
    for g in data.groups[:5]:
        assert g.kind in ("policy", "system") and 1 <= len(g.conversations) <= min(g.count, 20)


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


def test_periods_compare_with_the_one_before(demo: Database) -> None:
    with demo.session() as s:
        whole = dashboards.organisation_overview(s, ADMIN, weeks=6)
        recent = dashboards.organisation_overview(s, ADMIN, weeks=3)
        earlier = dashboards.organisation_overview(
            s, ADMIN, weeks=3, until=recent.weeks[0] - timedelta(days=1)
        )
        dept = recent.departments[0].id
        detail = dashboards.department_detail(s, ADMIN, dept, weeks=3)
        earlier_dept = dashboards.department_detail(
            s, ADMIN, dept, weeks=3, until=earlier.weeks[-1]
        )
    assert recent.previous_weeks == earlier.weeks and len(recent.weeks) == 3
    assert recent.totals.conversations + earlier.totals.conversations == whole.totals.conversations
    assert recent.totals.previous is not None
    assert_matches(
        recent.totals.previous,
        {
            k: getattr(earlier.totals, k)
            for k in ("conversations", "score", "better_rate", "one_touch", "csat")
        },
    )
    for now, before in zip(recent.departments, earlier.departments, strict=True):
        assert now.previous is not None and now.previous.conversations == before.conversations
    assert detail.totals.previous is not None
    assert detail.totals.previous.score == pytest.approx(earlier_dept.totals.score)
    # A week given by any of its days is that week; far in the past there is nothing to count.
    with demo.session() as s:
        wednesday = dashboards.organisation_overview(
            s, ADMIN, weeks=3, until=recent.weeks[-1] + timedelta(days=2)
        )
        assert wednesday.weeks == recent.weeks
        old = dashboards.organisation_overview(s, ADMIN, weeks=4, until=date(2001, 1, 3))
        assert old.totals.conversations == 0 and old.totals.score is None
        with pytest.raises(ValueError, match="weeks must be"):
            dashboards.organisation_overview(s, ADMIN, weeks=0)


def test_team_page_figures(demo: Database) -> None:
    with demo.session() as s:
        team_id = s.execute(select(Team.id).where(Team.name == "Billing")).scalar_one()
        data = dashboards.team_detail(s, ADMIN, team_id, weeks=6)
        cited = dashboards.hindrances(s, ADMIN, team_id=team_id)
        rows = s.execute(select(HindranceRow.team_id)).scalars().all()
    assert data.histogram is not None
    assert 0 < sum(data.histogram.team) <= data.totals.conversations  # the scored ones
    assert cited.total == sum(1 for t in rows if t == team_id)
