"""Execution backends: where batches of work run.

All backends share one small protocol, like httpx's transports: ``map(fn, items)``
returns the results in input order, lazily, with a bounded number of batches in
flight, so memory stays flat however long the input is. ``fn`` and the items
must be picklable for the process and Ray backends.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

RAY_HINT = "the Ray backend needs the 'ray' extra: pip install 'servicecraft[ray]'"


class Executor(Protocol):
    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """Runs everything in the calling process: simplest, and best for small inputs."""

    workers = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


def _window(
    submit: Callable[[T], Any], wait: Callable[[Any], R], items: Iterable[T], size: int
) -> Iterator[R]:
    """Keep at most ``size`` tasks in flight and yield results in order."""
    pending: deque[Any] = deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= size:
            yield wait(pending.popleft())
    while pending:
        yield wait(pending.popleft())


class ProcessExecutor:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int | None = None, in_flight_per_worker: int = 3) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._in_flight = self.workers * in_flight_per_worker
        # spawn: workers start clean, whatever threads or state the parent has.
        self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        def wait(future: Future[R]) -> R:
            return future.result()

        return _window(lambda item: self._pool.submit(fn, item), wait, items, self._in_flight)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Runs batches as Ray tasks: on a local Ray or on a cluster (``address``)."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise RuntimeError(RAY_HINT) from None
        self._ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                options["address"] = address
            elif workers:
                options["num_cpus"] = workers
            ray.init(**options)
        resources: dict[str, float] = ray.available_resources()  # type: ignore[no-untyped-call]
        self.workers = workers or int(resources.get("CPU", 1))
        self._in_flight = self.workers * 3

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        remote = self._ray.remote(fn)
        return _window(remote.remote, self._ray.get, items, self._in_flight)

    def close(self) -> None:
        self._ray.shutdown()


EXECUTORS = ("inprocess", "process", "ray")


def make_executor(
    kind: str | None = None, workers: int = 1, address: str | None = None
) -> Executor:
    """The executor for a name; by default in-process for one worker, processes for more."""
    kind = kind or ("inprocess" if workers <= 1 else "process")
    if kind == "inprocess":
        return InProcessExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers, address)
    raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
