"""The judged quotes (benchmarks/data/evidence_audit.yaml, read by ``benchmarks.evidence``) stay
usable: every quote is the text at its span of its DCH-1 dialogue, in the split it is filed
under, judged, with a note wherever it was not judged right."""

from __future__ import annotations

from pathlib import Path

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
