"""Every executor returns the same results, in input order, with a bounded number in flight."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator

import pytest

from servicecraft.executors import (
    RAY_HINT,
    InProcessExecutor,
    ProcessExecutor,
    RayExecutor,
    make_executor,
)


def square(x: int) -> int:
    return x * x


def test_in_process_is_lazy_and_ordered() -> None:
    consumed: list[int] = []

    def items() -> Iterator[int]:
        for i in range(5):
            consumed.append(i)
            yield i

    results = InProcessExecutor().map(square, items())
    assert next(results) == 0 and consumed == [0]
    assert list(results) == [1, 4, 9, 16]


def test_process_pool_keeps_order_and_bounds_in_flight() -> None:
    consumed: list[int] = []

    def items() -> Iterator[int]:
        for i in range(200):
            consumed.append(i)
            yield i

    executor = ProcessExecutor(workers=2, in_flight_per_worker=2)
    try:
        results = executor.map(square, items())
        assert next(results) == 0
        assert len(consumed) <= 4  # memory stays flat: the input is not read ahead
        assert list(results) == [i * i for i in range(1, 200)]
    finally:
        executor.close()


def test_make_executor_defaults() -> None:
    assert isinstance(make_executor(None, 1), InProcessExecutor)
    executor = make_executor(None, 2)
    try:
        assert isinstance(executor, ProcessExecutor) and executor.workers == 2
    finally:
        executor.close()
    with pytest.raises(ValueError, match="unknown executor 'gpu'"):
        make_executor("gpu", 1)


def test_ray_missing_gives_one_line_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(RuntimeError) as info:
        RayExecutor(workers=1)
    assert str(info.value) == RAY_HINT
    assert "\n" not in RAY_HINT and "pip install 'servicecraft[ray]'" in RAY_HINT


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="the ray extra is not installed"
)
def test_ray_executor_runs_for_real() -> None:
    executor = RayExecutor(workers=1)
    try:
        assert list(executor.map(square, range(20))) == [i * i for i in range(20)]
    finally:
        executor.close()
