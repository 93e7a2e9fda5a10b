"""Skill scorers: the built-in ones, and the interface a user's own scorer implements.

A scorer is any object with a ``skill`` id and a ``score(analysis)`` method that
returns a SkillScore (0..100, or None when the conversation gave no chance to
show the skill) with its evidence. The built-ins start from the rubric's base,
add the effects of the cues found (with diminishing returns), then apply checks
that need the whole conversation (a missed chance to empathise, a straight answer
that came late, a handoff, a customer who confirms the fix).
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from servicecraft.engine.analysis import Analysis, MessageAnalysis
from servicecraft.engine.metrics import (
    STRAIGHT_ANSWERS,
    chaser_indices,
    first_straight_answer,
    handoff_indices,
)
from servicecraft.model import Evidence, SkillScore

# Repeating a cue earns less each time: "sorry, sorry, sorry" is not three times the empathy.
REPEAT_FACTORS = (1.0, 0.5, 0.25)
_SHOUTING = re.compile(r"\b[A-Z]{2,}(?:[\s,!]+[A-Z]{2,}){2,}\b")
LONG_SENTENCE_WORDS = 30


@runtime_checkable
class Scorer(Protocol):
    """Scores one skill of one conversation."""

    skill: str

    def score(self, analysis: Analysis) -> SkillScore: ...


class CueScorer:
    """Scores a skill from the rubric's cue effects; subclasses add whole-conversation checks."""

    def __init__(self, skill: str) -> None:
        self.skill = skill

    def score(self, analysis: Analysis) -> SkillScore:
        if not self.applicable(analysis):
            return SkillScore(self.skill, None, [])
        evidence = self.cue_evidence(analysis)
        evidence += self.checks(analysis)
        base = analysis.rubric.skills[self.skill].base
        total = base + sum(e.weight for e in evidence)
        evidence.sort(key=lambda e: (e.message, e.start))
        return SkillScore(self.skill, round(min(100.0, max(0.0, total)), 1), evidence)

    def applicable(self, analysis: Analysis) -> bool:
        """By default a skill can be shown whenever an agent spoke to the customer."""
        return bool(analysis.by_role("agent"))

    def checks(self, analysis: Analysis) -> list[Evidence]:
        return []

    def cue_evidence(self, analysis: Analysis) -> list[Evidence]:
        cues = analysis.rubric.cues
        seen: dict[str, int] = {}
        evidence: list[Evidence] = []
        for m, hit, effect in analysis.effects(self.skill):
            n = seen.get(hit.cue, 0)
            seen[hit.cue] = n + 1
            if n >= len(REPEAT_FACTORS):
                continue
            sign = "+" if effect > 0 else "-"
            reason = cues[hit.cue].reason
            evidence.append(analysis.evidence(m, hit, sign, reason, effect * REPEAT_FACTORS[n]))
        return evidence


def _signal(analysis: Analysis, name: str, messages: list[MessageAnalysis]) -> list[float]:
    values = analysis.signals.get(name)
    if not values:
        return []
    return [v for m in messages if (v := values[m.index]) is not None]


class RapportScorer(CueScorer):
    def checks(self, analysis: Analysis) -> list[Evidence]:
        agent = analysis.by_role("agent")
        polite = _signal(analysis, "politeness", agent)
        if not polite:
            return []
        best = max(range(len(polite)), key=polite.__getitem__)
        mean = sum(polite) / len(polite)
        if mean >= 0.7:
            return [analysis.message_evidence(agent[best].index, "+", "warm, polite tone", 8.0)]
        if mean <= 0.3:
            worst = min(range(len(polite)), key=polite.__getitem__)
            return [analysis.message_evidence(agent[worst].index, "-", "curt, cold tone", -8.0)]
        return []


class EmpathyScorer(CueScorer):
    def applicable(self, analysis: Analysis) -> bool:
        if not analysis.by_role("agent"):
            return False
        return analysis.has("distress") or any(
            analysis.rubric.cues[c].effects.get("empathy", 0) > 0
            for m in analysis.messages
            for c in m.cues
        )

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        distress = next(analysis.hits("distress", "customer"), None)
        acknowledged = any(
            e.weight > 0 for e in self.cue_evidence(analysis) if e.reason != "apologises"
        )
        if distress is not None and not acknowledged:
            m, hit = distress
            found.append(
                analysis.evidence(
                    m, hit, "-", "the customer was upset and no one acknowledged it", -15.0
                )
            )
        warmth = _signal(analysis, "empathy", analysis.by_role("agent"))
        if warmth and max(warmth) >= 0.6:
            agent = analysis.by_role("agent")
            best = max(range(len(warmth)), key=warmth.__getitem__)
            found.append(
                analysis.message_evidence(agent[best].index, "+", "warm, caring language", 8.0)
            )
        return found


