"""Scorer plugins: a real installed distribution (dist-info on sys.path) with an entry point."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicecraft import plugins
from servicecraft.cli import main

SCORER = """
from servicecraft.model import SkillScore


class BrandVoice:
    skill = "brand_voice"

    def score(self, analysis):
        evidence = []
        for m in analysis.by_role("agent"):
            start = m.message.text.find("Acme")
            if start >= 0:
                evidence.append(
                    analysis.evidence_span(m.index, start, start + 4, "+", "names the brand", 50.0)
                )
        return SkillScore(self.skill, 50.0 + sum(e.weight for e in evidence), evidence)
"""
CHAT = {
    "id": "p-1",
    "messages": [
        {"role": "customer", "text": "Hello, my order is late."},
        {"role": "agent", "text": "Welcome to Acme support, let me check that for you now."},
    ],
}


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """acme-scorers 1.0, installed the way pip lays it out: module plus its dist-info."""
    site = tmp_path / "site"
    (site / "acme_scorers_t").mkdir(parents=True)
    (site / "acme_scorers_t" / "__init__.py").write_text(SCORER)
    info = site / "acme_scorers-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-scorers\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[servicecraft.scorers]\nbrand_voice = acme_scorers_t:BrandVoice\n"
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("acme_scorers_t", None)


def test_installed_plugins_are_found(installed: Path) -> None:
    found = [p for p in plugins.installed_scorers() if p.name == "brand_voice"]
    assert found == [plugins.Plugin("brand_voice", "acme_scorers_t:BrandVoice", "acme-scorers 1.0")]
    assert plugins.resolve(("brand_voice",), with_plugins=False) == ("acme_scorers_t:BrandVoice",)
    assert plugins.resolve(("x.y:Z",), with_plugins=True) == ("x.y:Z", "acme_scorers_t:BrandVoice")
    with pytest.raises(
        ValueError,
        match=r"'nope' must look like .* or name an installed plugin \(plugins: brand_voice\)",
    ):
        plugins.resolve(("nope",), with_plugins=False)


def score(path: Path, *options: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["score", str(path), "--no-learned", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_score_uses_installed_plugins_unless_told_not_to(installed: Path, tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(CHAT) + "\n")
    card, note = score(path)
    assert card["skills"]["brand_voice"]["score"] == 100.0
    assert card["skills"]["brand_voice"]["evidence"][0]["text"] == "Acme"
    assert "brand_voice (acme-scorers 1.0)" in note
    plain, _ = score(path, "--no-plugins")
    assert "brand_voice" not in plain["skills"]
    by_name, _ = score(path, "--no-plugins", "--scorer", "brand_voice")
    assert by_name["skills"]["brand_voice"]["score"] == 100.0


def test_unknown_plugin_name_is_one_line(installed: Path, tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(CHAT) + "\n")
    result = CliRunner().invoke(main, ["score", str(path), "--scorer", "nope"])
    assert result.exit_code == 2
    assert "or name an installed plugin (plugins: brand_voice)" in result.output
