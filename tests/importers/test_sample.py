"""The bundled sample: present in the package, in step with its source, covering what it claims."""

from __future__ import annotations

import json
from pathlib import Path

from servicecraft.importers import read_conversations, sample_path
from servicecraft.model import Conversation
from tests.scripts import load_script


def sample() -> list[Conversation]:
    items = list(read_conversations([sample_path()]))
    assert all(isinstance(i, Conversation) for i in items)
    return items  # type: ignore[return-value]


def test_handwritten_part_is_in_step_with_its_yaml_source() -> None:
    lines = Path(sample_path()).read_text(encoding="utf-8").splitlines()
    bundled = [json.loads(line) for line in lines if line.startswith('{"id": "craft-')]
    assert bundled == load_script("build_sample").handcrafted_records()


def test_sample_covers_every_channel_department_and_survey_field() -> None:
    crafted = [c for c in sample() if c.id.startswith("craft-")]
    assert len(crafted) >= 25
    assert {c.channel for c in crafted} == {"chat", "email", "ticket", "call"}
    departments = {m.department for c in crafted for m in c.messages if m.department}
    assert {"support", "billing", "finance", "it", "logistics"} <= departments
    surveys = [c.survey for c in crafted if c.survey]
    assert (
        any(s.csat for s in surveys)
        and any(s.nps is not None for s in surveys)
        and any(s.ces for s in surveys)
    )
    assert any(not m.public for c in crafted for m in c.messages)  # an internal note
    assert any(m.role == "system" for c in crafted for m in c.messages)
    assert all(
        m.at is not None and (m.role != "agent" or m.author) for c in crafted for m in c.messages
    )


def test_dch_part_is_attributed_and_plain() -> None:
    dch = [c for c in sample() if c.id.startswith("dch1-")]
    assert len(dch) >= 250 and all(c.channel == "weibo" for c in dch)
    assert {m.role for c in dch for m in c.messages} == {"customer", "agent"}
    attribution = (Path(sample_path()).parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in attribution and "Zeng" in attribution
    raw = Path(sample_path()).read_text(encoding="utf-8")
    assert '"annotations"' not in raw and '"nugget"' not in raw
