"""The simulated customer's hidden state, and the one place detectors are read."""

from __future__ import annotations

import time

import pytest

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message
from servicecraft.practice import PracticeSession, bundled_scenarios, read_reply

SCENARIO = next(s for s in bundled_scenarios() if s.id == "thats-billing")


def _reading(engine: Engine, text: str) -> dict[str, float]:
    return read_reply(
        engine,
        Conversation("t", [Message("customer", "Why is my bill up?"), Message("agent", text)]),
    )


def test_the_engine_cues_are_what_the_customer_hears(engine: Engine) -> None:
    heard = _reading(
        engine, "I'm so sorry to hear that. Let me check: yes, it is the discount ending."
    )
    assert heard["empathy"] == 1.0 and heard["ownership"] == 1.0 and heard["straight_answer"] == 1.0
    heard = _reading(engine, "That's handled by the billing team, you'll need to contact them.")
    assert heard["handoff"] == 1.0 and heard["ownership"] == 0.0
    assert _reading(engine, "Due to company policy we can't.")["policy"] == 1.0
    assert _reading(engine, "We're looking into it, hopefully soon.")["stalling"] == 1.0


class DetectingEngine(Engine):
    """An engine with learned per-message detectors (the API the lead is adding)."""

    def __init__(self, found: dict[str, float]) -> None:
        super().__init__(learned=False)
        self.found = found
        self.calls: list[tuple[list[str], str]] = []

    def detect(self, texts: list[str], role: str) -> list[dict[str, float]]:
        self.calls.append((texts, role))
        return [dict(self.found) for _ in texts]


def test_learned_detectors_are_used_when_the_engine_has_them() -> None:
    text = "Leave the bill to me, I'm all over it."  # no ownership phrase in the rubric
    assert _reading(Engine(learned=False), text)["ownership"] == 0.0
    engine = DetectingEngine(
        {"ownership": 0.9, "handoff": 0.1, "proactivity": 0.7, "respect-": 0.9}
    )
    heard = _reading(engine, text)
    assert engine.calls == [([text], "agent")]
    assert heard["ownership"] == 0.9 and heard["follow_up"] == 0.7
    assert heard["handoff"] == 0.0  # below DETECTED: not heard
    assert heard["disrespect"] == 0.0  # an unchecked negative label is not read
    deflects = _reading(
        DetectingEngine({"ownership-": 0.8, "solution": 0.9}), "Someone else handles that."
    )
    assert deflects["handoff"] == 0.8 and deflects["solution"] == 0.0  # no credit beside it
    # Where the rules heard an excuse, the detectors are not read at all.
    excuse = _reading(
        DetectingEngine({"proactivity": 0.96}), "I'm afraid due to company policy I can't."
    )
    assert excuse["policy"] == 1.0 and excuse["follow_up"] == 0.0
    # A detected deflection does not outweigh what the rules heard as good.
    warm = _reading(
        DetectingEngine({"handoff": 0.75, "ownership": 0.9}),
        "Thanks for getting in touch, and I'm really sorry about all this.",
    )
    assert warm["empathy"] == 1.0 and warm["handoff"] == 0.0 and warm["ownership"] == 0.9


def test_a_plain_direct_reply_is_not_heard_as_disrespect(engine: Engine) -> None:
    heard = _reading(engine, "I'll sort this out myself, so you won't have to explain it again.")
    assert heard["disrespect"] == 0.0 and heard["ownership"] == 1.0


def test_hidden_state_moves_with_what_the_trainee_writes(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, seed=1, engine=engine)
    state = session.customer.state
    assert state.mood == SCENARIO.temper.mood and state.met == []
    turn = session.reply("That's handled by the billing team, you'll need to contact them.")
    assert turn.mood_after < turn.mood_before and "handoff" in state.told
    assert state.patience == SCENARIO.temper.patience - 1 and turn.outcome is None
    assert "transfer" in turn.answer.lower() or "billing" in turn.answer.lower()
    turn = session.reply("Sorry, let me check that myself now.")
    assert turn.met == ("own",) and turn.mood_after > turn.mood_before
    turn = session.reply("Your bill went up by 9 pounds because the discount ended.")
    assert "answer" in state.met


def test_the_customer_chases_what_was_not_answered(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, seed=2, engine=engine)
    first = session.reply("Let me check that for you.")
    ask = next(n for n in SCENARIO.needs if n.id == "answer")
    assert any(line in first.answer for line in ask.ask)  # asked once...
    again = session.reply("Thanks for waiting.")
    assert any(line in again.answer for line in ask.chase)  # ...then chased


def test_patience_runs_out_and_the_session_ends(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, seed=1, engine=engine)
    while not session.ended:
        session.reply("We're looking into it, someone will get back to you soon.")
    result = session.finish()
    assert result.outcome in {"escalated", "abandoned"}
    assert result.conversation.messages[-1].text in SCENARIO.endings[result.outcome]
    assert len(result.mood) == sum(m.role == "customer" for m in result.conversation.messages)
    with pytest.raises(RuntimeError):
        session.reply("Hello?")


def test_replies_running_out_leaves_it_unresolved(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, seed=1, engine=engine)
    session.reply("Let me check that for you.")
    assert session.finish().outcome == "unresolved"


def test_bad_replies_are_refused(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, engine=engine)
    with pytest.raises(ValueError, match="empty"):
        session.reply("   ")
    with pytest.raises(ValueError, match="at most"):
        session.reply("x" * 5000)


def test_feedback_names_the_worst_moment_and_a_better_reply(engine: Engine) -> None:
    session = PracticeSession(SCENARIO, seed=1, engine=engine)
    session.reply("Sorry, let me check that myself now.")
    session.reply("I'm afraid due to company policy I can't change your plan.")
    result = session.finish()
    worst = result.feedback.worst
    assert worst is not None and worst.turn == 1 and worst.message == 3
    assert "policy" in worst.reply and any("alternative" in w for w in worst.why)
    assert worst.better == next(n for n in SCENARIO.needs if n.id == "answer").model_reply
    assert any("policy" in e.reason for e in worst.evidence)
    data = result.to_dict()
    assert data["feedback"]["worst_moment"]["better_reply"] == worst.better
    assert set(data) >= {"scenario", "seed", "transcript", "outcome", "mood", "scorecard"}


def test_a_turn_is_quick_enough_to_chat(engine: Engine) -> None:
    # Not a benchmark (see benchmarks/practice.py): a guard that a turn is not seconds long.
    session = PracticeSession(SCENARIO, seed=1, engine=engine)
    start = time.perf_counter()
    session.reply("Sorry, let me check that myself now.")
    assert time.perf_counter() - start < 2.0
