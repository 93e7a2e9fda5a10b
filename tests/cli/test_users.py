"""`users password` and `users disable` end the login's sessions (issue 12, defect 7)."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from servicecraft.cli import main
from servicecraft.service import auth
from servicecraft.store import User, open_database


def test_password_change_and_disable_end_sessions(database_url: str) -> None:
    runner = CliRunner()
    add = ["users", "add", "ops", "--role", "admin", "--password", "first password!"]
    assert runner.invoke(main, [*add, "--db", database_url]).exit_code == 0
    db = open_database(database_url)
    try:
        with db.session() as s:
            user = s.execute(select(User).where(User.username == "ops")).scalar_one()
            before = auth.start_session(s, user)
        changed = runner.invoke(
            main,
            ["users", "password", "ops", "--password", "second password!", "--db", database_url],
        )
        assert changed.exit_code == 0, changed.output
        with db.session() as s:
            assert auth.session_user(s, before) is None
            assert auth.authenticate(s, "ops", "second password!", "127.0.0.1") is not None
            after = auth.start_session(s, s.execute(select(User)).scalar_one())
            assert auth.session_user(s, after) is not None
        disabled = runner.invoke(main, ["users", "disable", "ops", "--db", database_url])
        assert disabled.exit_code == 0, disabled.output
        with db.session() as s:
            assert auth.session_user(s, after) is None
            assert auth.authenticate(s, "ops", "second password!", "127.0.0.1") is None
        missing = runner.invoke(main, ["users", "disable", "nobody", "--db", database_url])
        assert missing.exit_code == 1 and "no user named 'nobody'" in missing.output
    finally:
        db.close()
