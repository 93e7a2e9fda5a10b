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


def may_dispute(viewer: Viewer, person_id: int | None) -> bool:
    """Only the agent whose conversation was reviewed acknowledges or disputes the review."""
    return viewer.role == "agent" and person_id is not None and viewer.person_id == person_id


def may_resolve(
    viewer: Viewer,
    reviewer_id: int | None,
    person_id: int | None,
    team_id: int | None,
    department_id: int | None,
) -> bool:
    """The review's own reviewer, a lead over the conversation, or an admin settles a dispute."""
    if viewer.user_id is not None and viewer.user_id == reviewer_id:
        return True
    return viewer.role in ("admin", "lead") and may_review(
        viewer, person_id, team_id, department_id
    )


def may_run_calibration(viewer: Viewer) -> bool:
    """Leads and admins run calibration sessions, calibrate the rubric and rescore with it."""
    return viewer.role in ("admin", "lead")


def may_assign_reviews(viewer: Viewer) -> bool:
    """Leads and admins fill reviewers' queues."""
    return viewer.role in ("admin", "lead")


def may_grade_calibration(viewer: Viewer) -> bool:
    """Who may be picked as a grader in a calibration session (and opens the page)."""
    return viewer.role in ("admin", "lead", "reviewer")


def may_assign_practice(viewer: Viewer, person_id: int, team_id: int, department_id: int) -> bool:
    """Give someone practice: admins, and leads for the people they lead (reviewers only read)."""
    if viewer.role == "admin":
        return True
    return viewer.role == "lead" and may_see_person(viewer, person_id, team_id, department_id)


def may_create_surveys(viewer: Viewer) -> bool:
    """Make survey links: admins, and leads within their scope (the queries add the scope).
    Reviewers only read, and agents do not pick which of their own customers are asked."""
    return viewer.role in ("admin", "lead")


def may_see_myths(viewer: Viewer) -> bool:
    """The myth check is about what drives customers, for those who can change it; one
    agent's handful of answers would say more about chance than about customers."""
    return viewer.role != "agent"


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
    myths: bool
    surveys: bool
    group_filters: bool
    tokens_in_menu: bool
    all_tokens: bool
    import_: bool
    users: bool
    reviews: bool  # the Reviews page: an agent's reviews, a reviewer's queue
    calibration: bool


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
        myths=may_see_myths(viewer),
        surveys=may_create_surveys(viewer),
        group_filters=may_filter_by_group(viewer),
        # Agents keep their tokens page (reachable from their name) but not a menu item.
        tokens_in_menu=viewer.role != "agent",
        all_tokens=may_manage_all_tokens(viewer),
        import_=may_import(viewer),
        users=may_manage_users(viewer),
        reviews=True,
        calibration=may_grade_calibration(viewer),
    )


# --- Practice, coaching, hiring ----------------------------------------------------------


def may_see_practice(
    viewer: Viewer, user_id: int | None, team_id: int | None, department_id: int | None
) -> bool:
    """A practice session: its trainee, the leads of its team or department, admins.

    Reviewers read conversations, not people's practice. A candidate's session (no user)
    is seen by admins and the leads of the department or team that invited them.
    """
    if viewer.role == "admin":
        return True
    if user_id is not None and viewer.user_id == user_id:
        return True
    return viewer.role == "lead" and (
        (viewer.department_id is not None and viewer.department_id == department_id)
        or (viewer.team_id is not None and viewer.team_id == team_id)
    )


def practice_scope(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    """The SQL form of `may_see_practice`, for lists."""
    if viewer.role == "admin":
        return true()
    own = table.user_id == viewer.user_id if viewer.user_id is not None else false()
    if viewer.role != "lead":
        return own
    clauses = [own]
    if viewer.department_id is not None:
        clauses.append(table.department_id == viewer.department_id)
    if viewer.team_id is not None:
        clauses.append(table.team_id == viewer.team_id)
    return or_(*clauses)


def may_see_coaching_plan(viewer: Viewer, person_id: int, team_id: int, department_id: int) -> bool:
    """A coaching plan: the coached person, and whoever may assign them practice."""
    if viewer.person_id is not None and viewer.person_id == person_id:
        return True
    return may_assign_practice(viewer, person_id, team_id, department_id)


def may_see_team_coaching(viewer: Viewer, team_id: int, department_id: int) -> bool:
    """A team's open plans: admins and the team's (or department's) leads."""
    if viewer.role == "admin":
        return True
    return viewer.role == "lead" and may_see_team(viewer, team_id, department_id)


def may_hire(viewer: Viewer) -> bool:
    """Create candidate links and see candidates' results: admins and leads, never agents."""
    return viewer.role in ("admin", "lead")


def candidate_scope(viewer: Viewer, table: Any) -> ColumnElement[bool]:
    """Candidate links a viewer may see: all for admins; a lead's own and their scope's."""
    if viewer.role == "admin":
        return true()
    if viewer.role != "lead":
        return false()
    clauses = [table.created_by == viewer.user_id] if viewer.user_id is not None else []
    if viewer.department_id is not None:
        clauses.append(table.department_id == viewer.department_id)
    if viewer.team_id is not None:
        clauses.append(table.team_id == viewer.team_id)
    return or_(*clauses) if clauses else false()


def may_see_quiz_results(viewer: Viewer) -> bool:
    """Myths-quiz results by department: everyone but agents (leads see their department)."""
    return viewer.role != "agent"


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
