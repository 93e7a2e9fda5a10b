"""Handoffs where the source names no one: announcements and arrivals, each handoff once."""

from __future__ import annotations

import pytest

from servicecraft.engine import Engine
from servicecraft.engine.handoffs import arrives

from .conftest import chat


@pytest.mark.parametrize(
    "text",
    [
        "Hi, billing here. I've refunded it.",
        "Medical records here. I've sent them to your GP.",
        "Hi, Sam from networks here.",
        "Ward 12, ward clerk speaking.",
        "Hello, I'm the store manager. I've approved the refund.",
        "Hi, this is the billing team.",
        "This is Priya from payroll.",
        "Good morning, you're through to the claims desk.",
    ],
)
def test_a_new_team_introducing_itself_arrives(text: str) -> None:
    assert arrives(text)


@pytest.mark.parametrize(
    "text",
    [
        "We're here to help.",
        "Still here!",
        "This is what we'll do.",
        "Hi, this is a known issue.",
        "Hi, I'm sorry about that.",
        "I'm the one who sent it.",
        "Thanks for waiting, I've checked with our engineers: it's fixed.",
    ],
)
def test_ordinary_openings_do_not_arrive(text: str) -> None:
    assert not arrives(text)


def handoffs(engine: Engine, *turns: str | tuple[str, str]) -> int:
    return engine.score(chat(*turns)).metrics.handoffs


def test_an_announcement_and_its_arrival_are_one_handoff(engine: Engine) -> None:
    n = handoffs(
        engine,
        "Can I change the name on my booking?",
        ("agent", "Name changes are done by reservations, I'll transfer you."),
        ("agent", "Okay, transferring you now."),
        ("agent", "Reservations here. Done, no charge."),
    )
    assert n == 1


def test_passed_on_again_by_the_team_that_arrived(engine: Engine) -> None:
    n = handoffs(
        engine,
        "My parcel missed the truck.",
        ("agent", "That's for dispatch, I'll put you through."),
        ("agent", "Dispatch here. It's a stock control issue, so I'm putting you through to them."),
        ("agent", "Stock control here. I've rebooked it for tomorrow."),
    )
    assert n == 2


def test_a_colleague_brought_in_unannounced_is_a_handoff(engine: Engine) -> None:
    n = handoffs(
        engine,
        "The lights keep flickering.",
        ("agent", "I've asked Dee to join us."),
        ("agent", "Hi, Dee from electrical here. I'll replace the ballast at 3."),
    )
    assert n == 1


def test_an_announced_transfer_at_the_end_still_counts(engine: Engine) -> None:
    assert handoffs(engine, "My bill is wrong.", "I'll transfer you to billing.") == 1


def test_a_greeting_in_the_first_reply_is_not_a_handoff(engine: Engine) -> None:
    assert handoffs(engine, "Hello?", "Hi, billing here. How can I help?") == 0


def test_an_internal_note_is_neither_an_arrival_nor_a_first_reply(engine: Engine) -> None:
    from servicecraft.model import Conversation, Message

    conversation = Conversation(
        "c1",
        [
            Message("customer", "My bill is wrong."),
            Message("agent", "Billing here, picking this up.", public=False),
            Message("agent", "Hi, billing here. I've corrected it."),
        ],
    )
    assert engine.score(conversation).metrics.handoffs == 0


def test_a_team_greeting_by_the_announced_name_arrives_and_sends_on_again(engine: Engine) -> None:
    n = handoffs(
        engine,
        "I need my March scan results sent to my new GP.",
        ("agent", "I'll transfer you to outpatient appointments."),
        (
            "agent",
            "Hi, outpatient appointments. We don't send results, so I'm putting you through to medical records.",
        ),
        ("agent", "Medical records here. I've sent them to your new GP today."),
    )
    assert n == 2


def test_an_announcement_repeated_without_a_place_is_one_handoff(engine: Engine) -> None:
    n = handoffs(
        engine,
        "I need a parking permit for Elm Road.",
        ("agent", "Permits are done by our parking team, I'll pass you over to them."),
        ("agent", "Transferring you now."),
    )
    assert n == 1


def test_another_team_calling_the_customer_back_is_a_handoff(engine: Engine) -> None:
    assert (
        handoffs(
            engine,
            "I've been charged £89 by a gym I cancelled in January.",
            ("agent", "I've noted the details, and our disputes team will call you tomorrow."),
        )
        == 1
    )
    assert (
        handoffs(
            engine,
            "I've been charged £89 by a gym I cancelled in January.",
            ("agent", "I've raised a dispute for the £89 myself, and I'll call you tomorrow."),
        )
        == 0
    )
