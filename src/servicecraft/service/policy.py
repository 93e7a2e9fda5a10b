"""The one access policy: who may see or do what.

Pages, the API and the command line ask these functions; read queries filter with
the ``*_scope`` clauses below. Roles: admins see and manage everything, reviewers
read everything, leads read their department or team, agents read only their own
results. A missing scope never widens access: a lead of nothing sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, or_, true

ROLES = ("admin", "lead", "reviewer", "agent")


class PermissionDenied(Exception):
    """The viewer may not see or do what they asked for."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking, as the policy sees them."""

    role: str  # admin | lead | reviewer | agent
    person_id: int | None = None
    department_id: int | None = None
    team_id: int | None = None
    user_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        return sees_everything(self)


class _Login(Protocol):
    id: int
    role: str
    person_id: int | None
    department_id: int | None
    team_id: int | None


def viewer_for(user: _Login) -> Viewer:
    """The Viewer for a stored login."""
    if user.role not in ROLES:
        # An unknown role must never fall through to some default access.
        raise PermissionDenied(f"unknown role {user.role!r}")
    return Viewer(
        role=user.role,
        person_id=user.person_id,
        department_id=user.department_id,
        team_id=user.team_id,
        user_id=user.id,
    )


def landing_path(viewer: Viewer) -> str:
    """The page a user sees right after logging in."""
    if viewer.role == "agent":
        if viewer.person_id is None:
            raise PermissionDenied("this agent login is not linked to a person")
        return f"/people/{viewer.person_id}"
    if viewer.role == "lead":
        if viewer.team_id is not None and viewer.department_id is None:
            return f"/teams/{viewer.team_id}"
        if viewer.department_id is not None:
            return f"/departments/{viewer.department_id}"
        raise PermissionDenied("this lead login has no department or team")
    return "/"


# --- What a viewer may see ----------------------------------------------------------------


def sees_everything(viewer: Viewer) -> bool:
    return viewer.role in ("admin", "reviewer")


def may_see_organisation(viewer: Viewer) -> bool:
    return sees_everything(viewer)


def may_see_department(viewer: Viewer, department_id: int) -> bool:
    return sees_everything(viewer) or (
        viewer.role == "lead" and viewer.department_id == department_id
    )


def may_see_team(viewer: Viewer, team_id: int, department_id: int) -> bool:
    if sees_everything(viewer):
        return True
    return viewer.role == "lead" and (
        (viewer.department_id is not None and viewer.department_id == department_id)
        or (viewer.team_id is not None and viewer.team_id == team_id)
    )


def may_see_person(viewer: Viewer, person_id: int, team_id: int, department_id: int) -> bool:
    if viewer.role == "agent":
        return viewer.person_id is not None and viewer.person_id == person_id
    return may_see_team(viewer, team_id, department_id)


def may_see_conversation(
    viewer: Viewer, person_id: int | None, team_id: int | None, department_id: int | None
) -> bool:
    """A conversation is visible where its agent, team or department is."""
    if sees_everything(viewer):
        return True
    if viewer.role == "lead":
        return (viewer.department_id is not None and viewer.department_id == department_id) or (
            viewer.team_id is not None and viewer.team_id == team_id
        )
    return viewer.role == "agent" and person_id is not None and viewer.person_id == person_id


def may_see_hindrances(viewer: Viewer) -> bool:
    """Hindrances are about policies and systems, for those who can change them."""
    return viewer.role != "agent"


def may_filter_by_group(viewer: Viewer) -> bool:
    """Agents see only their own conversations, so department/team/person filters are moot."""
    return viewer.role != "agent"


# --- What a viewer may do -----------------------------------------------------------------


def may_review(
    viewer: Viewer, person_id: int | None, team_id: int | None, department_id: int | None
) -> bool:
    """Review (rate, comment on) a conversation: reviewers and admins anywhere, leads in scope."""
    if viewer.role in ("admin", "reviewer"):
        return True
    return viewer.role == "lead" and may_see_conversation(viewer, person_id, team_id, department_id)


