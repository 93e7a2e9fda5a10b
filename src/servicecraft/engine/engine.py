"""The Engine: scores a conversation against a rubric with every scorer, and explains why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from servicecraft.engine.analysis import Analysis, analyse
from servicecraft.engine.metrics import (
    chaser_indices,
    compute_metrics,
    first_straight_answer,
    primary_agent,
)
from servicecraft.engine.rubric import Rubric, load_rubric
from servicecraft.engine.scorers import Scorer, builtin_scorer
from servicecraft.model import Conversation, Scorecard, SkillScore

Annotation = tuple[Sequence[float | None], Sequence[float | None], dict[str, dict[str, object]]]
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
    "transformer") or any object with the ``Signals`` interface.
    """

    def __init__(
        self,
        rubric: Rubric | str | Path | None = None,
        scorers: Iterable[Scorer] = (),
        *,
        learned: bool | str | Signals = True,
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

    def analyse(self, conversation: Conversation) -> Analysis:
        return self._analyse(conversation)[0]

    def _analyse(
        self, conversation: Conversation, annotation: Annotation | None = None
    ) -> tuple[Analysis, dict[str, dict[str, object]] | None]:
        analysis = analyse(conversation, self.rubric)
        analysis.metrics = compute_metrics(analysis)
        outcomes = None
        if self.signals is not None and conversation.messages:
            polite, empathy, outcomes = annotation or self.signals.annotate(conversation)
            analysis.signals = {"politeness": list(polite), "empathy": list(empathy)}
        return analysis, outcomes

    def score_many(self, conversations: Sequence[Conversation]) -> list[Scorecard]:
        """Score several conversations; batch-capable signals see them all at once."""
        if not isinstance(self.signals, BatchSignals):
            return [self.score(c) for c in conversations]
        annotations = self.signals.annotate_many(conversations)
        return [self.score(c, a) for c, a in zip(conversations, annotations, strict=True)]

    def score(self, conversation: Conversation, annotation: Annotation | None = None) -> Scorecard:
        """The conversation's scorecard; ``annotation`` is the signals' output when it is known."""
        analysis, outcomes = self._analyse(conversation, annotation)
        skills = {s.skill: s.score(analysis) for s in self.scorers}
        return Scorecard(
            conversation_id=conversation.id,
            score=self.overall(skills),
            skills=skills,
            metrics=analysis.metrics,
            agent=primary_agent(analysis),
            messages=_message_signals(analysis),
            outcomes=outcomes,
        )

    def overall(self, skills: dict[str, SkillScore]) -> float | None:
        """Weighted mean of the skills shown; a failed critical skill caps it."""
        total = weights = 0.0
        capped = False
        for sid, result in skills.items():
            if result.score is None:
                continue
            skill = self.rubric.skills.get(sid)
            weight = skill.weight if skill else 1.0
            total += weight * result.score
            weights += weight
            if skill and skill.critical and result.score < self.rubric.critical_threshold:
                capped = True
        if not weights:
            return None
        score = total / weights
        if capped:
            score = min(score, self.rubric.critical_cap)
        return round(score, 1)


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
        if msg.role == "customer":
            row["chaser"] = m.index in chasers
        elif msg.role == "agent":
            row["straight_answer"] = m.index == answer
            row["hindrance"] = m.index in hindered
        if not msg.public:
            row["public"] = False
        rows.append(row)
    return rows
