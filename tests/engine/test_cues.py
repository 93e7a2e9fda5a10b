"""Negation, hedging, evidence and the null score for skills with no chance to show."""

from __future__ import annotations

from servicecraft.engine import Engine

from .conftest import chat


def reasons(engine: Engine, conversation, skill: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(e.effect, e.reason) for e in engine.score(conversation).skills[skill].evidence]


def test_negated_ownership_does_not_count(engine: Engine) -> None:
    plain = chat("My order is late.", "I will look into it.")
    negated = chat("My order is late.", "I will not look into it.")
    assert any(
        r == "takes personal responsibility for the problem"
        for _, r in reasons(engine, plain, "ownership")
    )
    assert not any(
        r == "takes personal responsibility for the problem"
        for _, r in reasons(engine, negated, "ownership")
    )


def test_negation_does_not_cross_a_comma(engine: Engine) -> None:
    conversation = chat("My order is late.", "No, I'll look into it right now.")
    assert ("+", "takes personal responsibility for the problem") in reasons(
        engine, conversation, "ownership"
    )


def test_not_able_to_is_a_straight_no(engine: Engine) -> None:
    conversation = chat(
        "Can you waive the late fee?", "I'm not able to waive it, but I can offer a payment plan."
    )
    card = engine.score(conversation)
    assert card.metrics.customer_messages_before_straight_answer == 1
    assert ("+", "says a clear no") in reasons(engine, conversation, "honesty")


def test_hedge_is_not_a_straight_no(engine: Engine) -> None:
    conversation = chat(
        "Will it arrive by Friday?", "I can't promise, but I'll chase the courier today."
    )
    card = engine.score(conversation)
    assert ("+", "says a clear no") not in reasons(engine, conversation, "honesty")
    assert card.metrics.customer_messages_before_straight_answer is None


def test_oh_no_is_a_reaction_not_a_refusal(engine: Engine) -> None:
    conversation = chat(
        "My parcel never arrived and it was a birthday present.",
        "Oh no, what a shame. I've sent a replacement by next-day delivery.",
    )
    assert ("+", "says a clear no") not in reasons(engine, conversation, "honesty")
    assert ("+", "acknowledges how the customer feels") in reasons(engine, conversation, "empathy")
    refusal = chat("Do you ship to Norway?", "Oh no, we don't ship outside the UK, sorry.")
    assert ("+", "says a clear no") in reasons(engine, refusal, "honesty")
    assert engine.score(refusal).metrics.customer_messages_before_straight_answer == 1


def test_not_my_problem_hurts_respect(engine: Engine) -> None:
    conversation = chat("The app crashes every time.", "Not my problem, reinstall it.")
    assert ("-", "rude or contemptuous language") in reasons(engine, conversation, "respect")


def test_curly_apostrophes_match(engine: Engine) -> None:
    conversation = chat("Where is my refund?", "I’ve refunded it and you’ll see it within 3 days.")
    assert ("+", "confirms the problem is solved") in reasons(engine, conversation, "solution")


def test_empathy_is_null_without_a_chance(engine: Engine) -> None:
    conversation = chat("What are your opening hours?", "We're open 9 to 5, Monday to Friday.")
    assert engine.score(conversation).skills["empathy"].score is None


def test_missed_empathy_is_evidence(engine: Engine) -> None:
    conversation = chat(
        "This is ridiculous, I'm so angry, my card was charged three times!", "Refund issued."
    )
    found = reasons(engine, conversation, "empathy")
    assert ("-", "the customer was upset and no one acknowledged it") in found


def test_no_agent_means_no_scores(engine: Engine) -> None:
    card = engine.score(chat(("customer", "hello?"), ("customer", "anyone?"), ("system", "queued")))
    assert card.score is None
    assert all(s.score is None for s in card.skills.values())


def test_empty_conversation(engine: Engine) -> None:
    card = engine.score(chat())
    assert card.score is None and card.metrics.handoffs == 0


def test_shouting_hurts_respect(engine: Engine) -> None:
    conversation = chat("Where is my parcel?", "I TOLD YOU ALREADY IT IS ON ITS WAY")
    assert ("-", "shouting in capitals") in reasons(engine, conversation, "respect")


def test_critical_skill_caps_overall(engine: Engine) -> None:
    rude = chat(
        "My invoice is wrong.",
        "You people never read anything, that's your problem, stupid. I've corrected the invoice "
        "and you'll get it by Friday. I've also added a note. Thank you, have a great day!",
    )
    card = engine.score(rude)
    assert card.skills["respect"].score is not None and card.skills["respect"].score < 40
    assert card.score is not None and card.score <= engine.rubric.critical_cap


def test_courtesy_words_in_a_put_down_earn_nothing(engine: Engine) -> None:
    rude = chat("This is the third bill you've got wrong.", "Calm down, please. It's fixed.")
    found = reasons(engine, rude, "respect")
    assert ("-", "dismisses the customer's feelings") in found
    assert ("+", "asks courteously") not in found  # the "please" of "calm down, please"
    kind = chat("This is the third bill you've got wrong.", "Could you please check it now?")
    assert ("+", "asks courteously") in reasons(engine, kind, "respect")


