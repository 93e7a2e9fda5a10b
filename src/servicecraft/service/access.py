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


# Human review (issue 9). A review grades a conversation; the conversation's scope
# (person, team, department) decides who may grade it, dispute it, or settle a dispute.


def may_review(
    viewer: Viewer, person_id: int | None, team_id: int | None, department_id: int | None
) -> bool:
    """Reviewers and admins grade any conversation; leads those of their team or department."""
    from servicecraft.service.listings import may_see

    if viewer.role in ("admin", "reviewer"):
        return True
    return viewer.role == "lead" and may_see(viewer, person_id, team_id, department_id)


def may_dispute(viewer: Viewer, person_id: int | None) -> bool:
    """Only the agent whose conversation was reviewed disputes (and acknowledges) a review."""
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
    """Leads and admins run calibration sessions, calibrate the rubric and rescore."""
    return viewer.role in ("admin", "lead")


def may_assign_reviews(viewer: Viewer) -> bool:
    return viewer.role in ("admin", "lead")
