"""The hand-written labelled examples stay well-formed: schema, splits, balance, no duplicates.

The examples train and test per-message detectors (`servicecraft.training`); `split: test` is
held out and never tuned on, so a text may appear only once per detector, in one split.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src" / "servicecraft" / "training" / "examples"

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


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _key(text: str) -> str:
    """Texts that differ only in case or spacing count as the same text."""
    return " ".join(text.lower().split())


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
