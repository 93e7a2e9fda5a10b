"""The judged quotes (benchmarks/data/evidence_audit.yaml, read by ``benchmarks.evidence``) stay
usable: every quote is the text at its span of its DCH-1 dialogue, in the split it is filed
under, judged, with a note wherever it was not judged right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from benchmarks.judgement import split

from servicecraft.training.overall import dch_conversations

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
AUDIT = ROOT / "benchmarks" / "data" / "evidence_audit.yaml"


def test_every_quote_is_judged_and_drawn_for_an_audited_engine() -> None:
    audit = yaml.safe_load(AUDIT.read_text("utf-8"))
    items = audit["items"]
    assert len(items) >= 800
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["judgement"] in ("right", "wrong", "unsure"), item["id"]
        assert item["judgement"] == "right" or item["note"], item["id"]
        assert item["drawn_for"] and set(item["drawn_for"]) <= set(audit["engines"]), item["id"]
        assert item["reason"] in audit["quoted"][item["drawn_for"][0]][item["split"]], item["id"]


@pytest.mark.skipif(not (DATA / "stc3" / "dch1_en.json").is_file(), reason="needs ../shared/data")
def test_every_quote_is_its_dialogues_text_in_its_split() -> None:
    conversations, _ = dch_conversations(DATA)
    dev, test = split(len(conversations))
    where = {int(i): "dev" for i in dev} | {int(i): "test" for i in test}
    for item in yaml.safe_load(AUDIT.read_text("utf-8"))["items"]:
        assert where[item["dialogue"]] == item["split"], item["id"]
        message = conversations[item["dialogue"]].messages[item["message"] - 1]
        assert message.text[item["start"] : item["end"]] == item["quote"], item["id"]


def test_a_draw_files_the_engines_counts_and_keeps_what_was_judged() -> None:
    from benchmarks.evidence import draw, quotes, transcripts

    from servicecraft.engine import Engine
    from servicecraft.model import Conversation, Message

    conversations = [
        Conversation(
            id=str(i),
            messages=[
                Message(role="customer", text=text),
                Message(role="agent", text="Hi! I've refunded the charge. Have a nice day."),
            ],
        )
        for i, text in enumerate(["I was charged twice!", "Why was I charged twice?"])
    ]
    engine = Engine(learned=False)
    made = {"dev": {}, "test": {i: quotes(engine, c) for i, c in enumerate(conversations)}}
    audit: dict[str, Any] = {"engines": [], "quoted": {}, "items": []}
    new = draw(audit, made, conversations, engine, "abc1234", per_reason=1)

    assert audit["engines"] == ["abc1234"]
    counts = audit["quoted"]["abc1234"]
    assert counts["dev"] == {} and sum(counts["test"].values()) == sum(
        map(len, made["test"].values())
    )
    assert len(new) == len(counts["test"])  # one per reason, none judged yet
    for item in new:
        text = conversations[item["dialogue"]].messages[item["message"] - 1].text
        assert text[item["start"] : item["end"]] == item["quote"] and item["judgement"] is None
    assert len({item["id"] for item in new}) == len(new)
    text = transcripts(new, conversations)
    for item in new:  # the judges see each quote, its reason and the marked message
        assert f"=== item {item['id']} | reason: {item['reason']}" in text
        assert f'"{item["quote"]}"' in text
    assert text.count("<== quoted message") == len(new)

    judged = [{**item, "judgement": "right"} for item in new]
    audit = {"engines": ["abc1234"], "quoted": {}, "items": judged}
    again = draw(audit, made, conversations, engine, "def5678", per_reason=1)
    assert again == [] and all(i["drawn_for"] == ["abc1234", "def5678"] for i in judged)
