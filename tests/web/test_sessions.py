"""Sessions end server-side, and the login limit holds under parallel attempts (issue 12,
defects 6 and 7): each test failed before its fix."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from servicecraft.service import auth, users
from servicecraft.store import LoginAttempt, User, open_database
from servicecraft.web.signed_in import RECHECK
from tests.web.conftest import PASSWORD, close_db, csrf_of

NEW_PASSWORD = "a different horse, stapled"


def _copy(client: httpx.Client, server: Any) -> httpx.Client:
    """Another client holding a copy of the first one's session cookie (a stolen cookie)."""
    thief = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    thief.cookies.update(client.cookies)
    return thief


def _refused(r: httpx.Response) -> bool:
    return r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_cookie_copied_before_logout_no_longer_opens_a_page(client_for, server, org) -> None:
    c = client_for("admin")
    thief = _copy(c, server)
    # A kept dashboard (answered from what the worker remembers of the session) and a page.
    dashboard = f"/departments/{org.departments['Support']}"
    try:
        assert thief.get("/hindrances").status_code == 200
        assert thief.get(dashboard).status_code == 200
        assert thief.get(dashboard).status_code == 200  # now kept, and the session remembered
        token = csrf_of(c.get("/hindrances").text)
        assert c.post("/logout", data={"csrf_token": token}).status_code == 200
        assert _refused(thief.get(dashboard))
        assert _refused(thief.get("/hindrances"))
    finally:
        thief.close()


@pytest.mark.parametrize("change", ["password", "disabled"])
def test_a_password_set_or_a_login_disabled_in_the_app_ends_its_sessions_at_once(
    client_for, org, change: str
) -> None:
    lead, admin = client_for("lead"), client_for("admin")
    dashboard = f"/departments/{org.departments['Support']}"
    assert lead.get(dashboard).status_code == 200
    assert lead.get(dashboard).status_code == 200
    token = csrf_of(admin.get("/users").text)
    if change == "password":
        form = {"password": NEW_PASSWORD, "csrf_token": token}
        assert admin.post("/users/lead/password", data=form).status_code == 200
    else:
        assert admin.post("/users/lead/disable", data={"csrf_token": token}).status_code == 200
    # No wait: the worker that made the change forgets every session it remembered.
    assert _refused(lead.get(dashboard, follow_redirects=False))
    assert _refused(lead.get("/hindrances", follow_redirects=False))


@pytest.mark.parametrize("change", ["password", "disabled"])
def test_a_password_change_or_disabled_login_elsewhere_ends_every_session(
    client_for, server, org, change: str
) -> None:
    # Two sessions of the lead, each with its dashboard kept and its session remembered.
    one, two = client_for("lead"), client_for("lead")
    dashboard = f"/departments/{org.departments['Support']}"
    for c in (one, two):
        assert c.get(dashboard).status_code == 200
    db = open_database(org.url, migrate=False)
    try:
        # As the CLI (or another worker) does: this server learns of it from the database.
        if change == "password":
            users.set_password(db, "lead", NEW_PASSWORD)
        else:
            users.set_disabled(db, "lead", True)
    finally:
        close_db(db)
    # Every page but the kept dashboards checks the database: refused at once.
    assert _refused(one.get("/hindrances", follow_redirects=False))
    assert _refused(one.get(dashboard, follow_redirects=False))  # and that worker forgot it
    # A dashboard trusts a remembered session for at most RECHECK seconds.
    time.sleep(RECHECK)
    assert _refused(two.get(dashboard, follow_redirects=False))
    fresh = client_for()
    token = csrf_of(fresh.get("/login").text)
    password = NEW_PASSWORD if change == "password" else PASSWORD
    r = fresh.post(
        "/login",
        data={"username": "lead", "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == (303 if change == "password" else 401)


def test_parallel_guesses_get_no_more_checks_than_the_limit(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.session() as s:
            s.add(User(username="victim", password_hash=auth.hash_password(PASSWORD), role="admin"))
            s.commit()
        outcomes: list[str] = []
        barrier = threading.Barrier(20)

        def guess(n: int) -> None:
            # The last guesser knows the password: it must be refused during the lock too.
            password = PASSWORD if n == 19 else f"guess {n}"
            with db.session() as s:
                barrier.wait()
                try:
                    user = auth.authenticate(s, "victim", password, f"10.0.0.{n}")
                    outcomes.append("accepted" if user else "wrong")
                except auth.LoginLocked:
                    outcomes.append("locked")

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        checked = outcomes.count("wrong") + outcomes.count("accepted")
        assert len(outcomes) == 20
        assert checked <= auth.MAX_FAILURES_PER_USERNAME, outcomes
        with db.session() as s:
            recorded = s.execute(select(LoginAttempt).where(LoginAttempt.username == "victim"))
            assert len(recorded.all()) == 20  # every attempt is recorded, refused ones too
    finally:
        db.close()


def test_password_hashing_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak = 0, 0
    lock = threading.Lock()
    real_verify = auth._hasher.verify
    stored = auth.hash_password(PASSWORD)

    def counting_verify(hash_: str, password: str) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return real_verify(hash_, password)
        finally:
            with lock:
                running -= 1

    class CountingHasher:  # the real hasher, counting how many verify at once
        verify = staticmethod(counting_verify)

    monkeypatch.setattr(auth, "_hasher", CountingHasher())
    threads = [
        threading.Thread(target=auth.verify_password, args=(stored, PASSWORD)) for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert 1 <= peak <= auth.HASHING_SLOTS
