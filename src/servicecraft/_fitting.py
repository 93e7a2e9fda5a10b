"""Fitting the overall: sign-constrained ridge with nested cross-validation, from scratch or
anchored on a base model (the machinery behind ``servicecraft.calibration`` and the shipped
overall's build)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from servicecraft.engine.overall import CENTRE, SKILL_SHARE, SPREAD, OverallModel

ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
ANCHORED = 1e9  # a penalty that keeps the base model's weights as they are
SEED = 0


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


def _column_means(x: np.ndarray) -> np.ndarray:
    """Each column's mean over its observed (non-NaN) values; NaN for a column never observed
    (a rare skill in a small fold), without np.nanmean's warning about it."""
    seen = (~np.isnan(x)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, np.nansum(x, axis=0) / np.maximum(seen, 1), np.nan)


def _ridge_once(
    x: np.ndarray, y: np.ndarray, alpha: float, active: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    fill = np.nan_to_num(_column_means(x))  # a column never observed here fills with 0
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


def anchored_fit(
    base: OverallModel,
    rows: Sequence[Mapping[str, float | None]],
    targets: Sequence[float],
    names: Sequence[str],
    folds: int = 5,
    fitted_on: str = "",
    corrections: bool = True,
) -> Fit:
    """The base model moved toward the reviews only as far as they support: a new centre and
    scale for its judgement, plus (with ``corrections``) ridge corrections to its weights,
    their penalty chosen by nested CV.

    With an infinite penalty it is the base model recentred and rescaled, so a few reviews
    cannot undo what the base learned from many (refitting from scratch on 125 of DCH-1's
    dialogues lost about 0.05 of Spearman on the other 125; benchmarks/judgement.py).
    """
    x, y = _matrix(rows, names), np.asarray(targets, dtype=float)
    start = np.array([base.judgement(r) for r in rows])
    fill = np.array([base.fill.get(n, np.nan) for n in names])
    sample = np.nan_to_num(_column_means(x))
    fill = np.where(np.isnan(fill), sample, fill)
    filled = np.where(np.isnan(x), fill, x)
    folds = max(2, min(folds, len(y) // 5))
    predictions = _anchor_cross_predict(filled, start, y, fill, folds, None, corrections)
    alpha = _anchor_alpha(filled, start, y, fill, folds, corrections)
    a, b, delta = _anchor_solve(filled, start, y, fill, alpha)
    weights = {
        n: b * base.weights.get(n, 0.0) + float(d) for n, d in zip(names, delta, strict=True)
    }
    weights |= {n: b * w for n, w in base.weights.items() if n not in weights}
    used = dict(zip(names, (float(f) for f in fill), strict=True))
    fills = {n: base.fill.get(n, used.get(n, 0.0)) for n in weights}
    # A weight of the wrong sign is dropped, its effect at the fill value kept in the intercept.
    kept = {n: w for n, w in weights.items() if w * _sign(n) >= 0 and w != 0}
    dropped = sum(w * fills[n] for n, w in weights.items() if n not in kept)
    model = OverallModel(
        intercept=a + b * base.intercept - float(delta @ fill) + dropped,
        weights=kept,
        fill={n: fills[n] for n in kept} | {"skills.mean": base.fill.get("skills.mean", CENTRE)},
        fitted_on=fitted_on,
        skill_share=b * base.skill_share,
    )
    return Fit(model, alpha, predictions, len(y))


def _anchor_solve(
    x: np.ndarray, start: np.ndarray, y: np.ndarray, fill: np.ndarray, alpha: float
) -> tuple[float, float, np.ndarray]:
    """y ~ a + b * start + (x - fill) @ delta, delta's standardised size penalised by alpha;
    b stays at 0 or above (reviewers may weigh the base less, never against it)."""
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    z = (x - fill) / scale
    for columns in ([np.ones(len(y)), start], [np.ones(len(y))]):
        design = np.column_stack([*columns, z])
        penalty = np.diag([0.0] * len(columns) + [alpha] * z.shape[1])
        coef = np.linalg.solve(
            design.T @ design + penalty + 1e-9 * np.eye(len(penalty)), design.T @ y
        )
        b = float(coef[1]) if len(columns) == 2 else 0.0
        if b >= 0:
            return float(coef[0]), b, coef[len(columns) :] / scale
    raise AssertionError("unreachable: the second design has no b")


def _anchor_predict(
    x: np.ndarray, start: np.ndarray, fill: np.ndarray, a: float, b: float, delta: np.ndarray
) -> np.ndarray:
    result: np.ndarray = a + b * start + (x - fill) @ delta
    return result


def _anchor_cross_predict(
    x: np.ndarray,
    start: np.ndarray,
    y: np.ndarray,
    fill: np.ndarray,
    folds: int,
    alpha: float | None,
    corrections: bool = True,
) -> np.ndarray:
    """Out-of-fold predictions; with ``alpha`` None the penalty is chosen inside each fold."""
    parts = _parts(len(y), folds, SEED + 3 - (alpha is None))  # outer folds 2, inner 3
    pred = np.zeros(len(y))
    for k, held in enumerate(parts):
        train = np.concatenate([q for j, q in enumerate(parts) if j != k])
        a = alpha
        if a is None:
            a = _anchor_alpha(x[train], start[train], y[train], fill, folds, corrections)
        solved = _anchor_solve(x[train], start[train], y[train], fill, a)
        pred[held] = _anchor_predict(x[held], start[held], fill, *solved)
    return pred


def _anchor_alpha(
    x: np.ndarray,
    start: np.ndarray,
    y: np.ndarray,
    fill: np.ndarray,
    folds: int,
    corrections: bool = True,
) -> float:
    """The strongest penalty, up to ANCHORED (no corrections), whose cross-validated error is
    within one standard error of the best: few reviews are noisy, so the base is kept unless
    they clearly say otherwise."""
    if not corrections:
        return ANCHORED
    candidates = (*ALPHAS, ANCHORED)
    errors = [(_anchor_cross_predict(x, start, y, fill, folds, a) - y) ** 2 for a in candidates]
    return candidates[one_se(errors)]


def one_se(errors: Sequence[np.ndarray]) -> int:
    """The last of ``errors`` (per-item squared errors of candidates on the same items,
    simplest last) whose mean exceeds the best's by less than one standard error of their
    paired difference."""
    means = [float(np.mean(e)) for e in errors]
    best = int(np.argmin(means))
    n = np.sqrt(max(1, len(errors[best])))
    return max(
        k
        for k, e in enumerate(errors)
        if means[k] - means[best] <= float(np.std(e - errors[best])) / n
    )


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
