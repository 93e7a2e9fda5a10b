"""The Engine: scores a conversation against a rubric with every scorer, and explains why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from servicecraft.engine import overall as overall_model
from servicecraft.engine.analysis import Analysis, analyse
from servicecraft.engine.learned.detectors import Detection, Detectors
from servicecraft.engine.metrics import (
    chaser_indices,
    compute_metrics,
    first_straight_answer,
    primary_agent,
)
from servicecraft.engine.rubric import Rubric, load_rubric
from servicecraft.engine.scorers import Scorer, builtin_scorer, skill_score
from servicecraft.model import Conversation, Evidence, Scorecard, SkillScore

# Politeness per message, empathy per agent message, outcomes; signals may add a fourth item,
# per-message probabilities by name (the fast tier's per-turn nugget signals).
Annotation = tuple[Any, ...]
Detected = list[dict[str, Detection]]
TIERS = ("fast", "transformer")


class Signals(Protocol):
    """Learned predictors the engine can use (see servicecraft.engine.learned)."""

    def annotate(self, conversation: Conversation) -> Annotation:
        """Politeness per message, empathy per agent message (None elsewhere), outcomes."""
        ...


@runtime_checkable
class BatchSignals(Signals, Protocol):
    """Signals that are faster over many conversations at once (a neural encoder, a GPU)."""

    def annotate_many(self, conversations: Sequence[Conversation]) -> Sequence[Annotation]: ...


def default_signals() -> Signals | None:
    """The shipped learned predictors, or None where their weights are not installed."""
    try:
        from servicecraft.engine.learned import LearnedSignals
    except ImportError:
        return None
    try:
        signals: Signals = LearnedSignals.load()
    except FileNotFoundError:
        return None
    return signals


def default_detectors() -> Detectors | None:
    """The shipped per-sentence detectors, or None where their weights are not installed."""
    try:
        return Detectors.load()
    except FileNotFoundError:
        return None


def tier_signals(tier: str) -> Signals | None:
    """The learned tier by name: "fast" (shipped, NumPy only) or "transformer" (an extra).

    Raises ImportError with an install hint when the transformer extra is missing.
    """
    if tier == "fast":
        return default_signals()
    if tier == "transformer":
        from servicecraft.engine.learned.transformer import TransformerSignals

        signals: Signals = TransformerSignals.load()
        return signals
    raise ValueError(f"unknown learned tier {tier!r}: choose from {', '.join(TIERS)}")


class Engine:
    """Scores conversations. Build one and reuse it: rubric and models load once.

    >>> engine = Engine()                      # default rubric, fast learned tier
    >>> card = engine.score(conversation)      # doctest: +SKIP

    ``learned`` is True (the fast tier), False (rules only), a tier name ("fast",
    "transformer") or any object with the ``Signals`` interface. The per-sentence
    ``detectors`` (NumPy only) come with any learned tier; pass your own to override.
    """

    def __init__(
        self,
        rubric: Rubric | str | Path | None = None,
        scorers: Iterable[Scorer] = (),
        *,
        learned: bool | str | Signals = True,
        detectors: Detectors | None = None,
    ) -> None:
        self.rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        own = {s.skill: s for s in scorers}
        skills = list(self.rubric.skills) + [s for s in own if s not in self.rubric.skills]
        self.scorers: list[Scorer] = [own.get(s) or builtin_scorer(s) for s in skills]
        if learned is True:
            self.signals: Signals | None = default_signals()
        elif learned is False:
            self.signals = None
        elif isinstance(learned, str):
            self.signals = tier_signals(learned)
        else:
            self.signals = learned
        if detectors is not None:
            self.detectors: Detectors | None = detectors
        else:
            self.detectors = default_detectors() if learned is not False else None

    def analyse(self, conversation: Conversation) -> Analysis:
        return self._analyse(conversation)[0]

    def detect(self, texts: Sequence[str], role: str) -> list[dict[str, float]]:
        """Per text, each detector's probability for ``role`` ("agent" or "customer").

        Keys are detector names ("empathy", "ownership", "straight_answer", ...) for the
        positive label and ``name-`` for the negative one (e.g. "ownership-": deflects).
        Empty dicts when the engine runs without learned models.
        """
        if self.detectors is None:
            return [{} for _ in texts]
        found = self.detectors.detect([(role, t) for t in texts])
        return [{k: d.probability for k, d in f.items()} for f in found]

    def _analyse(
        self,
        conversation: Conversation,
        annotation: Annotation | None = None,
        detections: Detected | None = None,
    ) -> tuple[Analysis, dict[str, dict[str, object]] | None]:
        analysis = analyse(conversation, self.rubric)
        outcomes = None
        if self.signals is not None and conversation.messages:
            annotation = annotation or self._annotate([conversation])[0]
            polite, empathy, outcomes = annotation[:3]
            analysis.signals = {"politeness": list(polite), "empathy": list(empathy)}
            if len(annotation) > 3:
                analysis.signals.update(annotation[3])
        if self.detectors is not None and conversation.messages:
            analysis.detections = detections or self._detect([conversation])[0]
        analysis.metrics = compute_metrics(analysis)  # after the detectors: straight answers
        return analysis, outcomes

    def _annotate(self, conversations: Sequence[Conversation]) -> list[Annotation]:
        signals = self.signals
        turns = getattr(signals, "annotate_turns", None)
        if turns is not None:
            return list(turns(conversations))
        if isinstance(signals, BatchSignals):
            return list(signals.annotate_many(conversations))
        assert signals is not None
        return [signals.annotate(c) for c in conversations]

    def _detect(self, conversations: Sequence[Conversation]) -> list[Detected]:
        """Detections of every scored message of all the conversations, in one pass."""
        assert self.detectors is not None
        items = [
            (m.role, m.text if m.public and m.role != "system" else "")
            for c in conversations
            for m in c.messages
        ]
        found = self.detectors.detect(items)
        out, at = [], 0
        for c in conversations:
            out.append(found[at : at + len(c.messages)])
            at += len(c.messages)
        return out

    def score_many(self, conversations: Sequence[Conversation]) -> list[Scorecard]:
        """Score several conversations; learned models see them all at once (faster)."""
        n = len(conversations)
        annotations: Sequence[Annotation | None] = [None] * n
        if self.signals is not None:
            annotations = self._annotate(conversations)
        detections: Sequence[Detected | None] = [None] * n
        if self.detectors is not None:
            detections = self._detect(conversations)
        return [
            self.score(c, a, d)
            for c, a, d in zip(conversations, annotations, detections, strict=True)
        ]

    def score(
        self,
        conversation: Conversation,
        annotation: Annotation | None = None,
        detections: Detected | None = None,
    ) -> Scorecard:
        """The conversation's scorecard; ``annotation`` and ``detections`` when already known."""
        analysis, outcomes = self._analyse(conversation, annotation, detections)
        skills = {s.skill: s.score(analysis) for s in self.scorers}
        messages = _message_signals(analysis)
        return Scorecard(
            conversation_id=conversation.id,
            score=self.overall(skills, analysis, outcomes, messages),
            skills=skills,
            metrics=analysis.metrics,
            agent=primary_agent(analysis),
            messages=messages,
            outcomes=outcomes,
            agents=self._by_agent(analysis, skills),
        )

    def overall(
        self,
        skills: dict[str, SkillScore],
        analysis: Analysis | None = None,
        outcomes: dict[str, Any] | None = None,
        messages: Sequence[dict[str, Any]] = (),
    ) -> float | None:
        """The rubric's overall model (or, without it or without learned outcomes, the weighted
        mean of the observed skills).

        None when there was no exchange to judge (no customer message or no agent reply). A
        critical skill caps the score only on an observed failure with evidence against it.
        """
        if analysis is not None and not (
            analysis.by_role("agent") and analysis.by_role("customer")
        ):
            return None
        observed = {sid: s for sid, s in skills.items() if s.score is not None}
        if not observed:
            return None
        model = self.rubric.overall
        # The model leans on the predicted outcomes; without them (rules only) it would be
        # fitted to inputs it does not have, so the rubric's weighted mean stands in.
        if model is not None and analysis is not None and outcomes is not None:
            row = overall_model.features(skills, analysis.metrics, outcomes, messages)
            score = model.predict(row)
        else:
            score = self._weighted_mean(observed)
        if self._critical_failure(observed):
            score = min(score, self.rubric.critical_cap)
        return round(score, 1)

    def _weighted_mean(self, observed: dict[str, SkillScore]) -> float:
        total = weights = 0.0
        for sid, result in observed.items():
            skill = self.rubric.skills.get(sid)
            weight = skill.weight if skill else 1.0
            total += weight * (result.score or 0.0)
            weights += weight
        return total / weights if weights else 50.0

    def _critical_failure(self, observed: dict[str, SkillScore]) -> bool:
        for sid, result in observed.items():
            skill = self.rubric.skills.get(sid)
            if (
                skill is not None
                and skill.critical
                and (result.score or 0.0) < self.rubric.critical_threshold
                and any(e.weight < 0 for e in result.evidence)
            ):
                return True
        return False

    def _by_agent(
        self, analysis: Analysis, skills: dict[str, SkillScore]
    ) -> dict[str, dict[str, SkillScore]]:
        """Each agent's skills from the evidence quoting their own messages (2+ agents only)."""
        authors = {m.message.author for m in analysis.by_role("agent") if m.message.author}
        if len(authors) < 2:
            return {}
        result: dict[str, dict[str, SkillScore]] = {}
        for author in sorted(authors):
            result[author] = {
                sid: skill_score(analysis, sid, _own(s.evidence, author))
                for sid, s in skills.items()
            }
        return result


