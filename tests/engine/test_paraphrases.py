"""Contrasting pairs phrased unlike the rubric's own examples: the rubric must generalise.

Each pair is the same situation handled well and badly, in everyday wording. A skill the
bad version gives no chance to show (None) counts as lower.
"""

from __future__ import annotations

import pytest

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message


def chat(*turns: str) -> Conversation:
    return Conversation(
        "p", [Message("customer" if i % 2 == 0 else "agent", t) for i, t in enumerate(turns)]
    )


PAIRS = [
    (
        "empathy",
        chat(
            "My flight got cancelled and I'm stuck at the airport with two kids.",
            "Oh no, that sounds really stressful, especially with the kids. Let's get you on the next flight.",
        ),
        chat(
            "My flight got cancelled and I'm stuck at the airport with two kids.",
            "Flights get cancelled. Check the app for rebooking.",
        ),
    ),
    (
        "empathy",
        chat(
            "I've been without internet for 3 days and I work from home!",
            "I'm really sorry, being offline for three days when you work from home is awful. I've booked an engineer for tomorrow 8-10am.",
        ),
        chat(
            "I've been without internet for 3 days and I work from home!",
            "An engineer visit has been booked.",
        ),
    ),
    (
        "ownership",
        chat(
            "My refund hasn't arrived.",
            "I'll personally chase this with our payments team and call you back by 3pm today.",
        ),
        chat(
            "My refund hasn't arrived.",
            "Refunds are handled by our payments team, you can email them at payments@acme.com.",
        ),
    ),
    (
        "ownership",
        chat(
            "The invoice total is wrong.",
            "I'm going to fix the invoice myself now and send you the corrected copy.",
        ),
        chat(
            "The invoice total is wrong.",
            "That was a mistake by our finance team, not us. Try asking them.",
        ),
    ),
    (
        "honesty",
        chat(
            "Is the blue model back in stock next week?",
            "No, it won't be back before March. The navy one is in stock now if that works for you.",
        ),
        chat(
            "Is the blue model back in stock next week?",
            "Hopefully soon! We're always restocking, keep checking.",
        ),
    ),
    (
        "honesty",
        chat(
            "Can you guarantee delivery before Christmas?",
            "I can't promise that: the courier's last guaranteed date was the 20th. Express shipping would get it there by the 23rd.",
        ),
        chat(
            "Can you guarantee delivery before Christmas?",
            "Yes 100% guaranteed, it will definitely arrive, don't worry!",
        ),
    ),
    (
        "respect",
        chat(
            "I don't understand how to export the report.",
            "No problem at all! Could you tell me which screen you're on? Thanks.",
        ),
        chat(
            "I don't understand how to export the report.",
            "It's literally on the first page. Did you even look?",
        ),
    ),
    (
        "respect",
        chat(
            "Why was I charged a fee?",
            "Thank you for asking. The fee is the late payment charge from 3 May.",
        ),
        chat("Why was I charged a fee?", "Obviously because you paid late. Read your contract."),
    ),
    (
        "solution",
        chat(
            "My laptop won't turn on after the update.",
            "Hold the power button for 30 seconds, then plug in the charger and start it. If that doesn't work, I'll send a replacement.",
        ),
        chat(
            "My laptop won't turn on after the update.",
            "Sorry, we don't support issues caused by updates.",
        ),
    ),
    (
        "solution",
        chat(
            "I was double billed this month.",
            "I've credited the duplicate charge of 19.99 to your account; it shows on your next statement.",
        ),
        chat(
            "I was double billed this month.",
            "Billing errors are reviewed by our policy team. Unfortunately there is nothing I can do.",
        ),
    ),
    (
        "proactivity",
        chat(
            "How do I change my password?",
            "Go to Settings > Security > Change password. Since your email is also old, you may also want to update it there so reset links reach you.",
        ),
        chat("How do I change my password?", "Settings > Security."),
    ),
    (
        "proactivity",
        chat(
            "My package is late.",
            "It's at the depot and will arrive tomorrow. I'll check tracking tomorrow afternoon and email you if anything changes.",
        ),
        chat("My package is late.", "It's at the depot."),
    ),
    (
        "clarity",
        chat(
            "When does my plan renew?",
            "Your plan renews on 14 June for 12.00; we'll email a receipt the same day.",
        ),
        chat(
            "When does my plan renew?",
            "Renewal happens according to the billing cycle associated with your subscription tier, as per the terms.",
        ),
    ),
    (
        "clarity",
        chat(
            "How long will the repair take?",
            "The repair takes 5 working days: we'll ship it back on Friday and you'll have it Monday.",
        ),
        chat(
            "How long will the repair take?",
            "Not long, it should be done shortly, we'll let you know.",
        ),
    ),
    (
        "rapport",
        chat(
            "Hi, quick question about my order.",
            "Hi Jamie! Happy to help. What would you like to know?",
        ),
        chat("Hi, quick question about my order.", "What."),
    ),
    (
        "rapport",
        chat(
            "Thanks for sorting this out yesterday.",
            "You're very welcome, Priya! Enjoy the new phone and have a lovely weekend.",
        ),
        chat("Thanks for sorting this out yesterday.", "ok"),
    ),
]


