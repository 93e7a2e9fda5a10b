"""Import into a real database: idempotent, re-scores changes, loses nothing, survives interruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from servicecraft.cli import main
from servicecraft.engine import Engine
from servicecraft.importers import sample_path
from servicecraft.service.importing import import_files, import_jsonl_bytes
from servicecraft.store import (
    Conversation,
    ConversationDocument,
    HindranceRow,
    Person,
    WeeklyStats,
    open_database,
)


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)


def sample_size() -> int:
    return sum(
        1 for line in Path(sample_path()).read_text(encoding="utf-8").splitlines() if line.strip()
    )


def test_reimport_adds_nothing(database_url: str) -> None:
    db = open_database(database_url)
    try:
        first = import_files(db, [sample_path()])
        assert first.imported == sample_size() and first.rejected == 0
        again = import_files(db, [sample_path()])
        assert (again.imported, again.updated, again.skipped) == (0, 0, sample_size())
        assert count(db, Conversation) == count(db, ConversationDocument) == sample_size()
        assert count(db, HindranceRow) > 0
        with db.session() as s:
            names = set(s.execute(select(Person.name)).scalars())
        assert "Priya Nair" in names  # unknown agents become people in an Unassigned team
    finally:
        db.close()


def test_changed_conversation_is_scored_again(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    path = tmp_path / "c.jsonl"
    record = {
        "id": "c1",
        "messages": [
            {"role": "customer", "text": "Where is my refund?"},
            {"role": "agent", "author": "Ana", "text": "Not my problem."},
        ],
    }
    try:
        path.write_text(json.dumps(record) + "\n")
        import_files(db, [str(path)])
        with db.session() as s:
            before = s.get(Conversation, "c1").score  # type: ignore[union-attr]
        record["messages"][1]["text"] = "I'm sorry! I've refunded it; you'll see it within 3 days."  # type: ignore[index]
        path.write_text(json.dumps(record) + "\n")
        report = import_files(db, [str(path)])
        assert (report.imported, report.updated) == (0, 1)
        with db.session() as s:
            after = s.get(Conversation, "c1").score  # type: ignore[union-attr]
        assert after > before and count(db, Conversation) == 1
    finally:
        db.close()


def test_bad_records_are_reported_and_the_rest_lands(database_url: str) -> None:
    db = open_database(database_url)
    good = json.dumps(
        {
            "id": "ok",
            "messages": [
                {"role": "customer", "text": "hi"},
                {"role": "agent", "author": "Bo", "text": "Hello!"},
            ],
        }
    )
    try:
        report = import_jsonl_bytes(db, f"{good}\n{{broken\n{good.replace('ok', 'ok2')}\n".encode())
        assert report.imported == 2
        assert [(r.location, r.reason.split(":")[0]) for r in report.rejections] == [
            ("line 2", "invalid JSON")
        ]
    finally:
        db.close()


def test_interrupted_import_completes_when_run_again(database_url: str) -> None:
    db = open_database(database_url)

    def crash_after_first_batch(report) -> None:  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            import_files(db, [sample_path()], batch_size=100, on_progress=crash_after_first_batch)
        assert count(db, Conversation) == 100  # the committed batch stays
        report = import_files(db, [sample_path()], batch_size=100)
        assert (report.imported, report.skipped) == (sample_size() - 100, 100)
        assert count(db, Conversation) == sample_size()
    finally:
        db.close()


class FailingEngine(Engine):
    """The real engine, until the n-th conversation: then the process 'dies' mid-batch."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.calls, self.fail_at = 0, fail_at

    def score(self, conversation, annotation=None):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt("power cut")
        return super().score(conversation, annotation)


def test_interruption_mid_batch_loses_only_that_batch(database_url: str) -> None:
    db = open_database(database_url)
    total = sample_size()
    half = total // 2
    try:
        # Batches of 40: the crash comes 10 conversations into the batch after `half`.
        crash_at = (half // 40) * 40 + 10
        with pytest.raises(KeyboardInterrupt):
            import_files(db, [sample_path()], batch_size=40, engine=FailingEngine(crash_at))
        landed = (crash_at // 40) * 40
        assert count(db, Conversation) == count(db, ConversationDocument) == landed
        with db.session() as s:
            in_aggregates = s.execute(select(func.sum(WeeklyStats.conversations))).scalar()
        assert in_aggregates == landed  # the aggregates rolled back with their batch
        report = import_files(db, [sample_path()], batch_size=40)
        assert (report.imported, report.skipped, report.updated) == (total - landed, landed, 0)
        assert count(db, Conversation) == count(db, ConversationDocument) == total
        with db.session() as s:
            assert s.execute(select(func.sum(WeeklyStats.conversations))).scalar() == total
    finally:
        db.close()


def test_import_command(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "messages": [{"role": "bot", "text": "beep"}]}\n')
    result = CliRunner().invoke(main, ["import", sample_path(), str(bad), "--db", database_url])
    assert result.exit_code == 1
    assert f"rejected {bad}:line 1: messages[0].role must be one of" in result.stderr
    assert f"imported {sample_size()}, updated 0, unchanged 0, rejected 1" in result.stderr
    assert f"read {sample_size() + 1}: " in result.stderr
    missing = CliRunner().invoke(
        main, ["import", str(tmp_path / "none.jsonl"), "--db", database_url]
    )
    assert (
        missing.exit_code == 1
        and missing.stderr.strip() == f"Error: {tmp_path / 'none.jsonl'}: no such file"
    )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["import", sample_path(), "--db", "postgresql://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot open database postgresql+psycopg://nobody@127.0.0.1:1/none:"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_of_a_csv_with_the_wrong_columns(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text("ticket,speaker,body\n1,customer,Where is my parcel?\n1,agent,On its way.\n")
    runner = CliRunner()
    refused = runner.invoke(main, ["import", str(path), "--db", database_url])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "CSV header has no column 'conversation_id', 'role', 'text'" in refused.stderr
    assert "--csv-column FIELD=HEADER" in refused.stderr
    mapped = ["--csv-column", "conversation_id=ticket", "--csv-column", "role=speaker"]
    mapped += ["--csv-column", "text=body"]
    result = runner.invoke(main, ["import", str(path), "--db", database_url, *mapped])
    assert result.exit_code == 0, result.stderr
    assert "imported 1, updated 0, unchanged 0, rejected 0" in result.stderr
