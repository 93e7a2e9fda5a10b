"""Fit the overall score (and per-skill offsets) to an organisation's own reviewers.

``calibrate(cards, reviews)`` takes scorecards and human reviews of the same conversations
and returns a rubric (YAML) whose learned overall follows those reviewers, with the agreement
before and after, cross-validated, so that "after" describes conversations the fit never saw.
The command line (``servicecraft calibrate``) and the app both call it.

A review: ``{"conversation_id", "reviewer", "score": 0-100 (optional), "skills": {"<skill
id>": 0-100 or null} (optional), "comment"}``; several reviewers per conversation are normal
(their mean is the target).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import yaml

from servicecraft._fitting import Fit, anchored_fit, fit, one_se, spearman
from servicecraft.engine.overall import CENTRE, SPREAD, OverallModel, feature_names, features
from servicecraft.model import Rejection, Scorecard

__all__ = [
    "CalibrationResult",
    "Fit",
    "Review",
    "anchored_fit",
    "calibrate",
    "fit",
    "parse_review",
    "read_reviews",
    "spearman",
    "to_judgement",
    "to_score",
]

MIN_REVIEWED = 20  # conversations with an overall review, fewer and the fit is noise
MIN_SKILL_PAIRS = 10  # reviewed and observed, before a skill gets an offset
SHARES = (0.1, 0.2, 0.3)  # candidate points of overall per point of the mean observed skill
# What calibrate did, in words (CalibrationResult.approach).
REFITTED = "refitted from the reviews alone"
MOVED = "the base overall, moved toward the reviews"
RECENTRED = (
    "the base overall, recentred and rescaled to the reviews (they did not clearly support more)"
)


@dataclass(frozen=True)
class Review:
    conversation_id: str
    reviewer: str
    score: float | None = None
    skills: dict[str, float | None] = field(default_factory=dict)
    comment: str | None = None


def parse_review(raw: Any) -> Review:
    """A review from one decoded JSON object; ValueError names the rule it breaks."""
    if not isinstance(raw, dict):
        raise ValueError("a review must be a JSON object")
    cid, reviewer = raw.get("conversation_id"), raw.get("reviewer")
    if not isinstance(cid, str | int) or isinstance(cid, bool) or str(cid) == "":
        raise ValueError("'conversation_id' must be a non-empty string")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ValueError("'reviewer' must be a non-empty string")
    score = _grade(raw.get("score"), "score")
    skills_raw = raw.get("skills") or {}
    if not isinstance(skills_raw, dict):
        raise ValueError("'skills' must be an object of skill id to 0-100 or null")
    skills = {str(k): _grade(v, f"skills.{k}") for k, v in skills_raw.items()}
    if score is None and all(v is None for v in skills.values()):
        raise ValueError("a review needs a 'score' or at least one skill score")
    comment = raw.get("comment")
    return Review(
        str(cid), reviewer.strip(), score, skills, None if comment is None else str(comment)
    )


def _grade(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise ValueError(f"'{name}' must be a number from 0 to 100 or null")
    return float(value)


def read_reviews(path: Path) -> Iterator[Review | Rejection]:
    """Each line's review, or a Rejection naming the file, the line and the reason."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield parse_review(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                yield Rejection(str(path), f"line {number}", f"invalid JSON: {exc}")
            except ValueError as exc:
                yield Rejection(str(path), f"line {number}", str(exc))


def to_judgement(score: float) -> float:
    """A 0..100 review on the -2..2 scale the model is fitted on."""
    return (score - CENTRE) / SPREAD


def to_score(judgement: float) -> float:
    return min(100.0, max(0.0, CENTRE + SPREAD * judgement))


# ------------------------------------------------------------------------ calibrating


@dataclass
class CalibrationResult:
    """What a calibration found; ``message`` says why nothing was fitted, when nothing was."""

    rubric_yaml: str | None
    before: dict[str, float]
    after: dict[str, float]
    n_used: int
    offsets: dict[str, float] = field(default_factory=dict)
    message: str | None = None
    explanation: list[str] = field(default_factory=list)
    approach: str = ""  # which fit won: refitted, the base moved, or the base recentred


def _agreement(predicted: Sequence[float], truth: Sequence[float]) -> dict[str, float]:
    p, t = np.asarray(predicted, dtype=float), np.asarray(truth, dtype=float)
    return {
        "spearman": round(spearman(p, t), 3),
        "mae": round(float(np.mean(np.abs(p - t))), 1),
        "n": len(p),
    }


