"""CSRF, rate limiting, cookies, headers and open redirects."""

from __future__ import annotations

import httpx

from tests.web.conftest import csrf_of, live, login


def test_every_form_carries_a_csrf_token(client_for, org) -> None:
    c = client_for("admin")
    for path in ("/", "/tokens", f"/people/{org.people['Priya Nair']}", "/search"):
        html = c.get(path).text
        for form in html.split("<form")[1:]:
            form = form.split("</form>")[0]
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (path, form[:200])


def test_login_without_csrf_is_refused(client_for) -> None:
    c = client_for()
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": "x"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/login", data={"username": "admin", "password": "x", "csrf_token": "forged"})
    assert r.status_code == 403


def test_posts_without_csrf_are_refused(client_for) -> None:
    c = client_for("admin")
    assert c.post("/logout", follow_redirects=False).status_code == 403
    assert c.get("/", follow_redirects=False).status_code == 200  # still logged in
    r = c.post("/tokens", data={"name": "x", "scopes": "read", "csrf_token": "nope"})
    assert r.status_code == 403
    # A token from another session does not work either.
    other = client_for()
    foreign = csrf_of(other.get("/login").text)
    assert c.post("/logout", data={"csrf_token": foreign}).status_code == 403


def test_failed_logins_lock_the_username(client_for) -> None:
    c = client_for()
    for _ in range(5):
        assert login(c, "tom", "wrong").status_code == 401
    r = login(c, "tom")  # the right password, but locked now
    assert r.status_code == 429
    assert "Too many failed attempts" in r.text
    # Another user from the same address is not locked by someone else's failures.
    assert login(client_for(), "priya").status_code == 303


def test_failed_logins_lock_the_address(client_for) -> None:
    c = client_for()
    for i in range(20):
        login(c, f"nobody{i}", "wrong")
    assert login(c, "admin").status_code == 429


def test_security_headers(client_for) -> None:
    c = client_for()
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text  # nothing inline for the CSP to block


def test_session_cookie_flags(org) -> None:
    server = live(org.url, secure_cookies=True)
    try:
        r = httpx.get(f"{server.url}/login")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
        assert r.headers["strict-transport-security"].startswith("max-age=")
    finally:
        server.stop()


def test_login_does_not_redirect_off_site(client_for) -> None:
    c = client_for()
    token = csrf_of(c.get("/login").text)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = c.post(
            "/login",
            data={
                "username": "admin",
                "password": "correct horse battery staple",
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/"
        c.cookies.clear()
        token = csrf_of(c.get("/login").text)


def test_tampered_session_cookie_is_ignored(client_for) -> None:
    c = client_for("admin")
    name = "servicecraft_session"
    value = c.cookies.get(name)
    c.cookies.set(name, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert c.get("/", follow_redirects=False).status_code == 303
