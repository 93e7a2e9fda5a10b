from __future__ import annotations

from pathlib import Path

import pytest

from servicecraft.engine import Engine, RubricError, load_rubric
from servicecraft.engine.phrases import PhraseError, PhraseMatcher, expand, tokenize

from .conftest import chat


def test_default_rubric_has_the_eight_skills() -> None:
    rubric = load_rubric()
    assert list(rubric.skills) == [
        "rapport", "empathy", "respect", "ownership", "honesty", "solution", "proactivity", "clarity",
    ]  # fmt: skip
    assert {s for s, k in rubric.skills.items() if k.critical} == {"respect", "honesty"}


def test_expand_choices_and_optionals() -> None:
    assert sorted(expand("(i will|i'll) (really)? help")) == [
        ("i", "will", "help"),
        ("i", "will", "really", "help"),
        ("i'll", "help"),
        ("i'll", "really", "help"),
    ]


@pytest.mark.parametrize("bad", ["(a|b", "a)", "* start", "%", "i (will|'ll)", "next steps? are"])
def test_bad_phrases_are_reported(bad: str) -> None:
    with pytest.raises(PhraseError, match="phrase"):
        expand(bad)


def test_matcher_finds_overlapping_cues() -> None:
    matcher = PhraseMatcher()
    matcher.add("a", ["sorry to hear"])
    matcher.add("b", ["sorry"])
    matcher.add("n", ["within #num days"])
    _, words = tokenize("So sorry to hear that; within 3 days.")
    assert sorted(matcher.match(words)) == [("a", 1, 4), ("b", 1, 2), ("n", 6, 9)]


def test_organisation_extends_default(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        "extends: default\n"
        "skills:\n  solution: {weight: 3}\n"
        "cues:\n"
        "  policy_block:\n    add_phrases: ['the 30 day rule']\n"
        "  warranty:\n    role: agent\n    effects: {solution: 15}\n    reason: explains the warranty\n"
        "    phrases: ['(under|covered by) (the|your) warranty']\n"
    )
    rubric = load_rubric(path)
    assert rubric.skills["solution"].weight == 3
    assert rubric.skills["solution"].base == load_rubric().skills["solution"].base
    engine = Engine(rubric, learned=False)
    card = engine.score(
        chat("Broken again.", "It's covered by your warranty, but the 30 day rule applies.")
    )
    reasons = {e.reason for e in card.skills["solution"].evidence}
    assert "explains the warranty" in reasons
    assert card.metrics.hindrances and card.metrics.hindrances[0].kind == "policy"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("skills: [1, 2]", "'skills' must be a non-empty mapping"),
        (
            "extends: default\ncues:\n  x:\n    effects: {charm: 5}\n    phrases: [hi]\n",
            "unknown skill",
        ),
        ("extends: default\ncues:\n  x:\n    role: bot\n    phrases: [hi]\n", "role must be"),
        ("extends: default\ncues:\n  x:\n    phrases: ['(unclosed']\n", "unclosed"),
        ("skills: {a: {}}\ncues: {greeting: {phrases: [hi]}}\n", "missing required cues"),
        ("skills: {a: {}\n", "invalid YAML at line"),
    ],
)
def test_bad_rubrics_say_why(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(RubricError, match=message) as info:
        load_rubric(path)
    assert str(path) in str(info.value)


def test_missing_rubric_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="rubric file not found"):
        load_rubric(tmp_path / "nope.yaml")