@pytest.mark.parametrize(
    ("skill", "good", "bad"), PAIRS, ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(PAIRS)]
)
def test_paraphrased_pair(
    engine: Engine, skill: str, good: Conversation, bad: Conversation
) -> None:
    good_score = engine.score(good).skills[skill].score
    bad_score = engine.score(bad).skills[skill].score
    assert good_score is not None
    assert bad_score is None or good_score > bad_score, (good_score, bad_score)


def test_paraphrased_overall(engine: Engine) -> None:
    scores = [(engine.score(g).score, engine.score(b).score) for _, g, b in PAIRS]
    better = sum(g is not None and (b is None or g > b) for g, b in scores)
    assert better == len(PAIRS), scores


CHASERS = [
    "Any news on this?",
    "Hello? Anyone?",
    "I'm still waiting for a reply.",
    "This is my third email about this.",
    "Can someone please get back to me?",
    "It's been a week and nothing.",
    "Just checking in on my ticket.",
    "Still nothing?",
    "Following up on my previous message.",
    "Why has nobody answered me?",
]
ANSWERS = [
    "Yes, that's covered under your plan.",
    "No, we don't ship to Norway, sorry.",
    "Sure, I can do that for you.",
    "That's correct.",
    "Unfortunately that item is discontinued.",
    "I'm afraid we can't extend the trial.",
    "Done! Your account is active again.",
    "All sorted, the charge is reversed.",
    "Your order has been cancelled.",
    "I've gone ahead and upgraded your plan.",
]
HINDRANCES = [
    ("I'm not authorised to issue refunds over 50.", "policy"),
    ("Our system doesn't allow changes after 24 hours.", "system"),
    ("That's company policy, I'm afraid.", "policy"),
    ("The tool won't let me edit the address.", "system"),
    ("Rules are rules, I can't make an exception.", "policy"),
    ("I don't have access to billing records.", "system"),
    ("Per our terms and conditions, refunds aren't possible.", "policy"),
    ("The system is down, I can't see your order.", "system"),
]


@pytest.mark.parametrize("text", CHASERS)
def test_chasers_in_everyday_words(engine: Engine, text: str) -> None:
    assert engine.score(chat("My refund is missing.", "Let me check.", text)).metrics.chasers == 1


@pytest.mark.parametrize("text", ANSWERS)
def test_straight_answers_in_everyday_words(engine: Engine, text: str) -> None:
    assert (
        engine.score(
            chat("Can you help with this?", text)
        ).metrics.customer_messages_before_straight_answer
        == 1
    )


@pytest.mark.parametrize(("text", "kind"), HINDRANCES)
def test_hindrances_in_everyday_words(engine: Engine, text: str, kind: str) -> None:
    assert [h.kind for h in engine.score(chat("Can you change it?", text)).metrics.hindrances] == [
        kind
    ]
