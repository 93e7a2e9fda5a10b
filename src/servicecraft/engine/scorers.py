"""Skill scorers: the built-in ones, and the interface a user's own scorer implements.

A scorer is any object with a ``skill`` id and a ``score(analysis)`` method that returns a
SkillScore with its evidence. A skill is a measurement, not a default: a built-in scorer
gives a number only when it found evidence in the conversation (the rubric's cue phrases,
the learned detectors' strongest sentences, whole-conversation checks such as a handoff or
an upset customer nobody acknowledged), and ``None`` ("not observed") otherwise. The number
is the skill's neutral point (the rubric's ``base``) plus the weights of its evidence, a
repeated cue counting less each time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol, cast, runtime_checkable

from servicecraft.engine.analysis import SURE, Analysis, MessageAnalysis
from servicecraft.engine.metrics import (
    chaser_indices,
    first_straight_answer,
    handoff_indices,
    straight_answer_evidence,
)
from servicecraft.model import Evidence, SkillScore

# Repeating a cue earns less each time: "sorry, sorry, sorry" is not three times the empathy.
REPEAT_FACTORS = (1.0, 0.5, 0.25)
_SHOUTING = re.compile(r"\b[A-Z]{2,}(?:[\s,!]+[A-Z]{2,}){2,}\b")
# Words per sentence past which a reply is hard to follow. At 30, 6 of 11 judged quotes on the
# DCH-1 dev dialogues were ordinary requests for details; past 40, 4 of 5 were right
# (benchmarks/evidence.py).
LONG_SENTENCE_WORDS = 40
# Reading grade (Flesch-Kincaid: the school year that reads a text easily, from words per
# sentence and syllables per word). Plain-language guides aim at about 8. A high grade is not
# called dense: on DCH-1 dev, 9 of 10 replies above grade 12 read plainly to the judges (lists of
# contact details, product names), and no higher bar separated the one that did not.
PLAIN_GRADE = 8.0
READABLE_WORDS = 8  # fewer words than this say too little to grade
_WORDS = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_STOPS = re.compile(r"[.!?;:]+(?:\s|$)")
_VOWELS = re.compile(r"[aeiouy]+")
STATED = 0.4  # a reply at least this likely to state the solution counts as stating one
# The honesty scorer's reasons for when the first straight answer came.
FIRST_REPLY = "a straight answer in the first reply"
LATE = "the straight answer came late"
SECOND_REPLY = "a straight answer"
EARLY_ANSWER = frozenset([FIRST_REPLY, SECOND_REPLY])


@runtime_checkable
class Scorer(Protocol):
    """Scores one skill of one conversation."""

    skill: str

    def score(self, analysis: Analysis) -> SkillScore: ...


def skill_score(analysis: Analysis, skill: str, evidence: list[Evidence]) -> SkillScore:
    """The skill's neutral point plus its evidence's weights; ``None`` without evidence."""
    if not evidence:
        return SkillScore(skill, None, [])
    spec = analysis.rubric.skills.get(skill)
    base = spec.base + spec.offset if spec is not None else 50.0
    total = base + sum(e.weight for e in evidence)
    evidence.sort(key=lambda e: (e.message, e.start))
    return SkillScore(skill, round(min(100.0, max(0.0, total)), 1), evidence)


class CueScorer:
    """Scores a skill from the rubric's cue effects; subclasses add whole-conversation checks."""

    def __init__(self, skill: str) -> None:
        self.skill = skill

    def score(self, analysis: Analysis) -> SkillScore:
        if not self.applicable(analysis):
            return SkillScore(self.skill, None, [])
        evidence = self.cue_evidence(analysis) + self.checks(analysis)
        return skill_score(analysis, self.skill, self.kept(evidence))

    def kept(self, evidence: list[Evidence]) -> list[Evidence]:
        """The evidence that counts (all of it, unless a skill says otherwise)."""
        return evidence

    def applicable(self, analysis: Analysis) -> bool:
        """A skill can be shown only where an agent spoke to the customer."""
        return bool(analysis.by_role("agent"))

    def checks(self, analysis: Analysis) -> list[Evidence]:
        return []

    def cue_evidence(self, analysis: Analysis) -> list[Evidence]:
        """The rubric's cues that affect this skill, as evidence (a fresh list each call)."""
        key = "cues:" + self.skill
        cached = analysis.memo.get(key)
        if cached is None:  # asked about twice per skill: kept as a tuple, copied out
            cached = analysis.memo[key] = tuple(self._cue_evidence(analysis))
        return list(cast("tuple[Evidence, ...]", cached))

    def _cue_evidence(self, analysis: Analysis) -> list[Evidence]:
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

    def detected(
        self, analysis: Analysis, name: str, reason: str, weight: float, role: str = "agent"
    ) -> list[Evidence]:
        """Evidence from a learned detector's sentences, unless a cue already quotes them.

        Weight scales with the detector's confidence above SURE; one per message, at most
        three, the repeats counting less as cues do.
        """
        found: list[Evidence] = []
        detected = analysis.detected(name, role, SURE)
        if not detected:  # the usual case: no need to gather what the cues quote
            return found
        # Where the cues' quotes start, by message: each sentence is checked against its own
        # message's quotes only, not every quote of the conversation.
        quoted: dict[int, list[int]] = {}
        for e in self.cue_evidence(analysis):
            quoted.setdefault(e.message, []).append(e.start)
        sign = "-" if weight < 0 else "+"
        for n, (m, p, d) in enumerate(detected[: len(REPEAT_FACTORS)]):
            if any(d.start <= s < d.end for s in quoted.get(m.index, ())):
                continue
            strength = 0.5 + 0.5 * (p - SURE) / (1 - SURE)
            found.append(
                analysis.detection_evidence(
                    m, d, sign, reason, round(weight * strength * REPEAT_FACTORS[n], 1)
                )
            )
        return found


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
        # No "curt, cold tone" from a low mean: the politeness model learned requests and scores
        # plain diagnostic questions low; judged one by one on real helpdesk dialogues, 5 of 12
        # such quotes were curt (benchmarks/evidence.py).
        return []


