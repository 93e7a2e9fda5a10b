"""Page shapes: the service's results turned into what a template shows.

Chart markup, breadcrumbs, table rows, evidence spans. The service has already
refused or filtered by the access policy; nothing here decides who sees what.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from servicecraft import catalogue
from servicecraft.service.figures import (
    ConversationDetail,
    DepartmentDetail,
    FilterOptions,
    Hindrances,
    Overview,
    PersonProfile,
    SearchPage,
    Stats,
    TeamDetail,
)
from servicecraft.service.policy import Viewer, may_see_department, may_see_team
from servicecraft.web import charts
from servicecraft.web.render import SKILLS, Span, highlight, week_labels

PAGE_SIZE = 50
TREND_FIELDS = {
    "score_trend": "score",
    "better_trend": "better_rate",
    "one_touch_trend": "one_touch",
    "chasing_trend": "chasing",
    "coverage_trend": "survey_coverage",
    "csat_trend": "csat",
}
ROW_FIELDS = (
    "conversations",
    "score",
    "better_rate",
    "one_touch",
    "chasing",
    "chasers_per_100",
    "survey_coverage",
    "csat",
)


def _weekly(block: Stats, field: str) -> list[Any]:
    return [getattr(w, field) for w in block.weekly]


def _figures(block: Stats) -> dict[str, Any]:
    """A block's figures and its weekly series, by the names the templates use."""
    out: dict[str, Any] = {k: getattr(block, k) for k in ROW_FIELDS}
    out["skills"] = dict(block.skills)
    for key, field in TREND_FIELDS.items():
        out[key] = _weekly(block, field)
    return out


def _row(item: Stats, ident: int, name: str, href: str, sub: str | None = None) -> dict[str, Any]:
    return {**_figures(item), "id": ident, "name": name, "href": href, "sub": sub}


def organisation(data: Overview) -> dict[str, Any]:
    weeks = week_labels(data.weeks)
    departments = [
        {**_figures(d), "id": d.id, "name": d.name, "teams": d.teams, "people": d.people}
        for d in data.departments
    ]
    series = {d["name"]: d["score_trend"] for d in departments}
    chart = charts.line_chart(
        series, weeks, title="Quality score by department", lo=None, hi=None, width=1100, height=260
    )
    return {
        "weeks": weeks,
        "totals": _figures(data.totals),
        "departments": departments,
        "score_chart": chart,
    }


def _crumbs(viewer: Viewer, department: tuple[int, str] | None) -> list[dict[str, Any]]:
    """The trail above a page: only links the viewer may follow."""
    crumbs: list[dict[str, Any]] = []
    if viewer.sees_everything:
        crumbs.append({"href": "/", "name": "Organisation"})
    if department is not None and may_see_department(viewer, department[0]):
        crumbs.append({"href": f"/departments/{department[0]}", "name": department[1]})
    return crumbs


def department(data: DepartmentDetail, viewer: Viewer) -> dict[str, Any]:
    teams = [_row(t, t.id, t.name, f"/teams/{t.id}") for t in data.teams]
    people = [_row(p, p.id, p.name, f"/people/{p.id}", p.team_name) for p in data.people]
    return _group(
        data.department.id,
        data.department.name,
        "department",
        _crumbs(viewer, None),
        data.weeks,
        data.totals,
        [
            {"key": "teams", "title": "Teams", "name_label": "Team", "rows": teams},
            {"key": "people", "title": "People", "name_label": "Person", "rows": people},
        ],
    )


def team(data: TeamDetail, viewer: Viewer) -> dict[str, Any]:
    t = data.team
    people = [_row(p, p.id, p.name, f"/people/{p.id}") for p in data.people]
    return _group(
        t.id,
        t.name,
        "team",
        _crumbs(viewer, (t.department_id, t.department_name)),
        data.weeks,
        data.totals,
        [{"key": "people", "title": "People", "name_label": "Person", "rows": people}],
    )


def _group(
    ident: int,
    name: str,
    kind: str,
    crumbs: list[dict[str, Any]],
    weeks: Sequence[date],
    totals: Stats,
    tables: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "entity": {"id": ident, "name": name},
        "kind": kind,
        "title": name,
        "crumbs": crumbs,
        "weeks": week_labels(weeks),
        "totals": _figures(totals),
        "tables": tables,
    }


