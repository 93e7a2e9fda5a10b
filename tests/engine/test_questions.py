"""A reply counts as the straight answer to "how much" or "when" only if it gives an amount or a
time (engine/questions.py): the detector reads the reply alone and cannot tell."""

from __future__ import annotations

import pytest

from servicecraft.engine import Engine
from servicecraft.engine.questions import asks, gives

from .conftest import chat


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("How much is a replacement blue recycling bin?", {"amount"}),
        ("Sure, but how much is it now?", {"amount"}),
        ("What's the fee for a second card", {"amount"}),
        ("Hi, when will my parcel arrive", {"time"}),
        ("ok so how long does it take?", {"time"}),
        ("Thanks. Oh and, when is the next collection?", {"time"}),
        ("Can you tell me when the office opens?", {"time"}),
        ("How much will it cost and when can you come?", {"amount", "time"}),
        # Not questions, or questions of another kind: the detector's judgement stands.
        ("When I log in it crashes. Can you fix it?", set()),
        ("I said, when I log in it fails", set()),
        ("I paid how much I owed.", set()),
        ("Can I change my delivery address?", set()),
        ("", set()),
    ],
)
def test_what_a_question_asks_for(text: str, kinds: set[str]) -> None:
    assert asks(text) == kinds


@pytest.mark.parametrize(
    ("question", "reply", "answered"),
    [
        ("How much is a replacement bin?", "Prices are set by the council each year.", False),
        ("How much is a replacement bin?", "It's £45, delivered within ten days.", True),
        ("How much is a replacement bin?", "They're free for households.", True),
        ("How many can I order?", "Two per household.", True),
        ("When will my refund arrive?", "Refunds go through our finance system.", False),
        ("When will my refund arrive?", "It'll be with you by Friday.", True),
        ("When will my refund arrive?", "Within 3 working days.", True),
        ("How long does the repair take?", "About a week.", True),
        ("Can I change my address?", "Addresses are managed in your account.", True),
    ],
)
def test_whether_a_reply_gives_it(question: str, reply: str, answered: bool) -> None:
    assert gives(asks(question), reply) is answered


@pytest.fixture(scope="module")
def learned() -> Engine:
    return Engine()


def test_a_fact_is_not_the_straight_answer_to_how_much(learned: Engine) -> None:
    """The detector takes "Prices are set by the council each year." for an answer; the amount
    that follows the customer's chaser is the straight one."""
    card = learned.score(
        chat(
            "How much is a replacement blue recycling bin?",
            "Prices are set by the council each year.",
            "Sure, but how much is it now?",
            "It's £45, and it's delivered within ten days.",
        )
    )
    assert card.metrics.customer_messages_before_straight_answer == 2
    assert [m["index"] for m in card.messages if m.get("straight_answer")] == [3]


def test_a_yes_or_a_done_is_still_an_answer_whatever_was_asked(engine: Engine) -> None:
    """The rubric's own yes, no and done wordings are answers by their words alone: "it has
    been refunded" answers "when will I get my refund"."""
    card = engine.score(chat("When will I get my refund?", "Your refund has been processed."))
    assert card.metrics.customer_messages_before_straight_answer == 1


def test_a_question_after_a_long_run_of_clauses_is_found() -> None:
    """Every "and" starts a clause that is checked from its start; a message that repeats them
    to the size limit is read clause by clause, once (the first version's pattern retried each
    start over the rest of the message)."""
    assert asks("and " * 100_000 + "when will it come?") == {"time"}
    assert asks("what, " * 100_000) == set()
