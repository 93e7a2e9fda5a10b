"""What a worker remembers of a session, and for how long (``web/signed_in.py``)."""

from __future__ import annotations

from typing import Any

from servicecraft.service.policy import Viewer
from servicecraft.store import User
from servicecraft.web.signed_in import SignedIn, SignedInCache

VIEWER = Viewer(role="admin", person_id=None, department_id=None, team_id=None, user_id=1)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def _cache(clock: Clock, **options: Any) -> SignedInCache:
    return SignedInCache(1.0, clock=clock, **options)


def test_a_session_is_trusted_for_less_than_recheck_after_its_check() -> None:
    clock = Clock()
    cache = _cache(clock)
    user = User(id=1, username="admin", role="admin")
    cache.put("t", SignedIn(user, VIEWER, clock.now))
    clock.now += 0.99
    found = cache.get("t")
    assert found is not None and found.user is user and found.viewer == VIEWER
    clock.now += 0.01  # a second since the check: asked of the database again
    assert cache.get("t") is None
    assert len(cache) == 0


def test_forgetting_one_or_every_session() -> None:
    clock = Clock()
    cache = _cache(clock)
    for token in ("a", "b", "c"):
        cache.put(token, SignedIn(User(id=1), VIEWER, clock.now))
    cache.forget("a")
    assert cache.get("a") is None and cache.get("b") is not None
    cache.forget()
    assert cache.get("b") is None and cache.get("c") is None


def test_a_check_that_began_before_a_forget_is_not_remembered() -> None:
    # A request checked the session, then a logout ended it and forgot, then the request
    # stored its (now wrong) answer: it must not be trusted.
    clock = Clock()
    cache = _cache(clock)
    began = clock.now
    clock.now += 0.1
    cache.forget("t")
    cache.put("t", SignedIn(User(id=1), VIEWER, began))
    assert cache.get("t") is None
    clock.now += 0.1
    cache.put("t", SignedIn(User(id=1), VIEWER, clock.now))  # a check after the forget is kept
    assert cache.get("t") is not None


def test_only_string_tokens_and_a_bounded_number_are_kept() -> None:
    clock = Clock()
    cache = _cache(clock, max_entries=2)
    assert cache.get(None) is None and cache.get(123) is None
    for token in ("a", "b", "c"):
        cache.put(token, SignedIn(User(id=1), VIEWER, clock.now))
    assert len(cache) == 2 and cache.get("a") is None  # the least recently used went
