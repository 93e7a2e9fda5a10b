"""The real replies labelled for the detectors are the ones the sampling script draws.

`scripts/sample_dch1_replies.py` says how `examples/dch1/*.yaml` were drawn from DCH-1; this
holds the files to it (each labelled reply drawn, in its split, and none from the judgement
benchmark's held-out dialogues).
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
def test_every_labelled_reply_is_drawn_in_its_split() -> None:
    replies = load_script("sample_dch1_replies").replies(DATA)
    assert len(replies) == 880
    drawn: dict[str, list[dict[str, Any]]] = {}  # stock replies recur across dialogues
    for r in replies:
        drawn.setdefault(str(r["text"]), []).append(r)
    for path in sorted(REAL.glob("*.yaml")):
        examples = yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]
        assert len(examples) >= 850, path.name  # the few left out: too long, cut off, written
        for example in examples:
            same = [
                r
                for r in drawn.get(example["text"], [])
                if r["split"] == example["split"] and r["context"] == example.get("context", "")
            ]
            assert same, (path.name, example["text"][:60])


@needs_data
def test_no_reply_comes_from_the_judgement_benchmarks_held_out_dialogues() -> None:
    from benchmarks.judgement import split

    replies = load_script("sample_dch1_replies").replies(DATA)
    _, held_out = split(1248)
    assert not {int(r["dialogue"]) for r in replies} & set(held_out.tolist())
