"""The weekly aggregates always equal what the conversations say, whatever the import did."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import mean
from typing import Any

import pytest
from sqlalchemy import select

from servicecraft.model import Conversation, Message, Survey
from servicecraft.service import surveys
from servicecraft.service.importing import import_items
from servicecraft.store import Conversation as Row
from servicecraft.store import Database, WeeklyStats, open_database, rebuild_aggregates
from servicecraft.store.schema import SKILLS

AGENT_LINES = [
    "I'm so sorry about that, Sam. I've refunded it now; you'll see it within 3 days.",
    "Not my problem, that's our policy.",
    "Thanks for waiting. I checked and the parcel left our warehouse today; I'll email you the tracking link.",
    "The system won't let me do that.",
    "Let me find out for you. I will call you back by 5pm with an answer.",
]
CUSTOMER_LINES = ["Where is my refund?", "My parcel never came!!", "Still waiting...", "hello?"]
AGENTS = ["Ana Silva", "Bo Chen", "Cy Reed", "Di Lund"]


def conversation(rng: random.Random, cid: str) -> Conversation:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(days=rng.randrange(35))
    agent = rng.choice(AGENTS)
    messages = []
    for _ in range(rng.randrange(1, 4)):
        messages.append(Message("customer", rng.choice(CUSTOMER_LINES), "Sam", None, at))
        at += timedelta(minutes=rng.randrange(1, 90))
        messages.append(Message("agent", rng.choice(AGENT_LINES), agent, "support", at))
        at += timedelta(minutes=5)
    survey = Survey(csat=float(rng.randint(1, 5))) if rng.random() < 0.3 else None
    return Conversation(id=cid, messages=messages, survey=survey)


def expected(db: Database) -> dict[tuple[Any, ...], dict[str, float]]:
    """Recompute every aggregate from the conversations, in Python."""
    with db.session() as s:
        rows = s.execute(select(Row)).scalars().all()
    team_week: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for r in rows:
        if r.score is not None:
            team_week[(r.team_id, r.week)].append(r.score)
    cells: dict[tuple[Any, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        c = cells[(r.week, r.person_id, r.team_id, r.department_id)]
        c["conversations"] += 1
        c["one_touch"] += r.one_touch
        c["chased"] += r.chasers > 0
        c["chasers"] += r.chasers
        c["handoffs"] += r.handoffs
        if r.csat is not None:
            c["surveyed"] += 1
            c["csat_sum"] += r.csat
        if r.score is not None:
            c["scored"] += 1
            c["score_sum"] += r.score
            c["score_squares"] += r.score**2
            c["above"] += r.score > mean(team_week[(r.team_id, r.week)])
            c[f"bin{min(9, int(r.score // 10))}"] += 1
        for skill in SKILLS:
            value = getattr(r, skill)
            if value is not None:
                c[f"{skill}_sum"] += value
                c[f"{skill}_n"] += 1
    return {k: {name: x for name, x in v.items() if x} for k, v in cells.items()}


def stored(db: Database) -> dict[tuple[Any, ...], dict[str, float]]:
    out = {}
    with db.session() as s:
        for w in s.execute(select(WeeklyStats)).scalars():
            key = (w.week, w.person_id, w.team_id, w.department_id)
            assert key not in out, f"duplicate cell {key}"
            values = {c.name: getattr(w, c.name) for c in WeeklyStats.__table__.columns}
            out[key] = {
                k: v
                for k, v in values.items()
                if k not in ("id", "week", "person_id", "team_id", "department_id") and v
            }
    return out


def assert_consistent(db: Database) -> None:
    want, have = expected(db), stored(db)
    assert set(have) == set(want)
    for key, values in want.items():
        assert have[key] == pytest.approx(values), key


def test_aggregates_follow_imports_updates_and_surveys(database_url: str) -> None:
    rng = random.Random(3)
    db = open_database(database_url)
    try:
        first = [conversation(rng, f"c{i}") for i in range(120)]
        import_items(db, first, batch_size=25)
        assert_consistent(db)
        # Changed content for some (other words, other weeks), new ones, and exact repeats.
        changed = [conversation(rng, f"c{i}") for i in range(0, 120, 7)]
        repeats = [c for c in first[50:60] if int(c.id[1:]) % 7]  # unchanged since
        report = import_items(db, changed + repeats + [conversation(rng, "new")], batch_size=9)
        assert (report.updated, report.imported) == (len(changed), 1)
        assert report.skipped == len(repeats)
        assert_consistent(db)
        token = surveys.create_link(db, "c3")
        surveys.answer(db, token, surveys.SurveyAnswer(csat=5, comment="Lovely"))
        with db.session() as s:
            assert s.get(Row, "c3").survey_comment == "Lovely"  # type: ignore[union-attr]
        assert_consistent(db)
        # A full rebuild gives the same aggregates as the incremental path.
        before = stored(db)
        with db.transaction() as s:
            rebuild_aggregates(s)
        after = stored(db)
        assert set(after) == set(before)
        for key, values in before.items():
            assert after[key] == pytest.approx(values)  # sums may add up in another order
    finally:
        db.close()


def test_aggregates_are_filled_for_a_database_that_predates_them(database_url: str) -> None:
    db = open_database(database_url)
    try:
        import_items(db, [conversation(random.Random(i), f"c{i}") for i in range(30)])
        with db.transaction() as s:
            s.query(WeeklyStats).delete()
    finally:
        db.close()
    db = open_database(database_url)  # as after `alembic upgrade` from 0001
    try:
        assert_consistent(db)
        assert stored(db)
    finally:
        db.close()
