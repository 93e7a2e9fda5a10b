"""Shape service results for templates and API responses.

The service layer returns plain data (documented in docs/web-needs.md); this
module turns it into what a page shows: chart markup, breadcrumbs, evidence
spans, and the API's JSON. Access checks are not done here: the service already
refused or filtered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from servicecraft.web import charts
from servicecraft.web.render import SKILLS, Span, attr, highlight, week_labels

PAGE_SIZE = 50
METRICS = {
    "not_one_touch": "Not one-touch",
    "chased": "Customer chased",
    "handoff": "Handed off",
    "hindrance": "Hindrance cited",
}
OUTCOMES = {
    "unresolved": "Likely unresolved",
    "dissatisfied": "Likely dissatisfied",
}


def _weekly(block: Any, field: str) -> list[Any]:
    return [attr(w, field) for w in attr(block, "weekly", []) or []]


def _stats_row(item: Any, href: str, sub: str | None = None) -> dict[str, Any]:
    row = {
        k: attr(item, k)
        for k in (
            "id",
            "name",
            "conversations",
            "score",
            "better_rate",
            "one_touch",
            "chasing",
            "survey_coverage",
            "csat",
        )
    }
    row["skills"] = attr(item, "skills") or {}
    row["href"] = href
    row["sub"] = sub
    row["score_trend"] = _weekly(item, "score")
    return row


def _trends(block: Any) -> dict[str, Any]:
    out = {
        k: attr(block, k)
        for k in (
            "conversations",
            "score",
            "better_rate",
            "one_touch",
            "chasing",
            "survey_coverage",
            "csat",
        )
    }
    out["skills"] = attr(block, "skills") or {}
    for key, field in (
        ("score_trend", "score"),
        ("better_trend", "better_rate"),
        ("one_touch_trend", "one_touch"),
        ("chasing_trend", "chasing"),
        ("coverage_trend", "survey_coverage"),
        ("csat_trend", "csat"),
    ):
        out[key] = _weekly(block, field)
    return out


def organisation(data: Any) -> dict[str, Any]:
    weeks = week_labels(attr(data, "weeks", []))
    departments = []
    for d in attr(data, "departments", []):
        item = _trends(d)
        item.update(
            id=attr(d, "id"), name=attr(d, "name"), teams=attr(d, "teams"), people=attr(d, "people")
        )
        departments.append(item)
    series = {d["name"]: d["score_trend"] for d in departments}
    chart = charts.line_chart(
        series, weeks, title="Quality score by department", lo=None, hi=None, width=1100, height=260
    )
    return {
        "weeks": weeks,
        "totals": _trends(attr(data, "totals", {})),
        "departments": departments,
        "score_chart": chart,
    }


def _sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Sort in the web layer too, so every column sorts whatever the query ordered by."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")

    def value(r: dict[str, Any]) -> Any:
        v = r["skills"].get(key) if key in SKILLS else r.get(key)
        if key == "name":
            return (0, str(v or "").lower())
        # Missing values always sort last, whichever the direction.
        return (0, v) if v is not None else (1, 0)

    present = [r for r in rows if value(r)[0] == 0]
    missing = [r for r in rows if value(r)[0] == 1]
    return sorted(present, key=value, reverse=reverse) + missing


def group(data: Any, kind: str, sort: str) -> dict[str, Any]:
    entity = attr(data, kind)
    weeks = week_labels(attr(data, "weeks", []))
    crumbs = [{"href": "/", "name": "Organisation"}]
    tables = []
    if kind == "department":
        teams = [_stats_row(t, f"/teams/{attr(t, 'id')}") for t in attr(data, "teams", [])]
        tables.append(
            {
                "key": "teams",
                "title": "Teams",
                "name_label": "Team",
                "rows": _sort_rows(teams, sort),
            }
        )
    else:
        crumbs.append(
            {
                "href": f"/departments/{attr(entity, 'department_id')}",
                "name": attr(entity, "department_name"),
            }
        )
    people = [
        _stats_row(
            p, f"/people/{attr(p, 'id')}", attr(p, "team_name") if kind == "department" else None
        )
        for p in attr(data, "people", [])
    ]
    tables.append(
        {
            "key": "people",
            "title": "People",
            "name_label": "Person",
            "rows": _sort_rows(people, sort),
        }
    )
    return {
        "entity": {"id": attr(entity, "id"), "name": attr(entity, "name")},
        "kind": kind,
        "title": attr(entity, "name"),
        "crumbs": crumbs,
        "weeks": weeks,
        "totals": _trends(attr(data, "totals", {})),
        "tables": tables,
    }


def person(data: Any) -> dict[str, Any]:
    p = attr(data, "person")
    totals, team_totals = attr(data, "totals", {}), attr(data, "team_totals", {})
    weeks = week_labels(attr(data, "weeks", []))
    name = attr(p, "name")
    skills, team_skills = attr(totals, "skills") or {}, attr(team_totals, "skills") or {}
    skill_chart = charts.hbar_chart(
        [(s, skills.get(s), team_skills.get(s)) for s in SKILLS],
        title=f"{name}: score per skill, with the team average",
        width=600,
        row_height=28,
    )
    hist = attr(data, "histogram") or {}
    team_counts = attr(hist, "team") or []
    team_total = sum(team_counts) or 1
    histogram = charts.histogram(
        attr(hist, "person") or [0] * 10,
        [c / team_total for c in team_counts] or None,
        edges=attr(hist, "edges"),
        title=f"{name}: conversation scores vs team",
        width=600,
        height=236,
    )
    trend = charts.line_chart(
        {name: _weekly(totals, "score"), "team average": _weekly(team_totals, "score")},
        weeks,
        title=f"{name}: quality score per week",
        lo=None,
        hi=None,
        width=600,
        height=236,
    )
    crumbs = [{"href": "/", "name": "Organisation"}]
    if attr(p, "department_id") is not None:
        crumbs.append(
            {"href": f"/departments/{attr(p, 'department_id')}", "name": attr(p, "department_name")}
        )
    if attr(p, "team_id") is not None:
        crumbs.append({"href": f"/teams/{attr(p, 'team_id')}", "name": attr(p, "team_name")})
    subtitle = " · ".join(str(x) for x in (attr(p, "team_name"), attr(p, "department_name")) if x)
    return {
        "person": {"id": attr(p, "id"), "name": name, "subtitle": subtitle},
        "title": name,
        "crumbs": crumbs,
        "totals": _trends(totals),
        "team_totals": _trends(team_totals),
        "skill_chart": skill_chart,
        "histogram": histogram,
        "trend_chart": trend,
        "weakest": attr(data, "weakest", []),
        "best": attr(data, "best", []),
        "recent": attr(data, "recent", []),
    }


def conversation(data: Any, selected: str) -> dict[str, Any]:
    convo = attr(data, "conversation") or {}
    card = attr(data, "scorecard") or {}
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
    messages = []
    for i, m in enumerate(convo.get("messages", [])):
        messages.append(
            {
                "index": i,
                "role": m.get("role", "customer"),
                "author": m.get("author"),
                "department": m.get("department"),
                "at": m.get("at"),
                "html": highlight(m.get("text", ""), by_message.get(i, [])),
            }
        )
    chart = charts.hbar_chart(
        [(s, (skills.get(s) or {}).get("score"), None) for s in skills],
        title="Skill scores in this conversation",
        width=300,
    )
    crumbs = []
    if attr(data, "person_id") is not None:
        crumbs.append(
            {"href": f"/people/{attr(data, 'person_id')}", "name": attr(data, "person_name")}
        )
    cid = convo.get("id") or card.get("id")
    meta = {
        "id": cid,
        "channel": convo.get("channel"),
        "survey": convo.get("survey"),
        "agent": attr(data, "person_name") or card.get("agent"),
        "started_at": attr(data, "started_at"),
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


def hindrances(data: Any) -> dict[str, Any]:
    groups = list(attr(data, "groups", []))
    top = groups[:10]
    chart = (
        charts.hbar_chart(
            [(str(attr(g, "text"))[:14], attr(g, "count"), None) for g in top],
            title="Most cited hindrances",
            hi=max([attr(g, "count") or 0 for g in top] + [1]),
        )
        if top
        else None
    )
    return {
        "total": attr(data, "total", 0),
        "by_kind": attr(data, "by_kind") or {},
        "groups": groups,
        "chart": chart,
    }


def search_filters(**values: Any) -> dict[str, Any]:
    """Validated filters: unknown skill/metric/outcome names are dropped, not passed on."""
    if values.get("skill") not in SKILLS:
        values["skill"] = None
    if values.get("metric") not in METRICS:
        values["metric"] = None
    if values.get("outcome") not in OUTCOMES:
        values["outcome"] = None
    return values


def search_params(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items()}


def search(result: Any, session: Any, viewer: Any, page: int) -> dict[str, Any]:
    total = int(attr(result, "total", 0) or 0)
    from servicecraft.service import dashboards

    options = dashboards.filter_options(session, viewer) if viewer.role != "agent" else {}
    return {
        "rows": attr(result, "rows", []),
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "options": options,
        "metric_options": list(METRICS.items()),
        "outcome_options": list(OUTCOMES.items()),
    }


# --- API shapes ---------------------------------------------------------------------------


def _row_meta(row: Any) -> dict[str, Any]:
    started = attr(row, "started_at")
    return {
        "started_at": started.isoformat() if hasattr(started, "isoformat") else started,
        "person_id": attr(row, "person_id"),
        "person": attr(row, "person_name"),
        "team": attr(row, "team_name"),
    }


def api_page(result: Any, page: int, page_size: int) -> dict[str, Any]:
    items = []
    for row in attr(result, "rows", []):
        card = dict(attr(row, "scorecard") or {})
        card["conversation"] = _row_meta(row)
        items.append(card)
    return {
        "page": page,
        "page_size": page_size,
        "total": int(attr(result, "total", 0) or 0),
        "items": items,
    }


def api_conversation(data: Any) -> dict[str, Any]:
    card = dict(attr(data, "scorecard") or {})
    card["conversation"] = {**(attr(data, "conversation") or {}), **_row_meta(data)}
    return card


def _summary(entity: Any, totals: Any, weeks: list[Any]) -> dict[str, Any]:
    weekly = []
    for wk, w in zip(weeks, attr(totals, "weekly", []) or [], strict=False):
        weekly.append(
            {
                "week": wk.isoformat() if hasattr(wk, "isoformat") else wk,
                "conversations": attr(w, "conversations"),
                "score": attr(w, "score"),
            }
        )
    return {
        "id": attr(entity, "id"),
        "name": attr(entity, "name"),
        "conversations": attr(totals, "conversations") or 0,
        "score": attr(totals, "score"),
        "skills": attr(totals, "skills") or {},
        "metrics": {
            k: attr(totals, k)
            for k in ("better_rate", "one_touch", "chasing", "survey_coverage", "csat")
        },
        "weeks": weekly,
    }


def api_person_summary(data: Any) -> dict[str, Any]:
    return _summary(attr(data, "person"), attr(data, "totals", {}), attr(data, "weeks", []))


def api_team_summary(data: Any) -> dict[str, Any]:
    return _summary(attr(data, "team"), attr(data, "totals", {}), attr(data, "weeks", []))


def run_import(db: Any, data: bytes) -> dict[str, Any]:
    from servicecraft.service.importing import import_jsonl_bytes

    result = import_jsonl_bytes(db, data)
    rejections = []
    for r in attr(result, "rejections", []) or []:
        loc = str(attr(r, "location", ""))
        line = (
            int(loc.split()[-1]) if loc.split() and loc.split()[-1].isdigit() else attr(r, "line")
        )
        rejections.append({"line": line, "reason": str(attr(r, "reason", r))})
    return {
        "imported": int(attr(result, "imported", 0) or 0),
        "updated": int(attr(result, "updated", 0) or 0),
        "skipped": int(attr(result, "skipped", 0) or 0),
        "unchanged": int(attr(result, "unchanged", 0) or 0),
        "rejected": len(rejections),
        "read": int(attr(result, "read", 0) or 0),
        "rejections": rejections,
    }
