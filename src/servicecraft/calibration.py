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

from servicecraft.engine.overall import (
    CENTRE,
    SKILL_SHARE,
    SPREAD,
    OverallModel,
    feature_names,
    features,
)
from servicecraft.model import Rejection, Scorecard

MIN_REVIEWED = 20  # conversations with an overall review, fewer and the fit is noise
MIN_SKILL_PAIRS = 10  # reviewed and observed, before a skill gets an offset
SHARES = (0.1, 0.2, 0.3)  # candidate points of overall per point of the mean observed skill
ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
SEED = 0


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


# ----------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Fit:
    model: OverallModel
    alpha: float
    predictions: np.ndarray  # cross-validated, on the judgement scale
    n: int


def _matrix(rows: Sequence[Mapping[str, float | None]], names: Sequence[str]) -> np.ndarray:
    return np.array(
        [[np.nan if r.get(n) is None else r[n] for n in names] for r in rows], dtype=float
    ).reshape(len(rows), len(names))


# The sign each input's weight may take: a better skill, a likelier good outcome or one touch
# never lowers the overall; a handoff, a chaser or a hindrance never raises it. Without these,
# a fit would learn quirks of its sample (on DCH-1, courtesy goes with deflection) that a user
# could not trust. Inputs not named here may take either sign.
SIGNS = {"outcome": 1.0, "skill": 1.0, "signal": 1.0, "metric.one_touch": 1.0}
SIGNS |= {
    f"metric.{m}": -1.0 for m in ("handoffs", "chasers", "straight_answer_late", "hindrances")
}


def _sign(name: str) -> float:
    return SIGNS.get(name, SIGNS.get(name.split(".")[0], 0.0))


def _ridge(
    x: np.ndarray, y: np.ndarray, alpha: float, signs: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray]:
    """Ridge on standardised columns, weights with a wrong sign dropped and the rest refitted
    (an active set); returns weights in raw units, intercept, fill values."""
    active = np.ones(x.shape[1], dtype=bool)
    while True:
        raw, b, fill = _ridge_once(x, y, alpha, active)
        wrong = active & (signs is not None) & (raw * (signs if signs is not None else 0) < 0)
        if not wrong.any():
            return raw, b, fill
        active &= ~wrong


def _ridge_once(
    x: np.ndarray, y: np.ndarray, alpha: float, active: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    with np.errstate(all="ignore"):
        fill = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
    fill = np.where(np.isnan(fill), 0.0, fill)
    filled = np.where(np.isnan(x), fill, x)
    scale = filled.std(0)
    scale[scale < 1e-9] = 1.0
    z = (filled - fill) / scale * active
    w = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    raw = w / scale * active
    return raw, float(y.mean() - fill @ raw), fill


def _predict(x: np.ndarray, raw: np.ndarray, intercept: float, fill: np.ndarray) -> np.ndarray:
    result: np.ndarray = intercept + np.where(np.isnan(x), fill, x) @ raw
    return result


def _parts(n: int, folds: int, seed: int) -> list[np.ndarray]:
    return np.array_split(np.random.default_rng(seed).permutation(n), folds)


def _cross_predict(
    x: np.ndarray, y: np.ndarray, folds: int, alpha: float | None, signs: np.ndarray
) -> np.ndarray:
    """Out-of-fold predictions; with ``alpha`` None the penalty is chosen inside each fold."""
    parts = _parts(len(y), folds, SEED + (alpha is None))
    pred = np.zeros(len(y))
    for k, test in enumerate(parts):
        train = np.concatenate([p for j, p in enumerate(parts) if j != k])
        a = alpha if alpha is not None else _choose_alpha(x[train], y[train], folds, signs)
        raw, b, fill = _ridge(x[train], y[train], a, signs)
        pred[test] = _predict(x[test], raw, b, fill)
    return pred


def _choose_alpha(x: np.ndarray, y: np.ndarray, folds: int, signs: np.ndarray) -> float:
    errors = [float(np.mean((_cross_predict(x, y, folds, a, signs) - y) ** 2)) for a in ALPHAS]
    return ALPHAS[int(np.argmin(errors))]


def fit(
    rows: Sequence[Mapping[str, float | None]],
    targets: Sequence[float],
    names: Sequence[str],
    folds: int = 5,
    fitted_on: str = "",
    skill_share: float = SKILL_SHARE,
) -> Fit:
    """Ridge of ``targets`` (the -2..2 judgement scale) on the named inputs, nested CV, with
    the mean observed skill's fixed share (``skill_share`` points per point) taken out first.

    The penalty is chosen by an inner cross-validation; ``predictions`` repeat that choice
    inside each outer fold, so agreement measured on them is honest for unseen conversations.
    """
    x, y = _matrix(rows, names), np.asarray(targets, dtype=float)
    means = _matrix(rows, ["skills.mean"])[:, 0]
    centre = float(np.nanmean(means)) if np.isfinite(means).any() else CENTRE
    fixed = skill_share / SPREAD * (np.where(np.isnan(means), centre, means) - centre)
    y = y - fixed
    keep = ~np.all(np.isnan(x), axis=0) & (np.nanstd(np.where(np.isnan(x), 0, x), axis=0) > 0)
    x, kept = x[:, keep], [n for n, k in zip(names, keep, strict=True) if k]
    folds = max(2, min(folds, len(y) // 5))
    signs = np.array([_sign(n) for n in kept])
    predictions = _cross_predict(x, y, folds, None, signs) + fixed
    alpha = _choose_alpha(x, y, folds, signs)
    raw, b, fill = _ridge(x, y, alpha, signs)
    model = OverallModel(
        intercept=b,
        weights={n: float(w) for n, w in zip(kept, raw, strict=True) if w != 0},
        fill={n: float(f) for n, f, w in zip(kept, fill, raw, strict=True) if w != 0}
        | {"skills.mean": centre},
        fitted_on=fitted_on,
        skill_share=skill_share,
    )
    return Fit(model, alpha, predictions, len(y))


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rho with average ranks for ties."""
    x, y = _ranks(np.asarray(a, dtype=float)), _ranks(np.asarray(b, dtype=float))
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    for v in np.unique(values):  # ties share their mean rank
        tied = values == v
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return ranks


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
) -> CalibrationResult:
    """Fit the overall to the reviews' mean score per conversation (and skill offsets).

    ``base_rubric`` is what the new rubric extends: "default" or a rubric file's path.
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
    # The skills' fixed share is chosen too (never below SHARE_FLOOR: better handling must
    # still count), by the cross-validated error of each candidate's fit.
    fits = [
        fit(
            rows,
            targets,
            names,
            fitted_on=f"{len(reviewed)} conversations reviewed by the organisation",
            skill_share=share,
        )
        for share in SHARES
    ]
    fitted = min(fits, key=lambda f: float(np.mean((f.predictions - np.array(targets)) ** 2)))
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
    )


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
