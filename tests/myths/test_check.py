"""The myth check on a held-back organisation, on too little data, and on unobserved skills."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.model import SKILLS
from servicecraft.myths import MIN_ANSWERS, Observation, check, t_quantile_975

from .org import write_org


def _factors(**values: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = {
        "first_response_seconds": None,
        "handoffs": None,
        "one_touch": None,
        "chasers": None,
        "customer_messages_before_straight_answer": None,
        "score": None,
        **{s: None for s in SKILLS},
    }
    return {**base, **values}


def test_held_back_organisation_real_effects_found_no_effect_left_unclear(tmp_path: Path) -> None:
    org = write_org(tmp_path / "org.jsonl")
    answered = sum("survey" in json.loads(line) for line in org.read_text().splitlines())
    result = CliRunner().invoke(main, ["myths", str(org), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found = {(f["factor"], f["outcome"]): f for f in report["findings"]}
    for outcome in ("csat", "ces"):
        for factor in ("handoffs", "first_response_seconds"):
            f = found[(factor, outcome)]
            assert f["n"] == answered
            assert f["ci"][0] <= f["effect"] <= f["ci"][1] < 0, f  # negative: worse with more
        one_touch = found[("one_touch", outcome)]
        assert one_touch["ci"][0] > 0  # positive: one-touch conversations rated higher
        chasers = found[("chasers", outcome)]
        assert chasers["ci"][0] < 0 < chasers["ci"][1]
        assert chasers["verdict"].startswith("no clear effect of customers chasing")
    assert found[("handoffs", "csat")]["verdict"] == "clearly lower satisfaction with each handoff"
    assert found[("handoffs", "ces")]["verdict"] == "clearly more effort with each handoff"
    assert set(found[("handoffs", "csat")]) >= {"factor", "outcome", "n", "effect", "ci", "verdict"}
    sources = " ".join(p["source"] for p in found[("first_response_seconds", "csat")]["published"])
    assert "Feinberg" in sources and "Zendesk Benchmark" in sources
    assert report["answered"] == {"csat": answered, "ces": answered}


def test_adjusting_for_the_other_factors_is_used_and_said_when_it_changes_the_answer() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for _ in range(400):
        handoffs = int(rng.poisson(0.8))
        # Empathy falls with handoffs but has no effect of its own on satisfaction.
        empathy = float(np.clip(70 - 12 * handoffs + rng.normal(0, 8), 0, 100))
        csat = float(np.clip(np.rint(4.5 - 0.6 * handoffs + rng.normal(0, 0.6)), 1, 5))
        rows.append(
            Observation(
                _factors(handoffs=handoffs, chasers=float(rng.poisson(1)), empathy=empathy), csat
            )
        )
    empathy = next(f for f in check(rows).findings if f.factor == "empathy")
    assert empathy.unadjusted is not None and empathy.unadjusted.direction == "higher"
    assert empathy.adjusted and empathy.ci is not None and empathy.ci[0] < 0 < empathy.ci[1]
    assert "holding handoffs and customers chasing equal" in empathy.verdict
    assert "without that: clearly higher satisfaction" in empathy.verdict


def test_too_few_answers_says_how_many_it_needs_instead_of_printing_noise(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = [
        Observation(
            _factors(handoffs=float(rng.integers(0, 3)), score=float(rng.uniform(0, 100))), 3.0
        )
        for _ in range(MIN_ANSWERS - 1)
    ]
    report = check(rows)
    assert report.findings
    for f in report.findings:
        assert f.effect is None and f.ci is None and f.needs == MIN_ANSWERS
        assert f"needs at least {MIN_ANSWERS}" in f.verdict
    lines = "\n".join(
        json.dumps(
            {
                "id": f"c{i}",
                "survey": {"csat": 4},
                "messages": [
                    {"role": "customer", "text": "Where is my parcel?"},
                    {"role": "agent", "text": "It arrives tomorrow."},
                ],
            }
        )
        for i in range(5)
    )
    (tmp_path / "few.jsonl").write_text(lines + "\n")
    result = CliRunner().invoke(main, ["myths", str(tmp_path / "few.jsonl")])
    assert result.exit_code == 0
    assert (
        "too little data: 5 answered surveys" in result.stdout
        and "needs at least 30" in result.stdout
    )


def test_unobserved_skills_are_left_out_and_n_is_per_factor() -> None:
    rng = np.random.default_rng(2)
    rows = []
    for i in range(200):
        honesty = None if i % 4 == 0 else float(rng.uniform(0, 100))  # not observed in a quarter
        answered = i % 5 != 0
        rows.append(
            Observation(
                _factors(handoffs=float(i % 3), honesty=honesty),
                csat=float(rng.integers(1, 6)) if answered else None,
                asked=True,
            )
        )
    found = {f.factor: f for f in check(rows).findings if f.outcome == "csat"}
    both = sum(1 for i in range(200) if i % 4 != 0 and i % 5 != 0)
    assert found["honesty"].n == both and found["handoffs"].n == 160
    assert all(f.outcome == "csat" for f in check(rows).findings)  # effort never answered: no rows


def test_response_rates_count_only_conversations_asked() -> None:
    rows = [
        Observation(_factors(handoffs=0.0), csat=5.0, asked=True),
        Observation(_factors(handoffs=2.0), csat=None, asked=True),
        Observation(_factors(handoffs=2.0), csat=None, asked=False),
    ]
    rates = {(r.group, r.value): r for r in check(rows).response_rates}
    assert rates[("all", "all conversations")].asked == 2
    assert rates[("handoffs", "none")].rate == 1.0 and rates[("handoffs", "2 or more")].rate == 0.0


@pytest.mark.parametrize(("df", "exact"), [(5, 2.5706), (10, 2.2281), (30, 2.0423), (1000, 1.9623)])
def test_t_quantile_matches_tables(df: int, exact: float) -> None:
    assert t_quantile_975(df) == pytest.approx(exact, abs=2e-3)


def test_myths_needs_inputs_or_a_database() -> None:
    result = CliRunner().invoke(main, ["myths"])
    assert result.exit_code == 2 and "give INPUT files or --db" in result.output
