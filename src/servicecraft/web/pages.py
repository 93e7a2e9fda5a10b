"""Server-rendered dashboard pages.

Each handler asks the service layer (which applies the access policy, raising
PermissionDenied) and hands the result to `views` to shape it for a template. The four
dashboards do that inside `cached_page`, which keeps their rendered main block per access scope.
Handlers are plain `def`: the database calls are blocking, so FastAPI runs them
in its thread pool. The four dashboards are `async`: a kept page for a session this worker
checked within the second is answered on the event loop, and `cached_page` sends only the
database reads and renders to the thread pool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from servicecraft.service import dashboards
from servicecraft.service.figures import ConversationRow
from servicecraft.service.policy import (
    landing_path,
    may_filter_by_group,
    may_see_hindrances,
    may_see_organisation,
)
from servicecraft.web import views, voice
from servicecraft.web.bounds import DateFilter, IdFilter, Page, PathId
from servicecraft.web.deps import Current, Me, MeOnLoop
from servicecraft.web.page_cache import cached_page
from servicecraft.web.params import PeriodQuery, search_filters
from servicecraft.web.render import page

router = APIRouter(include_in_schema=False)
EXPORT_LIMIT = 100_000  # conversations in one CSV download
EXPORT_PAGE = 500


def _render(me: Me, template: str, **context: Any) -> Response:
    return page(me.request, template, me.context(**context))


@router.get("/")
async def organisation(me: MeOnLoop, period: PeriodQuery) -> Response:
    if not may_see_organisation(me.viewer):
        return RedirectResponse(landing_path(me.viewer), status_code=303)

    def context(me: Current) -> dict[str, Any]:
        data = dashboards.organisation_overview(me.session, me.viewer, period.weeks, period.until)
        return {
            "title": "Organisation",
            "period": period,
            "params": period.query(),
            **views.organisation(data),
        }

    return await cached_page(me, "organisation.html", "organisation", context)


@router.get("/departments/{department_id}")
async def department(
    me: MeOnLoop,
    department_id: PathId,
    period: PeriodQuery,
    sort: str = "-score",
    comments: str = "low",
    only_low: bool = False,
) -> Response:
    def context(me: Current) -> dict[str, Any]:
        data = dashboards.department_detail(
            me.session, me.viewer, department_id, sort, period.weeks, period.until
        )
        return {
            "sort": sort,
            "period": period,
            "params": {"sort": sort, **period.query()},
            **views.department(data, me.viewer),
            **voice.group_context(
                me, department_id=department_id, comments=comments, only_low=only_low
            ),
        }

    return await cached_page(me, "group.html", "organisation", context)


@router.get("/teams/{team_id}")
async def team(
    me: MeOnLoop,
    team_id: PathId,
    period: PeriodQuery,
    sort: str = "-score",
    comments: str = "low",
    only_low: bool = False,
) -> Response:
    def context(me: Current) -> dict[str, Any]:
        data = dashboards.team_detail(
            me.session, me.viewer, team_id, sort, period.weeks, period.until
        )
        cited = (
            dashboards.hindrances(me.session, me.viewer, limit=10, team_id=team_id)
            if may_see_hindrances(me.viewer)
            else None
        )
        return {
            "sort": sort,
            "period": period,
            "params": {"sort": sort, **period.query()},
            **views.team(data, me.viewer, cited),
            **voice.group_context(me, team_id=team_id, comments=comments, only_low=only_low),
        }

    return await cached_page(me, "group.html", "organisation", context)


@router.get("/people/{person_id}")
async def person(
    me: MeOnLoop,
    person_id: PathId,
    period: PeriodQuery,
    comments: str = "low",
    only_low: bool = False,
) -> Response:
    def context(me: Current) -> dict[str, Any]:
        data = dashboards.person_profile(
            me.session, me.viewer, person_id, period.weeks, period.until
        )
        return {
            "period": period,
            "params": period.query(),
            **views.person(data, me.viewer),
            **voice.group_context(me, person_id=person_id, comments=comments, only_low=only_low),
        }

    section = "person" if me.viewer.person_id == person_id else "organisation"
    return await cached_page(me, "person.html", section, context)


@router.get("/conversations/{conversation_id:path}")  # ids may contain "/"
def conversation(me: Me, conversation_id: str, skill: str = "all") -> Response:
    data = dashboards.conversation_detail(me.session, me.viewer, conversation_id)
    return _render(
        me,
        "conversation.html",
        section="search",
        **views.conversation(data, skill),
        **voice.conversation_context(me, conversation_id),
    )


@router.get("/hindrances")
def hindrances(me: Me) -> Response:
    data = dashboards.hindrances(me.session, me.viewer)
    return _render(
        me, "hindrances.html", title="Hindrances", section="hindrances", **views.hindrances(data)
    )


def _filters(
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
) -> dict[str, Any]:
    return search_filters(
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


Filters = Annotated[dict[str, Any], Depends(_filters)]


@router.get("/search")
def search(
    me: Me,
    filters: Filters,
    sort: str = "-started_at",
    page: Page = 1,
) -> Response:
    result = dashboards.search_conversations(
        me.session,
        me.viewer,
        **filters,
        sort=sort,
        page=page,
        page_size=views.PAGE_SIZE,
        with_snippets=True,
    )
    options = (
        dashboards.filter_options(me.session, me.viewer) if may_filter_by_group(me.viewer) else None
    )
    params = views.search_params(filters)
    return _render(
        me,
        "search.html",
        title="Conversations",
        section="search",
        params={**params, "sort": sort},
        filter_params=params,
        sort=sort,
        **views.search(result, options),
    )


@router.get("/search.csv")
def search_csv(me: Me, filters: Filters, sort: str = "-started_at") -> Response:
    """Every matching conversation the viewer may see (up to EXPORT_LIMIT) as CSV."""
    first = dashboards.search_conversations(
        me.session, me.viewer, **filters, sort=sort, page_size=1
    )  # an unknown sort is refused here, before any byte is sent

    def pages() -> Iterator[Sequence[ConversationRow]]:
        for number in range(1, EXPORT_LIMIT // EXPORT_PAGE + 1):
            rows = dashboards.search_conversations(
                me.session,
                me.viewer,
                **filters,
                sort=sort,
                page=number,
                page_size=EXPORT_PAGE,
                with_snippets=True,
            ).rows
            yield rows
            if len(rows) < EXPORT_PAGE:
                return

    name = f"conversations-{date.today().isoformat()}.csv"
    return StreamingResponse(
        views.csv_lines(pages()) if first.total else iter([views.CSV_HEADER]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
