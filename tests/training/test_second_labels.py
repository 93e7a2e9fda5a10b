"""The second labellings of real messages (benchmarks/data/dch1_second_labels.yaml and
dch1_second_customer_labels.yaml, read by ``benchmarks.labels``) stay usable: each message is one
of the labelled real messages, once, with every detector's label from that detector's label set."""

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


def test_second_customer_labels_match_the_labelled_customer_messages() -> None:
    second = ROOT / "benchmarks" / "data" / "dch1_second_customer_labels.yaml"
    messages = yaml.safe_load(second.read_text("utf-8"))["messages"]
    assert len(messages) == 71
    assert len({m["message"] for m in messages}) == len(messages)
    data = yaml.safe_load((examples_dir() / "dch1" / "distress.yaml").read_text("utf-8"))
    texts = {e["text"] for e in data["examples"]}
    for m in messages:
        assert m["message"] in texts, m["message"][:60]
        assert m["labels"]["distress"] in (0, 1)
