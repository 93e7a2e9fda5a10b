"""Review pages: grade a conversation beside its transcript, the review inbox and queue,
acknowledgements, disputes and their decisions, and review assignments.

Form posts read the whole form (skills are a variable set of fields), then do their
blocking database work in the thread pool, as the plain ``def`` pages do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servicecraft.service import assignments, disputes, reviews
from servicecraft.service.dashboards import conversation_detail
from servicecraft.service.policy import may_assign_reviews
from servicecraft.service.reviews import FIELDS, OVERALL, Grades, ReviewError, make_grades
from servicecraft.web import views
from servicecraft.web.bounds import PathId
from servicecraft.web.deps import Me
from servicecraft.web.security import check_csrf

router = APIRouter(include_in_schema=False)


async def form_of(request: Request) -> dict[str, Any]:
    """The posted form (CSRF checked), values as strings or lists for repeated names."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    check_csrf(request, data.get("csrf_token"))
    return data


def grades_from_form(form: dict[str, Any], *, comment: bool = True) -> Grades:
    """Fields g_<name> (0-100) and na_<name> (N/A ticked); empty and unticked = not graded."""
    skills: dict[str, object] = {}
    score: object = None
    for name in FIELDS:
        raw = str(form.get(f"g_{name}", "")).strip()
        if form.get(f"na_{name}"):
            value: object = None
        elif raw:
            try:
                value = float(raw)
            except ValueError:
                raise ReviewError(f"{name}: {raw!r} is not a number from 0 to 100") from None
        else:
            continue
        if name == OVERALL:
            score = value
        else:
            skills[name] = value
    if not comment and score is None and not skills:
        raise ReviewError("propose at least one grade")
    return make_grades(score, skills, str(form.get("comment", "")) if comment else None)


def render(me: Me, template: str, status: int = 200, **context: Any) -> Response:
    response: Response = me.request.app.state.templates.TemplateResponse(
        me.request, template, me.context(**context), status_code=status
    )
    return response


def _review_page(me: Me, conversation_id: str, error: str | None = None) -> Response:
    data = conversation_detail(me.session, me.viewer, conversation_id)
    shown = views.conversation(data, "all")
    page = reviews.review_page(me.session, me.viewer, conversation_id)
    return render(
        me,
        "review.html",
        400 if error else 200,
        section="reviews",
        **{**shown, "title": f"Review {conversation_id}"},
        fields=FIELDS,
        autoqa=page.autoqa,
        reviews=page.reviews,
        mine=page.mine,
        can_review=page.may_review,
        error=error,
    )


@router.get("/conversations/{conversation_id:path}/review")
def review_page(me: Me, conversation_id: str) -> Response:
    return _review_page(me, conversation_id)


def _after(me: Me, conversation_id: str, work: Any) -> Response:
    """Run a change; on a refused input show the page again with the reason."""
    try:
        work()
    except ReviewError as exc:
        return _review_page(me, conversation_id, str(exc))
    return RedirectResponse(f"/conversations/{conversation_id}/review", status_code=303)


@router.post("/conversations/{conversation_id:path}/review")
async def give_review(me: Me, conversation_id: str) -> Response:
    form = await form_of(me.request)

    def work() -> None:
        reviews.save_review(me.session, me.viewer, conversation_id, grades_from_form(form))

    return await run_in_threadpool(_after, me, conversation_id, work)


@router.post("/reviews/{review_id}/acknowledge")
async def acknowledge(me: Me, review_id: PathId) -> Response:
    await form_of(me.request)

    def work() -> Response:
        review = reviews.acknowledge(me.session, me.viewer, review_id)
        return RedirectResponse(f"/conversations/{review.conversation_id}/review", 303)

    return await run_in_threadpool(work)


@router.post("/reviews/{review_id}/dispute")
async def dispute(me: Me, review_id: PathId) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        cid = reviews.conversation_of(me.session, me.viewer, review_id=review_id)
        return _after(
            me,
            cid,
            lambda: disputes.open_dispute(
                me.session,
                me.viewer,
                review_id,
                grades_from_form(form, comment=False),
                str(form.get("reason", "")),
            ),
        )

    return await run_in_threadpool(work)


@router.post("/disputes/{dispute_id}/resolve")
async def resolve(me: Me, dispute_id: PathId) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        cid = reviews.conversation_of(me.session, me.viewer, dispute_id=dispute_id)
        return _after(
            me,
            cid,
            lambda: disputes.resolve_dispute(
                me.session,
                me.viewer,
                dispute_id,
                accept=form.get("decision") == "accept",
                reason=str(form.get("reason", "")),
            ),
        )

    return await run_in_threadpool(work)


def _reviews_index(me: Me, message: str | None = None, error: str | None = None) -> Response:
    return render(
        me,
        "reviews.html",
        400 if error else 200,
        title="Reviews",
        section="reviews",
        inbox=reviews.inbox(me.session, me.viewer),
        queue=assignments.queue(me.session, me.viewer) if me.viewer.role != "agent" else [],
        may_assign=may_assign_reviews(me.viewer),
        reviewers=assignments.reviewers(me.session) if may_assign_reviews(me.viewer) else [],
        rules=assignments.RULES,
        this_week=assignments.monday(date.today()),
        message=message,
        error=error,
    )


@router.get("/reviews")
def reviews_index(me: Me) -> Response:
    return _reviews_index(me)


@router.post("/reviews/assign")
async def assign(me: Me) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        ids = form.get("reviewer_ids") or []
        try:
            week = date.fromisoformat(str(form.get("week", "")))
            report = assignments.create_assignments(
                me.session,
                me.viewer,
                week=week,
                per_agent=int(str(form.get("per_agent", "0")) or 0),
                rule=str(form.get("rule", "")),
                reviewer_ids=[int(i) for i in (ids if isinstance(ids, list) else [ids])],
            )
        except (ReviewError, ValueError) as exc:
            return _reviews_index(me, error=str(exc))
        short = "; ".join(f"{name}: only {n}" for name, n in report.short)
        text = f"Assigned {report.created} conversations of {report.agents} agents."
        return _reviews_index(me, message=text + (f" Fewer found for {short}." if short else ""))

    return await run_in_threadpool(work)
