"""The labelled examples stay well-formed: schema, splits, balance, no duplicates.

The examples train and test per-message detectors (`servicecraft.training`); `split: test` is
held out and never tuned on, so a text may appear only once per detector, in one split. Beside
the hand-written files, a subfolder holds real messages labelled for the project
(`examples/dch1/`: DCH-1 helpdesk replies from the dialogues the judgement benchmark trains on,
never its held-out ones), as they come: not balanced, but split the same way.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from servicecraft.engine.rubric import load_rubric
from servicecraft.model import Metrics

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src" / "servicecraft" / "training" / "examples"
PAIRS = ROOT / "tests" / "engine" / "contrast_pairs.yaml"

# detector -> (role whose message is labelled, label set, minimum number of examples)
DETECTORS: dict[str, tuple[str, set[int], int]] = {
    "empathy": ("agent", {1, 0, -1}, 300),
    "distress": ("customer", {1, 0}, 300),
    "ownership": ("agent", {1, 0, -1}, 300),
    "straight_answer": ("agent", {1, 0, -1}, 300),
    "proactivity": ("agent", {1, 0}, 240),
    "solution": ("agent", {1, 0}, 240),
    "respect": ("agent", {1, 0, -1}, 240),
    "handoff": ("agent", {1, 0}, 240),
}
# Detectors that judge a reply against the customer's message before it.
NEEDS_CONTEXT = {"empathy", "straight_answer"}
FILES = sorted(EXAMPLES.glob("*.yaml"))
REAL = sorted(EXAMPLES.glob("*/*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _key(text: str) -> str:
    """Texts that differ only in case, spacing or punctuation count as the same text."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def test_every_file_is_a_known_detector() -> None:
    assert FILES, EXAMPLES
    for path in FILES:
        assert path.stem in DETECTORS, path.name
        assert _load(path)["detector"] == path.stem


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_schema(path: Path) -> None:
    data = _load(path)
    role, labels, _ = DETECTORS[path.stem]
    assert set(data) == {"detector", "role", "labels", "examples"}
    assert data["role"] == role
    assert set(data["labels"]) == labels
    assert all(isinstance(v, str) and v.strip() for v in data["labels"].values())
    for i, example in enumerate(data["examples"]):
        where = f"{path.name} example {i}"
        assert set(example) <= {"text", "context", "label", "split"}, where
        assert isinstance(example["text"], str) and example["text"].strip(), where
        assert 1 <= len(example["text"].split()) <= 90, where
        assert example["label"] in labels, where
        assert example["split"] in ("dev", "test"), where
        if path.stem in NEEDS_CONTEXT:
            assert isinstance(example.get("context"), str) and example["context"].strip(), where
        elif "context" in example:
            assert isinstance(example["context"], str) and example["context"].strip(), where


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_no_duplicate_texts(path: Path) -> None:
    counts = Counter(_key(e["text"]) for e in _load(path)["examples"])
    assert [t for t, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_counts_balance_and_splits(path: Path) -> None:
    examples = _load(path)["examples"]
    _, labels, minimum = DETECTORS[path.stem]
    assert len(examples) >= minimum
    per_label = Counter(e["label"] for e in examples)
    for label in labels:
        # Roughly balanced: no label under 60% of an even share.
        assert per_label[label] >= 0.6 * len(examples) / len(labels), (label, per_label)
        in_label = [e for e in examples if e["label"] == label]
        test = sum(e["split"] == "test" for e in in_label)
        assert test >= 5 and len(in_label) - test >= 5, (label, test)
        assert 0.18 <= test / len(in_label) <= 0.32, (label, test, len(in_label))


def test_every_detector_has_examples() -> None:
    assert {p.stem for p in FILES} == set(DETECTORS)


def test_real_messages_exist() -> None:
    assert {p.parent.name for p in REAL} == {"dch1"}


@pytest.mark.parametrize("path", REAL, ids=[f"{p.parent.name}-{p.stem}" for p in REAL])
def test_real_messages_schema_and_split(path: Path) -> None:
    data = _load(path)
    written = _load(EXAMPLES / path.name)
    assert set(data) == {"detector", "role", "labels", "source", "examples"}
    assert "CC BY 4.0" in data["source"]
    for key in ("detector", "role", "labels"):
        assert data[key] == written[key], key
    labels = set(data["labels"])
    seen = {_key(e["text"]) for e in written["examples"]}
    for i, example in enumerate(data["examples"]):
        where = f"{path} example {i}"
        assert set(example) <= {"text", "context", "label", "split"}, where
        assert isinstance(example["text"], str) and 1 <= len(example["text"].split()) <= 120, where
        assert example["label"] in labels and example["split"] in ("dev", "test"), where
        if path.stem in NEEDS_CONTEXT:
            assert isinstance(example.get("context"), str) and example["context"].strip(), where
        assert _key(example["text"]) not in seen, where  # once per detector, in one split
        seen.add(_key(example["text"]))
    test = sum(e["split"] == "test" for e in data["examples"])
    assert 0.18 <= test / len(data["examples"]) <= 0.32, test


# --- contrasting pairs (tests/engine/contrast_pairs.yaml) ----------------------------------

METRIC_TYPES: dict[str, tuple[type, ...]] = {
    "handoffs": (int,),
    "one_touch": (bool,),
    "customer_messages_before_straight_answer": (int, type(None)),
}


def _pairs() -> list[dict[str, Any]]:
    data = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"pairs"}
    pairs = data["pairs"]
    assert isinstance(pairs, list)
    return pairs


