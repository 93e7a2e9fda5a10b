"""Calibration: the overall fitted to an organisation's reviewers, from the library and the CLI.

Reviews here are made from the sample's own scorecards by a stated rule (a stricter team, a
lead who grades one thing only), so what the fit should find is known.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from servicecraft.calibration import (
    MOVED,
    RECENTRED,
    REFITTED,
    Review,
    anchored_fit,
    calibrate,
    spearman,
)
from servicecraft.cli import main
from servicecraft.engine import Engine, load_rubric
from servicecraft.engine.overall import OverallModel, feature_names, features
from servicecraft.importers import read_conversations, sample_path
from servicecraft.model import Conversation, Scorecard


@pytest.fixture(scope="module")
def cards() -> list[Scorecard]:
    conversations = [c for c in read_conversations([sample_path()]) if isinstance(c, Conversation)]
    return [c for c in Engine().score_many(conversations) if c.score is not None]


def rows(cards: list[Scorecard]) -> list[dict[str, float | None]]:
    return [features(c.skills, c.metrics, c.outcomes, c.messages) for c in cards]


def reviews_of(cards: list[Scorecard], grades: list[float]) -> list[Review]:
    return [Review(c.conversation_id, "lead", g) for c, g in zip(cards, grades, strict=True)]


def test_a_stricter_team_gets_the_base_recentred(cards: list[Scorecard]) -> None:
    """Reviewers who agree with the overall model's order but grade 15 points lower: the fit
    keeps the base overall and moves its centre. (Grades follow the model itself, not the
    final scores, which a critical failure caps whatever the model says.)"""
    base = load_rubric().overall
    assert base is not None
    noise = np.random.default_rng(1).normal(0, 3, len(cards))
    grades = [max(0.0, base.predict(r) - 15 + n) for r, n in zip(rows(cards), noise, strict=True)]
    result = calibrate(cards, reviews_of(cards, grades))
    assert result.approach in (RECENTRED, MOVED)
    assert result.after["mae"] < result.before["mae"] / 2
    assert result.rubric_yaml is not None
    model = OverallModel.from_dict(yaml.safe_load(result.rubric_yaml)["overall"])
    moved = np.array([model.predict(r) for r in rows(cards)])
    before = np.array([base.predict(r) for r in rows(cards)])
    assert abs(float(np.median(before - moved)) - 15) < 4
    assert spearman(moved, before) > 0.95


def test_a_lead_who_grades_one_thing_gets_a_refitted_overall(cards: list[Scorecard]) -> None:
    """A lead who grades only "did a reply state a solution": the fit follows that, and agrees
    with the lead better than the base overall did, on conversations it did not see."""
    solution = [c.skills["solution"].score for c in cards]
    grades = [100.0 if s is not None and s >= 55 else 0.0 for s in solution]
    assert 0.2 < np.mean(grades) < 0.8 * 100
    result = calibrate(cards, reviews_of(cards, grades))
    assert result.approach in (REFITTED, MOVED)
    assert result.after["spearman"] > result.before["spearman"] + 0.1


def test_the_anchored_fit_with_reviews_equal_to_the_base_returns_the_base(
    cards: list[Scorecard],
) -> None:
    base = load_rubric().overall
    assert base is not None
    found = rows(cards)
    targets = [base.judgement(r) for r in found]
    fitted = anchored_fit(base, found, targets, feature_names(list(cards[0].skills)))
    again = [fitted.model.judgement(r) for r in found]
    assert np.allclose(again, targets, atol=1e-3)
    assert np.allclose(fitted.predictions, targets, atol=1e-3)


def test_calibrate_command_writes_a_rubric_that_score_accepts(
    tmp_path: Path, cards: list[Scorecard]
) -> None:
    path = tmp_path / "reviews.jsonl"
    lines = [
        json.dumps({"conversation_id": c.conversation_id, "reviewer": "dana", "score": c.score})
        for c in cards[:60]
    ]
    lines.insert(3, json.dumps({"conversation_id": "nope", "reviewer": "dana", "score": 50}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "calibrated.yaml"
    runner = CliRunner()
    result = runner.invoke(
        main, ["calibrate", sample_path(), "--reviews", str(path), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"{path}:line 4" in result.output and "unknown conversation 'nope'" in result.output
    assert "agreement before: Spearman 1.000" in result.output
    assert "overall: the base overall" in result.output
    scored_path = tmp_path / "scored.jsonl"
    scored = runner.invoke(
        main, ["score", sample_path(), "--rubric", str(out), "-o", str(scored_path)]
    )
    assert scored.exit_code == 0, scored.output
    first = json.loads(scored_path.read_text(encoding="utf-8").splitlines()[0])
    assert first["score"] is not None


def test_too_few_reviews_says_how_many_more(tmp_path: Path, cards: list[Scorecard]) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text(
        "".join(
            json.dumps({"conversation_id": c.conversation_id, "reviewer": "r", "score": 70}) + "\n"
            for c in cards[:5]
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["calibrate", sample_path(), "--reviews", str(path), "--output", str(tmp_path / "o.yaml")],
    )
    assert result.exit_code == 2
    assert "15 more needed" in result.output
