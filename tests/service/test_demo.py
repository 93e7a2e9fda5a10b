"""The demo organisation: deterministic for a seed, realistic in shape, reused only when complete."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from servicecraft.cli import main
from servicecraft.service.demo import build_demo, demo_state
from servicecraft.store import Conversation, Department, Person, Team, open_database


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
