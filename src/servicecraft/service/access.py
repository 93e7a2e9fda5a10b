"""Who a logged-in user is to the read queries, and where each role starts.

The rules themselves (lead sees their department or team, agent only their own
results, ...) are enforced inside the storage engineer's query functions, which
raise PermissionDenied; this module only builds the Viewer they check against,
plus the few rules that are about the web app itself (tokens, import).
"""

from __future__ import annotations

from typing import Any

from servicecraft.service.viewer import PermissionDenied, Viewer

ROLES = ("admin", "lead", "reviewer", "agent")


def viewer_for(user: Any) -> Viewer:
    """The Viewer for a stored user row."""
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
        # A lead of nothing sees nothing: a missing scope must not widen access.
        raise PermissionDenied("this lead login has no department or team")
    return "/"


def may_import(viewer: Viewer) -> bool:
    """Only admins may hold (or mint) tokens with the import scope: import writes data."""
    return viewer.role == "admin"


def may_manage_all_tokens(viewer: Viewer) -> bool:
    return viewer.role == "admin"


def sees_organisation(viewer: Viewer) -> bool:
    return viewer.role in ("admin", "reviewer")
