from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message

from .conftest import chat

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def msg(
    role: str, text: str, minutes: float, author: str | None = None, department: str | None = None
) -> Message:
    return Message(
        role=role,
        text=text,
        author=author,
        department=department,
        at=T0 + timedelta(minutes=minutes),
    )  # type: ignore[arg-type]


def test_handoffs_by_author_and_department(engine: Engine) -> None:
    conversation = Conversation(
        "h1",
        [
            msg("customer", "My invoice is wrong.", 0),
            msg("agent", "Let me check.", 5, "Ana", "support"),
            msg("agent", "Billing here, I can see the error.", 30, "Ben", "billing"),
            msg("agent", "I've corrected the invoice.", 40, "Ben", "billing"),
            msg("agent", "Finance confirmed the credit.", 90, "Cy", "finance"),
        ],
    )
    card = engine.score(conversation)
    assert card.metrics.handoffs == 2
    assert card.metrics.one_touch is False
    assert card.agent == "Ben"
    assert card.metrics.first_response_seconds == 300


def test_textual_transfer_counts_when_no_authors(engine: Engine) -> None:
    card = engine.score(chat("Wrong bill.", "I'll transfer you to our billing team."))
    assert card.metrics.handoffs == 1


def test_one_touch(engine: Engine) -> None:
    card = engine.score(chat("Wrong bill.", "I've corrected it."))
    assert card.metrics.one_touch is True and card.metrics.handoffs == 0


def test_straight_answer_position(engine: Engine) -> None:
    card = engine.score(
        chat(
            "Can I change my delivery address?",
            "Let me check.",
            "Any update?",
            "Yes, you can change it until the parcel ships.",
        )
    )
    assert card.metrics.customer_messages_before_straight_answer == 2
    assert card.metrics.chasers == 1
    assert (
        engine.score(chat("Can I?", "Let me see.")).metrics.customer_messages_before_straight_answer
        is None
    )


def test_chaser_by_silence(engine: Engine) -> None:
    conversation = Conversation(
        "s1",
        [
            msg("customer", "Please cancel my subscription.", 0),
            msg("customer", "Hello?", 60 * 26),
            msg("agent", "I've cancelled it.", 60 * 27),
        ],
    )
    assert engine.score(conversation).metrics.chasers == 1


def test_hindrances(engine: Engine) -> None:
    card = engine.score(
        chat(
            "Can you change my address?",
            "Sorry, the system won't let me change it after dispatch. Also, due to our policy we can't refund "
            "shipping. I can reroute it.",
        )
    )
    kinds = sorted(h.kind for h in card.metrics.hindrances)
    assert kinds == ["policy", "system"]
    system = next(h for h in card.metrics.hindrances if h.kind == "system")
    assert system.text == "Sorry, the system won't let me change it after dispatch."
    assert card.messages[1]["hindrance"] is True


def test_internal_notes_are_not_scored(engine: Engine) -> None:
    conversation = Conversation(
        "n1",
        [
            Message("customer", "My order is late."),
            Message("agent", "customer is an idiot", author="Ana", public=False),
            Message("agent", "I've rebooked the delivery for tomorrow.", author="Ana"),
        ],
    )
    card = engine.score(conversation)
    assert all(e.reason != "rude or contemptuous language" for e in card.skills["respect"].evidence)
    assert card.messages[1]["public"] is False
