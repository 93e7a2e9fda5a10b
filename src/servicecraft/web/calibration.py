"""Calibration pages: blind grading sessions with their agreement figures, and the rubric
versions page (calibrate to the stored reviews, save a version, rescore with one)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servicecraft.engine import RubricError
from servicecraft.service import calibration_sessions as cs
from servicecraft.service import rubric_versions as rv
from servicecraft.service.assignments import reviewers
from servicecraft.service.policy import PermissionDenied, may_run_calibration
from servicecraft.service.reviews import FIELDS, ReviewError
from servicecraft.web.bounds import PathId
from servicecraft.web.deps import Me
from servicecraft.web.reviews import form_of, grades_from_form, render

router = APIRouter(include_in_schema=False)
RECENT = 30  # recent conversations offered as checkboxes when creating a session


def _list(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key) or []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _index(me: Me, error: str | None = None) -> Response:
    lead = may_run_calibration(me.viewer)
    return render(
        me,
        "calibration.html",
        400 if error else 200,
        title="Calibration",
        section="calibration",
        sessions=cs.list_sessions(me.session, me.viewer),
        may_run=lead,
        reviewers=reviewers(me.session) if lead else [],
        recent=cs.recent_conversations(me.session, me.viewer, RECENT),
        error=error,
    )


@router.get("/calibration")
def calibration_index(me: Me) -> Response:
    return _index(me)


@router.post("/calibration")
async def create_session(me: Me) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        typed = re.split(r"[\s,]+", str(form.get("more", "")))
        try:
            sid = cs.create_session(
                me.session,
                me.viewer,
                str(form.get("title", "")),
                _list(form, "conversation_ids") + [t for t in typed if t],
                [int(i) for i in _list(form, "reviewer_ids")],
            )
        except ReviewError as exc:
            return _index(me, str(exc))
        return RedirectResponse(f"/calibration/{sid}", status_code=303)

    return await run_in_threadpool(work)


def _session_page(me: Me, session_id: int, error: str | None = None) -> Response:
    view = cs.session_view(me.session, me.viewer, session_id)
    return render(
        me,
        "calibration_session.html",
        400 if error else 200,
        title=view.title,
        section="calibration",
        s=view,
        fields=FIELDS,
        error=error,
    )


@router.get("/calibration/{session_id}")
def session_page(me: Me, session_id: PathId) -> Response:
    return _session_page(me, session_id)


@router.post("/calibration/{session_id}/grade")
async def grade(me: Me, session_id: PathId) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        cid = str(form.get("conversation_id", ""))
        try:
            cs.submit_grade(me.session, me.viewer, session_id, cid, grades_from_form(form))
        except ReviewError as exc:
            return _session_page(me, session_id, f"{cid}: {exc}")
        return RedirectResponse(f"/calibration/{session_id}#c-{cid}", status_code=303)

    return await run_in_threadpool(work)


def _rubrics(me: Me, **extra: Any) -> Response:
    if not may_run_calibration(me.viewer):
        raise PermissionDenied("leads and admins manage rubric versions")
    return render(
        me,
        "rubrics.html",
        400 if extra.get("error") else 200,
        title="Rubric versions",
        section="calibration",
        versions=rv.list_versions(me.session, me.viewer),
        runs=rv.rescore_runs(me.session, me.viewer),
        describe=rv.describe,
        **extra,
    )


@router.get("/rubrics")
def rubrics(me: Me) -> Response:
    return _rubrics(me)


@router.get("/rubrics/{version}.yaml")
def rubric_yaml(me: Me, version: int) -> Response:
    text = rv.version_yaml(me.session, me.viewer, version)
    return PlainTextResponse(text, media_type="text/yaml; charset=utf-8")


@router.post("/rubrics/calibrate")
async def calibrate(me: Me) -> Response:
    await form_of(me.request)  # the CSRF check

    def work() -> Response:
        try:
            outcome = rv.calibrate_from_store(me.session, me.viewer)
        except (ReviewError, RubricError) as exc:
            return _rubrics(me, error=str(exc))
        return _rubrics(me, outcome=outcome)

    return await run_in_threadpool(work)


@router.post("/rubrics")
async def save(me: Me) -> Response:
    form = await form_of(me.request)

    def number(key: str) -> float | None:
        raw = str(form.get(key, "")).strip()
        return float(raw) if re.fullmatch(r"-?\d+(\.\d+)?", raw) else None

    def work() -> Response:
        try:
            version = rv.save_version(
                me.session,
                me.viewer,
                str(form.get("yaml", "")),
                note=str(form.get("note", "")),
                reviews_used=int(number("n_used") or 0) or None,
                before=_agreement_fields(form, "before_"),
                after=_agreement_fields(form, "after_"),
            )
        except RubricError as exc:
            return _rubrics(me, error=f"Not saved: {exc}")
        return _rubrics(me, message=f"Saved as version {version}.")

    return await run_in_threadpool(work)


def _agreement_fields(form: dict[str, Any], prefix: str) -> dict[str, float] | None:
    """The agreement figures the calibrate step put in hidden fields, as numbers."""
    out = {}
    for key, value in form.items():
        if key.startswith(prefix) and isinstance(value, str):
            try:
                out[key[len(prefix) :]] = float(value)
            except ValueError:
                continue
    return out or None


@router.post("/rubrics/rescore")
async def rescore(me: Me) -> Response:
    form = await form_of(me.request)

    def work() -> Response:
        raw = str(form.get("version", "")).strip()
        db = me.request.app.state.db
        try:
            run_id, report = rv.rescore_with_version(
                db, int(raw) if raw else None, viewer=me.viewer
            )
        except (ValueError, RubricError, ReviewError) as exc:
            return _rubrics(me, error=str(exc))
        me.session.expire_all()
        which = f"version {raw}" if raw else "the built-in rubric"
        return _rubrics(
            me,
            message=f"Rescored {report.rescored} conversations with {which} "
            f"({report.failed} failed); recorded as run {run_id}.",
        )

    return await run_in_threadpool(work)
