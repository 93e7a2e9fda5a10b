"""Rubric versions in the store: saved, numbered, checked; calibration fed from stored reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from servicecraft.engine import RubricError
from servicecraft.engine.rubric import default_rubric_path
from servicecraft.model import Scorecard
from servicecraft.service import rubric_versions as rv
from servicecraft.service.policy import PermissionDenied
from servicecraft.service.reviews import make_grades, save_review
from servicecraft.store import Conversation, Database
from tests.review.conftest import viewer
from tests.web.conftest import Org


@dataclass
class Outcome:
    rubric_yaml: str | None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    n_used: int = 0
    message: str | None = None


def test_versions_are_numbered_checked_and_listed(db: Database) -> None:
    admin, reviewer = viewer(db, "admin"), viewer(db, "reviewer")
    text = default_rubric_path().read_text(encoding="utf-8")
    with db.session() as s:
        with pytest.raises(PermissionDenied):
            rv.save_version(s, reviewer, text)
        with pytest.raises(RubricError):
            rv.save_version(s, admin, "skills: [not, a, mapping]\n")
        assert rv.save_version(s, admin, text, note="  first  ") == 1
        extending = "extends: default\nname: ours\n"
        assert rv.save_version(s, admin, extending, before={"spearman": 0.3}) == 2
        versions = rv.list_versions(s, admin)
        assert [(v.version, v.note, v.author) for v in versions] == [
            (2, None, "admin"),
            (1, "first", "admin"),
        ]
        assert versions[0].agreement_before == {"spearman": 0.3}
        assert rv.version_yaml(s, admin, 2) == extending
        assert rv.rubric_from_yaml(extending).name == "ours"
        with pytest.raises(LookupError):
            rv.version_yaml(s, admin, 9)


def test_calibration_gets_the_stored_cards_and_reviews(db: Database, org: Org) -> None:
    admin, reviewer = viewer(db, "admin"), viewer(db, "reviewer")
    c1, c2 = org.conversations["Priya Nair"][:2]
    seen: dict[str, Any] = {}

    def calibrate(cards: list[Scorecard], reviews: list[dict[str, Any]]) -> Outcome:
        seen.update(cards=cards, reviews=reviews)
        return Outcome("extends: default\n", {"spearman": 0.1}, {"spearman": 0.5}, len(reviews))

    with db.session() as s:
        save_review(s, reviewer, c1, make_grades(60, {"empathy": 40}))
        save_review(s, admin, c1, make_grades(70, None))
        save_review(s, admin, c2, make_grades(None, {"solution": None}, "n/a"))
        outcome = rv.calibrate_from_store(s, admin, calibrate=calibrate)
    assert outcome.n_used == 3
    # Live scorecards of the reviewed conversations (scored now, from the stored JSON).
    assert sorted(c.conversation_id for c in seen["cards"]) == sorted([c1, c2])
    with db.session() as s:
        stored = s.get(Conversation, c1).score  # type: ignore[union-attr]
    assert next(c.score for c in seen["cards"] if c.conversation_id == c1) == stored
    assert {"conversation_id": c1, "reviewer": "reviewer", "score": 60.0,
            "skills": {"empathy": 40.0}, "comment": None} in seen["reviews"]  # fmt: skip
    assert {"conversation_id": c2, "reviewer": "admin", "skills": {"solution": None},
            "comment": "n/a"} in seen["reviews"]  # fmt: skip
    with pytest.raises(PermissionDenied), db.session() as s:
        rv.calibrate_from_store(s, reviewer, calibrate=calibrate)


def test_rescore_with_a_version_is_recorded(db: Database, org: Org) -> None:
    pytest.importorskip("servicecraft.service.rescoring")  # the rescoring use case (issue 9)
    admin = viewer(db, "admin")
    text = default_rubric_path().read_text(encoding="utf-8")
    with db.session() as s:
        version = rv.save_version(s, admin, text, note="the built-in rubric, saved")
    run_id, report = rv.rescore_with_version(db, version, viewer=admin)
    with db.session() as s:
        [run] = rv.rescore_runs(s, admin)
        assert (run["id"], run["version"], run["actor"]) == (run_id, version, "admin")
        assert run["finished_at"] is not None and run["conversations"] == report.rescored
        assert [v.rescored for v in rv.list_versions(s, admin)] == [1]
        assert s.query(Conversation).count() == sum(len(v) for v in org.conversations.values())
    with pytest.raises(PermissionDenied):
        rv.rescore_with_version(db, version, viewer=viewer(db, "reviewer"))
    with pytest.raises(LookupError):
        rv.rescore_with_version(db, 99)


def test_calibrate_with_the_engine_then_save_and_use_the_version(db: Database, org: Org) -> None:
    from servicecraft.engine import Engine

    admin, reviewer = viewer(db, "admin"), viewer(db, "reviewer")
    ids = sorted(c for cs in org.conversations.values() for c in cs)
    assert len(ids) >= 22
    with db.session() as s:
        for cid in ids[:5]:
            save_review(s, reviewer, cid, make_grades(50, None))
        few = rv.calibrate_from_store(s, admin)
        assert few.rubric_yaml is None and few.n_used == 5
        assert few.message and "at least 20" in few.message and "15 more needed" in few.message
        # Reviewers who grade by whether a solution was given (AutoQA's own solution skill).
        for cid in ids:
            solution = s.get(Conversation, cid).solution  # type: ignore[union-attr]
            save_review(s, reviewer, cid, make_grades(85 if (solution or 0) >= 50 else 35, None))
        outcome = rv.calibrate_from_store(s, admin)
        assert outcome.message is None and outcome.rubric_yaml
        assert outcome.n_used == len(ids) and outcome.after["n"] == len(ids)
        version = rv.save_version(
            s, admin, outcome.rubric_yaml, note="fitted", reviews_used=outcome.n_used,
            before=outcome.before, after=outcome.after,
        )  # fmt: skip
        [saved] = rv.list_versions(s, admin)
        assert saved.agreement_after == outcome.after and saved.reviews_used == len(ids)
        rubric = rv.stored_rubric(s, version)
    # The saved version scores conversations (as `score --rubric` would with its YAML).
    from servicecraft.importers import read_conversations, sample_path
    from servicecraft.model import Conversation as Talk

    first = next(c for c in read_conversations([str(sample_path())]) if isinstance(c, Talk))
    card = Engine(rubric).score(first)
    assert card.score is None or 0 <= card.score <= 100


def test_rescore_command_with_a_rubric_version(db: Database, org: Org) -> None:
    from click.testing import CliRunner

    from servicecraft.cli import main

    admin = viewer(db, "admin")
    with db.session() as s:
        version = rv.save_version(s, admin, default_rubric_path().read_text(encoding="utf-8"))
    runner = CliRunner()
    result = runner.invoke(main, ["rescore", "--db", org.url, "--rubric-version", str(version)])
    assert result.exit_code == 0, result.output
    assert f"rubric version {version}; recorded as rescoring run 1" in result.output
    with db.session() as s:
        [run] = rv.rescore_runs(s, admin)
    assert (run["version"], run["actor"]) == (version, "command line")
    missing = runner.invoke(main, ["rescore", "--db", org.url, "--rubric-version", "9"])
    assert missing.exit_code == 2 and "no rubric version 9" in missing.output
    both = runner.invoke(
        main, ["rescore", "--db", org.url, "--rubric-version", "1", "--rubric", "x"]
    )
    assert both.exit_code == 2 and "not both" in both.output
