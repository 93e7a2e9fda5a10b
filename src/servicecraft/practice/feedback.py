"""After a session: the moment that hurt most with a better reply, and real-work comparison."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from servicecraft.model import Evidence, Scorecard
from servicecraft.practice.scenario import Scenario

if TYPE_CHECKING:
    from servicecraft.practice.customer import Turn

# What to do instead, for each signal that hurts a customer.
TIPS: dict[str, str] = {
    "disrespect": "Never dismiss or blame the customer; say how you see their situation.",
    "handoff": "Keep it: one touch. Find the answer yourself instead of sending them elsewhere.",
    "policy": "Say what you can do, not only what the policy stops: a no with an alternative.",
    "stalling": "Give a straight answer and a specific time instead of vague reassurance.",
    "silence": "This reply met none of the customer's needs: answer what they asked.",
}


@dataclass(slots=True, frozen=True)
class Moment:
    """The reply that hurt most: where the customer's mood fell furthest."""

    turn: int  # 0-based trainee turn
    message: int  # index in the conversation
    reply: str
    mood_before: float
    mood_after: float
    why: tuple[str, ...]  # the tips for what the reply did
    evidence: tuple[Evidence, ...]  # the engine's negative evidence on that message
    better: str  # a reply that would have met the need the customer was asking for
    need: str | None  # the need's label


@dataclass(slots=True)
class Feedback:
    worst: Moment | None
    needs: list[tuple[str, bool]]  # each need's label and whether it was met
    comparison: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        worst = None
        if self.worst is not None:
            w = self.worst
            worst = {
                "turn": w.turn,
                "message": w.message,
                "reply": w.reply,
                "mood_before": w.mood_before,
                "mood_after": w.mood_after,
                "why": list(w.why),
                "evidence": [{"text": e.text, "reason": e.reason} for e in w.evidence],
                "need": w.need,
                "better_reply": w.better,
            }
        return {
            "worst_moment": worst,
            "needs": [{"need": label, "met": met} for label, met in self.needs],
            "comparison": self.comparison,
        }


def feedback_for(scenario: Scenario, turns: Sequence[Turn], card: Scorecard) -> Feedback:
    met = {n for t in turns for n in t.met}
    return Feedback(
        worst=worst_moment(scenario, turns, card),
        needs=[(n.label, n.id in met) for n in scenario.needs],
    )


def worst_moment(scenario: Scenario, turns: Sequence[Turn], card: Scorecard) -> Moment | None:
    """The reply after which the mood fell furthest; None when no reply made it fall."""
    if not turns:
        return None
    drops = [t.mood_after - t.mood_before for t in turns]
    index = min(range(len(turns)), key=drops.__getitem__)
    if drops[index] >= 0:
        return None
    turn = turns[index]
    met_before = {n for t in turns[:index] for n in t.met}
    need = next((n for n in scenario.needs if n.id not in met_before), None)
    message = 1 + 2 * index  # the opening, then reply/answer pairs
    negative = tuple(
        e
        for skill in card.skills.values()
        for e in skill.evidence
        if e.message == message and e.effect == "-"
    )
    why = tuple(TIPS[s] for s in TIPS if s in turn.heard)
    if not why and not turn.met:
        why = (TIPS["silence"],)
    return Moment(
        turn=index,
        message=message,
        reply=turn.reply,
        mood_before=turn.mood_before,
        mood_after=turn.mood_after,
        why=why,
        evidence=_unique(negative),
        better=need.model_reply if need else scenario.needs[-1].model_reply,
        need=need.label if need else None,
    )


def compare(card: Scorecard, real: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Practice against real conversations, skill by skill (None where either is unobserved)."""
    rows = []
    for skill, result in card.skills.items():
        mine, usual = result.score, real.get(skill)
        difference = None if mine is None or usual is None else round(mine - usual, 1)
        rows.append({"skill": skill, "practice": mine, "real": usual, "difference": difference})
    return rows


def _unique(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    seen: set[tuple[int, int, str]] = set()
    kept = []
    for e in evidence:
        key = (e.start, e.end, e.reason)
        if key not in seen:
            seen.add(key)
            kept.append(e)
    return tuple(kept)