def test_metric_names_are_metrics_fields() -> None:
    assert set(METRIC_TYPES) <= set(Metrics.__dataclass_fields__)


def test_contrast_pairs_schema() -> None:
    skills = set(load_rubric().skills)
    ids = set()
    for pair in _pairs():
        where = pair.get("id")
        assert isinstance(where, str) and where not in ids, where
        ids.add(where)
        assert set(pair) <= {"id", "skill", "metric", "split", "better", "worse"}, where
        assert pair["skill"] in skills, where
        assert pair["split"] in ("dev", "test"), where
        for side in ("better", "worse"):
            messages = pair[side]
            assert 2 <= len(messages) <= 6, (where, side)  # two handoffs take six
            assert {m["role"] for m in messages} == {"customer", "agent"}, (where, side)
            for m in messages:
                assert set(m) == {"role", "text"}, (where, side)
                assert isinstance(m["text"], str) and m["text"].strip(), (where, side)
        assert pair["better"] != pair["worse"], where
        if "metric" in pair:
            metric = pair["metric"]
            assert set(metric) == {"name", "better", "worse"}, where
            kinds = METRIC_TYPES[metric["name"]]
            for side in ("better", "worse"):
                value = metric[side]
                assert isinstance(value, kinds), (where, side)
                # bool is an int in Python: a count must not be written true/false.
                assert bool not in kinds or isinstance(value, bool), (where, side)
                if kinds[0] is int:
                    assert not isinstance(value, bool), (where, side)
            assert metric["better"] != metric["worse"], where


def test_contrast_pairs_coverage_and_split() -> None:
    pairs = _pairs()
    per_skill = Counter(p["skill"] for p in pairs if "metric" not in p)
    per_metric = Counter(p["metric"]["name"] for p in pairs if "metric" in p)
    assert set(per_skill) == set(load_rubric().skills)
    assert min(per_skill.values()) >= 6, per_skill
    assert set(per_metric) == set(METRIC_TYPES)
    assert min(per_metric.values()) >= 4, per_metric
    assert len(pairs) >= 60
    test = sum(p["split"] == "test" for p in pairs)
    # A third held out in the first 90, half in the 96 written blind (2026-12-03).
    assert 0.28 <= test / len(pairs) <= 0.45, test
    # No conversation may appear twice: a pair in test must not be a copy of one in dev.
    texts = Counter(
        tuple(m["text"] for m in p[side]) for p in pairs for side in ("better", "worse")
    )
    assert [t for t, n in texts.items() if n > 1] == []
