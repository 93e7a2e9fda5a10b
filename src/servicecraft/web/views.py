"""Page shapes: the service's results turned into what a template shows.

Chart markup, breadcrumbs, table rows, evidence spans. The service has already
refused or filtered by the access policy; nothing here decides who sees what.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from servicecraft import catalogue
from servicecraft.service.figures import (
    ConversationDetail,
    ConversationRow,
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
    out["observed"] = dict(block.observed)  # per skill: conversations where it was observed
    out["coverage"] = dict(block.coverage)  # and their share of all conversations
    for key, field in TREND_FIELDS.items():
        out[key] = _weekly(block, field)
    before = block.previous
    out["previous"] = {k: getattr(before, k) for k in ROW_FIELDS} if before else None
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
        series, weeks, title="Quality score by department", lo=0, hi=100, width=1100, height=260
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


def team(data: TeamDetail, viewer: Viewer, cited: Hindrances | None) -> dict[str, Any]:
    t = data.team
    people = [_row(p, p.id, p.name, f"/people/{p.id}") for p in data.people]
    labels = week_labels(data.weeks)
    extra: dict[str, Any] = {
        "trend_chart": charts.line_chart(
            {t.name: _weekly(data.totals, "score")},
            labels,
            title=f"{t.name}: quality score per week",
            lo=0,
            hi=100,
            width=600,
            height=236,
        ),
        "histogram": None,
        "team_hindrances": cited.groups if cited is not None else None,
    }
    if data.histogram is not None and any(data.histogram.team):
        extra["histogram"] = charts.histogram(
            list(data.histogram.team),
            None,
            edges=list(data.histogram.edges),
            title=f"{t.name}: conversations by score",
            width=600,
            height=236,
        )
    return extra | _group(
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
        lo=0,
        hi=100,
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
        "too_rare": data.too_rare,
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
    # What hurt first, then what helped, each by how many points it moved the skill.
    evidence.sort(
        key=lambda e: (e["effect"] != "-", -abs(e.get("weight") or 0), e["message"], e["start"])
    )
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
        "outcomes": outcomes(card.get("outcomes") or {}),
        "messages": messages,
        "evidence": evidence,
        "selected": selected,
        "skill_chart": chart,
        "crumbs": crumbs,
        "title": f"Conversation {cid}",
    }


def outcomes(found: dict[str, Any]) -> list[dict[str, Any]]:
    """Each predicted outcome with its scale, a word for where it falls, and its definition."""
    low, high = catalogue.OUTCOME_RANGE
    out = []
    for key, value in found.items():
        expected = value.get("expected") if isinstance(value, dict) else value
        if not isinstance(expected, int | float):
            continue
        label, meaning = catalogue.OUTCOMES.get(key, (catalogue.label(key), ""))
        out.append(
            {
                "key": key,
                "label": label,
                "definition": meaning,
                "expected": float(expected),
                "verdict": _verdict(float(expected)),
                "position": max(0.0, min(1.0, (float(expected) - low) / (high - low))),
                "low": low,
                "high": high,
            }
        )
    return out


def _verdict(expected: float) -> str:
    if expected <= -1:
        return "very likely not"
    if expected < -0.25:
        return "leans no"
    if expected <= 0.25:
        return "uncertain"
    return "leans yes" if expected < 1 else "very likely"


def _label(text: str, limit: int = 44) -> str:
    """A chart label: whole words up to ``limit`` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def hindrances(data: Hindrances) -> dict[str, Any]:
    # The chart counts what was said across departments: one bar per phrase, not per department.
    merged: dict[str, list[Any]] = {}
    for g in data.groups:
        entry = merged.setdefault(g.key, [g.text, 0])
        entry[1] += g.count
    top = sorted(merged.values(), key=lambda e: -e[1])[:10]
    chart = (
        charts.hbar_chart(
            [(_label(text), count, None) for text, count in top],
            title="Most cited hindrances, all departments together",
            hi=max([count for _, count in top] + [1]),
            width=820,
            label_width=340,
            bands=False,
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


CSV_COLUMNS = (
    "id",
    "started_at",
    "channel",
    "agent",
    "team",
    "score",
    *SKILLS,
    "one_touch",
    "handoffs",
    "chasers",
    "csat",
    "predicted_resolution",
    "opening",
)


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


CSV_HEADER = _csv_line(CSV_COLUMNS)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def csv_lines(pages: Iterable[Sequence[ConversationRow]]) -> Iterator[str]:
    """The CSV download, a page of rows at a time: a header, then one line per conversation."""
    yield CSV_HEADER
    for rows in pages:
        for r in rows:
            yield _csv_line(
                (
                    r.id,
                    r.started_at.isoformat() if r.started_at else None,
                    r.channel,
                    r.person_name,
                    r.team_name,
                    _rounded(r.score),
                    *(
                        None if r.skills.get(s) is None else round(r.skills[s] or 0, 1)
                        for s in SKILLS
                    ),
                    "yes" if r.one_touch else "no",
                    r.handoffs,
                    r.chasers,
                    r.csat,
                    None if r.predicted_resolution is None else round(r.predicted_resolution, 2),
                    r.snippet,
                )
            )
