"""The same problem handled well and badly: the better handling must score higher on the skill."""

from __future__ import annotations

import pytest

from servicecraft.engine import Engine

from .conftest import chat

PROBLEM = "Hi, I was charged twice for my order #4411 and I'm really frustrated."

PAIRS = {
    "rapport": (
        chat(
            PROBLEM,
            "Hello Maria, thanks for contacting us! I've refunded the second charge. Have a great day.",
        ),
        chat(PROBLEM, "refunded."),
    ),
    "empathy": (
        chat(
            PROBLEM,
            "I'm so sorry to hear that, I understand how frustrating a double charge is. I've refunded it.",
        ),
        chat(PROBLEM, "Calm down, it's not a big deal. The second charge was refunded."),
    ),
    "respect": (
        chat(PROBLEM, "Could you please confirm the last four digits of the card? Thank you."),
        chat(
            PROBLEM,
            "As I already told you, you should have checked your statement. Send the card digits.",
        ),
    ),
    "ownership": (
        chat(
            PROBLEM,
            "Leave it with me: I'll take care of this and make sure the duplicate is refunded today.",
        ),
        chat(PROBLEM, "That's not my department. You'll need to contact billing about charges."),
    ),
    "honesty": (
        chat(
            "Can I get a refund on a sale item I bought 45 days ago?",
            "No, unfortunately sale items can only be refunded within 30 days. "
            "What I can do is offer you store credit for the full amount.",
        ),
        chat(
            "Can I get a refund on a sale item I bought 45 days ago?",
            "We're looking into it, don't worry, it should be fine.",
            "Any update? It's been a week.",
            "We'll get back to you soon.",
        ),
    ),
    "solution": (
        chat(
            "My parcel arrived damaged, can I return it?",
            "I'm sorry about that. Returns for this item aren't possible, but what I can do is send a "
            "replacement today at no cost.",
            "That works, thank you!",
        ),
        chat(
            "My parcel arrived damaged, can I return it?",
            "Due to our policy we are not allowed to accept returns of this item.",
            "So it's still not sorted?",
        ),
    ),
    "proactivity": (
        chat(
            "I can't log in to my account.",
            "I've reset your password and sent a link. I've also turned on two-step sign-in so this "
            "doesn't happen again. Is there anything else I can help with?",
        ),
        chat("I can't log in to my account.", "Password reset sent."),
    ),
    "clarity": (
        chat(
            "When will my refund arrive?",
            "Your refund of 42.50 was processed today; you'll see it on your card within 3 business "
            "days, by Friday 6 March.",
        ),
        chat(
            "When will my refund arrive?",
            "It has been raised to the L2 backend team as per the escalation matrix and the workflow "
            "will progress it in due course, at some point soon, so eventually the refund will arrive.",
        ),
    ),
}


@pytest.mark.parametrize("skill", sorted(PAIRS))
def test_better_handling_scores_higher(engine: Engine, skill: str) -> None:
    good, bad = PAIRS[skill]
    good_score = engine.score(good).skills[skill].score
    bad_score = engine.score(bad).skills[skill].score
    # Worse handling may not show the skill at all ("not observed"), never score above.
    assert good_score is not None
    assert bad_score is None or good_score > bad_score, (skill, good_score, bad_score)


@pytest.mark.parametrize("skill", sorted(PAIRS))
def test_better_handling_scores_higher_overall(engine: Engine, skill: str) -> None:
    good, bad = PAIRS[skill]
    good_score, bad_score = engine.score(good).score, engine.score(bad).score
    # No overall where nothing was observed (rules only, a bare "Password reset sent.").
    assert good_score is not None
    assert bad_score is None or good_score > bad_score


def test_every_default_skill_has_a_pair(engine: Engine) -> None:
    assert set(PAIRS) == set(engine.rubric.skills)


@pytest.mark.parametrize("skill", sorted(PAIRS))
def test_evidence_points_at_the_text(engine: Engine, skill: str) -> None:
    for conversation in PAIRS[skill]:
        card = engine.score(conversation)
        for e in card.skills[skill].evidence:
            text = conversation.messages[e.message].text
            assert text[e.start : e.end] == e.text
            assert e.effect in "+-" and e.reason
            assert (e.weight > 0) == (e.effect == "+")
