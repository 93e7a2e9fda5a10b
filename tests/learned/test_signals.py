"""The shipped learned models: load, give probabilities, point the right way, rebuild identically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from servicecraft.engine import Engine
from servicecraft.engine.learned import LearnedSignals, weights_dir
from servicecraft.model import Conversation, Message

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

RESOLVED = Conversation(
    "r",
    [
        Message("customer", "My parcel never arrived and I need it for Friday."),
        Message(
            "agent", "Sorry to hear that! I've sent a replacement by express; it arrives tomorrow."
        ),
        Message("customer", "It arrived this morning, problem solved. Thank you so much!"),
        Message("agent", "You're welcome, have a great day!"),
    ],
)
UNRESOLVED = Conversation(
    "u",
    [
        Message("customer", "My parcel never arrived and I need it for Friday."),
        Message("agent", "Please send us your order number by private message."),
        Message("customer", "I did, three days ago. Still nothing. This is useless, nobody helps."),
    ],
)


@pytest.fixture(scope="module")
def signals() -> LearnedSignals:
    return LearnedSignals.load()


def test_weights_are_small_and_load(signals: LearnedSignals) -> None:
    sizes = [p.stat().st_size for p in weights_dir().glob("*.json.gz")]
    assert len(sizes) == 2 and sum(sizes) < 5 * 2**20
    assert LearnedSignals.load() is signals  # loaded once per process


def test_politeness_is_a_probability_and_tells_polite_from_rude(signals: LearnedSignals) -> None:
    polite, rude = signals.politeness(
        ["Could you please help me? Thank you so much!", "Fix this now, idiot."]
    )
    assert 0 <= rude < 0.5 < polite <= 1


def test_outcomes_are_distributions_and_point_the_right_way(signals: LearnedSignals) -> None:
    good, bad = signals.outcomes(RESOLVED), signals.outcomes(UNRESOLVED)
    for outcome in (good, bad):
        assert set(outcome) == {"resolution", "satisfaction", "effectiveness"}
        for block in outcome.values():
            distribution = block["distribution"]
            assert list(distribution) == ["-2", "-1", "0", "1", "2"]  # type: ignore[call-overload]
            assert sum(distribution.values()) == pytest.approx(1, abs=1e-3)  # type: ignore[attr-defined]
    for name in ("resolution", "satisfaction"):
        assert good[name]["expected"] > bad[name]["expected"]  # type: ignore[operator]


def test_annotate_matches_the_separate_calls(signals: LearnedSignals) -> None:
    polite, empathy, outcomes = signals.annotate(RESOLVED)
    assert polite == pytest.approx(signals.politeness([m.text for m in RESOLVED.messages]))
    agent = [m.text for m in RESOLVED.messages if m.role == "agent"]
    assert [e for e in empathy if e is not None] == pytest.approx(signals.empathy(agent))
    assert [e is None for e in empathy] == [m.role != "agent" for m in RESOLVED.messages]
    assert outcomes == signals.outcomes(RESOLVED)


def test_engine_output_carries_the_signals() -> None:
    card = Engine().score(RESOLVED)
    assert card.outcomes is not None and card.outcomes["resolution"]["expected"] > 0
    assert all(0 <= row["politeness"] <= 1 for row in card.messages)


def test_signals_work_on_every_format(signals: LearnedSignals) -> None:
    """Features come from roles and text only: a Zendesk-style ticket with notes and system lines works."""
    ticket = Conversation(
        "z",
        [
            Message("customer", "Invoice wrong", author="Sam"),
            Message("system", "Reassigned to Billing"),
            Message("agent", "internal: check VAT", author="Ana", public=False),
            Message("agent", "I've corrected the invoice.", author="Ana", department="billing"),
        ],
    )
    polite, empathy, outcomes = signals.annotate(ticket)
    assert len(polite) == 4 and empathy[0] is None and outcomes["resolution"]["distribution"]


def test_fast_inference_equals_the_training_features(signals: LearnedSignals) -> None:
    """Inference looks weights up by token; it must add up exactly what training's features do."""
    import math

    from servicecraft.engine.learned.features import features_of, politeness_features

    for conversation in (RESOLVED, UNRESOLVED):
        polite, _, outcomes = signals.annotate(conversation)
        for message, p in zip(conversation.messages, polite, strict=True):
            z = signals._polite_bias + sum(
                signals._polite.get(f, 0.0) for f in set(politeness_features(message.text))
            )
            assert p == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-12)
        assert outcomes == signals._outcomes_of(features_of(conversation))


@pytest.mark.skipif(not (DATA / "tydip").is_dir(), reason="needs ../shared/data")
def test_build_reproduces_the_shipped_weights(tmp_path: Path) -> None:
    """Rebuilding from the data gives byte-identical files to those shipped: deterministic and current."""
    from servicecraft.training.models import build

    build(DATA, tmp_path)
    for name in ("politeness.json.gz", "outcomes.json.gz"):
        assert (tmp_path / name).read_bytes() == (weights_dir() / name).read_bytes(), (
            f"shipped {name} is stale"
        )
    shutil.rmtree(tmp_path)
