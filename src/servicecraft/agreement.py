"""Agreement between graders: Krippendorff's alpha, pairwise differences, leniency, Spearman.

Pure NumPy, written from the published definitions (the ``krippendorff`` and
``pingouin`` packages are GPL). The input everywhere is a reliability matrix:
one row per unit (a conversation), one column per grader, NaN where that grader
gave no grade (or said N/A). Checked against Krippendorff's worked example in
"Computing Krippendorff's Alpha-Reliability" (2011) and against SciPy's Spearman.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
Matrix = NDArray[np.float64]
Grades = Sequence[Sequence[float | None]] | Matrix  # units × graders, None/NaN = no grade


def as_matrix(data: Grades) -> Matrix:
    """Units × graders as floats, None becoming NaN."""
    if isinstance(data, np.ndarray):
        return np.asarray(data, dtype=np.float64).reshape(len(data), -1)
    rows = [[np.nan if v is None else float(v) for v in row] for row in data]
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def _vector(values: Sequence[float | None]) -> Matrix:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _coincidences(matrix: Matrix) -> tuple[Matrix, Matrix]:
    """The distinct values and their coincidence matrix (Krippendorff 2011, section B)."""
    values = np.unique(matrix[~np.isnan(matrix)])
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for row in matrix:
        present = row[~np.isnan(row)]
        m = len(present)
        if m < 2:  # a unit graded once has nothing to agree with
            continue
        counts = np.zeros(len(values))
        for v in present:
            counts[index[v]] += 1
        # Every ordered pair of grades from different graders, weighted 1/(m-1).
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    return values, o


def _distances(values: Matrix, totals: Matrix, level: Level) -> Matrix:
    """Squared difference δ² between every pair of values, for the metric of the level."""
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return np.asarray(c != k, dtype=np.float64)
    if level == "interval":
        return np.asarray((c - k) ** 2, dtype=np.float64)
    if level == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(total == 0, 0.0, ((c - k) / np.where(total == 0, 1, total)) ** 2)
        return np.asarray(d, dtype=np.float64)
    # ordinal: the marginal counts between the two ranks, less half of the two ends
    cum = np.concatenate([[0.0], np.cumsum(totals)])
    i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    between = cum[hi + 1] - cum[lo]
    return np.asarray((between - (totals[i] + totals[j]) / 2) ** 2, dtype=np.float64)


def krippendorff_alpha(data: Grades, level: Level = "interval") -> float | None:
    """Krippendorff's alpha of a units × graders matrix (NaN or None = missing).

    None when it is undefined: fewer than two pairable grades, or every grade the same
    value (no variation to agree about).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    matrix = as_matrix(data)
    values, o = _coincidences(matrix)
    totals = o.sum(axis=1)
    n = totals.sum()
    if n < 2 or len(values) < 2:
        return None
    delta = _distances(values, totals, level)
    expected = (np.outer(totals, totals) * delta).sum()
    if expected == 0:
        return None
    observed = (o * delta).sum()
    return float(1.0 - (n - 1) * observed / expected)


def pairwise_mad(matrix: Matrix) -> dict[tuple[int, int], float]:
    """Mean absolute difference of every pair of graders over the units both graded."""
    out: dict[tuple[int, int], float] = {}
    for a, b in combinations(range(matrix.shape[1]), 2):
        both = ~np.isnan(matrix[:, a]) & ~np.isnan(matrix[:, b])
        if both.any():
            out[(a, b)] = float(np.abs(matrix[both, a] - matrix[both, b]).mean())
    return out


