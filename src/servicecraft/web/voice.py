"""The customer's voice in the app: asking for feedback, and the myth check page and API.

Creating links writes data, so the forms carry the CSRF token; the service applies the
access policy (admins, and leads within their scope) and one survey per conversation.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel, Field

from servicecraft import catalogue
from servicecraft.myths import FACTORS, MythReport, report_to_dict
from servicecraft.service import myths, survey_figures, surveys
from servicecraft.service.policy import may_create_surveys
from servicecraft.web.api import Importer, Reader
from servicecraft.web.api_shapes import SurveyLinkOut
from servicecraft.web.bounds import NO_NUL, DateField, DateForm, IdField, IdForm
from servicecraft.web.deps import Me
from servicecraft.web.myth_chart import forest
from servicecraft.web.render import page
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["api"])
CsrfField = Annotated[str, Form(alias="csrf_token")]


def group_context(
    me: Me,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    department_id: int | None = None,
    comments: str = "low",
    only_low: bool = False,
) -> dict[str, Any]:
    """The "What customers said" block of a person, team or department page."""
    who = {"person_id": person_id, "team_id": team_id, "department_id": department_id}
    order = comments if comments in survey_figures.COMMENT_ORDERS else "low"
    summary = survey_figures.survey_summary(me.session, me.viewer, **who)
    found = survey_figures.survey_comments(
        me.session, me.viewer, **who, order=order, max_csat=2 if only_low else None, limit=30
    )
    series = {
        "satisfied": [_percent(t.top_two_box) for _, t in summary.weeks],
        "easy": [_percent(t.easy_share) for _, t in summary.weeks],
        "response rate": [_percent(t.response_rate) for _, t in summary.weeks],
    }
    return {
        "voice": summary,
        "voice_series": series,
        "comments": found,
        "comment_order": order,
        "only_low": only_low,
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else 100.0 * share


def conversation_context(me: Me, conversation_id: str) -> dict[str, Any]:
    """The conversation page's survey panel, and whether the viewer may ask for feedback."""
    return {
        "survey": survey_figures.conversation_survey(me.session, me.viewer, conversation_id),
        "can_survey": may_create_surveys(me.viewer),
    }


@router.get("/myths")
def myths_page(me: Me) -> Response:
    report = myths.organisation_myths(me.session, me.viewer)
    return page(
        me.request, "myths.html", me.context(title="Myth check", section="myths", **_myths(report))
    )


def _myths(report: MythReport) -> dict[str, Any]:
    findings = {o: [f for f in report.findings if f.outcome == o] for o in ("csat", "ces")}
    return {
        "report": report,
        "findings": findings,
        "charts_by_outcome": {o: forest(report.findings, outcome=o) for o in findings},
        "labels": {f: catalogue.label(f) for f in FACTORS},
    }


@router.post("/conversations/{conversation_id}/survey")
def ask_one(me: Me, conversation_id: str, csrf_token_: CsrfField = "") -> Response:
    check_csrf(me.request, csrf_token_)
    db = me.request.app.state.db
    try:
        token = surveys.create_link(db, conversation_id, me.viewer)
    except surveys.AlreadySurveyed:
        return _links(me, [], skipped=1, status=409)
    with db.session() as session:
        customer = surveys.customers_of(session, [conversation_id]).get(conversation_id)
    return _links(me, [surveys.CreatedLink(conversation_id, customer, token)], skipped=0)


@router.post("/surveys")
def ask_many(
    me: Me,
    person_id: IdForm = None,
    team_id: IdForm = None,
    department_id: IdForm = None,
    date_from: DateForm = None,
    date_to: DateForm = None,
    limit: Annotated[int | None, Form(ge=1, le=100_000)] = None,
    as_csv: Annotated[bool, Form()] = False,
    csrf_token_: CsrfField = "",
) -> Response:
    """Links for every conversation of a filter (the search page's) not surveyed yet."""
    check_csrf(me.request, csrf_token_)
    selection = surveys.Selection(
        person_id=person_id,
        team_id=team_id,
        department_id=department_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )
    batch = surveys.create_links(me.request.app.state.db, me.viewer, selection)
    if as_csv:
        return _csv(me, batch.created)
    return _links(me, list(batch.created), skipped=batch.skipped)


def _base(me: Me) -> str:
    return str(me.request.base_url).rstrip("/")


def _links(
    me: Me, created: list[surveys.CreatedLink], *, skipped: int, status: int = 200
) -> Response:
    rows = [
        {
            "conversation_id": c.conversation_id,
            "customer": c.customer,
            "url": surveys.link_url(_base(me), c.token),
        }
        for c in created
    ]
    context = me.context(
        title="Survey links",
        section="search",
        links=rows,
        skipped=skipped,
        days=surveys.LINK_LIFETIME.days,
    )
    return page(me.request, "survey_links.html", context, status)


def _csv(me: Me, created: tuple[surveys.CreatedLink, ...]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["conversation_id", "customer", "link"])
    for c in created:
        writer.writerow([c.conversation_id, c.customer or "", surveys.link_url(_base(me), c.token)])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="survey-links.csv"'},
    )


class SurveyRequest(BaseModel):
    """One conversation, or every conversation of a filter not surveyed yet."""

    # Bounded like the query parameters (web.bounds): a value the databases cannot hold is
    # a 422, never a 500 from the database driver.
    conversation_id: str | None = Field(
        None, description="survey this conversation", max_length=200, pattern=NO_NUL
    )
    person_id: IdField = None
    team_id: IdField = None
    department_id: IdField = None
    date_from: DateField = None
    date_to: DateField = None
    limit: int | None = Field(None, ge=1, le=100_000)


class SurveyLinks(BaseModel):
    created: list[SurveyLinkOut]
    skipped: int = Field(description="matched, but surveyed already (one survey each)")


@api_router.post(
    "/surveys",
    summary="Create survey links",
    description="Single-use links (shown once) for one conversation or every conversation of "
    "a filter that has not been surveyed yet. Needs the import scope.",
    response_model=SurveyLinks,
)
def api_create(me: Importer, body: SurveyRequest) -> SurveyLinks:
    db = me.request.app.state.db
    selection = surveys.Selection(
        ids=(body.conversation_id,) if body.conversation_id else (),
        person_id=body.person_id,
        team_id=body.team_id,
        department_id=body.department_id,
        date_from=body.date_from,
        date_to=body.date_to,
        limit=body.limit,
    )
    batch = surveys.create_links(db, me.viewer, selection)
    base = _base(me)
    return SurveyLinks(
        created=[
            SurveyLinkOut(
                conversation_id=c.conversation_id,
                customer=c.customer,
                link=surveys.link_url(base, c.token),
            )
            for c in batch.created
        ],
        skipped=batch.skipped,
    )


@api_router.get(
    "/myths",
    summary="The myth check",
    description="What goes with satisfaction and effort over the conversations this token's "
    "owner may see: one finding per factor with its effect, 95% interval, n and verdict.",
)
def api_myths(me: Reader) -> dict[str, Any]:
    return report_to_dict(myths.organisation_myths(me.session, me.viewer))
