"""The myth check on a stored organisation, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.service import surveys
from servicecraft.service.importing import import_files
from servicecraft.service.myths import organisation_myths
from servicecraft.service.policy import PermissionDenied, Viewer
from servicecraft.store import open_database

from .org import write_org


def test_stored_organisation_gives_the_files_findings(database_url: str, tmp_path: Path) -> None:
    org = write_org(tmp_path / "org.jsonl", count=300)
    db = open_database(database_url)
    try:
        import_files(db, [str(org)])
        unanswered = [
            json.loads(line)["id"]
            for line in org.read_text().splitlines()
            if "survey" not in json.loads(line)
        ]
        for conversation_id in unanswered[:20]:  # asked but not (yet) answered
            surveys.create_link(db, conversation_id)
        with db.session() as session:
            report = organisation_myths(session, Viewer(role="admin"))
            with pytest.raises(PermissionDenied):
                organisation_myths(session, Viewer(role="agent", person_id=1))
    finally:
        db.close()
    stored = {(f.factor, f.outcome): f for f in report.findings}
    files = json.loads(CliRunner().invoke(main, ["myths", str(org), "--format", "json"]).stdout)[
        "findings"
    ]
    for f in files:
        mine = stored[(f["factor"], f["outcome"])]
        assert mine.n == f["n"] and mine.verdict == f["verdict"]
        if f["effect"] is not None:
            assert mine.effect == pytest.approx(f["effect"], abs=1e-4)
    assert stored[("handoffs", "csat")].ci[1] < 0  # type: ignore[index]
    everyone = next(r for r in report.response_rates if r.group == "all")
    # Only links tell who was asked: the 20 asked, none of whom has answered yet.
    assert report.asked_known and (everyone.asked, everyone.answered) == (20, 0)
    by_db = CliRunner().invoke(main, ["myths", "--db", database_url, "--format", "table"])
    assert by_db.exit_code == 0, by_db.output
    assert "clearly lower satisfaction with each handoff" in by_db.stdout
    assert "answered / asked" in by_db.stdout
