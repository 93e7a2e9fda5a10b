"""Fuzzing the import into both databases: whatever the records, the import finishes, every
line is counted once, and a record is stored or rejected the same way on SQLite and
PostgreSQL (decided before the database is asked; issue 12, defects 1-3 and 10)."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from servicecraft.engine import Engine
from servicecraft.importers import RawRecord, parse_raw
from servicecraft.model import Conversation
from servicecraft.service.importing import check, import_jsonl_bytes
from servicecraft.store import Conversation as ConversationRow
from servicecraft.store import open_database

_runs = itertools.count()
_migrated: set[str] = set()
ENGINE = Engine()  # loaded once: the fuzz is about storage, not about loading weights

names = st.sampled_from(
    ["Ann", "ann", "ÉQUIPE", "équipe", "İstanbul", "ISTANBUL", "x" * 151, "D" * 101, "a\x00b", ""]
) | st.text(max_size=12)
times = st.sampled_from(
    [
        "2026-01-05T10:00:00+00:00",
        "2026-01-05T10:00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-05:00",
        "1899-12-31T23:59:59Z",
        "not a time",
    ]
)
message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["customer", "agent", "system"])
        | st.just({"name": "agent"})
        | st.just(["agent"]),
        "text": st.sampled_from(["I will look into it.", "why? " * 50, "bad\x00text", ""])
        | st.text(max_size=40),
    },
    optional={"author": names, "department": names, "at": times, "public": st.booleans()},
)
record = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", "x" * 201, "nul\x00", "a/b/../c"])},
    optional={
        "messages": st.lists(message, max_size=4),
        "channel": st.sampled_from(["chat", "c" * 41, "ch\x00"]),
        "status": st.sampled_from(["open", "s" * 41]),
        "survey": st.fixed_dictionaries(
            {}, optional={"csat": st.integers(0, 6), "comment": st.sampled_from(["ok", "o\x00k"])}
        ),
    },
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=st.lists(record, min_size=1, max_size=8))
def test_fuzzed_import_counts_every_line_and_stores_what_check_accepts(
    database_url: str, records: list[dict[str, Any]]
) -> None:
    run = f"r{next(_runs)}-"  # one database for every example: ids kept apart per example
    for r in records:
        r["id"] = run + r["id"]
    lines = [orjson.dumps(r) for r in records]
    # What should happen, decided without any database.
    accepted: set[str] = set()
    for n, line in enumerate(lines, start=1):
        parsed = parse_raw(RawRecord("jsonl", "fuzz", f"line {n}", line))
        if isinstance(parsed, Conversation) and not hasattr(
            check(parsed, "fuzz", f"line {n}"), "reason"
        ):
            accepted.add(parsed.id)
    db = open_database(database_url, migrate=database_url not in _migrated)
    _migrated.add(database_url)
    try:
        report = import_jsonl_bytes(db, b"\n".join(lines), engine=ENGINE)
        assert report.read == len(lines)
        assert report.imported + report.updated + report.unchanged + report.rejected == len(lines)
        with db.session() as s:
            stored = set(
                s.execute(
                    select(ConversationRow.id).where(ConversationRow.id.startswith(run))
                ).scalars()
            )
        assert stored == accepted
    finally:
        db.close()
