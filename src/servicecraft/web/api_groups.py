"""The JSON API's figures for groups: organisation, departments, teams, people, hindrances."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from servicecraft import catalogue
from servicecraft.service import dashboards
from servicecraft.web import api_shapes as shapes
from servicecraft.web.api import Reader
from servicecraft.web.bounds import MAX_ID

router = APIRouter(prefix="/api/v1", tags=["api"])

Weeks = Annotated[
    int,
    Query(ge=1, le=104, description="how many weeks, up to the latest with data", examples=[12]),
]
GroupSort = Annotated[
    str,
    Query(
        description="order of the rows: one of " + ", ".join(catalogue.GROUP_SORTS) + "; "
        "'-' for descending",
        examples=["-score", "name"],
    ),
]


class GroupSummary(shapes.Summary):
    teams: list[shapes.Summary] = Field(default_factory=list, description="one per team")
    people: list[shapes.Summary] = Field(default_factory=list, description="one per person")


class Organisation(BaseModel):
    totals: shapes.Summary
    departments: list[shapes.Summary]


class HindranceGroup(BaseModel):
    text: str = Field(description="one way it was said", examples=["the system won't let me"])
    kind: str = Field(description="policy or system")
    department: str | None
    count: int = Field(description="times cited")
    conversations: list[str] = Field(description="up to 20 example conversation ids")


class Hindrances(BaseModel):
    total: int = Field(description="hindrances cited in the conversations this token may see")
    by_kind: dict[str, int]
    groups: list[HindranceGroup] = Field(description="most cited first")


@router.get(
    "/organisation",
    summary="Every department's figures",
    description="Admins and reviewers only. Definitions of the metrics: docs/web.md.",
    response_model=Organisation,
)
def organisation(me: Reader, weeks: Weeks = 12) -> dict[str, Any]:
    data = dashboards.organisation_overview(me.session, me.viewer, weeks=weeks)
    return {
        "totals": shapes.summary(0, "Organisation", data.totals, data.weeks),
        "departments": [shapes.summary(d.id, d.name, d, data.weeks) for d in data.departments],
    }


@router.get(
    "/departments/{department_id}/summary",
    summary="A department's figures, per team and person",
    response_model=GroupSummary,
)
def department_summary(
    me: Reader,
    department_id: Annotated[
        int,
        Path(
            ge=-MAX_ID,
            le=MAX_ID,
            description="a department's id (see /api/v1/organisation)",
            examples=[1],
        ),
    ],
    weeks: Weeks = 12,
    sort: GroupSort = "-score",
) -> dict[str, Any]:
    data = dashboards.department_detail(me.session, me.viewer, department_id, sort, weeks)
    out = shapes.summary(data.department.id, data.department.name, data.totals, data.weeks)
    out["teams"] = [shapes.summary(t.id, t.name, t, data.weeks) for t in data.teams]
    out["people"] = [shapes.summary(p.id, p.name, p, data.weeks) for p in data.people]
    return out


@router.get(
    "/teams/{team_id}/summary",
    summary="A team's figures, per person",
    response_model=GroupSummary,
)
def team_summary(
    me: Reader,
    team_id: Annotated[
        int,
        Path(
            ge=-MAX_ID,
            le=MAX_ID,
            description="a team's id (see a department's summary)",
            examples=[1],
        ),
    ],
    weeks: Weeks = 12,
    sort: GroupSort = "-score",
) -> dict[str, Any]:
    data = dashboards.team_detail(me.session, me.viewer, team_id, sort, weeks)
    out = shapes.summary(data.team.id, data.team.name, data.totals, data.weeks)
    out["people"] = [shapes.summary(p.id, p.name, p, data.weeks) for p in data.people]
    return out


@router.get(
    "/people/{person_id}/summary", summary="A person's figures", response_model=shapes.Summary
)
def person_summary(
    me: Reader,
    person_id: Annotated[
        int,
        Path(
            ge=-MAX_ID, le=MAX_ID, description="a person's id (see a team's summary)", examples=[1]
        ),
    ],
    weeks: Weeks = 12,
) -> dict[str, Any]:
    data = dashboards.person_profile(me.session, me.viewer, person_id, weeks)
    return shapes.summary(data.person.id, data.person.name, data.totals, data.weeks)


@router.get(
    "/hindrances",
    summary="Policies and systems cited, grouped",
    description="Leads (their department or team), reviewers and admins; agents get 403.",
    response_model=Hindrances,
)
def hindrances(
    me: Reader, limit: Annotated[int, Query(ge=1, le=1000, description="groups at most")] = 200
) -> dict[str, Any]:
    data = dashboards.hindrances(me.session, me.viewer, limit=limit)
    return {
        "total": data.total,
        "by_kind": dict(data.by_kind),
        "groups": [
            {
                "text": g.text,
                "kind": g.kind,
                "department": g.department,
                "count": g.count,
                "conversations": list(g.conversations),
            }
            for g in data.groups
        ],
    }
