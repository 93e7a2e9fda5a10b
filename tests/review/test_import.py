"""`servicecraft reviews import`: every line accounted for, bad lines named, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.service.review_import import import_reviews
from servicecraft.service.reviews import reviews_of
from servicecraft.store import Database
from tests.review.conftest import viewer
from tests.web.conftest import Org


def _lines(org: Org) -> list[str]:
    c1, c2 = org.conversations["Priya Nair"][:2]
    good = [
        {"conversation_id": c1, "reviewer": "dana", "score": 70, "skills": {"empathy": 80}},
        {"conversation_id": c1, "reviewer": "eli", "score": 55, "comment": "slow"},
        {"conversation_id": c2, "reviewer": "reviewer", "skills": {"solution": None}},
    ]
    return [
        json.dumps(good[0]),
        json.dumps(good[1]),
        "",
        "{not json",
        json.dumps({"conversation_id": "ghost", "reviewer": "dana", "score": 50}),
        json.dumps({"conversation_id": c1, "reviewer": "dana", "score": 140}),
        json.dumps({"conversation_id": c1, "reviewer": "dana", "skills": {"charm": 5}}),
        json.dumps({"conversation_id": c1, "score": 50}),
        json.dumps([1, 2]),
        json.dumps(good[2]),
    ]


def test_import_accounts_for_every_line(db: Database, org: Org, tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(_lines(org)) + "\n")
    report = import_reviews(db, path)
    assert (report.lines, report.imported, report.blank, report.rejected) == (10, 3, 1, 6)
    assert report.accounted()
    where = [r.split(": ", 1)[0] for r in report.rejections]
    assert where == [f"{path}:{n}" for n in (4, 6, 7, 8, 9, 5)]  # unknown ids: checked in batch
    assert "unknown conversation 'ghost'" in report.rejections[-1]
    assert "from 0 to 100" in report.rejections[1]
    assert "unknown skill 'charm'" in report.rejections[2]
    assert "reviewer must be" in report.rejections[3]

    c1 = org.conversations["Priya Nair"][0]
    with db.session() as s:
        views = reviews_of(s, viewer(db, "admin"), c1)
    assert sorted((v.reviewer, v.score, v.source) for v in views) == [
        ("dana", 70.0, "import"),
        ("eli", 55.0, "import"),
    ]

    again = import_reviews(db, path)  # the same file again: nothing changes
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 6)
    path.write_text(_lines(org)[0].replace('"score": 70', '"score": 75') + "\n")
    changed = import_reviews(db, path)
    assert (changed.updated, changed.lines) == (1, 1)
    with db.session() as s:
        [dana] = [v for v in reviews_of(s, viewer(db, "admin"), c1) if v.reviewer == "dana"]
    assert dana.score == 75.0
    assert ("re-imported", "overall", "70", "75") in [
        (e["action"], e["field"], e["old"], e["new"]) for e in dana.events
    ]


def test_cli_reports_totals_and_exits_1_on_rejections(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(_lines(org)) + "\n")
    result = CliRunner().invoke(main, ["reviews", "import", "--db", org.url, str(path)])
    assert result.exit_code == 1
    assert f"rejected {path}:5: unknown conversation 'ghost'" in result.output
    assert "read 10 lines: imported 3, updated 0, unchanged 0, blank 1, rejected 6" in result.output
    missing = CliRunner().invoke(main, ["reviews", "import", "--db", org.url, "nope.jsonl"])
    assert missing.exit_code == 1 and "nope.jsonl: cannot read file" in missing.output