def test_a_problem_put_on_a_list_is_not_done(engine: Engine) -> None:
    deferred = chat("The screen in room 2B won't connect.", "I've added it to the list.")
    found = reasons(engine, deferred, "solution")
    assert ("-", "puts the problem on a list instead of solving it") in found
    assert ("+", "confirms the problem is solved") not in found
    fixed = chat("The screen in room 2B won't connect.", "I've just swapped the cable.")
    assert ("+", "confirms the problem is solved") in reasons(engine, fixed, "solution")


def test_a_reply_that_says_it_is_done_is_not_told_it_stated_no_solution() -> None:
    """With the learned tier, the dialogue model may doubt a plain "I've just swapped it";
    the scorecard must not say both that it is done and that no reply stated a solution."""
    card = Engine().score(
        chat(
            "The screen in meeting room 2B won't connect to laptops, we've got a client in at 11",
            "The HDMI cable in 2B is faulty. I've just swapped it for a new one, so you're good for 11.",
        )
    )
    found = {e.reason for e in card.skills["solution"].evidence}
    assert "confirms the problem is solved" in found
    assert "no reply states a solution" not in found


def test_no_before_a_number_is_an_abbreviation(engine: Engine) -> None:
    conversation = chat(
        "Where is my parcel?", "Order No. 62 left the depot today, see No. xx Road."
    )
    assert ("+", "says a clear no") not in reasons(engine, conversation, "honesty")
    refusal = chat("Can I upgrade tomorrow?", "Honestly, no. Business is fully booked.")
    assert ("+", "says a clear no") in reasons(engine, refusal, "honesty")


def test_a_stock_apology_is_not_an_empathy_statement(engine: Engine) -> None:
    stock = chat(
        "I am so angry, my order is late again!",
        "We are very sorry for the inconvenience. It ships today.",
    )
    assert reasons(engine, stock, "empathy").count(("+", "apologises")) == 1
    assert ("+", "acknowledges how the customer feels") not in reasons(engine, stock, "empathy")
    felt = chat("My dad passed away, please cancel his account.", "I'm so sorry about your dad.")
    assert ("+", "acknowledges how the customer feels") in reasons(engine, felt, "empathy")


def test_dismissive_idioms_not_their_words(engine: Engine) -> None:
    helpful = chat(
        "My phone keeps restarting.",
        "Does it happen in the city centre? Our staff will deal with it today.",
    )
    assert ("-", "dismisses the customer's feelings") not in reasons(engine, helpful, "empathy")
    dismissive = chat("My flight was cancelled!", "Flights get cancelled. Just deal with it.")
    assert ("-", "dismisses the customer's feelings") in reasons(engine, dismissive, "empathy")


def test_cool_down_is_dismissive_only_when_said_of_the_customer(engine: Engine) -> None:
    told = chat("It's the third time I'm asking!", "Please cool yourself down. We are checking.")
    assert ("-", "dismisses the customer's feelings") in reasons(engine, told, "empathy")
    phone = chat("My phone gets hot.", "Let the phone cool down before you charge it again.")
    assert ("-", "dismisses the customer's feelings") not in reasons(engine, phone, "empathy")


def test_boilerplate_is_not_anticipation(engine: Engine) -> None:
    thanks = chat(
        "The app crashes when I add over 30 songs.",
        "Thanks for your information. In case of over 30 songs the list is split.",
    )
    assert ("+", "anticipates the next problem") not in reasons(engine, thanks, "proactivity")
    ahead = chat(
        "Can you reset my password?",
        "Done. Just so you know, the link expires in an hour, in case you need it later.",
    )
    assert ("+", "anticipates the next problem") in reasons(engine, ahead, "proactivity")


def test_sending_a_message_is_not_solving_it(engine: Engine) -> None:
    told = chat("My router keeps dropping out.", "We have sent you a private message.")
    assert ("+", "confirms the problem is solved") not in reasons(engine, told, "solution")
    solved = chat("The zip on my jacket broke.", "I've sent you a free replacement, due Friday.")
    assert ("+", "confirms the problem is solved") in reasons(engine, solved, "solution")


def test_evidence_about_a_whole_message_skips_a_bare_greeting(engine: Engine) -> None:
    conversation = chat(
        "My bill is wrong.",
        "Hello! I've transferred you to our billing team, who will reply today.",
    )
    quoted = [
        e.text
        for e in engine.score(conversation).skills["ownership"].evidence
        if e.reason == "handed off to another agent or department"
    ]
    assert quoted == ["I've transferred you to our billing team, who will reply today."]


def test_asking_for_a_reference_is_not_a_detail(engine: Engine) -> None:
    asked = chat("Where is my parcel?", "What is your order number?")
    assert ("+", "gives a specific detail") not in reasons(engine, asked, "clarity")
    given = chat("Where is my parcel?", "Your tracking number is 4471 and it arrives Friday.")
    assert ("+", "gives a specific detail") in reasons(engine, given, "clarity")
