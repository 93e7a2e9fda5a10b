"""Rendered dashboard pages kept per access scope, re-rendered by one request at a time.

Rendering the organisation, department, team and person pages (tables, SVG charts) costs
far more than reading their figures, and during an import the data changes every batch:
without this, every request re-rendered the page, and 50 users re-rendered it 50 times at
once. The main block of such a page is kept here, per worker process, keyed by

* the viewer's access scope (role, person, team and department; not the login): a hit
  skips the service layer's access checks, so an entry must only ever be served to a
  viewer with the scope it was rendered for, never to anyone who may see less. It is
  rendered for the scope alone (the Viewer without its login id), so it cannot show
  anything one login of the scope may see and another may not;
* the path and the query string: everything the address can change on the page;
* and it records the ``data_version`` it was rendered at (see ``service/cache.py``).

The CSRF token, the user's name and the menu are outside the kept part: each response
renders them afresh around it (``_cached_shell.html``), and rendering the kept part with
them raises (``_NOT_KEPT``), so a template change cannot slip them in.

Freshness (``Policy``), with ``age`` the time since the render started:

* current (its data version is the latest and age < ``ttl``): served;
* outdated but age < ``revalidate_after``: served, so a continuous import costs at most one
  re-render per ``revalidate_after`` per page and access scope, however many users ask;
* outdated, age <= ``max_stale``, and another request is re-rendering it: served;
  otherwise this request re-renders it (only one at a time; the others wait for that render
  unless it began more than ``max_stale`` before they arrived).

So a page never misses a change committed more than ``max_stale`` seconds before the request
arrived (give or take the milliseconds between a rendering request's first query, where
SQLite takes its snapshot, and the start of its render). Each worker keeps its own entries;
the bound holds in each.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from fastapi.responses import Response
from jinja2 import StrictUndefined
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from servicecraft.service.cache import TTL, data_version
from servicecraft.service.policy import capabilities
from servicecraft.web.deps import Current
from servicecraft.web.render import page

T = TypeVar("T")
MAX_ENTRIES = 256  # pages of ~50 KB: about 12 MB per worker at most
WAIT_LIMIT = 30.0  # seconds a request waits for another's render before doing its own


@dataclass(frozen=True, slots=True)
class Policy:
    """How old (seconds since its render began) a kept page may be when served."""

    # 2 s, not 1: during a continuous import half the re-renders, and on PostgreSQL a p95 of
    # 249 ms against 311 at 50 users (benchmarks.load, three interleaved rounds).
    revalidate_after: float = 2.0
    max_stale: float = 5.0
    ttl: float = TTL  # even when no data changed: names, and periods that move with the clock

    def __post_init__(self) -> None:
        if not 0 <= self.revalidate_after <= self.max_stale <= self.ttl:
            raise ValueError("need 0 <= revalidate_after <= max_stale <= ttl")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    version: int
    at: float  # when its render began: it shows every change committed before then
    value: T


class _Flight(Generic[T]):
    """A render in progress that other requests for the same key may wait for."""

    __slots__ = ("done", "entry", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        self.done = threading.Event()
        self.entry: _Entry[T] | None = None  # stays None when the render failed


class FreshnessCache(Generic[T]):
    """Values kept per key under ``Policy``; ``compute`` runs once per key at a time."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or Policy()
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._flights: dict[Hashable, _Flight[T]] = {}
        self._lock = threading.Lock()
        # The latest data version read, and when: every key shares it, so a worker reads
        # the version at most once per revalidate_after however many pages and viewers ask.
        self._version_read: tuple[float, int] | None = None

    def peek(self, key: Hashable) -> T | None:
        """The kept value if it may be served without reading anything: younger than
        ``revalidate_after``, or at the data version this worker read less than that ago.
        ``None`` means ``get`` must decide (it may read the version, render, or wait)."""
        policy, now = self.policy, self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age, seen = now - entry.at, self._version_read
            fresh = age < policy.revalidate_after or (
                seen is not None
                and now - seen[0] < policy.revalidate_after
                and entry.version >= seen[1]
                and age < policy.ttl
            )
            if not fresh:
                return None
            self._entries.move_to_end(key)
            return entry.value

    def get(self, key: Hashable, version: int | Callable[[], int], compute: Callable[[], T]) -> T:
        """The kept value if fresh enough for a request that reads data ``version`` now.

        ``version`` may be a callable (a database read): it is called only when the kept
        value is older than ``revalidate_after``, since younger ones are served whatever it is.
        """
        policy, now = self.policy, self.clock()
        with self._lock:
            entry = self._entries.get(key)
            age = now - entry.at if entry is not None else float("inf")
            if entry is not None and age < policy.revalidate_after:
                self._entries.move_to_end(key)
                return entry.value
        if callable(version):
            version = self._latest(version, now)
        with self._lock:
            entry = self._entries.get(key)
            age = now - entry.at if entry is not None else float("inf")
            if entry is not None:
                self._entries.move_to_end(key)
                if entry.version >= version and age < policy.ttl:
                    return entry.value
            flight = self._flights.get(key)
            owner = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(now)
            elif entry is not None and age <= policy.max_stale:
                return entry.value  # another request is re-rendering it
        if owner:
            return self._compute(key, version, now, compute, flight)
        # Nothing recent enough is kept: wait for the render in flight rather than start
        # another, if it began recently enough to show what this request must see.
        if now - flight.started <= policy.max_stale and flight.done.wait(WAIT_LIMIT):
            done = flight.entry
            if done is not None:
                return done.value
        return self._compute(key, version, now, compute, None)

    def _latest(self, read: Callable[[], int], now: float) -> int:
        """The data version, read again only when the last read is ``revalidate_after`` old.

        A change committed before the last read is in the version; one committed since is
        at most ``revalidate_after`` old, the same bound as serving a young entry unchecked.
        The read happens outside the lock: other requests need not wait for it.
        """
        with self._lock:
            seen = self._version_read
        if seen is not None and now - seen[0] < self.policy.revalidate_after:
            return seen[1]
        version = read()
        with self._lock:
            if self._version_read is None or self._version_read[0] < now:
                self._version_read = (now, version)
        return version

    def _compute(
        self,
        key: Hashable,
        version: int,
        started: float,
        compute: Callable[[], T],
        flight: _Flight[T] | None,
    ) -> T:
        try:
            entry = _Entry(version, started, compute())  # PermissionDenied is never kept
            with self._lock:
                kept = self._entries.get(key)
                if kept is None or kept.at <= started:  # a slower, older render keeps out
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            if flight is not None:
                flight.entry = entry
            return entry.value
        finally:
            if flight is not None:
                with self._lock:
                    if self._flights.get(key) is flight:
                        del self._flights[key]
                flight.done.set()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True, slots=True)
