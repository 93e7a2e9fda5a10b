"""Dashboard figures cached per server process until the data changes.

The figures a dashboard shows change only when an import (or a survey answer) refreshes
the weekly aggregates, which also bumps the one-row ``data_version`` in the same
transaction. A cached result is used while the version it was computed at is still the
current one (one primary-key read per request) and it is younger than ``TTL`` (periods
that end "now" move with the clock). The key holds the viewer, so nobody is shown
figures computed for someone who may see more.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicecraft.store import DataVersion

TTL = 60.0  # seconds
MAX_ENTRIES = 1024

_F = TypeVar("_F", bound=Callable[..., Any])
_entries: OrderedDict[tuple[Any, ...], tuple[int, float, Any]] = OrderedDict()
_lock = threading.Lock()


# Built once: building a statement costs more than running it (SQLite, one-row read).
_DATA_VERSION = select(DataVersion.version).where(DataVersion.id == 1)


def data_version(session: Session) -> int:
    return int(session.execute(_DATA_VERSION).scalar() or 0)


def by_data_version(function: _F) -> _F:
    """Cache ``function(session, viewer, *args)`` until the data version changes."""

    @functools.wraps(function)
    def cached(session: Session, *args: Any, **kwargs: Any) -> Any:
        database = str(session.get_bind().engine.url)  # a process may serve (or test) several
        key = (database, function.__qualname__, args, tuple(sorted(kwargs.items())))
        version, now = data_version(session), time.monotonic()
        with _lock:
            hit = _entries.get(key)
            if hit is not None and hit[0] == version and now - hit[1] < TTL:
                _entries.move_to_end(key)
                return hit[2]
        result = function(session, *args, **kwargs)  # PermissionDenied is never cached
        with _lock:
            _entries[key] = (version, now, result)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return result

    return cast(_F, cached)


def clear() -> None:
    with _lock:
        _entries.clear()
