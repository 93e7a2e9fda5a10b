"""Who a session cookie belongs to, remembered per worker for at most a second.

Every page request checked its session against the database (``auth.session_user``): on a
kept dashboard that check was the request's only query, and running it cost a trip through
the thread pool besides. The kept dashboards (``page_cache.cached_page``, which only read)
trust what their worker remembers, so they are answered on the event loop with no query and
no thread at all. Every other page, and every form, still checks the database each time
(``deps.current``), and remembers its answer here.

How long a session that has ended can still open a dashboard:

* logged out, or ended by a password change or a disabled login, through this worker:
  never, since those forget what this worker remembered (``forget``), as does any page of
  this worker that finds the session ended;
* otherwise (another worker, the CLI): at most ``RECHECK`` seconds, the age after which a
  remembered answer is asked of the database again. No other page opens for it meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from servicecraft.service.policy import Viewer
from servicecraft.service.users import User

RECHECK = 1.0  # seconds
MAX_ENTRIES = 4096  # sessions per worker; a few hundred bytes each


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session's login (detached from any database session: read-only) and Viewer."""

    user: User
    viewer: Viewer
    checked: float  # when the database last said the session is open


class SignedInCache:
    """Session token -> ``SignedIn``, trusted for ``recheck`` seconds after each check."""

    def __init__(
        self,
        recheck: float = RECHECK,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recheck = recheck
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, SignedIn] = OrderedDict()
        self._lock = threading.Lock()
        self._forgotten = float("-inf")  # when forget() last ran

    def get(self, token: object) -> SignedIn | None:
        """The remembered login for ``token`` if checked less than ``recheck`` ago."""
        if not isinstance(token, str):
            return None
        with self._lock:
            found = self._entries.get(token)
            if found is None:
                return None
            if self.clock() - found.checked >= self.recheck:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return found

    def put(self, token: str, known: SignedIn) -> None:
        """Remember a check that began at ``known.checked`` (this cache's clock), unless a
        ``forget`` ran since: that check may have seen a session the forget ended."""
        with self._lock:
            if known.checked <= self._forgotten:
                return
            self._entries[token] = known
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token: object = None) -> None:
        """Forget one session, or (no token) every session: after a logout, a password
        change or a disabled login, which may end sessions other than the caller's."""
        with self._lock:
            self._forgotten = self.clock()
            if token is None:
                self._entries.clear()
            elif isinstance(token, str):
                self._entries.pop(token, None)

    def __len__(self) -> int:
        return len(self._entries)
