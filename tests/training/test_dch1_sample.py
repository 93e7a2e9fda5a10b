"""The real messages labelled for the detectors are the ones the sampling script draws.

`scripts/sample_dch1_replies.py` says how `examples/dch1/*.yaml` were drawn from DCH-1; this
holds the files to it (each labelled helpdesk reply or customer message drawn, in its split, and
none from the judgement benchmark's held-out dialogues).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
REAL = ROOT / "src" / "servicecraft" / "training" / "examples" / "dch1"

needs_data = pytest.mark.skipif(
    not (DATA / "stc3" / "dch1_en.json").is_file(), reason="needs ../shared/data"
)


@needs_data
def test_every_labelled_message_is_drawn_in_its_split() -> None:
    script = load_script("sample_dch1_replies")
    replies, customers = script.replies(DATA), script.customer_messages(DATA)
    assert (len(replies), len(customers)) == (880, 600)
    by_role: dict[str, dict[str, list[dict[str, Any]]]] = {"agent": {}, "customer": {}}
    for role, messages in (("agent", replies), ("customer", customers)):
        for r in messages:  # stock messages recur across dialogues
            by_role[role].setdefault(str(r["text"]), []).append(r)
    for path in sorted(REAL.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        examples, role = raw["examples"], raw.get("role", "agent")
        drawn = by_role[role]
        # the few left out: too long, cut off, already among the written examples or in the file
        assert len(examples) >= (850 if role == "agent" else 560), path.name
        for example in examples:
            same = [
                r
                for r in drawn.get(example["text"], [])
                if r["split"] == example["split"] and r["context"] == example.get("context", "")
            ]
            assert same, (path.name, example["text"][:60])


@needs_data
def test_no_labelled_message_comes_from_the_judgement_benchmarks_held_out_dialogues() -> None:
    from benchmarks.judgement import split

    script = load_script("sample_dch1_replies")
    _, held_out = split(1248)
    for messages in (script.replies(DATA), script.customer_messages(DATA)):
        assert not {int(r["dialogue"]) for r in messages} & set(held_out.tolist())
