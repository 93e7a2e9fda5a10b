"""The demo organisation: deterministic for a seed, realistic in shape, reused only when complete."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner
from sqlalchemy import func, select

from servicecraft.cli import main
from servicecraft.service.demo import build_demo, demo_state
from servicecraft.store import (
    Conversation,
    ConversationDocument,
    Department,
    Person,
    Team,
    open_database,
)


def snapshot(url: str) -> list[tuple[object, ...]]:
    db = open_database(url)
    try:
        with db.session() as s:
            return [
                tuple(r)
                for r in s.execute(
                    select(
                        Conversation.id, Person.name, Conversation.started_at, Conversation.score
                    )
                    .join(Person, Person.id == Conversation.person_id)
                    .order_by(Conversation.id)
                )
            ]
    finally:
        db.close()


def test_same_seed_same_demo(database_url: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    for url in (database_url, other):
        db = open_database(url)
        try:
            info = build_demo(db, seed=11, conversations=150, weeks=4)
            assert info.conversations == 150 and demo_state(db) == "complete"
        finally:
            db.close()
    first = snapshot(database_url)
    assert first == snapshot(other) and len(first) == 150
    db = open_database(database_url)
    try:
        with db.session() as s:
            assert s.execute(select(func.count()).select_from(Department)).scalar() == 5
            assert s.execute(select(func.count()).select_from(Team)).scalar() == 8
            assert s.execute(select(func.count()).select_from(Person)).scalar() == 40
            surveyed = s.execute(
                select(func.count()).where(Conversation.csat.is_not(None))
            ).scalar()
            handed = s.execute(select(func.count()).where(Conversation.handoffs > 0)).scalar()
            times = list(s.execute(select(Conversation.started_at)).scalars())
        assert 0.08 < surveyed / 150 < 0.35 and handed > 0  # type: ignore[operator]
        assert {t.weekday() for t in times} <= {0, 1, 2, 3, 4}  # business days
        assert {t.hour for t in times} <= set(range(8, 19)), sorted({t.hour for t in times})
    finally:
        db.close()


def test_demo_command_builds_then_reuses_and_refuses_a_partial_database(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    runner = CliRunner()
    built = runner.invoke(main, ["demo", "--db", str(path), "--no-serve", "--conversations", "60"])
    assert built.exit_code == 0, built.output
    assert "agent2" in built.stdout and "servicecraft-demo" in built.stdout
    again = runner.invoke(main, ["demo", "--db", str(path), "--no-serve"])
    assert again.exit_code == 0 and "using the demo organisation" in again.stderr
    partial = tmp_path / "partial.db"
    db = open_database(str(partial))
    with db.transaction() as s:
        s.add(Department(name="Support"))
    db.close()
    refused = runner.invoke(main, ["demo", "--db", str(partial), "--no-serve"])
    assert refused.exit_code == 1 and "unfinished demo build" in refused.stderr


# Words that only one department's work uses: a conversation of that department may use its
# own and never another's.
VOCABULARY = {
    "Billing": ("charged", "late fee", "invoices for last year", "card expired"),
    "Finance": ("expenses", "payslip", "cost centre", "overdue", "haven't paid invoice"),
    "IT": ("laptop", "shared drive", "locked out", "vpn", "new starter"),
    "Logistics": ("parcel", "pallet", "warehouse", "goods-in", "arrived damaged", "return"),
}


def test_each_department_is_asked_about_its_own_work(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "demo.db"))
    try:
        build_demo(db, seed=3, conversations=300, weeks=2)
        with db.session() as s:
            rows = s.execute(
                select(Department.name, ConversationDocument.conversation)
                .join(Conversation, Conversation.department_id == Department.id)
                .join(ConversationDocument, ConversationDocument.conversation_id == Conversation.id)
            ).all()
    finally:
        db.close()
    internal: dict[str, int] = {}
    for department, document in rows:
        conversation = orjson.loads(document)
        opening = conversation["messages"][0]["text"].lower()
        if department == "Support":  # the sample's real helpdesk dialogues, with customers
            assert conversation["id"].startswith("demo-") and "internal" not in conversation.get(
                "tags", []
            )
            continue
        own = [w for w in VOCABULARY[department] if w in opening]
        others = [w for d, ws in VOCABULARY.items() if d != department for w in ws if w in opening]
        assert own and not others, (department, opening)
        for message in conversation["messages"]:
            if message["role"] == "agent":
                assert message["department"] == department, (department, message)
        internal[department] = internal.get(department, 0) + (
            "internal" in conversation.get("tags", [])
        )
    assert set(internal) == {"Billing", "Finance", "IT", "Logistics"}
    # Colleagues ask Finance and IT; Logistics hears from Sales as well as customers.
    assert internal["Finance"] > 0 and internal["IT"] > 0 and internal["Logistics"] > 0
    assert internal["Billing"] == 0
