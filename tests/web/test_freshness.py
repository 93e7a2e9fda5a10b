"""The page cache's freshness policy: how old a kept page may be, and one render at a time.

A fake clock stands in for time; threads are real, so "one render at a time" is tested
with renders that really overlap.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicecraft.web.page_cache import FreshnessCache, Policy

POLICY = Policy(revalidate_after=1.0, max_stale=5.0, ttl=60.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Render:
    """A compute function that counts its calls and can be held until released."""

    def __init__(self, value: str, *, held: bool = False) -> None:
        self.value, self.calls = value, 0
        self.started, self.release = threading.Event(), threading.Event()
        if not held:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.release.wait(10), "the test never released the render"
        return self.value


def _cache(clock: Clock) -> FreshnessCache[str]:
    return FreshnessCache[str](POLICY, clock=clock)


def test_a_current_page_is_reused_until_the_data_or_the_ttl_changes() -> None:
    clock = Clock()
    cache = _cache(clock)
    assert cache.get("k", 1, Render("v1")) == "v1"
    again = Render("never")
    clock.now += 59
    assert cache.get("k", 1, again) == "v1" and again.calls == 0
    clock.now += 1  # 60 s: even unchanged data is rendered again (periods move with time)
    assert cache.get("k", 1, Render("v1b")) == "v1b"
    clock.now += 1.5
    assert cache.get("k", 2, Render("v2")) == "v2"  # the data changed: rendered again


def test_an_outdated_page_is_served_only_within_revalidate_after() -> None:
    clock = Clock()
    cache = _cache(clock)
    cache.get("k", 1, Render("v1"))
    clock.now += 0.9  # an import committed: version 2, but the page is 0.9 s old
    lazy = Render("v2")
    assert cache.get("k", 2, lazy) == "v1" and lazy.calls == 0
    clock.now += 0.1  # 1.0 s: no longer
    assert cache.get("k", 2, lazy) == "v2" and lazy.calls == 1


def test_the_data_version_is_read_only_for_a_page_older_than_revalidate_after() -> None:
    clock = Clock()
    cache = _cache(clock)
    reads: list[int] = []

    def version() -> int:  # stands in for the database read of the data version
        reads.append(2)
        return 2

    assert cache.get("k", version, Render("v2")) == "v2" and len(reads) == 1  # nothing kept
    clock.now += 0.9
    assert cache.get("k", version, Render("never")) == "v2" and len(reads) == 1
    clock.now += 0.1  # 1.0 s old: the version is read, still 2, so the kept page is current
    again = Render("never")
    assert cache.get("k", version, again) == "v2" and len(reads) == 2 and again.calls == 0


def test_concurrent_first_requests_render_once() -> None:
    cache = _cache(Clock())
    render = Render("v1", held=True)
    with ThreadPoolExecutor(8) as pool:
        results = [pool.submit(cache.get, "k", 1, render) for _ in range(8)]
        assert render.started.wait(5)
        render.release.set()
        assert [r.result(10) for r in results] == ["v1"] * 8
    assert render.calls == 1


def test_while_one_request_renders_the_others_get_the_last_page_up_to_max_stale() -> None:
    clock = Clock()
    cache = _cache(clock)
    cache.get("k", 1, Render("v1"))  # rendered at t=0
    clock.now += 2.0  # version 2 committed; the page is 2 s old
    slow = Render("v2", held=True)
    with ThreadPoolExecutor(1) as pool:
        refresher = pool.submit(cache.get, "k", 2, slow)
        assert slow.started.wait(5)
        # Others are not held up and start no render of their own: the 2 s old page.
        other = Render("not this")
        assert cache.get("k", 2, other) == "v1" and other.calls == 0
        clock.now += 3.0  # 5.0 s: the bound itself still holds the old page
        assert cache.get("k", 2, other) == "v1" and other.calls == 0
        clock.now += 0.5  # 5.5 s: the old page is never served any more; the render in
        # flight began 3.5 s ago (within the bound), so this request waits for it
        waiter = ThreadPoolExecutor(1)
        waited = waiter.submit(cache.get, "k", 2, other)
        with pytest.raises(TimeoutError):
            waited.result(0.2)
        slow.release.set()
        assert refresher.result(10) == "v2"
        assert waited.result(10) == "v2" and other.calls == 0
        waiter.shutdown()


def test_a_render_in_flight_for_longer_than_max_stale_is_not_waited_for() -> None:
    clock = Clock()
    cache = _cache(clock)
    cache.get("k", 1, Render("v1"))
    clock.now += 2.0
    stuck = Render("v2 from long ago", held=True)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(cache.get, "k", 2, stuck)
        assert stuck.started.wait(5)
        clock.now += 6.0  # the page is 8 s old and the render in flight began 6 s ago
        fresh = Render("v3")
        assert cache.get("k", 3, fresh) == "v3" and fresh.calls == 1
        stuck.release.set()
        assert first.result(10) == "v2 from long ago"
    # The older render finishing last does not replace the newer page.
    assert cache.get("k", 3, Render("not this")) == "v3"


def test_a_failed_render_is_not_kept_and_its_waiters_render_themselves() -> None:
    cache = _cache(Clock())
    started, gate = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        gate.wait(10)
        raise PermissionError("not yours")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get, "k", 1, failing)
        assert started.wait(5)
        second_render = Render("v1")
        second = pool.submit(cache.get, "k", 1, second_render)
        gate.set()
        with pytest.raises(PermissionError):
            first.result(10)
        assert second.result(10) == "v1"
    assert len(cache) == 1


def test_keys_are_kept_apart_and_bounded() -> None:
    cache = FreshnessCache[str](POLICY, max_entries=2, clock=Clock())
    assert cache.get("a", 1, Render("A")) == "A"
    assert cache.get("b", 1, Render("B")) == "B"
    assert cache.get("a", 1, Render("not A")) == "A"  # "a" is now the most recently used
    cache.get("c", 1, Render("C"))  # evicts "b"
    assert len(cache) == 2
    assert cache.get("b", 1, Render("B again")) == "B again"


def test_the_policy_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        Policy(revalidate_after=6.0, max_stale=5.0)
    with pytest.raises(ValueError):
        Policy(max_stale=120.0, ttl=60.0)


def test_peek_serves_only_what_needs_no_read() -> None:
    clock = Clock()
    cache = _cache(clock)
    assert cache.peek("k") is None  # nothing kept
    assert cache.get("k", 1, Render("v1")) == "v1"
    clock.now += 0.5
    assert cache.peek("k") == "v1"  # young
    clock.now += 0.5
    assert cache.peek("k") is None  # a second old and the version not read since: get decides


def test_one_version_read_a_second_serves_every_page() -> None:
    clock = Clock()
    cache = _cache(clock)
    reads: list[float] = []

    def version() -> int:
        reads.append(clock.now)
        return 1

    cache.get("a", version, Render("a1"))
    cache.get("b", version, Render("b1"))
    assert reads == [1000.0]  # the second page used the version read for the first
    clock.now += 5
    assert cache.peek("a") is None
    assert cache.get("a", version, Render("never")) == "a1"  # read again: still current
    assert len(reads) == 2
    assert cache.peek("b") == "b1"  # current at the version read just now: no read needed
    assert cache.get("b", version, Render("never")) == "b1" and len(reads) == 2
    clock.now += 1
    cache.get("b", lambda: 2, Render("b2"))  # that read is a second old: read, and it changed
    assert cache.peek("b") == "b2" and cache.peek("a") is None  # "a" is behind version 2
