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
from itertools import cycle
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


# NumPy's BLAS starts a thread per core in every process for its matrix products. The workers
# already keep every core busy, and a batch's products are small: the extra threads cost more
# CPU than they save (they wait for work by spinning) and take it from the other workers.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread in this worker, unless the user chose otherwise. BLAS reads these when
    NumPy loads, so this runs first in each worker (nothing here or before imports NumPy)."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


class ProcessExecutor:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int | None = None, in_flight_per_worker: int = 3) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._in_flight = self.workers * in_flight_per_worker
        # spawn: workers start clean, whatever threads or state the parent has.
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=get_context("spawn"), initializer=one_blas_thread
        )

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        def wait(future: Future[R]) -> R:
            return future.result()

        return _window(lambda item: self._pool.submit(fn, item), wait, items, self._in_flight)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayWorker:
    """One Ray actor: a long-lived worker process that runs whatever it is handed.

    Whatever a call loads into its process (the pipeline's per-process Engine cache: rubric
    and weights) stays loaded for the next call, so models load once per worker, not once
    per batch. Plain class: RayExecutor wraps it with ``ray.remote`` (Ray is imported lazily).
    """

    def run(self, fn: Callable[[T], R], item: T) -> R:
        return fn(item)


# A local Ray started by the executor only ever holds the bounded in-flight window of
# batches (a few MiB), so a small object store is plenty and leaves memory to the workers.
LOCAL_OBJECT_STORE_BYTES = 200_000_000


class RayExecutor:
    """Runs batches on a pool of Ray actors: on a local Ray or on a cluster (``address``).

    ``workers`` actors (one CPU each) are spread over the cluster's nodes; batches go to them
    in turn, at most ``in_flight_per_worker`` each at a time, and come back in input order.
    Any picklable callable works (a ``functools.partial`` included): it is put into the
    object store once per ``map`` and handed to the actors, never wrapped by ``ray.remote``.
    """

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        in_flight_per_worker: int = 3,
    ) -> None:
        try:
            import ray
        except ImportError:
            raise RuntimeError(RAY_HINT) from None
        self._ray: Any = ray  # Ray's own annotations are partial: treat it as untyped
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            # Never ray.init()'s own guess: it joins any Ray found running on this machine.
            # An address, else $RAY_ADDRESS (set for `ray job submit` jobs), else a new Ray.
            target = address or os.environ.get("RAY_ADDRESS") or "local"
            options: dict[str, Any] = {
                "address": target,
                "log_to_driver": False,
                "logging_level": "warning",
            }
            if target == "local":  # a fresh local Ray sized to the workers asked for
                options.update(
                    num_cpus=workers or os.cpu_count() or 1,
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                )
            ray.init(**options)
        self.workers = workers or max(int(self._ray.cluster_resources().get("CPU", 1)), 1)
        self._in_flight = self.workers * in_flight_per_worker
        actor = self._ray.remote(num_cpus=1)(RayWorker).options(scheduling_strategy="SPREAD")
        self._actors: list[Any] = [actor.remote() for _ in range(self.workers)]
        self._check_workers()

    def _check_workers(self) -> None:
        """Fail now, in one line, when the cluster's nodes lack this servicecraft."""
        from servicecraft import __version__

        try:
            versions = set(self.run_on_each(_version))
        except Exception as exc:
            self.close()
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            raise RuntimeError(
                f"the Ray workers cannot run servicecraft {__version__} "
                f"(install the same version on every node): {reason}"
            ) from None
        if versions != {__version__}:
            self.close()
            raise RuntimeError(
                f"the Ray workers run servicecraft {', '.join(sorted(versions))}, "
                f"this driver {__version__}: install the same version on every node"
            )

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        fn_ref = self._ray.put(fn)  # shipped once; Ray resolves it before each call
        actors = cycle(self._actors)

        def submit(item: T) -> Any:
            return next(actors).run.remote(fn_ref, item)

        return _window(submit, self._ray.get, items, self._in_flight)

    def run_on_each(self, fn: Callable[[], R]) -> list[R]:
        """Call ``fn`` once in every worker (e.g. to read its memory use)."""
        return list(self._ray.get([a.run.remote(_call, fn) for a in self._actors]))

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        if self._owns_ray:  # a Ray the caller had started stays up for the caller
            self._ray.shutdown()


def _call(fn: Callable[[], R]) -> R:
    return fn()


def _version() -> str:
    from servicecraft import __version__

    return __version__


EXECUTORS = ("inprocess", "process", "ray")


def make_executor(
    kind: str | None = None, workers: int | None = 1, address: str | None = None
) -> Executor:
    """The executor for a name; by default in-process for one worker, processes for more.

    A Ray ``address`` implies the Ray executor. ``workers=None`` means one per CPU (for Ray:
    of the whole cluster).
    """
    if address and kind not in (None, "ray"):
        raise ValueError(f"a Ray address needs the ray executor, not {kind!r}")
    kind = kind or ("ray" if address else "inprocess" if (workers or 1) <= 1 else "process")
    if kind == "inprocess":
        return InProcessExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers, address)
    raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
