"""Rescoring a stored database: stale rows come up to date, idempotently and resumably."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, update

from servicecraft.cli import main
from servicecraft.engine import Engine
from servicecraft.importers import sample_path
from servicecraft.service.importing import import_files
from servicecraft.service.provenance import scored_with
from servicecraft.service.rescoring import RescoreReport, rescore
from servicecraft.store import (
    SKILLS,
    Conversation,
    ConversationDocument,
    Database,
    HindranceRow,
    WeeklyStats,
    open_database,
)
from servicecraft.store.database import _config

RULES = Engine(learned=False)  # no learned models: fast, and the same provenance every time
COLUMNS = ("score", *SKILLS, "handoffs", "chasers", "hindrance_count", "person_id", "week")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The first 60 conversations of the bundled sample, with agents and departments."""
    lines = Path(sample_path()).read_text(encoding="utf-8").splitlines()[:60]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(db: Database) -> dict[str, Any]:
    with db.session() as s:
        rows = {
            r.id: tuple(getattr(r, c) for c in COLUMNS)
            for r in s.execute(select(Conversation)).scalars()
        }
        documents = select(ConversationDocument.conversation_id, ConversationDocument.scorecard)
        cards = {cid: card for cid, card in s.execute(documents)}
        hindrances = sorted(
            (cid, text)
            for cid, text in s.execute(select(HindranceRow.conversation_id, HindranceRow.text))
        )
        stats = sorted(
            repr(tuple(rounded(getattr(w, c.name)) for c in WeeklyStats.__table__.columns[1:]))
            for w in s.execute(select(WeeklyStats)).scalars()
        )
    return {"rows": rows, "cards": cards, "hindrances": hindrances, "stats": stats}


def rounded(value: object) -> object:
    """Sums of floats differ in the last digits with the order they are added in."""
    return round(value, 6) if isinstance(value, float) else value


def make_stale(db: Database) -> None:
    """What a database scored by an older engine looks like: defaults where nothing was seen."""
    with db.transaction() as s:
        s.execute(update(Conversation).values(scored_with=None, proactivity=40.0, score=55.0))
        s.execute(update(ConversationDocument).values(scorecard='{"stale": true}'))
        s.execute(sa.delete(HindranceRow))
        s.execute(update(WeeklyStats).values(proactivity_sum=0.0, proactivity_n=0))


def test_rescore_restores_what_a_fresh_import_stores(database_url: str, sample: Path) -> None:
    db = open_database(database_url)
    try:
        assert import_files(db, [str(sample)], engine=RULES).imported == 60
        fresh = snapshot(db)
        with db.session() as s:
            marks = set(s.execute(select(Conversation.scored_with)).scalars())
        assert marks == {scored_with(RULES)}  # the import records what scored each row
        assert rescore(db, engine=RULES).rescored == 0  # nothing is stale yet

        make_stale(db)
        assert snapshot(db) != fresh
        report = rescore(db, engine=RULES, batch_size=7)
        assert (report.stale, report.rescored, report.up_to_date, report.failed) == (60, 60, 0, 0)
        assert snapshot(db) == fresh  # columns, scorecards, hindrances and weekly stats

        again = rescore(db, engine=RULES)
        assert (again.stale, again.rescored, again.up_to_date) == (0, 0, 60)
    finally:
        db.close()


def test_an_interrupted_rescore_continues_where_it_stopped(database_url: str, sample: Path) -> None:
    db = open_database(database_url)
    try:
        import_files(db, [str(sample)], engine=RULES)
        fresh = snapshot(db)
        make_stale(db)

        class Interrupted(Exception):
            pass

        def stop_after_two_batches(report: RescoreReport) -> None:
            if report.rescored >= 20:
                raise Interrupted

        with pytest.raises(Interrupted):
            rescore(db, engine=RULES, batch_size=10, on_progress=stop_after_two_batches)
        rest = rescore(db, engine=RULES, batch_size=10)
        assert (rest.stale, rest.rescored, rest.up_to_date) == (40, 40, 20)
        assert snapshot(db) == fresh
    finally:
        db.close()


def test_another_rubric_makes_every_row_stale(
    database_url: str, sample: Path, tmp_path: Path
) -> None:
    rubric = tmp_path / "heavy-empathy.yaml"
    rubric.write_text("extends: default\nskills:\n  empathy:\n    weight: 5\n", encoding="utf-8")
    db = open_database(database_url)
    try:
        import_files(db, [str(sample)], engine=RULES)
        other = Engine(rubric, learned=False)
        assert scored_with(other) != scored_with(RULES)
        report = rescore(db, engine=other)
        assert (report.stale, report.rescored) == (60, 60)
        with db.session() as s:
            marks = set(s.execute(select(Conversation.scored_with)).scalars())
        assert marks == {scored_with(other)}
    finally:
        db.close()


def test_an_unreadable_stored_conversation_is_reported_and_the_rest_rescored(
    database_url: str, sample: Path
) -> None:
    db = open_database(database_url)
    try:
        import_files(db, [str(sample)], engine=RULES)
        make_stale(db)
        with db.transaction() as s:
            broken = s.execute(select(Conversation.id).order_by(Conversation.id)).scalars().first()
            s.execute(
                update(ConversationDocument)
                .where(ConversationDocument.conversation_id == broken)
                .values(conversation='{"id": "x", "messages": "none"}')
            )
        report = rescore(db, engine=RULES, batch_size=8)
        assert report.rescored == 59
        assert [cid for cid, _ in report.failures] == [broken]
        assert "messages must be a list" in report.failures[0][1]
        # Still stale, so the next run reports it again rather than forgetting it.
        assert [cid for cid, _ in rescore(db, engine=RULES).failures] == [broken]
    finally:
        db.close()


def test_a_database_from_before_migration_0004_is_stale_after_upgrade(
    database_url: str, sample: Path
) -> None:
    db = open_database(database_url)
    config = _config()
    try:
        import_files(db, [str(sample)], engine=RULES)
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("conversations")}
        assert "scored_with" not in columns
    finally:
        db.close()
    db = open_database(database_url)  # migrates to the head again
    try:
        with db.session() as s:
            assert set(s.execute(select(Conversation.scored_with)).scalars()) == {None}
        assert rescore(db, engine=RULES).rescored == 60
    finally:
        db.close()


def test_rescore_command(database_url: str, sample: Path, tmp_path: Path) -> None:
    db = open_database(database_url)
    try:
        import_files(db, [str(sample)], engine=RULES)
    finally:
        db.close()
    runner = CliRunner()
    result = runner.invoke(main, ["rescore", "--db", database_url, "--batch", "25"])
    assert result.exit_code == 0, result.output
    assert "rescored 60, already up to date 0, failed 0" in result.stderr  # learned tier now
    assert "rescored 25 of 60" in result.stderr
    again = runner.invoke(main, ["rescore", "--db", database_url])
    assert "rescored 0, already up to date 60, failed 0" in again.stderr

    bad = tmp_path / "bad.yaml"
    bad.write_text("skills: [1, 2]\n", encoding="utf-8")
    refused = runner.invoke(main, ["rescore", "--db", database_url, "--rubric", str(bad)])
    assert refused.exit_code == 2
    assert "Traceback" not in refused.output
