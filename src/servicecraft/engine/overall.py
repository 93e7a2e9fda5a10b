"""The overall score: a linear model of human judgement, fitted and explained in the rubric.

The default rubric's model is fitted to DCH-1's annotators (19 people judged each real
helpdesk dialogue: was the problem solved, were they satisfied, was the help effective) by
``servicecraft models build``; ``servicecraft calibrate`` refits it to an organisation's own
reviewers. Its inputs are what the scorecard shows: the observed skills (an unobserved skill
enters at its typical value, so it neither helps nor hurts), the metrics, the learned outcome
predictions and the strongest per-reply signals. Whether a skill was observed is left out on
purpose: it says more about the customer (an upset one, say) than about the agent. Its output
is on the reviewers' scale: 0..100, 50 neutral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from servicecraft.model import Metrics, SkillScore

OUTCOMES = ("resolution", "satisfaction", "effectiveness")
METRICS = ("handoffs", "chasers", "one_touch", "straight_answer_late", "hindrances")
# The dialogue model's per-message judgements, at their strongest in the conversation.
SIGNALS = ("solution_stated", "confirms_solved")
SIGNAL_WORDS = {
    "solution_stated": "the chance that a reply states the solution",
    "confirms_solved": "the chance that the customer confirms it is solved",
}
CENTRE, SPREAD = 50.0, 25.0  # a judgement of -2..2 maps to 0..100
# Points of overall per point of the mean observed skill, fixed rather than fitted: on DCH-1
# the skills carry little of the annotators' judgement (courtesy there goes with deflection),
# yet a conversation handled better in one skill must not score lower overall. 0.3 costs
# about 0.03 of Spearman on the held-out split (benchmarks/judgement.py, docs/models.md).
SKILL_SHARE = 0.3


def feature_names(skills: Sequence[str]) -> list[str]:
    return (
        [f"outcome.{o}" for o in OUTCOMES]
        + [f"skill.{s}" for s in skills]
        + [f"metric.{m}" for m in METRICS]
        + [f"signal.{s}" for s in SIGNALS]
    )


def features(
    skills: Mapping[str, SkillScore],
    metrics: Metrics,
    outcomes: Mapping[str, Any] | None,
    messages: Sequence[Mapping[str, Any]] = (),
) -> dict[str, float | None]:
    """The model's inputs from a scorecard's parts; None where a value is missing."""
    row: dict[str, float | None] = {}
    observed = [s.score for s in skills.values() if s.score is not None]
    row["skills.mean"] = sum(observed) / len(observed) if observed else None
    for name in SIGNALS:
        values = [m[name] for m in messages if m.get(name) is not None]
        row[f"signal.{name}"] = max(values) if values else None
    for name in OUTCOMES:
        outcome = (outcomes or {}).get(name)
        row[f"outcome.{name}"] = None if outcome is None else float(outcome["expected"])
    for sid, s in skills.items():
        row[f"skill.{sid}"] = s.score
        row[f"observed.{sid}"] = float(s.score is not None)
    late = metrics.customer_messages_before_straight_answer
    row["metric.handoffs"] = float(min(metrics.handoffs, 3))
    row["metric.chasers"] = float(min(metrics.chasers, 3))
    row["metric.one_touch"] = float(metrics.one_touch)
    row["metric.straight_answer_late"] = None if late is None else float(min(late, 4))
    row["metric.hindrances"] = float(min(len(metrics.hindrances), 3))
    return row


@dataclass(frozen=True)
class OverallModel:
    """``CENTRE + SPREAD * (intercept + sum(weight * value))``, clipped to 0..100.

    ``fill`` is the value a missing input takes (its mean where the model was fitted), so a
    skill that was not observed neither helps nor hurts. ``skill_share`` adds that many points
    per point of the mean observed skill above its fill (see SKILL_SHARE).
    """

    intercept: float
    weights: dict[str, float]
    fill: dict[str, float] = field(default_factory=dict)
    fitted_on: str = ""
    skill_share: float = 0.0

    def predict(self, row: Mapping[str, float | None]) -> float:
        return round(min(100.0, max(0.0, CENTRE + SPREAD * self.judgement(row))), 1)

    def judgement(self, row: Mapping[str, float | None]) -> float:
        """The model's judgement on the -2..2 scale, before it becomes a 0..100 score."""
        z = self.intercept
        mean = row.get("skills.mean")
        if self.skill_share and mean is not None:
            z += self.skill_share / SPREAD * (mean - self.fill.get("skills.mean", CENTRE))
        for name, w in self.weights.items():
            value = row.get(name)
            z += w * (self.fill.get(name, 0.0) if value is None else value)
        return z

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "learned",
            "fitted_on": self.fitted_on,
            "intercept": round(self.intercept, 6),
            "skill_share": self.skill_share,
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "fill": {k: round(v, 4) for k, v in self.fill.items()},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> OverallModel:
        weights = raw.get("weights")
        if not isinstance(weights, Mapping) or not weights:
            raise ValueError("'overall.weights' must be a non-empty mapping")
        return cls(
            intercept=float(raw.get("intercept", 0.0)),
            weights={str(k): float(v) for k, v in weights.items()},
            fill={str(k): float(v) for k, v in (raw.get("fill") or {}).items()},
            fitted_on=str(raw.get("fitted_on", "")),
            skill_share=float(raw.get("skill_share", 0.0)),
        )

    def explain(self, top: int = 6) -> list[str]:
        """The inputs that move the score most, in plain words, strongest first."""
        spans = {"outcome": 4.0, "skill": 100.0, "observed": 1.0, "metric": 3.0, "signal": 1.0}
        moves = sorted(
            (
                (name, w * spans.get(name.split(".")[0], 1.0) * SPREAD)
                for name, w in self.weights.items()
            ),
            key=lambda kv: -abs(kv[1]),
        )
        return [
            f"{_plain(name)}: up to {abs(pts):.0f} points {'up' if pts > 0 else 'down'}"
            for name, pts in moves[:top]
        ]


def _plain(name: str) -> str:
    kind, _, what = name.partition(".")
    return {
        "outcome": f"predicted {what}",
        "skill": f"the {what} score",
        "observed": f"{what} being observed",
        "metric": what.replace("_", " "),
        "signal": SIGNAL_WORDS.get(what, f"the strongest chance of {what.replace('_', ' ')}"),
    }.get(kind, name)
