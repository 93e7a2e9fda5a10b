"""Dashboard figures are cached until an import changes them (the load work of issue 12)."""

from __future__ import annotations

from datetime import date

import orjson

from servicecraft.service import cache, dashboards, surveys
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.service.policy import Viewer
from servicecraft.store import open_database

ADMIN = Viewer(role="admin", user_id=1)
UNTIL = date(2026, 1, 11)


def _lines(ids: list[str]) -> bytes:
    return b"\n".join(
        orjson.dumps(
            {
                "id": cid,
                "messages": [
                    {"role": "customer", "text": "Hi", "at": "2026-01-05T10:00:00+00:00"},
                    {
                        "role": "agent",
                        "text": "I will look into it.",
                        "author": "Ann",
                        "at": "2026-01-05T10:01:00+00:00",
                    },
                ],
            }
        )
        for cid in ids
    )


def test_figures_are_reused_until_an_import_changes_them(database_url: str) -> None:
    cache.clear()
    db = open_database(database_url)
    try:
        import_jsonl_bytes(db, _lines(["a", "b"]))
        with db.session() as s:
            first = dashboards.organisation_overview(s, ADMIN, 12, UNTIL)
            again = dashboards.organisation_overview(s, ADMIN, 12, UNTIL)
            assert again is first  # no recomputation while nothing changed
            version = cache.data_version(s)
        import_jsonl_bytes(db, _lines(["c"]))
        with db.session() as s:
            assert cache.data_version(s) > version
            fresh = dashboards.organisation_overview(s, ADMIN, 12, UNTIL)
        assert fresh is not first
        assert fresh.totals.conversations == first.totals.conversations + 1
    finally:
        db.close()


def test_making_survey_links_changes_the_data_version(database_url: str) -> None:
    # Person, team and department pages show how many were asked: their kept pages must go.
    db = open_database(database_url)
    try:
        import_jsonl_bytes(db, _lines(["a", "b", "c"]))
        with db.session() as s:
            version = cache.data_version(s)
        surveys.create_link(db, "a")
        with db.session() as s:
            assert cache.data_version(s) > version
            version = cache.data_version(s)
        surveys.create_links(db, ADMIN, surveys.Selection(ids=("b", "c")))
        with db.session() as s:
            assert cache.data_version(s) > version
    finally:
        db.close()
