"""The shipped learned models: load, give probabilities, point the right way, rebuild identically."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from servicecraft.engine import BatchSignals, Engine
from servicecraft.engine.learned import Annotation, LearnedSignals, read_weights, weights_dir
from servicecraft.model import Conversation, Message

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "tydip").is_dir(), reason="needs ../shared/data")

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
    sizes = {p.name: p.stat().st_size for p in weights_dir().glob("*.npz")}
    assert {"politeness.npz", "outcomes.npz"} <= set(sizes)
    assert sum(sizes.values()) < 10 * 2**20  # every tier's weights: "well under 50 MB"
    assert LearnedSignals.load() is signals  # loaded once per process


def test_politeness_is_a_probability_and_tells_polite_from_rude(signals: LearnedSignals) -> None:
    polite, rude = signals.politeness(
        ["Could you please help me, thank you so much", "Fix this now, idiot"]
    )
    assert 0 <= rude < polite <= 1
    assert rude < 0.5 < polite
    assert all(0 <= p <= 1 for p in signals.politeness(["", "!!!", "ok"]))


def test_outcomes_are_distributions_and_point_the_right_way(signals: LearnedSignals) -> None:
    good, bad = signals.outcomes(RESOLVED), signals.outcomes(UNRESOLVED)
    for outcome in (good, bad, signals.outcomes(Conversation("empty", []))):
        assert set(outcome) == {"resolution", "satisfaction", "effectiveness"}
        for block in outcome.values():
            distribution = block["distribution"]
            assert list(distribution) == ["-2", "-1", "0", "1", "2"]  # type: ignore[call-overload]
            values = list(distribution.values())  # type: ignore[attr-defined]
            assert all(0 <= v <= 1 for v in values)
            assert sum(values) == pytest.approx(1, abs=1e-9)
            assert -2 <= block["expected"] <= 2  # type: ignore[operator]
    for name in ("resolution", "satisfaction", "effectiveness"):
        assert good[name]["expected"] > bad[name]["expected"]  # type: ignore[operator]


def test_empathy_is_bounded_and_warmer_for_care(signals: LearnedSignals) -> None:
    warm, cold = signals.empathy(
        ["I'm so sorry, I understand how frustrating this is.", "Send the order number."]
    )
    assert 0 <= cold < warm <= 1


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
    # Internal notes and system lines do not move the outcomes.
    public = Conversation("p", [ticket.messages[0], ticket.messages[3]])
    assert outcomes == signals.outcomes(public)
    only_agent = Conversation("a", [Message("agent", "Hello, how can I help?")])
    assert signals.outcomes(only_agent)["resolution"]["distribution"]


def _small_data(root: Path) -> Path:
    """The first rows of TyDiP and the first dialogues of DCH-1: enough to train in seconds."""
    (root / "tydip").mkdir(parents=True)
    (root / "stc3").mkdir()
    for name, rows in (("en_train_binary.csv", 120), ("en_train.csv", 240)):
        with (DATA / "tydip" / name).open(encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))[: rows + 1]
        with (root / "tydip" / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(lines)
    dialogues = json.loads((DATA / "stc3" / "dch1_en.json").read_text(encoding="utf-8"))
    (root / "stc3" / "dch1_en.json").write_text(json.dumps(dialogues[:90]), encoding="utf-8")
    return root


@needs_data
def test_build_is_deterministic_and_inference_matches_training(tmp_path: Path) -> None:
    """Two builds on the same (small) data give the same bytes; the fast inference path gives
    the training code's own predictions."""
    from servicecraft.training.models import (
        DialogueModel,
        build,
        fit_politeness,
        load_dch,
        load_tydip,
        politeness_arrays,
        politeness_training_set,
        write_arrays,
    )

    data = _small_data(tmp_path / "data")
    build(data, tmp_path / "one")
    build(data, tmp_path / "two")
    for name in ("politeness.npz", "outcomes.npz"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()

    polite = load_tydip(data)
    vectorizer, classifier = fit_politeness(*politeness_training_set(polite), c=1.0)
    texts = [*polite.texts[:40], "", "!!!", "Could you please check it? Thanks!"]
    expected_polite = classifier.predict_proba(vectorizer.transform(texts))[:, 1]

    dialogues = load_dch(data)
    model = DialogueModel.fit(dialogues, range(60), settings=(6.0, 0.01))
    expected = model.predict(dialogues, range(60, 90))
    write_arrays(tmp_path / "one" / "politeness.npz", politeness_arrays(vectorizer, classifier))
    write_arrays(tmp_path / "one" / "outcomes.npz", model.arrays())
    fast = LearnedSignals(
        read_weights(tmp_path / "one" / "politeness.npz"),
        read_weights(tmp_path / "one" / "outcomes.npz"),
    )
    # float32 weights: the same sums to about 1e-6
    assert fast.politeness(texts) == pytest.approx(expected_polite.tolist(), abs=1e-5)
    for row, i in zip(expected, range(60, 90), strict=True):
        roles = ["customer" if r == "c" else "agent" for r in dialogues.roles[i]]
        turns = [" ".join(w) for w in dialogues.words[i]]
        got = fast.outcomes(
            Conversation(str(i), [Message(r, t) for r, t in zip(roles, turns, strict=True)])  # type: ignore[arg-type]
        )
        flat = [got[o]["distribution"][b] for o in got for b in ("-2", "-1", "0", "1", "2")]  # type: ignore[index]
        assert flat == pytest.approx(row.tolist(), abs=2e-4)


@needs_data
def test_shipped_weights_were_trained_on_the_current_data() -> None:
    """Each weight file records the hashes of its training data; stale weights fail here."""
    from servicecraft.training.models import sources

    expected = sorted(f"{name} {digest}" for name, digest in sources(DATA).items())
    for name in ("politeness.npz", "outcomes.npz"):
        recorded = read_weights(weights_dir() / name)["sources"].tobytes().decode().split("\n")
        assert recorded == expected, f"{name} is stale: run servicecraft models build"


class _Batched:
    """A user's own batch-capable signals: the fast tier, recording the batches it is given."""

    def __init__(self) -> None:
        self.inner = LearnedSignals.load()
        self.batches: list[int] = []

    def annotate(self, conversation: Conversation) -> Annotation:
        return self.inner.annotate(conversation)

    def annotate_many(self, conversations: Sequence[Conversation]) -> list[Annotation]:
        self.batches.append(len(conversations))
        return [self.inner.annotate(c) for c in conversations]


def test_score_many_hands_batch_signals_the_whole_batch() -> None:
    batched = _Batched()
    assert isinstance(batched, BatchSignals)
    engine = Engine(learned=batched)
    cards = engine.score_many([RESOLVED, UNRESOLVED, Conversation("empty", [])])
    assert batched.batches == [3]
    assert cards == [engine.score(c) for c in (RESOLVED, UNRESOLVED, Conversation("empty", []))]
    plain = Engine()
    assert isinstance(LearnedSignals.load(), BatchSignals)
    assert plain.score_many([RESOLVED]) == [plain.score(RESOLVED)]


def test_tiers_by_name() -> None:
    assert Engine(learned="fast").signals is LearnedSignals.load()
    with pytest.raises(ValueError, match="unknown learned tier 'huge'"):
        Engine(learned="huge")


def test_annotate_many_equals_one_at_a_time(signals: LearnedSignals) -> None:
    """The batch path is the only path; a batch must not leak between its conversations."""
    odd = [
        Conversation("empty", []),
        Conversation("agent only", [Message("agent", "Hello, how can I help?")]),
        Conversation("system only", [Message("system", "Ticket opened")]),
        Conversation("note", [Message("agent", "check VAT", public=False)]),
        Conversation(
            "customer twice", [Message("customer", "Hi?"), Message("customer", "Hello??")]
        ),
    ]
    batch = [RESOLVED, *odd, UNRESOLVED, odd[0]]
    assert signals.annotate_many(batch) == [signals.annotate(c) for c in batch]
    assert signals.annotate_many([]) == []
    assert signals.annotate_many([odd[0], odd[0]]) == [signals.annotate(odd[0])] * 2
