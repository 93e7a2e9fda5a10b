"""The second labelling of real replies (benchmarks/data/dch1_second_labels.yaml, read by
``benchmarks.labels``) stays usable: each reply is one of the labelled real replies, once, with
every detector's label from that detector's label set."""

from __future__ import annotations

from pathlib import Path

import yaml

from servicecraft.training.detectors import examples_dir

ROOT = Path(__file__).resolve().parents[2]
SECOND = ROOT / "benchmarks" / "data" / "dch1_second_labels.yaml"
DETECTORS = ("handoff", "ownership", "proactivity", "empathy", "respect", "straight_answer")


def test_second_labels_match_the_labelled_replies() -> None:
    replies = yaml.safe_load(SECOND.read_text("utf-8"))["replies"]
    assert len(replies) == 72
    assert len({r["reply"] for r in replies}) == len(replies)
    for name in DETECTORS:
        data = yaml.safe_load((examples_dir() / "dch1" / f"{name}.yaml").read_text("utf-8"))
        texts = {e["text"] for e in data["examples"]}
        labels = {int(k) for k in data["labels"]}
        for r in replies:
            assert r["reply"] in texts, (name, r["reply"][:60])
            assert r["labels"][name] in labels, (name, r["labels"][name])
