"""The reader's guide: one text in the docs and in the app."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from servicecraft.web.guide import guide_html

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reading-scores.md"


def test_the_app_ships_the_docs_guide_unchanged() -> None:
    shipped = resources.files("servicecraft").joinpath("data", "reading-scores.md")
    assert shipped.read_text(encoding="utf-8") == DOCS.read_text(encoding="utf-8"), (
        "copy docs/reading-scores.md to src/servicecraft/data/reading-scores.md"
    )


def test_the_guide_renders_with_its_sections_and_agreement_table() -> None:
    html = str(guide_html())
    for anchor in (
        "a-score",
        "not-observed",
        "coverage",
        "evidence",
        "how-far-to-trust-each-number",
    ):
        assert f'id="{anchor}"' in html
    assert "<table>" in html and "<td>overall</td>" in html
    assert "<!-- numbers: lead -->" in html  # the lead's measured numbers go here
