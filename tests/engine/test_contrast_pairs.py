"""Contrasting pairs in everyday words (tests/engine/contrast_pairs.yaml, written for the project).

Each pair is one short conversation handled better and worse in one skill. The dev pairs are
asserted here: the better one is observed and scores higher on that skill (the worse one may
not show it at all), and metric pairs give their exact values. The test pairs are held out:
``benchmarks.detectors`` reports them, nothing tunes on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message

PAIRS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "contrast_pairs.yaml").read_text(encoding="utf-8")
)["pairs"]
DEV = [p for p in PAIRS if p["split"] == "dev"]


def conversation(messages: list[dict[str, str]], cid: str) -> Conversation:
    return Conversation(
        cid,
        [
            Message(m["role"], m["text"], author=m.get("author"), department=m.get("department"))  # type: ignore[arg-type]
            for m in messages
        ],
    )


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def outcome(engine: Engine, pair: dict[str, Any]) -> tuple[bool, str]:
    """Whether the pair holds, and what was seen."""
    better = engine.score(conversation(pair["better"], "better"))
    worse = engine.score(conversation(pair["worse"], "worse"))
    if "metric" in pair:
        name = pair["metric"]["name"]
        got = (getattr(better.metrics, name), getattr(worse.metrics, name))
        return got == (pair["metric"]["better"], pair["metric"]["worse"]), f"{name} {got}"
    skill = pair["skill"]
    b, w = better.skills[skill].score, worse.skills[skill].score
    return b is not None and (w is None or b > w), f"{skill} {b} vs {w}"


@pytest.mark.parametrize("pair", DEV, ids=[p["id"] for p in DEV])
def test_dev_pair(engine: Engine, pair: dict[str, Any]) -> None:
    held, seen = outcome(engine, pair)
    assert held, seen
