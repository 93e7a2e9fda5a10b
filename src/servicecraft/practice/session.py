"""A practice session: the trainee's replies, the simulated customer's answers, the scorecard.

A session is an ordinary `Conversation`, scored by the same `Engine` as real conversations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message, Scorecard
from servicecraft.practice.customer import SimulatedCustomer, Turn
from servicecraft.practice.feedback import Feedback, feedback_for
from servicecraft.practice.scenario import Scenario
from servicecraft.practice.signals import read_reply
from servicecraft.serialize import scorecard_to_dict

MAX_REPLY_CHARS = 4000


@dataclass(slots=True)
class PracticeResult:
    scenario: Scenario
    seed: int
    conversation: Conversation
    outcome: str
    mood: list[float]  # one per customer message, the opening included
    turns: list[Turn]
    scorecard: Scorecard
    feedback: Feedback

    def to_dict(self) -> dict[str, Any]:
        """The shape `servicecraft practice --format json` prints (docs/practice.md)."""
        return {
            "scenario": self.scenario.id,
            "seed": self.seed,
            "transcript": [{"role": m.role, "text": m.text} for m in self.conversation.messages],
            "outcome": self.outcome,
            "mood": self.mood,
            "scorecard": scorecard_to_dict(self.scorecard),
            "feedback": self.feedback.to_dict(),
        }


class PracticeSession:
    """Play a scenario one reply at a time (the terminal and the web page both use this)."""

    def __init__(self, scenario: Scenario, seed: int = 0, engine: Engine | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.engine = engine if engine is not None else Engine()
        self.customer = SimulatedCustomer(scenario, seed)
        self.messages: list[Message] = [Message("customer", self.customer.opening())]
        self.mood: list[float] = [self.customer.state.mood]
        self.turns: list[Turn] = []

    @property
    def ended(self) -> bool:
        return self.customer.ended

    def conversation(self) -> Conversation:
        return Conversation(
            id=f"practice-{self.scenario.id}-{self.seed}",
            messages=list(self.messages),
            channel="practice",
            tags=["practice", self.scenario.id],
        )

    def reply(self, text: str) -> Turn:
        """The trainee says `text`; returns the customer's turn (its `answer` and `outcome`)."""
        text = " ".join(text.split())
        if not text:
            raise ValueError("a reply cannot be empty")
        if len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply is at most {MAX_REPLY_CHARS} characters")
        self.messages.append(Message("agent", text, department=self.scenario.department))
        turn = self.customer.respond(text, read_reply(self.engine, self.conversation()))
        self.messages.append(Message("customer", turn.answer))
        self.mood.append(turn.mood_after)
        self.turns.append(turn)
        return turn

    def finish(self) -> PracticeResult:
        """End the session (if the customer has not) and score it."""
        outcome = self.customer.close()
        conversation = self.conversation()
        card = self.engine.score(conversation)
        return PracticeResult(
            scenario=self.scenario,
            seed=self.seed,
            conversation=conversation,
            outcome=outcome,
            mood=list(self.mood),
            turns=list(self.turns),
            scorecard=card,
            feedback=feedback_for(self.scenario, self.turns, card),
        )


def play(
    scenario: Scenario, replies: Iterable[str], seed: int = 0, engine: Engine | None = None
) -> PracticeResult:
    """A scripted session: replies in order until the customer ends it or they run out.

    Blank replies are skipped (a script's empty lines).
    """
    session = PracticeSession(scenario, seed, engine)
    for reply in replies:
        if session.ended:
            break
        if reply.strip():
            session.reply(reply)
    return session.finish()
