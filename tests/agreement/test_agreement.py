"""The agreement statistics against published worked examples and SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecraft.agreement import (
    agreement,
    as_matrix,
    consensus,
    krippendorff_alpha,
    leniency,
    mean_absolute_error,
    pairwise_mad,
    ranks,
    spearman,
)

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: four
# observers, twelve units, missing values; the paper gives alpha for each metric.
_: None = None
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
UNITS = [list(column) for column in zip(*OBSERVERS, strict=True)]  # units × observers


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_worked_example(level: str, published: float) -> None:
    alpha = krippendorff_alpha(UNITS, level)  # type: ignore[arg-type]
    assert alpha is not None
    assert round(alpha, 3) == published


def test_krippendorff_binary_example() -> None:
    # The same paper, section A: two observers, ten units, binary data, alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    alpha = krippendorff_alpha(list(zip(a, b, strict=True)), "nominal")
    assert alpha is not None and round(alpha, 3) == 0.095


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation() -> None:
    assert krippendorff_alpha([[10, 10], [50, 50], [90, 90]]) == 1.0
    assert krippendorff_alpha([[70, 70], [70, 70]]) is None  # nothing varies
    assert krippendorff_alpha([[70, _], [_, 40]]) is None  # no unit graded twice


def test_alpha_does_not_depend_on_grader_or_unit_order() -> None:
    shuffled = [list(reversed(row)) for row in reversed(UNITS)]
    assert krippendorff_alpha(shuffled) == pytest.approx(krippendorff_alpha(UNITS))


def test_alpha_falls_with_systematic_disagreement() -> None:
    agree = [[20, 22], [50, 52], [80, 78], [60, 61]]
    offset = [[20, 45], [50, 75], [80, 100], [60, 85]]
    a, b = krippendorff_alpha(agree), krippendorff_alpha(offset)
    assert a is not None and b is not None and a > 0.95 > b


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(UNITS, "cardinal")  # type: ignore[arg-type]


def test_pairwise_mad_and_consensus() -> None:
    m = as_matrix([[10, 20, _], [50, 50, 60], [_, 30, 90]])
    assert pairwise_mad(m) == {(0, 1): 5.0, (0, 2): 10.0, (1, 2): 35.0}
    assert consensus(m).tolist() == [15.0, pytest.approx(160 / 3), 60.0]


def test_leniency_names_the_strict_and_the_lenient() -> None:
    # Grader "b" grades 20 below the others everywhere, "c" 10 above.
    m = as_matrix([[60, 40, 70], [80, 60, 90], [50, 30, 60]])
    lean = leniency(m)
    assert lean[1] is not None and lean[1] < 0 < (lean[2] or 0)
    result = agreement(m, ["a", "b", "c"], [60, 80, 50])
    assert result.strictest == "b" and result.most_lenient == "c"
    assert result.graded_units == 3
    assert result.mean_pairwise_difference == pytest.approx((20 + 10 + 30) / 3)
    # AutoQA equal to grader a: same order as the consensus, MAE = |a − mean|.
    assert result.autoqa_spearman == pytest.approx(1.0)
    assert result.autoqa_mae == pytest.approx(np.mean([abs(60 - 170 / 3)] * 3), abs=1e-9)


def test_agreement_without_spread_names_no_one() -> None:
    result = agreement(as_matrix([[50, 50], [70, 70]]), ["a", "b"], [None, None])
    assert result.strictest is None and result.most_lenient is None
    assert result.autoqa_spearman is None and result.autoqa_units == 0


def test_ranks_average_ties() -> None:
    from scipy.stats import rankdata

    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    assert ranks(values).tolist() == rankdata(values).tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10).map(lambda v: v * 10.0),  # coarse, so ties are common
            st.floats(0, 100, allow_nan=False),
        ),
        min_size=3,
        max_size=40,
    )
)
def test_spearman_matches_scipy(pairs: list[tuple[float, float]]) -> None:
    from scipy.stats import spearmanr

    x, y = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = spearman(x, y)
    theirs = spearmanr(x, y).statistic if len(set(x)) > 1 and len(set(y)) > 1 else math.nan
    if ours is None:
        assert math.isnan(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_spearman_skips_missing_pairs_and_mae() -> None:
    assert spearman([1, 2, None, 4, 5], [10, 20, 99, 40, 50]) == pytest.approx(1.0)
    assert spearman([1, 2], [2, 1]) is None  # too few pairs
    assert mean_absolute_error([10, None, 30], [20, 5, 10]) == pytest.approx(15.0)
    assert mean_absolute_error([None], [1]) is None