class RespectScorer(CueScorer):
    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        for m in analysis.by_role("agent"):
            match = _SHOUTING.search(m.message.text)
            if match:
                found.append(
                    Evidence(
                        m.index,
                        match.start(),
                        match.end(),
                        match.group(),
                        "-",
                        "shouting in capitals",
                        -12.0,
                    )
                )
        agent = analysis.by_role("agent")
        polite = _signal(analysis, "politeness", agent)
        if polite and min(polite) < 0.15:
            worst = min(range(len(polite)), key=polite.__getitem__)
            found.append(
                analysis.message_evidence(agent[worst].index, "-", "reads as impolite", -10.0)
            )
        elif polite and min(polite) >= 0.6:
            found.append(
                analysis.message_evidence(agent[0].index, "+", "consistently courteous", 6.0)
            )
        return found


class OwnershipScorer(CueScorer):
    def checks(self, analysis: Analysis) -> list[Evidence]:
        found = [
            analysis.message_evidence(i, "-", "handed off to another agent or department", -10.0)
            for i in handoff_indices(analysis)[:3]
        ]
        chasers = chaser_indices(analysis)
        if len(chasers) >= 2:
            found.append(
                analysis.message_evidence(
                    chasers[1], "-", "the customer had to chase more than once", -8.0
                )
            )
        done = next(analysis.hits("done", "agent"), None)
        if done is not None and not found:
            m, hit = done
            found.append(analysis.evidence(m, hit, "+", "resolved in one touch", 10.0))
        return found


class HonestyScorer(CueScorer):
    def applicable(self, analysis: Analysis) -> bool:
        return bool(analysis.by_role("agent")) and bool(analysis.by_role("customer"))

    def checks(self, analysis: Analysis) -> list[Evidence]:
        answer = first_straight_answer(analysis)
        agent = analysis.by_role("agent")
        if answer is None:
            # A customer who confirms it is solved got their answer, whatever the words.
            if analysis.has("confirms_solved"):
                return []
            if len(agent) >= 2 or analysis.has("chaser"):
                return [
                    analysis.message_evidence(
                        agent[-1].index, "-", "no straight answer given", -12.0
                    )
                ]
            return []
        replies_before = sum(1 for m in agent if m.index < answer)
        m = analysis.messages[answer]
        hit = next(h for h in m.hits if h.cue in STRAIGHT_ANSWERS)
        if replies_before == 0:
            return [analysis.evidence(m, hit, "+", "a straight answer in the first reply", 12.0)]
        if replies_before >= 2:
            return [analysis.evidence(m, hit, "-", "the straight answer came late", -6.0)]
        return []


class SolutionScorer(CueScorer):
    def applicable(self, analysis: Analysis) -> bool:
        if not analysis.by_role("agent"):
            return False
        return analysis.has("problem") or any(
            analysis.rubric.cues[c].effects.get("solution", 0)
            for m in analysis.messages
            for c in m.cues
        )

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        first_agent = min((m.index for m in analysis.by_role("agent")), default=None)
        for m, hit in analysis.hits("confirms_solved", "customer"):
            if first_agent is not None and m.index > first_agent:
                found.append(
                    analysis.evidence(m, hit, "+", "the customer confirms it is solved", 20.0)
                )
                break
        customers = analysis.by_role("customer")
        if customers and "still_broken" in customers[-1].cues and len(customers) > 1:
            m = customers[-1]
            hit = next(h for h in m.hits if h.cue == "still_broken")
            found.append(
                analysis.evidence(m, hit, "-", "the customer says it is still not solved", -15.0)
            )
        policy = next(analysis.hits("policy_block", "agent"), None)
        if policy is not None and not (analysis.has("alternative") or analysis.has("done")):
            m, hit = policy
            found.append(
                analysis.evidence(
                    m, hit, "-", "cites policy without offering an alternative", -10.0
                )
            )
        return found


class ClarityScorer(CueScorer):
    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        for m in analysis.by_role("agent"):
            if m.sentences and m.words / m.sentences > LONG_SENTENCE_WORDS:
                found.append(
                    analysis.message_evidence(m.index, "-", "long, hard-to-follow sentences", -8.0)
                )
        return found[:2]


BUILTIN_SCORERS: dict[str, type[CueScorer]] = {
    "rapport": RapportScorer,
    "empathy": EmpathyScorer,
    "respect": RespectScorer,
    "ownership": OwnershipScorer,
    "honesty": HonestyScorer,
    "solution": SolutionScorer,
    "proactivity": CueScorer,
    "clarity": ClarityScorer,
}


def builtin_scorer(skill: str) -> Scorer:
    """The built-in scorer for a skill; skills a rubric adds get the generic cue scorer."""
    return BUILTIN_SCORERS.get(skill, CueScorer)(skill)