def _upset(analysis: Analysis) -> Evidence | None:
    """The customer's first sign of being upset or in a hard spot: a cue or the detector."""
    if "upset" not in analysis.memo:
        analysis.memo["upset"] = _find_upset(analysis)
    return analysis.memo["upset"]  # type: ignore[return-value]


def _find_upset(analysis: Analysis) -> Evidence | None:
    """The earliest customer message a distress cue or the detector marks (a cue's words are
    quoted before the detector's sentence in the same message)."""
    reason = "the customer was upset and no one acknowledged it"
    found: list[Evidence] = []
    cue = next(analysis.hits("distress", "customer"), None)
    if cue is not None:
        found.append(analysis.evidence(cue[0], cue[1], "-", reason, -15.0))
    detected = analysis.detected("distress", "customer", SURE)
    if detected:
        m, _, d = detected[0]
        found.append(analysis.detection_evidence(m, d, "-", reason, -15.0))
    return min(found, key=lambda e: e.message) if found else None


class EmpathyScorer(CueScorer):
    """Observed when the customer is upset, or an agent shows (or refuses) empathy."""

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found = self.detected(analysis, "empathy", "acknowledges how the customer feels", 20.0)
        upset = _upset(analysis)
        # Feelings are brushed off only once voiced: on real helpdesk dialogues most of the
        # judged-wrong brush-offs were plain answers to customers who had shown none
        # (benchmarks/evidence.py).
        found += [
            e
            for e in self.detected(
                analysis, "empathy-", "brushes the customer's feelings off", -18.0
            )
            if upset is not None and upset.message < e.message
        ]
        acknowledged = any(e.weight > 0 for e in found) or any(
            e.weight > 0 for e in self.cue_evidence(analysis) if e.reason != "apologises"
        )
        if upset is not None and not acknowledged:
            found.append(upset)
        if not analysis.detections:  # rules only: the word heuristic stands in
            found += self._warmth(analysis)
        return found

    def score(self, analysis: Analysis) -> SkillScore:
        if not analysis.by_role("agent"):
            return SkillScore(self.skill, None, [])
        evidence = self.cue_evidence(analysis) + self.checks(analysis)
        # An apology alone, to a customer who was not upset, is courtesy, not empathy shown.
        if all(e.reason == "apologises" for e in evidence) and _upset(analysis) is None:
            return SkillScore(self.skill, None, [])
        return skill_score(analysis, self.skill, evidence)

    @staticmethod
    def _warmth(analysis: Analysis) -> list[Evidence]:
        agent = analysis.by_role("agent")
        warmth = _signal(analysis, "empathy", agent)
        if warmth and max(warmth) >= 0.6:
            best = max(range(len(warmth)), key=warmth.__getitem__)
            return [analysis.message_evidence(agent[best].index, "+", "warm, caring language", 8.0)]
        return []


