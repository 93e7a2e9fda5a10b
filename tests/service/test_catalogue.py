"""One catalogue of measures and skills: everything that lists them agrees with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicecraft import catalogue
from servicecraft.catalogue import UnknownSort, parse_sort
from servicecraft.engine import load_rubric
from servicecraft.importers._convert import SURVEY_RANGES as IMPORTER_RANGES
from servicecraft.model import SKILLS
from servicecraft.service import listings, surveys
from servicecraft.service.figures import Stats

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_skills_are_the_rubrics() -> None:
    rubric = load_rubric()
    assert tuple(catalogue.SKILL) == SKILLS
    for skill in rubric.skills.values():
        entry = catalogue.SKILL[skill.id]
        assert entry.label == skill.name
        assert entry.definition == " ".join(skill.description.split())
        assert len(entry.short) <= 8


def test_survey_ranges_are_defined_once() -> None:
    assert catalogue.SURVEY_RANGES == {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
    assert {k: tuple(v) for k, v in IMPORTER_RANGES.items()} == catalogue.SURVEY_RANGES
    surveys.SurveyAnswer(csat=5, nps=0, ces=7)
    for bad in ({"csat": 0}, {"csat": 6}, {"csat": 3, "nps": 11}, {"csat": 3, "ces": 8}):
        with pytest.raises(ValueError):
            surveys.SurveyAnswer(**bad)  # type: ignore[arg-type]


def test_measures_are_fields_of_the_figures() -> None:
    fields = set(Stats.__dataclass_fields__)
    assert {m.id for m in catalogue.MEASURES} <= fields
    for m in catalogue.MEASURES:
        assert m.definition.endswith(".") and m.definition != m.label
        assert m.kind in ("score", "share", "count", "rate", "csat")
    assert catalogue.MEASURE["chasing"].higher_is_better is False
    assert catalogue.MEASURE["csat"].low == 1 and catalogue.MEASURE["csat"].high == 5


def test_sort_keys_and_filters_have_columns() -> None:
    assert set(listings.SEARCH_SORTS) == set(catalogue.CONVERSATION_SORTS)
    assert set(listings.METRIC_FILTERS) == set(catalogue.METRIC_FILTERS)
    assert set(listings.OUTCOME_FILTERS) == set(catalogue.OUTCOME_FILTERS)
    assert "chasers_per_100" in catalogue.GROUP_SORTS


def test_parse_sort() -> None:
    assert parse_sort("-score", catalogue.GROUP_SORTS) == catalogue.Sort("score", True)
    assert str(parse_sort("empathy", catalogue.GROUP_SORTS)) == "empathy"
    with pytest.raises(UnknownSort, match="cannot sort by 'password_hash'; use one of name"):
        parse_sort("password_hash", catalogue.GROUP_SORTS)
    with pytest.raises(UnknownSort):
        parse_sort("--score", catalogue.GROUP_SORTS)


def test_the_docs_define_every_measure_as_the_catalogue_does() -> None:
    text = " ".join((DOCS / "web.md").read_text(encoding="utf-8").split())
    for m in catalogue.MEASURES:
        assert f"| {m.label} | `{m.id}` | {m.definition} |" in text, m.id
    for key, (label, meaning) in catalogue.OUTCOMES.items():
        assert f"| {label} | `{key}` | {meaning} |" in text, key