class Kept:
    """What is kept of a page: its main block, and its title (which comes from the data)."""

    main: Markup
    title: str


# Per-session or per-request values a kept part must not hold: rendering one raises.
_NOT_KEPT = {
    name: StrictUndefined(hint=f"{name!r} is not available in a cached page's main block")
    for name in ("user", "csrf", "request")
}


async def cached_page(
    me: Current, template: str, section: str, context: Callable[[Current], dict[str, Any]]
) -> Response:
    """``template`` (a dashboard extending ``layout``) for this viewer, its main block kept.

    ``context(scoped)`` asks the service layer, which checks access; it runs only when the
    kept part is missing or too old, so everything it depends on must be in the key below.
    It gets ``me`` with the login taken out of the Viewer (``scoped``): what a dashboard
    shows depends on the access scope (role, person, team, department), never on which
    login asks, so every login of one scope shares one render. A part that ``peek`` may
    serve is answered here on the event loop; anything that reads the database or renders
    the part runs in the thread pool.
    """
    request = me.request
    cache: FreshnessCache[Kept] = request.app.state.page_cache
    scope = replace(me.viewer, user_id=None)
    key = (request.url.path, tuple(sorted(request.query_params.multi_items())), scope)

    def render() -> Kept:
        scoped = Current(user=me.user, viewer=scope, session=me.session, request=request)
        return _render_main(scoped, template, section, context(scoped))

    kept = cache.peek(key)
    if kept is None:
        kept = await run_in_threadpool(cache.get, key, lambda: data_version(me.session), render)
    return page(
        request,
        "_cached_shell.html",
        me.context(title=kept.title, section=section, main=kept.main),
    )


def _render_main(me: Current, template: str, section: str, values: dict[str, Any]) -> Kept:
    env = me.request.app.state.templates.env
    context = {
        **values,
        "section": section,
        "viewer": me.viewer,
        "can": capabilities(me.viewer),
        "layout": "_main_only.html",
        **_NOT_KEPT,
    }
    return Kept(main=Markup(env.get_template(template).render(context)), title=values["title"])
