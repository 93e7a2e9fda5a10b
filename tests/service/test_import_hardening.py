"""Hostile records cost themselves, never the import: the same on SQLite and PostgreSQL.

Each test here failed before its fix (issue 12, defects 1-4 and 10).
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from servicecraft.service.importing import import_files, import_items, import_jsonl_bytes
from servicecraft.store import Conversation, Department, Person, open_database
from servicecraft.store import Conversation as ConversationRow

GOOD: dict[str, Any] = {
    "id": "good",
    "channel": "chat",
    "messages": [
        {"role": "customer", "text": "Hi, my parcel is late.", "at": "2026-01-05T10:00:00+00:00"},
        {
            "role": "agent",
            "text": "I'm sorry about that. I will look into it right away.",
            "author": "Ann Agent",
            "department": "Support",
            "at": "2026-01-05T10:05:00+00:00",
        },
    ],
}


def record(cid: str, **changes: Any) -> dict[str, Any]:
    """The good record under another id; changes like ``agent__author`` edit the agent turn."""
    d = copy.deepcopy(GOOD)
    d["id"] = cid
    for key, value in changes.items():
        if key.startswith("agent__"):
            d["messages"][1][key[len("agent__") :]] = value
        elif key == "times":
            d["messages"][0]["at"], d["messages"][1]["at"] = value
        else:
            d[key] = value
    return d


# (record, the words its rejection must contain); None: it must be stored.
HOSTILE: list[tuple[dict[str, Any], str]] = [
    (record("t-year-1", times=("0001-01-01T00:00:00+01:00",) * 2), "outside the supported years"),
    (record("t-year-9999", times=("9999-12-31T23:00:00-05:00",) * 2), "supported years"),
    (record("x" * 201), "id is 201 characters long; at most 200"),
    (record("nul\x00id"), "id holds a NUL byte"),
    (record("long-channel", channel="c" * 41), "channel is 41 characters long; at most 40"),
    (record("long-status", status="s" * 41), "status is 41 characters long; at most 40"),
    (record("nul-channel", channel="ch\x00at"), "channel holds a NUL byte"),
    (record("nul-status", status="op\x00en"), "status holds a NUL byte"),
    (record("long-agent", agent__author="A" * 151), "author is 151 characters long; at most 150"),
    (record("long-dept", agent__department="D" * 101), "at most 100"),
    (record("nul-author", agent__author="Ann\x00"), "author holds a NUL byte"),
    (record("nul-dept", agent__department="Sup\x00port"), "department holds a NUL byte"),
    (record("nul-survey", survey={"csat": 4, "comment": "fine\x00"}), "comment holds a NUL"),
    (
        record("nul-hindrance", agent__text="Our system won't let me do that\x00, sorry."),
        "text holds a NUL byte",
    ),
    (record("role-object", agent__role={"name": "agent"}), "role must be one of"),
]


def _lines(records: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"


def _hostile_file() -> tuple[list[dict[str, Any]], list[str]]:
    """Good records around every hostile one; the ids that must be stored."""
    records: list[dict[str, Any]] = []
    good: list[str] = []
    for n, (bad, _) in enumerate(HOSTILE):
        records.append(record(f"good-{n}"))
        good.append(f"good-{n}")
        records.append(bad)
    records.append(record("good-last"))
    good.append("good-last")
    return records, good


def _stored_ids(url: str) -> set[str]:
    db = open_database(url)
    try:
        with db.session() as s:
            return set(s.execute(select(Conversation.id)).scalars())
    finally:
        db.close()


@pytest.mark.parametrize("via", ["file", "request body"])
def test_hostile_records_are_rejected_with_reasons_and_the_rest_stored(
    database_url: str, tmp_path: Path, via: str
) -> None:
    records, good = _hostile_file()
    db = open_database(database_url)
    try:
        if via == "file":
            path = tmp_path / "hostile.jsonl"
            path.write_bytes(_lines(records))
            report = import_files(db, [str(path)], batch_size=7)
        else:
            report = import_jsonl_bytes(db, _lines(records))
    finally:
        db.close()
    assert _stored_ids(database_url) == set(good)
    assert report.read == len(records)
    assert report.imported + report.updated + report.unchanged + report.rejected == report.read
    assert (report.imported, report.rejected) == (len(good), len(HOSTILE))
    for rejection, (_, words) in zip(report.rejections, HOSTILE, strict=True):
        assert words in rejection.reason, rejection


def test_case_folding_department_names_make_one_department(database_url: str) -> None:
    names = [("ÉQUIPE", "E1"), ("ÉQUIPE", "E2"), ("équipe", "E3")]
    names += [("İstanbul", "I1"), ("İSTANBUL", "I2"), ("istanbul", "I3")]
    records = [
        record(f"c{n}", agent__department=dep, agent__author=who)
        for n, (dep, who) in enumerate(names)
    ]
    db = open_database(database_url)
    try:
        report = import_jsonl_bytes(db, _lines(records))
        assert (report.imported, report.rejected) == (len(records), 0)
        with db.session() as s:
            departments = sorted(s.execute(select(Department.name)).scalars())
    finally:
        db.close()
    # 'İstanbul' and 'istanbul' are different words (Turkish dotted and dotless i).
    assert departments == sorted(["ÉQUIPE", "İstanbul", "Istanbul"])


def test_two_imports_at_once_on_a_fresh_database_both_land(
    database_url: str, tmp_path: Path
) -> None:
    # Both create the department "Nouvelle", the same agent, and overlapping conversations.
    files = []
    for side in range(2):
        records = [
            record(f"{side}-{n}", agent__department="Nouvelle", agent__author=f"Agent {n % 5}")
            for n in range(40)
        ]
        records += [record(f"shared-{n}", agent__department="nouvelle") for n in range(10)]
        path = tmp_path / f"side{side}.jsonl"
        path.write_bytes(_lines(records))
        files.append(str(path))
    open_database(database_url).close()  # migrated before the race, as `serve` would have
    reports: list[Any] = [None, None]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(side: int) -> None:
        db = open_database(database_url, migrate=False)
        try:
            barrier.wait()
            reports[side] = import_files(db, [files[side]], batch_size=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(side,)) for side in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert all(r.rejected == 0 and r.read == 50 for r in reports)
    db = open_database(database_url, migrate=False)
    try:
        with db.session() as s:
            assert s.execute(select(func.count()).select_from(ConversationRow)).scalar() == 90
            assert s.execute(select(Department.name)).scalars().all() == ["Nouvelle"]
            assert s.execute(select(func.count()).select_from(Person)).scalar() == 6
    finally:
        db.close()


def test_totals_count_every_copy_of_a_repeated_id(database_url: str) -> None:
    changed = record("dup", channel="email")
    records = [record("dup"), changed, changed, record("other")]
    db = open_database(database_url)
    try:
        first = import_items_report(db, records)
        # dup: imported, then updated by its changed copy, then unchanged by the repeat.
        assert (first.imported, first.updated, first.unchanged, first.read) == (2, 1, 1, 4)
        again = import_jsonl_bytes(db, _lines(records))
        # Against what is stored (the changed copy): first copy updates, then updates back.
        assert again.read == 4 == again.imported + again.updated + again.unchanged
        with db.session() as s:
            row = s.get(ConversationRow, "dup")
            assert row is not None and row.channel == "email"  # the last copy wins
    finally:
        db.close()


def import_items_report(db: Any, records: list[dict[str, Any]]) -> Any:
    from servicecraft.importers import conversation_from_dict

    return import_items(db, [conversation_from_dict(r) for r in records])
