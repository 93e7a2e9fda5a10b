"""Server-rendered dashboard pages.

Each handler asks the service layer (which enforces who may see what, raising
PermissionDenied) and hands the result to `views` to shape it for a template.
Handlers are plain `def`: the database calls are blocking, so FastAPI runs them
in its thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from servicecraft.service import dashboards
from servicecraft.service.access import landing_path, sees_organisation
from servicecraft.web import views
from servicecraft.web.bounds import DateFilter, IdFilter, Page, PathId
from servicecraft.web.deps import Me

router = APIRouter(include_in_schema=False)

SORT_KEYS = {
    "name",
    "conversations",
    "score",
    "better_rate",
    "one_touch",
    "chasing",
    "survey_coverage",
    "csat",
    *views.SKILLS,
}


def _render(me: Me, template: str, **context: Any) -> Response:
    return me.request.app.state.templates.TemplateResponse(
        me.request, template, me.context(**context)
    )


def _sort(value: str | None, default: str = "-score") -> str:
    return value if value and value.lstrip("-") in SORT_KEYS else default


@router.get("/")
def organisation(me: Me) -> Response:
    if not sees_organisation(me.viewer):
        return RedirectResponse(landing_path(me.viewer), status_code=303)
    data = dashboards.organisation_overview(me.session, me.viewer, weeks=12)
    return _render(
        me,
        "organisation.html",
        title="Organisation",
        section="organisation",
        **views.organisation(data),
    )


@router.get("/departments/{department_id}")
def department(me: Me, department_id: PathId, sort: str | None = None) -> Response:
    sort = _sort(sort)
    data = dashboards.department_detail(me.session, me.viewer, department_id, sort=sort)
    ctx = views.group(data, "department", sort)
    return _render(
        me, "group.html", section="organisation", sort=sort, params={"sort": sort}, **ctx
    )


@router.get("/teams/{team_id}")
def team(me: Me, team_id: PathId, sort: str | None = None) -> Response:
    sort = _sort(sort)
    data = dashboards.team_detail(me.session, me.viewer, team_id, sort=sort)
    ctx = views.group(data, "team", sort)
    return _render(
        me, "group.html", section="organisation", sort=sort, params={"sort": sort}, **ctx
    )


@router.get("/people/{person_id}")
def person(me: Me, person_id: PathId) -> Response:
    data = dashboards.person_profile(me.session, me.viewer, person_id)
    section = "person" if me.viewer.person_id == person_id else "organisation"
    return _render(me, "person.html", section=section, **views.person(data))


@router.get("/conversations/{conversation_id:path}")  # ids may contain "/"
def conversation(me: Me, conversation_id: str, skill: str = "all") -> Response:
    data = dashboards.conversation_detail(me.session, me.viewer, conversation_id)
    return _render(me, "conversation.html", section="search", **views.conversation(data, skill))


@router.get("/hindrances")
def hindrances(me: Me) -> Response:
    data = dashboards.hindrances(me.session, me.viewer)
    return _render(
        me, "hindrances.html", title="Hindrances", section="hindrances", **views.hindrances(data)
    )


@router.get("/search")
def search(
    me: Me,
    person_id: IdFilter = None,
    team_id: IdFilter = None,
    department_id: IdFilter = None,
    date_from: DateFilter = None,
    date_to: DateFilter = None,
    skill: Annotated[str | None, Query()] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    metric: Annotated[str | None, Query()] = None,
    outcome: Annotated[str | None, Query()] = None,
    page: Page = 1,
) -> Response:
    filters = views.search_filters(
        person_id=person_id,
        team_id=team_id,
        department_id=department_id,
        date_from=date_from,
        date_to=date_to,
        skill=skill,
        min_score=min_score,
        max_score=max_score,
        metric=metric,
        outcome=outcome,
    )
    result = dashboards.search_conversations(
        me.session, me.viewer, **filters, page=page, page_size=views.PAGE_SIZE
    )
    params = {k: ("" if v is None else str(v)) for k, v in views.search_params(filters).items()}
    return _render(
        me,
        "search.html",
        title="Conversations",
        section="search",
        params=params,
        **views.search(result, me.session, me.viewer, page),
    )
