"""Contrasting pairs in everyday words (tests/engine/contrast_pairs.yaml, written for the project).

Each pair is one short conversation handled better and worse in one skill: the better one must
be observed and score higher on that skill (the worse one may not show it at all), and metric
pairs must give their exact values. The test pairs are held out: ``benchmarks.detectors``
reports them, nothing tunes on them.

Not every dev pair holds yet (the goal is all of them; docs/models.md lists the misses): the
test pins the share that does, so that a change that loses pairs fails here.
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


# Of the dev pairs: 58 of 60 when this was written (49 before); 142 of 152 on 2026-12-03,
# after 92 pairs written blind joined (docs/benchmarks.md#detectors lists the misses); 146 of
# 152 once handoffs read where an announcement sends the customer and the detectors learned
# from real helpdesk replies; 148 of 152 once the bars were chosen again on the dev rows read out
# of fold and a straight answer to "how much" or "when" had to give an amount or a time.
HELD_AT_LEAST = 0.97


def test_dev_pairs(engine: Engine) -> None:
    results = {p["id"]: outcome(engine, p) for p in DEV}
    missed = {k: seen for k, (held, seen) in results.items() if not held}
    assert len(DEV) >= 50
    assert (len(DEV) - len(missed)) / len(DEV) >= HELD_AT_LEAST, missed


def test_metric_pairs_with_named_agents_are_exact(engine: Engine) -> None:
    """Where the source names the agents, handoffs and one-touch come from the names alone."""
    for pair in (p for p in PAIRS if p.get("metric", {}).get("name") in ("handoffs", "one_touch")):
        named = [
            {**m, "author": f"agent-{k}"} if m["role"] == "agent" else m
            for k, m in enumerate(pair["worse"])
        ]
        card = engine.score(conversation(named, "named"))
        assert card.metrics.handoffs == sum(m["role"] == "agent" for m in named) - 1
        assert card.metrics.one_touch == (card.metrics.handoffs == 0)