def person(data: PersonProfile, viewer: Viewer) -> dict[str, Any]:
    p = data.person
    name = p.name
    skills, team_skills = data.totals.skills, data.team_totals.skills
    skill_chart = charts.hbar_chart(
        [(s, skills.get(s), team_skills.get(s)) for s in SKILLS],
        title=f"{name}: score per skill, with the team average",
        width=600,
        row_height=28,
    )
    team_total = sum(data.histogram.team) or 1
    histogram = charts.histogram(
        list(data.histogram.person),
        [c / team_total for c in data.histogram.team] or None,
        edges=list(data.histogram.edges),
        title=f"{name}: conversation scores vs team",
        width=600,
        height=236,
    )
    trend = charts.line_chart(
        {name: _weekly(data.totals, "score"), "team average": _weekly(data.team_totals, "score")},
        week_labels(data.weeks),
        title=f"{name}: quality score per week",
        lo=None,
        hi=None,
        width=600,
        height=236,
    )
    crumbs = _crumbs(viewer, (p.department_id, p.department_name))
    if may_see_team(viewer, p.team_id, p.department_id):
        crumbs.append({"href": f"/teams/{p.team_id}", "name": p.team_name})
    return {
        "person": {"id": p.id, "name": name, "subtitle": f"{p.team_name} · {p.department_name}"},
        "title": name,
        "crumbs": crumbs,
        "totals": _figures(data.totals),
        "team_totals": _figures(data.team_totals),
        "skill_chart": skill_chart,
        "histogram": histogram,
        "trend_chart": trend,
        "weakest": data.weakest,
        "best": data.best,
        "recent": data.recent,
    }


def conversation(data: ConversationDetail, selected: str) -> dict[str, Any]:
    convo = data.conversation
    card = data.scorecard
    skills = card.get("skills", {})
    if selected != "all" and selected not in skills:
        selected = "all"
    evidence: list[dict[str, Any]] = []
    for sid, info in skills.items():
        if selected in ("all", sid):
            evidence += [{**e, "skill": sid} for e in info.get("evidence", [])]
    evidence.sort(key=lambda e: (e["message"], e["start"]))
    for i, e in enumerate(evidence, 1):
        e["number"] = i
    by_message: dict[int, list[Span]] = {}
    for e in evidence:
        by_message.setdefault(e["message"], []).append(
            Span(e["start"], e["end"], e["effect"], f"{e['skill']}: {e['reason']}", e["number"])
        )
    messages = [
        {
            "index": i,
            "role": m.get("role", "customer"),
            "author": m.get("author"),
            "department": m.get("department"),
            "at": m.get("at"),
            "html": highlight(m.get("text", ""), by_message.get(i, [])),
        }
        for i, m in enumerate(convo.get("messages", []))
    ]
    chart = charts.hbar_chart(
        [(s, (skills.get(s) or {}).get("score"), None) for s in skills],
        title="Skill scores in this conversation",
        width=300,
    )
    crumbs = []
    if data.person_id is not None:
        crumbs.append({"href": f"/people/{data.person_id}", "name": data.person_name})
    cid = convo.get("id") or card.get("id")
    meta = {
        "id": cid,
        "channel": convo.get("channel"),
        "survey": convo.get("survey"),
        "agent": data.person_name or card.get("agent"),
        "started_at": data.started_at,
    }
    return {
        "convo": meta,
        "card": card,
        "messages": messages,
        "evidence": evidence,
        "selected": selected,
        "skill_chart": chart,
        "crumbs": crumbs,
        "title": f"Conversation {cid}",
    }


def hindrances(data: Hindrances) -> dict[str, Any]:
    top = data.groups[:10]
    chart = (
        charts.hbar_chart(
            [(g.text[:14], g.count, None) for g in top],
            title="Most cited hindrances",
            hi=max([g.count for g in top] + [1]),
        )
        if top
        else None
    )
    return {
        "total": data.total,
        "by_kind": dict(data.by_kind),
        "groups": data.groups,
        "chart": chart,
    }


def search_params(filters: dict[str, Any]) -> dict[str, str]:
    """The filters as the query string carries them (for the form, the pager and sorting)."""
    return {
        k: ("" if v is None else v.isoformat() if isinstance(v, date) else str(v))
        for k, v in filters.items()
    }


def search(result: SearchPage, options: FilterOptions | None) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "total": result.total,
        "page": result.page,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
        "options": options or {},
        "metric_options": list(catalogue.METRIC_FILTERS.items()),
        "outcome_options": list(catalogue.OUTCOME_FILTERS.items()),
    }