def may_assign_practice(viewer: Viewer, person_id: int, team_id: int, department_id: int) -> bool:
    """Give someone practice: admins, and leads for the people they lead (reviewers only read)."""
    if viewer.role == "admin":
        return True
    return viewer.role == "lead" and may_see_person(viewer, person_id, team_id, department_id)


def may_import(viewer: Viewer) -> bool:
    """Only admins may import (or hold tokens with the import scope): import writes data."""
    return viewer.role == "admin"


def may_manage_tokens(viewer: Viewer, owner_user_id: int | None) -> bool:
    """Create or revoke a token owned by ``owner_user_id``: one's own, or anyone's as admin."""
    if viewer.role == "admin":
        return True
    return owner_user_id is not None and owner_user_id == viewer.user_id


def may_manage_all_tokens(viewer: Viewer) -> bool:
    return viewer.role == "admin"


def may_manage_users(viewer: Viewer) -> bool:
    return viewer.role == "admin"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the menu and links of a page may offer a viewer (never a substitute for the checks)."""

    home: str  # the menu's first item: the viewer's landing page
    home_label: str
    organisation: bool
    hindrances: bool
    group_filters: bool
    tokens_in_menu: bool
    all_tokens: bool
    import_: bool
    users: bool


def _home(viewer: Viewer) -> tuple[str, str]:
    if may_see_organisation(viewer):
        return "/", "Organisation"
    try:
        path = landing_path(viewer)
    except PermissionDenied:
        return "", ""
    label = {"agent": "My results", "lead": "My team"}[viewer.role]
    return path, "My department" if path.startswith("/departments/") else label


def capabilities(viewer: Viewer) -> Capabilities:
    home, home_label = _home(viewer)
    return Capabilities(
        home=home,
        home_label=home_label,
        organisation=may_see_organisation(viewer),
        hindrances=may_see_hindrances(viewer),
        group_filters=may_filter_by_group(viewer),
        # Agents keep their tokens page (reachable from their name) but not a menu item.
        tokens_in_menu=viewer.role != "agent",
        all_tokens=may_manage_all_tokens(viewer),
        import_=may_import(viewer),
        users=may_manage_users(viewer),
    )


# --- Query scopes -------------------------------------------------------------------------


def row_scope(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    """The rows of ``table`` (with person_id, team_id, department_id columns) a viewer may read."""
    if sees_everything(viewer):
        return true()
    if viewer.role == "lead":
        clauses = []
        if viewer.department_id is not None:
            clauses.append(table.department_id == viewer.department_id)
        if viewer.team_id is not None:
            clauses.append(table.team_id == viewer.team_id)
        return or_(*clauses) if clauses else false()
    if viewer.role == "agent" and viewer.person_id is not None:
        return table.person_id == viewer.person_id  # type: ignore[no-any-return]
    return false()


def group_scope(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    """The rows of a table without people (hindrances) a viewer may read; none for agents."""
    if not may_see_hindrances(viewer):
        return false()
    if sees_everything(viewer):
        return true()
    return or_(
        table.department_id == viewer.department_id if viewer.department_id else false(),
        table.team_id == viewer.team_id if viewer.team_id else false(),
    )


def department_scope(viewer: Viewer, department_id: Any) -> ColumnElement[bool]:
    """Departments a viewer may pick in filters (``department_id``: the id column)."""
    if sees_everything(viewer):
        return true()
    if viewer.role == "lead":
        return department_id == viewer.department_id  # type: ignore[no-any-return]
    return false()


def team_scope(viewer: Viewer, team_id: Any, department_id: Any) -> ColumnElement[bool]:
    """Teams a viewer may pick in filters (the team's id and department id columns)."""
    if sees_everything(viewer):
        return true()
    if viewer.role == "lead":
        return or_(department_id == viewer.department_id, team_id == viewer.team_id)
    return false()


def person_scope(
    viewer: Viewer, person_id: Any, team_id: Any, department_id: Any
) -> ColumnElement[bool]:
    """People a viewer may pick in filters."""
    if viewer.role == "agent":
        return person_id == viewer.person_id  # type: ignore[no-any-return]
    return team_scope(viewer, team_id, department_id)