# Per-message signals of the dialogue model shown in the scorecard (see learned.TURN_SIGNALS).
TURN_SIGNALS = ("solution_stated", "confirms_solved")


def _own(evidence: list[Evidence], author: str) -> list[Evidence]:
    return [e for e in evidence if e.author == author]


def _message_signals(analysis: Analysis) -> list[dict[str, Any]]:
    chasers = set(chaser_indices(analysis))
    answer = first_straight_answer(analysis)
    hindered = {h.message for h in analysis.metrics.hindrances}
    polite = analysis.signals.get("politeness")
    rows: list[dict[str, Any]] = []
    for m in analysis.messages:
        msg = m.message
        row: dict[str, Any] = {
            "index": m.index,
            "role": msg.role,
            "author": msg.author,
            "department": msg.department,
        }
        if polite is not None:
            value = polite[m.index]
            row["politeness"] = None if value is None else round(value, 4)
        for name in TURN_SIGNALS:
            values = analysis.signals.get(name)
            if values is not None and values[m.index] is not None:
                row[name] = values[m.index]
        if msg.role == "customer":
            row["chaser"] = m.index in chasers
        elif msg.role == "agent":
            row["straight_answer"] = m.index == answer
            row["hindrance"] = m.index in hindered
        if not msg.public:
            row["public"] = False
        rows.append(row)
    return rows
