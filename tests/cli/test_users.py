"""`servicecraft users`: add, list, disable, enable, set-password, on both databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.service import auth, users
from servicecraft.store import Department, Person, Team, open_database

PASSWORD = "a long enough password"


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["users", *args, "--db", url])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def url(database_url: str) -> str:
    db = open_database(database_url)
    with db.transaction() as s:
        d = Department(name="Support")
        s.add(d)
        s.flush()
        t = Team(name="Returns", department_id=d.id)
        s.add(t)
        s.flush()
        s.add(Person(name="Ana Costa", team_id=t.id))
    db.close()
    return database_url


def can_log_in(url: str, username: str, password: str) -> bool:
    db = open_database(url)
    try:
        with db.session() as s:
            return auth.authenticate(s, username, password, "127.0.0.1") is not None
    finally:
        db.close()


def test_add_list_disable_enable_and_set_password(url: str) -> None:
    assert run(url, "add", "root", "--role", "admin", "--password", PASSWORD)[0] == 0
    assert (
        run(url, "add", "ana", "--role", "agent", "--person", "Ana Costa", "--password", PASSWORD)[
            0
        ]
        == 0
    )
    assert (
        run(url, "add", "boss", "--role", "lead", "--team", "Returns", "--password", PASSWORD)[0]
        == 0
    )
    code, out, _ = run(url, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["username", "role", "scope", "status"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["ana", "agent"],
        ["boss", "lead"],
        ["root", "admin"],
    ]
    assert "Ana Costa" in lines[1] and "Returns" in lines[2] and lines[3].endswith("active")

    code, _, err = run(url, "disable", "ana")
    assert code == 0 and "disabled 'ana'" in err
    assert "disabled" in run(url, "list")[1].splitlines()[1]
    assert not can_log_in(url, "ana", PASSWORD)
    assert run(url, "enable", "ana")[0] == 0
    assert can_log_in(url, "ana", PASSWORD)

    code, _, err = run(url, "set-password", "ana", "--password", "short")
    assert code == 1 and "at least 10 characters" in err
    assert run(url, "set-password", "ana", "--password", "a brand new password")[0] == 0
    assert can_log_in(url, "ana", "a brand new password") and not can_log_in(url, "ana", PASSWORD)


def test_mistakes_are_one_line(url: str) -> None:
    assert run(url, "disable", "nobody")[2].strip() == "Error: no user 'nobody'"
    assert (
        "an agent login needs --person"
        in run(url, "add", "x", "--role", "agent", "--password", PASSWORD)[2]
    )
    assert (
        "no team named 'Nope'"
        in run(url, "add", "y", "--role", "lead", "--team", "Nope", "--password", PASSWORD)[2]
    )
    assert run(url, "add", "root", "--role", "admin", "--password", PASSWORD)[0] == 0
    code, _, err = run(url, "add", "root", "--role", "admin", "--password", PASSWORD)
    assert code == 1 and "exists already" in err
    # The last active admin stays: disabling it would lock everyone out of user management.
    code, _, err = run(url, "disable", "root")
    assert code == 1 and "last admin" in err


def test_the_service_refuses_to_disable_oneself(url: str) -> None:
    db = open_database(url)
    try:
        users.add_user(db, "one", "admin", PASSWORD)
        users.add_user(db, "two", "admin", PASSWORD)
        with pytest.raises(users.UserError, match="your own login"):
            users.set_disabled(db, "one", True, by="one")
        users.set_disabled(db, "one", True, by="two")
        with db.session() as s:
            assert [u.disabled for u in users.list_users(s)] == [True, False]
    finally:
        db.close()
