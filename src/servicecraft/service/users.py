"""Logins: look up, list, create; the CLI's `users` commands and the admin pages call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicecraft.service.auth import hash_password
from servicecraft.service.policy import ROLES
from servicecraft.store import Database, Department, Person, Team, User, WebSession

__all__ = [
    "Login",
    "User",
    "UserError",
    "add_user",
    "get_user",
    "list_users",
    "set_disabled",
    "set_password",
]

MIN_PASSWORD = 10


class UserError(ValueError):
    """A login that cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Login:
    """A login as lists show it (never its password hash)."""

    id: int
    username: str
    role: str
    person: str | None
    department: str | None
    team: str | None
    disabled: bool


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session) -> list[Login]:
    """Every login, by username, with the person, department or team it is tied to."""
    rows = session.execute(
        select(User, Person.name, Department.name, Team.name)
        .outerjoin(Person, Person.id == User.person_id)
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(Team, Team.id == User.team_id)
        .order_by(User.username)
    ).all()
    return [
        Login(
            id=user.id,
            username=user.username,
            role=user.role,
            person=person,
            department=department,
            team=team,
            disabled=user.disabled_at is not None,
        )
        for user, person, department, team in rows
    ]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"use a password of at least {MIN_PASSWORD} characters")


def _named(session: Session, model: type[Person | Department | Team], name: str) -> int:
    found = session.execute(select(model.id).where(model.name == name)).scalar_one_or_none()
    if found is None:
        raise UserError(f"no {model.__name__.lower()} named {name!r}")
    return found


def add_user(
    db: Database,
    username: str,
    role: str,
    password: str,
    *,
    person: str | None = None,
    department: str | None = None,
    team: str | None = None,
) -> int:
    """Create a login; an agent needs a person, a lead a department or team. Returns its id."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    with db.transaction() as session:
        if session.execute(select(User.id).where(User.username == username)).first():
            raise UserError(f"user {username!r} exists already")
        user = User(username=username, password_hash=hash_password(password), role=role)
        if person:
            user.person_id = _named(session, Person, person)
        if department:
            user.department_id = _named(session, Department, department)
        if team:
            user.team_id = _named(session, Team, team)
        if role == "agent" and user.person_id is None:
            raise UserError("an agent login needs --person")
        if role == "lead" and user.department_id is None and user.team_id is None:
            raise UserError("a lead login needs --department or --team")
        session.add(user)
        session.flush()
        return user.id


def _by_name(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def set_password(db: Database, username: str, password: str) -> None:
    """A new password; every open web session of the user ends (its row is deleted)."""
    check_password(password)
    with db.transaction() as session:
        user = _by_name(session, username)
        user.password_hash = hash_password(password)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def set_disabled(db: Database, username: str, disabled: bool, *, by: str | None = None) -> None:
    """Disable (no login, no session, no API token works) or enable a login again.

    ``by``: the username doing it; nobody may disable themselves (an admin locking the
    last admin out would need the database to get back in).
    """
    if disabled and by is not None and by == username:
        raise UserError("you cannot disable your own login")
    with db.transaction() as session:
        user = _by_name(session, username)
        if disabled and user.role == "admin":
            admins = session.execute(
                select(User.id).where(User.role == "admin", User.disabled_at.is_(None))
            ).all()
            if len(admins) <= 1 and user.disabled_at is None:
                raise UserError("this is the last admin login; add another admin first")
        user.disabled_at = datetime.now(UTC).replace(tzinfo=None) if disabled else None
        if disabled:  # its open sessions end now, not at their expiry
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
