"""Who is asking: every read query filters by the viewer's role and scope."""

from __future__ import annotations

from dataclasses import dataclass


class PermissionDenied(Exception):
    """The viewer may not see what they asked for."""


@dataclass(frozen=True, slots=True)
class Viewer:
    role: str  # admin | lead | reviewer | agent
    person_id: int | None = None
    department_id: int | None = None
    team_id: int | None = None
    user_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "reviewer")
