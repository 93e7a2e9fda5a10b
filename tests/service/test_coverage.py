"""Aggregates use observed scores only and say how often each skill was observed.

A user's own scorer for proactivity (a public extension point) decides exactly which
conversations show the skill, so the figures can be checked by hand whatever the
built-in detectors do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from servicecraft.engine import Analysis, Engine
from servicecraft.model import Conversation, Message, SkillScore
from servicecraft.service import dashboards
from servicecraft.service.importing import import_items
from servicecraft.service.policy import Viewer
from servicecraft.store import Conversation as Row
from servicecraft.store import ConversationDocument, Database, Person, open_database

ADMIN = Viewer("admin")
MONDAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


class Proactivity:
    """Observed only where an agent says "also": 30 (10 for "also, sadly"), else None."""

    skill = "proactivity"

    def score(self, analysis: Analysis) -> SkillScore:
        for m in analysis.by_role("agent"):
            start = m.message.text.find("also")
            if start >= 0:
                weight = -40.0 if "also, sadly" in m.message.text else -20.0
                span = analysis.evidence_span(m.index, start, start + 4, "-", "too late", weight)
                return SkillScore(self.skill, 50.0 + weight, [span])
        return SkillScore(self.skill, None, [])


def chat(cid: str, day: int, *agents: tuple[str, str]) -> Conversation:
    at = MONDAY + timedelta(days=day)
    messages = [Message("customer", "My parcel has not arrived.", "Cus", None, at)]
    for author, text in agents:
        at += timedelta(minutes=5)
        messages.append(Message("agent", text, author, "Logistics", at))
    return Conversation(cid, messages)


def conversations() -> Iterator[Conversation]:
    for i in range(12):  # Ana: proactivity observed in 6 of 12 (50%)
        text = "I have sent a new one." + (" I also moved your next order." if i < 6 else "")
        yield chat(f"ana-{i:02d}", i % 5, ("Ana", text), ("Ana", "Anything else?"))
    # Ana's handoff: the lowest proactivity of all, but in Zed's words, not hers.
    yield chat(
        "ana-handoff",
        1,
        ("Ana", "Let me check."),
        ("Ana", "One moment."),
        ("Zed", "I also, sadly, lost it."),
    )
    for i in range(8):  # Ben: never observed
        yield chat(f"ben-{i:02d}", i % 5, ("Ben", "Sent again today."))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    engine = Engine(scorers=[Proactivity()], learned=False)
    report = import_items(database, conversations(), engine=engine)
    assert report.imported == 21
    yield database
    database.close()


def person_id(db: Database, name: str) -> int:
    with db.session() as s:
        return s.execute(select(Person.id).where(Person.name == name)).scalar_one()


def test_skill_means_use_observed_scores_only_and_carry_coverage(db: Database) -> None:
    with db.session() as s:
        ana = dashboards.person_profile(s, ADMIN, person_id(db, "Ana"))
        ben = dashboards.person_profile(s, ADMIN, person_id(db, "Ben"))
    assert ana.totals.conversations == 13
    assert ana.totals.observed["proactivity"] == 7  # six of hers and the handoff
    assert ana.totals.coverage["proactivity"] == pytest.approx(7 / 13)
    assert ana.totals.skills["proactivity"] == pytest.approx((6 * 30 + 10) / 7)  # not 13
    assert ben.totals.observed["proactivity"] == 0
    assert ben.totals.coverage["proactivity"] == 0.0
    assert ben.totals.skills["proactivity"] is None  # not observed is not a number
    with db.session() as s:
        overall = s.execute(select(Row.score).where(Row.id.like("ben-%"))).scalars().all()
    assert ben.totals.score_coverage == sum(v is not None for v in overall) / 8
    # The team adds up both, weighted by where it was observed.
    assert ana.team_totals.observed["proactivity"] == 7
    assert ana.team_totals.coverage["proactivity"] == pytest.approx(7 / 21)
    with db.session() as s:
        team = dashboards.team_detail(s, ADMIN, ana.person.team_id)
        overview = dashboards.organisation_overview(s, ADMIN)
    assert team.totals.coverage["proactivity"] == pytest.approx(7 / 21)
    by_name = {p.name: p for p in team.people}
    assert by_name["Ben"].coverage["proactivity"] == 0.0
    assert overview.totals.observed["proactivity"] == 7
    assert overview.totals.weekly[-1].observed["proactivity"] == 7


def test_a_rarely_observed_skill_is_not_ranked_among_the_weakest(db: Database) -> None:
    with db.session() as s:
        ana = dashboards.person_profile(s, ADMIN, person_id(db, "Ana"))
        ben = dashboards.person_profile(s, ADMIN, person_id(db, "Ben"))
    assert ana.weakest[0].skill == "proactivity"
    assert (ana.weakest[0].observed, ana.weakest[0].coverage) == (7, pytest.approx(7 / 13))
    assert "proactivity" not in {w.skill for w in ben.weakest}
    rare = {r.skill: r for r in ben.too_rare}
    assert rare["proactivity"].observed == 0 and rare["proactivity"].coverage == 0.0


def test_the_example_shows_the_skill_in_the_persons_own_words(db: Database) -> None:
    with db.session() as s:
        ana = dashboards.person_profile(s, ADMIN, person_id(db, "Ana"))
    example = ana.weakest[0].example
    # The handoff scores lowest, but its evidence is Zed's: it is not Ana's to practise.
    assert example is not None and example.startswith("ana-0")
    with db.session() as s:
        card = dashboards.conversation_detail(s, ADMIN, example).scorecard
    assert card["skills"]["proactivity"]["evidence"]

    # A score stored without evidence (an older engine's default) is never the example.
    with db.transaction() as s:
        s.execute(update(Row).where(Row.id == "ana-07").values(proactivity=0.0))
    with db.session() as s:
        again = dashboards.person_profile(s, ADMIN, person_id(db, "Ana"))
    assert again.weakest[0].example == example

    # Nothing of hers left with evidence: no example rather than one without evidence.
    with db.transaction() as s:
        s.execute(
            update(ConversationDocument)
            .where(ConversationDocument.conversation_id.like("ana-0%"))
            .values(scorecard='{"skills": {}, "messages": []}')
        )
    with db.session() as s:
        assert dashboards.person_profile(s, ADMIN, person_id(db, "Ana")).weakest[0].example is None