CONSISTENTLY_COURTEOUS = "consistently courteous"


class RespectScorer(CueScorer):
    def kept(self, evidence: list[Evidence]) -> list[Evidence]:
        """Courtesy does not redeem a put-down: a "please" in "calm down, please" is not
        courteous, and a reply that talks down anywhere was not consistently courteous."""
        rude = {e.message for e in evidence if e.weight < 0}
        return [
            e
            for e in evidence
            if e.weight < 0
            or not rude
            or (e.message not in rude and e.reason != CONSISTENTLY_COURTEOUS)
        ]

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        for m in analysis.by_role("agent"):
            match = _SHOUTING.search(m.message.text)
            if match:
                found.append(
                    analysis.evidence_span(
                        m.index, match.start(), match.end(), "-", "shouting in capitals", -12.0
                    )
                )
        found += self.detected(
            analysis, "respect-", "talks down to, blames or dismisses the customer", -16.0
        )
        found += self.detected(analysis, "respect", "courteous and willing", 6.0)
        agent = analysis.by_role("agent")
        polite = _signal(analysis, "politeness", agent)
        # No "reads as impolite" from a low politeness alone: the model learned requests, and on
        # real helpdesk replies it fell below 0.15 on plain diagnostic questions ("Is your phone
        # on Android?"); judged one by one, 1 of 12 such quotes was impolite
        # (benchmarks/evidence.py). Rudeness is the cues' and the "talks down" detector's.
        if polite and min(polite) >= 0.6:
            found.append(
                analysis.message_evidence(agent[0].index, "+", CONSISTENTLY_COURTEOUS, 6.0)
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
        found += self.detected(
            analysis, "ownership-", "passes the buck or sends the customer elsewhere", -14.0
        )
        done = next(analysis.hits("done", "agent"), None)
        if done is not None and not found:
            m, hit = done
            found.append(analysis.evidence(m, hit, "+", "solved it without passing it on", 10.0))
        found += self.detected(analysis, "ownership", "takes personal responsibility", 14.0)
        return found


class HonestyScorer(CueScorer):
    def applicable(self, analysis: Analysis) -> bool:
        return bool(analysis.by_role("agent")) and bool(analysis.by_role("customer"))

    def score(self, analysis: Analysis) -> SkillScore:
        if not self.applicable(analysis):
            return SkillScore(self.skill, None, [])
        cues = self.cue_evidence(analysis)
        # A straight answer is credited once: where a cue already credits its words ("says a
        # clear no"), the bonus for coming early is not added on top (an answer only the
        # detector found gets the bonus alone); coming late still costs.
        credited = {(e.message, e.start, e.end) for e in cues if e.weight > 0}
        checks = [
            e
            for e in self.checks(analysis)
            if not (e.reason in EARLY_ANSWER and (e.message, e.start, e.end) in credited)
        ]
        return skill_score(analysis, self.skill, cues + checks)

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found = self.detected(
            analysis, "straight_answer-", "vague or evasive instead of an answer", -12.0
        )
        answer = first_straight_answer(analysis)
        agent = analysis.by_role("agent")
        if answer is None:
            # A customer who confirms it is solved got their answer, whatever the words.
            if analysis.has("confirms_solved"):
                return found
            if len(agent) >= 2 or analysis.has("chaser"):
                found.append(
                    analysis.message_evidence(
                        agent[-1].index, "-", "no straight answer given", -12.0
                    )
                )
            return found
        replies_before = sum(1 for m in agent if m.index < answer)
        quote = straight_answer_evidence(analysis, answer)
        if replies_before == 0:
            found.append(quote("+", FIRST_REPLY, 12.0))
        elif replies_before >= 2:
            found.append(quote("-", LATE, -6.0))
        else:
            found.append(quote("+", SECOND_REPLY, 4.0))
        return found


class SolutionScorer(CueScorer):
    """Observed wherever a customer wrote and an agent replied: was a solution stated?"""

    def applicable(self, analysis: Analysis) -> bool:
        return bool(analysis.by_role("agent")) and bool(analysis.by_role("customer"))

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
        found += self._stated(analysis, found)
        return found

    def _stated(self, analysis: Analysis, found: list[Evidence]) -> list[Evidence]:
        """Whether any reply states a solution: the learned judgements, weighed by confidence.

        The dialogue model's per-turn "the helpdesk states the solution", trained on DCH-1's
        annotators of real helpdesk dialogues, gives a probability per reply (the sentence
        detector stands in without it: on real dialogues it fires on too many plain replies);
        the strongest reply is quoted, for or against.
        """
        agent = analysis.by_role("agent")
        nugget = analysis.signals.get("solution_stated")
        best: tuple[float, int] | None = None
        for m in agent:
            p = nugget[m.index] if nugget else None
            d = analysis.detections[m.index].get("solution") if analysis.detections else None
            if p is None and d is not None:  # no dialogue model: the sentence detector alone
                p = d.probability
            if p is not None and (best is None or p > best[0]):
                best = (p, m.index)
        if best is None:  # rules only: no solution phrase in any reply
            if any(e.weight > 0 for e in self.cue_evidence(analysis) + found):
                return []
            last = agent[-1].index
            return [analysis.message_evidence(last, "-", "no reply offers a solution", -12.0)]
        p, index = best
        cues = self.cue_evidence(analysis) + found
        if p >= STATED:
            if any(e.weight > 0 and e.message == index for e in cues):
                return []  # a cue already quotes that reply
            weight = round(10.0 + 25.0 * (p - STATED), 1)
            return [analysis.message_evidence(index, "+", "states a solution", weight)]
        if analysis.has("done"):
            return []  # a reply says in so many words that it is done: do not contradict it
        weight = round(-5.0 - 25.0 * (STATED - p) / STATED, 1)
        return [
            analysis.message_evidence(agent[-1].index, "-", "no reply states a solution", weight)
        ]


class ProactivityScorer(CueScorer):
    def checks(self, analysis: Analysis) -> list[Evidence]:
        return self.detected(
            analysis, "proactivity", "anticipates the next step or does more than asked", 18.0
        )


@lru_cache(maxsize=1 << 16)
def syllables(word: str) -> int:
    """Vowel groups, less a silent final e: the usual estimate readability formulas use.

    Cached: replies reuse a small vocabulary, and clarity counts every word of every reply."""
    word = word.lower().split("'")[0]
    n = len(_VOWELS.findall(word))
    if n > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        n -= 1
    return max(1, n)


def reading_grade(text: str) -> tuple[float, int]:
    """The Flesch-Kincaid grade of a text, and how many words it has."""
    words = _WORDS.findall(text)
    if not words:
        return 0.0, 0
    sentences = max(1, len(_STOPS.findall(text.strip() + " ")))
    per_word = sum(map(syllables, words)) / len(words)
    return 0.39 * len(words) / sentences + 11.8 * per_word - 15.59, len(words)


class ClarityScorer(CueScorer):
    """Cues (when, what next, vague timing, jargon) and how hard the replies are to read."""

    def checks(self, analysis: Analysis) -> list[Evidence]:
        found: list[Evidence] = []
        plain: list[int] = []
        graded = 0
        for m in analysis.by_role("agent"):
            grade, words = reading_grade(m.message.text)
            if m.sentences and m.words / m.sentences > LONG_SENTENCE_WORDS:
                found.append(
                    analysis.message_evidence(m.index, "-", "long, hard-to-follow sentences", -8.0)
                )
            if words >= READABLE_WORDS:
                graded += 1
                if grade <= PLAIN_GRADE:
                    plain.append(m.index)
        found = found[:2]
        # Every reply that says enough to judge reads easily: plain words, short sentences.
        if plain and len(plain) == graded:
            found.append(
                analysis.message_evidence(plain[0], "+", "plain words in short sentences", 6.0)
            )
        return found


BUILTIN_SCORERS: dict[str, type[CueScorer]] = {
    "rapport": RapportScorer,
    "empathy": EmpathyScorer,
    "respect": RespectScorer,
    "ownership": OwnershipScorer,
    "honesty": HonestyScorer,
    "solution": SolutionScorer,
    "proactivity": ProactivityScorer,
    "clarity": ClarityScorer,
}


def builtin_scorer(skill: str) -> Scorer:
    """The built-in scorer for a skill; skills a rubric adds get the generic cue scorer."""
    return BUILTIN_SCORERS.get(skill, CueScorer)(skill)
