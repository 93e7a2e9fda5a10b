"""Scenario files: validated with errors that name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from servicecraft.practice import ScenarioError, bundled_scenarios, load_scenario, load_scenarios
from servicecraft.practice.scenario import DEFAULT_INFLAMES, parse_scenario

CHARGED = next(s for s in bundled_scenarios() if s.id == "charged-twice")
RAW = Path(CHARGED.source.replace("scenarios/", "")).name


def _bundled_text() -> dict[str, object]:
    from importlib import resources

    text = (resources.files("servicecraft.practice") / "scenarios" / RAW).read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: object, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_every_bundled_scenario_loads_with_its_needs_and_lines() -> None:
    for s in bundled_scenarios():
        assert (
            s.needs
            and s.opening
            and set(s.endings)
            == {
                "resolved",
                "unresolved",
                "escalated",
                "abandoned",
            }
        )
        assert all(n.model_reply and n.ask and n.chase for n in s.needs)


def test_a_valid_file_of_ones_own_loads_and_replaces_a_bundled_id(tmp_path: Path) -> None:
    data = _bundled_text()
    data["title"] = "Our own charged twice"
    path = _write(tmp_path, data)
    assert load_scenario(path).title == "Our own charged twice"
    assert load_scenarios([tmp_path])["charged-twice"].title == "Our own charged twice"
    assert load_scenario(path).inflames["handoff"] == DEFAULT_INFLAMES["handoff"]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda d: d.pop("title"), "title", "is missing"),
        (lambda d: d.update(id="Not An Id"), "id", "lower-case"),
        (lambda d: d.update(difficulty="brutal"), "difficulty", "choose from easy"),
        (lambda d: d["truth"].update(answer="maybe"), "truth.answer", "choose from yes, no, fix"),
        (lambda d: d["temper"].update(mood=3), "temper.mood", "between -1 and 1"),
        (lambda d: d["temper"].update(patience=2.5), "temper.patience", "whole number"),
        (
            lambda d: d["needs"][1].update(met_by=["empath"]),
            "needs[1].met_by[0]",
            "unknown signal 'empath'",
        ),
        (lambda d: d["needs"][0].pop("chase"), "needs[0].chase", "is missing"),
        (lambda d: d["needs"][2].update(id="acknowledge"), "needs[2].id", "used twice"),
        (lambda d: d.update(needs=[]), "needs", "non-empty list"),
        (lambda d: d["lines"]["end"].pop("escalated"), "lines.end.escalated", "is missing"),
        (lambda d: d["lines"]["react"].update(sulk=["hm"]), "lines.react.sulk", "unknown"),
        (lambda d: d.update(inflames={"policy": 2}), "inflames.policy", "between 0 and 1"),
        (lambda d: d["lines"].update(opening=[""]), "lines.opening[0]", "non-empty line"),
    ],
)
def test_a_broken_file_names_the_file_the_field_and_the_problem(
    tmp_path: Path, change: object, field: str, problem: str
) -> None:
    data = _bundled_text()
    change(data)  # type: ignore[operator]
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert problem in message, message


def test_not_yaml_and_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"x\.yaml: line 2: not valid YAML"):
        parse_scenario("id: a\n  - : [\n", "x.yaml")
    with pytest.raises(ScenarioError, match=r"y\.yaml: file: must be a mapping, not a list"):
        parse_scenario("- 1\n", "y.yaml")
    with pytest.raises(ScenarioError, match=r"gone\.yaml: file: cannot read"):
        load_scenario(tmp_path / "gone.yaml")


def test_a_bare_yes_in_yaml_reads_as_the_answer_yes() -> None:
    first_timer = next(s for s in bundled_scenarios() if s.id == "first-timer")
    assert first_timer.truth == "yes"


def test_the_app_loads_an_organisations_scenarios_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servicecraft.service import practice as practising

    data = _bundled_text()
    data.update(id="our-own", title="Our own customer")
    _write(tmp_path, data, "ours.yaml")
    monkeypatch.setenv(practising.SCENARIOS_ENV, str(tmp_path))
    practising.scenarios.cache_clear()
    try:
        assert practising.scenario("our-own").title == "Our own customer"
        assert "charged-twice" in practising.scenarios()
        data.pop("summary")
        _write(tmp_path, data, "ours.yaml")
        practising.scenarios.cache_clear()
        with pytest.raises(ScenarioError, match=r"ours\.yaml: summary: is missing"):
            practising.scenarios()
    finally:
        monkeypatch.delenv(practising.SCENARIOS_ENV)
        practising.scenarios.cache_clear()