def consensus(matrix: Matrix) -> Matrix:
    """Each unit's mean grade over the graders who graded it (NaN where none did)."""
    present = ~np.isnan(matrix)
    counts = present.sum(axis=1)
    sums = np.where(present, matrix, 0.0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def leniency(matrix: Matrix) -> list[float | None]:
    """Per grader: mean of (their grade − the others' mean grade) over units others graded too.

    Negative is stricter than the others, positive more lenient; None when the grader
    shares no unit with anyone.
    """
    out: list[float | None] = []
    for g in range(matrix.shape[1]):
        others = np.delete(matrix, g, axis=1)
        other_mean = consensus(others) if others.shape[1] else np.full(len(matrix), np.nan)
        both = ~np.isnan(matrix[:, g]) & ~np.isnan(other_mean)
        out.append(float((matrix[both, g] - other_mean[both]).mean()) if both.any() else None)
    return out


def ranks(values: Sequence[float] | Matrix) -> Matrix:
    """Ranks from 1, ties sharing their average rank (as SciPy's ``rankdata``)."""
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    # Runs of equal values: each gets the mean of the ranks it spans.
    starts = np.flatnonzero(np.concatenate([[True], sorted_x[1:] != sorted_x[:-1]]))
    ends = np.concatenate([starts[1:], [len(x)]])
    out = np.empty(len(x))
    for s, e in zip(starts, ends, strict=True):
        out[order[s:e]] = (s + e + 1) / 2
    return out


def spearman(x: Sequence[float | None], y: Sequence[float | None]) -> float | None:
    """Spearman's rank correlation over the pairs where both are present; None if undefined."""
    a, b = _vector(x), _vector(y)
    if len(a) != len(b):
        raise ValueError("x and y differ in length")
    keep = ~np.isnan(a) & ~np.isnan(b)
    if keep.sum() < 3:
        return None
    ra, rb = ranks(a[keep]), ranks(b[keep])
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def mean_absolute_error(x: Sequence[float | None], y: Sequence[float | None]) -> float | None:
    a, b = _vector(x), _vector(y)
    keep = ~np.isnan(a) & ~np.isnan(b)
    return float(np.abs(a[keep] - b[keep]).mean()) if keep.any() else None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of one skill (or the overall) in a calibration: graders and AutoQA."""

    graded_units: int  # units with at least two grades (what alpha can use)
    alpha: float | None  # Krippendorff's alpha, interval
    mean_pairwise_difference: float | None
    pairwise: dict[tuple[str, str], float]
    leniency: dict[str, float | None]  # grader → mean signed difference from the others
    strictest: str | None
    most_lenient: str | None
    autoqa_spearman: float | None  # AutoQA vs the graders' consensus
    autoqa_mae: float | None
    autoqa_units: int  # units where both AutoQA and a consensus exist


def agreement(
    grades: Matrix, graders: Sequence[str], autoqa: Sequence[float | None] | None = None
) -> Agreement:
    """Everything a calibration session shows for one skill."""
    pairs = pairwise_mad(grades)
    lenient = leniency(grades)
    known = [(v, g) for g, v in zip(graders, lenient, strict=True) if v is not None]
    # Strictest and most lenient only mean something when the graders differ at all.
    spread = len(known) >= 2 and max(v for v, _ in known) > min(v for v, _ in known)
    centre = consensus(grades)
    auto = list(autoqa) if autoqa is not None else [None] * len(grades)
    both = [(a, c) for a, c in zip(auto, centre.tolist(), strict=True) if a is not None and c == c]
    return Agreement(
        graded_units=int(((~np.isnan(grades)).sum(axis=1) >= 2).sum()),
        alpha=krippendorff_alpha(grades, "interval"),
        mean_pairwise_difference=float(np.mean(list(pairs.values()))) if pairs else None,
        pairwise={(graders[a], graders[b]): v for (a, b), v in pairs.items()},
        leniency=dict(zip(graders, lenient, strict=True)),
        strictest=min(known)[1] if spread else None,
        most_lenient=max(known)[1] if spread else None,
        autoqa_spearman=spearman([a for a, _ in both], [c for _, c in both]),
        autoqa_mae=mean_absolute_error([a for a, _ in both], [c for _, c in both]),
        autoqa_units=len(both),
    )
