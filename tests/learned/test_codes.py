"""The pair and triple weights' hash table gives what a dictionary would."""

from __future__ import annotations

import numpy as np
import pytest

from servicecraft.engine.learned.codes import CodeTable


def test_lookups_match_a_dictionary() -> None:
    rng = np.random.default_rng(7)
    codes = rng.choice(5_000, size=1_500, replace=False).astype(np.int64) * 10_859
    weights = rng.normal(size=len(codes))
    table = CodeTable(codes, weights)
    # Up to half full, some codes share a home slot: their lookups walk a probe run.
    assert len(set(table._home(codes).tolist())) < len(codes)
    known = dict(zip(codes.tolist(), weights.tolist(), strict=True))
    asked = np.concatenate([codes, rng.integers(0, 5_000 * 10_859, size=5_000)])
    rng.shuffle(asked)
    expected = [known.get(c, 0.0) for c in asked.tolist()]
    assert table.lookup(asked).tolist() == expected
    assert len(table) == len(codes)


def test_large_codes_and_empty_lookups() -> None:
    big = np.array([2**62, 2**62 + 1, 0], dtype=np.int64)
    table = CodeTable(big, [1.5, -2.0, 3.0])
    assert table.lookup(np.array([2**62 + 1, 5, 0, 2**62], dtype=np.int64)).tolist() == [
        -2.0,
        0.0,
        3.0,
        1.5,
    ]
    assert table.lookup(np.zeros(0, dtype=np.int64)).tolist() == []
    assert CodeTable(np.zeros(0, dtype=np.int64), []).lookup(big).tolist() == [0.0] * 3


@pytest.mark.parametrize(
    ("codes", "weights"), [([1, 1], [0.5, 0.5]), ([1, 2], [0.5]), ([-3], [1.0])]
)
def test_bad_tables_are_refused(codes: list[int], weights: list[float]) -> None:
    with pytest.raises(ValueError):
        CodeTable(np.array(codes, dtype=np.int64), weights)
