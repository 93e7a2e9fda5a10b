"""Search ordering and totals on both backends: undated rows last, capped counts flagged."""

from __future__ import annotations

import json

import pytest

from servicecraft.service import dashboards, listings
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.service.policy import Viewer
from servicecraft.store import open_database

ADMIN = Viewer("admin")


def record(i: int, dated: bool) -> str:
    at = {"at": f"2026-03-{2 + i:02d}T10:00:00Z"} if dated else {}
    return json.dumps(
        {
            "id": f"c{i:02d}",
            "messages": [
                {"role": "customer", "text": "Where is my parcel?", **at},
                {"role": "agent", "author": "Ana", "text": "It arrives tomorrow, sorry!", **at},
            ],
        }
    )


def test_undated_conversations_come_last_across_pages(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(database_url)
    try:
        lines = [record(i, dated=i % 3 != 0) for i in range(12)]
        assert import_jsonl_bytes(db, "\n".join(lines).encode()).imported == 12
        with db.session() as s:
            pages = [
                dashboards.search_conversations(s, ADMIN, page=p, page_size=5) for p in (1, 2, 3)
            ]
            ids = [r.id for page in pages for r in page.rows]
            assert len(ids) == len(set(ids)) == 12
            dated = [r.started_at for page in pages for r in page.rows if r.started_at]
            assert dated == sorted(dated, reverse=True) and len(dated) == 8
            assert [r.started_at is None for r in pages[1].rows + pages[2].rows][-4:] == [True] * 4
            oldest = dashboards.search_conversations(s, ADMIN, sort="started_at", page_size=12)
            assert [r.id for r in oldest.rows][:8] == [f"c{i:02d}" for i in range(12) if i % 3 != 0]
            assert pages[0].total == 12 and pages[0].exact
            # Past the cap a filtered count stops early and says so.
            monkeypatch.setattr(listings, "COUNT_CAP", 5)
            capped = dashboards.search_conversations(s, ADMIN, min_score=0)
            assert (capped.total, capped.exact) == (5, False)
            assert len(capped.rows) == 12
    finally:
        db.close()