def calibrate(
    cards: Sequence[Scorecard],
    reviews: Sequence[Review],
    base_rubric: str = "default",
    name: str = "calibrated",
    base_model: OverallModel | None = None,
) -> CalibrationResult:
    """Fit the overall to the reviews' mean score per conversation (and skill offsets).

    ``base_rubric`` is what the new rubric extends: "default" or a rubric file's path;
    ``base_model`` the overall the cards were scored with (by default that rubric's). The
    fit is the base moved toward the reviews, or one refitted from scratch, whichever
    cross-validates better.
    """
    by_id = {c.conversation_id: c for c in cards}
    overall: dict[str, list[float]] = defaultdict(list)
    skills: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in reviews:
        if r.conversation_id not in by_id:
            continue
        if r.score is not None:
            overall[r.conversation_id].append(r.score)
        for sid, value in r.skills.items():
            if value is not None:
                skills[(r.conversation_id, sid)].append(value)
    reviewed = [cid for cid in by_id if overall.get(cid)]
    if len(reviewed) < MIN_REVIEWED:
        return CalibrationResult(
            None,
            {},
            {},
            len(reviewed),
            message=(
                f"calibration needs overall scores for at least {MIN_REVIEWED} reviewed "
                f"conversations; found {len(reviewed)} ({MIN_REVIEWED - len(reviewed)} more needed)"
            ),
        )
    used = [by_id[cid] for cid in reviewed]
    truth = [float(np.mean(overall[cid])) for cid in reviewed]
    rows = [features(c.skills, c.metrics, c.outcomes, c.messages) for c in used]
    targets = [to_judgement(t) for t in truth]
    names = feature_names(list(used[0].skills))
    fits = _candidates(rows, targets, names, len(reviewed), base_model or _base_model(base_rubric))
    # The simplest fit (last) unless a more flexible one is clearly better: the one-standard-
    # error rule, as for the corrections' penalty.
    approach, fitted = fits[one_se([(f.predictions - np.array(targets)) ** 2 for _, f in fits])]
    before = _agreement([c.score if c.score is not None else CENTRE for c in used], truth)
    after = _agreement([to_score(p) for p in fitted.predictions], truth)
    offsets = _offsets(by_id, skills)
    return CalibrationResult(
        _rubric_yaml(base_rubric, name, fitted.model, offsets),
        before,
        after,
        len(reviewed),
        offsets,
        explanation=fitted.model.explain(),
        approach=approach,
    )


def _candidates(
    rows: Sequence[Mapping[str, float | None]],
    targets: Sequence[float],
    names: Sequence[str],
    n: int,
    base: OverallModel | None,
) -> list[tuple[str, Fit]]:
    """Fits from scratch, one per skill share (never below the floor: better handling must
    still count), then the base moved toward the reviews and the base only recentred."""
    reviewed = f"{n} conversations reviewed by the organisation"
    fits = [
        (REFITTED, fit(rows, targets, names, fitted_on=reviewed, skill_share=share))
        for share in SHARES
    ]
    if base is not None:
        then = f"{base.fitted_on or 'the base rubric'}; then {reviewed}"
        fits += [
            (label, anchored_fit(base, rows, targets, names, fitted_on=then, corrections=more))
            for label, more in ((MOVED, True), (RECENTRED, False))
        ]
    return fits


def _base_model(base_rubric: str) -> OverallModel | None:
    from servicecraft.engine import load_rubric

    return load_rubric(None if base_rubric == "default" else base_rubric).overall


def _offsets(
    cards: Mapping[str, Scorecard], reviewed: Mapping[tuple[str, str], list[float]]
) -> dict[str, float]:
    """Per skill, the reviewers' mean difference from the engine, shrunk toward 0 when few."""
    gaps: dict[str, list[float]] = defaultdict(list)
    for (cid, sid), values in reviewed.items():
        engine = cards[cid].skills.get(sid)
        if engine is not None and engine.score is not None:
            gaps[sid].append(float(np.mean(values)) - engine.score)
    offsets = {}
    for sid, diffs in sorted(gaps.items()):
        if len(diffs) >= MIN_SKILL_PAIRS:
            shrunk = float(np.mean(diffs)) * len(diffs) / (len(diffs) + MIN_SKILL_PAIRS)
            if abs(shrunk) >= 1.0:
                offsets[sid] = round(shrunk, 1)
    return offsets


def _rubric_yaml(base: str, name: str, model: OverallModel, offsets: Mapping[str, float]) -> str:
    raw: dict[str, Any] = {"extends": base, "name": name, "overall": model.to_dict()}
    if offsets:
        raw["skills"] = {sid: {"offset": v} for sid, v in offsets.items()}
    header = (
        "# Written by servicecraft calibrate: the overall fitted to the organisation's reviews.\n"
    )
    lines = "".join(f"#   {line}\n" for line in model.explain())
    return header + "# What moves it most:\n" + lines + yaml.safe_dump(raw, sort_keys=False)
