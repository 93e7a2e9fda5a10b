"""The JSON API's response shapes and how service results become them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from servicecraft.catalogue import MEASURES
from servicecraft.service.figures import (
    ConversationDetail,
    ConversationRow,
    SearchPage,
    Stats,
)
from servicecraft.service.importing import ImportReport

_METRICS = tuple(m.id for m in MEASURES if m.id not in ("conversations", "score"))


class ConversationPage(BaseModel):
    page: int = Field(description="1-based page number", examples=[1])
    page_size: int = Field(description="conversations per page", examples=[50])
    total: int = Field(
        description="conversations matching the filters (that this token may see)", examples=[342]
    )
    items: list[dict[str, Any]] = Field(
        description="scorecards as `servicecraft score` writes them, plus `conversation` metadata"
    )


class ImportRejection(BaseModel):
    line: int | None = Field(description="line of the body (1-based)", examples=[3])
    reason: str = Field(examples=["line 3: not valid JSON"])


class SurveyLinkOut(BaseModel):
    conversation_id: str
    customer: str | None = Field(
        description="the customer's name or address, as the source gave it"
    )
    link: str = Field(description="single use, shown once")


class ImportResult(BaseModel):
    imported: int = Field(description="new conversations scored and stored")
    updated: int = Field(description="stored before with other content: scored again, replaced")
    skipped: int = Field(description="stored before with the same content: nothing added")
    unchanged: int = Field(description="the same as skipped")
    rejected: int = Field(description="lines that could not be read or stored; see rejections")
    read: int = Field(description="lines read: imported + updated + unchanged + rejected")
    rejections: list[ImportRejection]
    survey_links: list[SurveyLinkOut] | None = Field(
        None, description="with ?survey_links=true: a link for each new conversation (shown once)"
    )


class Week(BaseModel):
    week: date = Field(description="the Monday the week starts on")
    conversations: int
    score: float | None = Field(description="mean quality score that week, 0..100")


class Summary(BaseModel):
    id: int
    name: str
    conversations: int = Field(description="conversations in the period")
    score: float | None = Field(description="mean quality score, 0..100; null: none scored")
    skills: dict[str, float | None] = Field(description="mean score per skill, 0..100")
    metrics: dict[str, float | None] = Field(
        description="better_rate, one_touch, chasing, survey_coverage: shares 0..1; "
        "chasers_per_100; csat: mean 1..5 (see the measures in docs/web.md)"
    )
    weeks: list[Week]


def _started(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row_meta(row: ConversationRow) -> dict[str, Any]:
    return {
        "started_at": _started(row.started_at),
        "person_id": row.person_id,
        "person": row.person_name,
        "team": row.team_name,
    }


def conversation_page(result: SearchPage) -> dict[str, Any]:
    items = []
    for row in result.rows:
        card = dict(row.scorecard or {})
        card["conversation"] = _row_meta(row)
        items.append(card)
    return {
        "page": result.page,
        "page_size": result.page_size,
        "total": result.total,
        "items": items,
    }


def conversation(data: ConversationDetail) -> dict[str, Any]:
    card = dict(data.scorecard)
    card["conversation"] = {
        **data.conversation,
        "started_at": _started(data.started_at),
        "person_id": data.person_id,
        "person": data.person_name,
        "team": data.team_name,
    }
    return card


def summary(entity_id: int, name: str, totals: Stats, weeks: tuple[date, ...]) -> dict[str, Any]:
    return {
        "id": entity_id,
        "name": name,
        "conversations": totals.conversations,
        "score": totals.score,
        "skills": dict(totals.skills),
        "metrics": {key: getattr(totals, key) for key in _METRICS},
        "weeks": [
            {"week": week, "conversations": w.conversations, "score": w.score}
            for week, w in zip(weeks, totals.weekly, strict=False)
        ],
    }


def _line(location: str) -> int | None:
    last = location.split()[-1] if location.split() else ""
    return int(last) if last.isdigit() else None


def import_result(report: ImportReport) -> dict[str, Any]:
    rejections = [{"line": _line(r.location), "reason": r.reason} for r in report.rejections]
    return {
        "imported": report.imported,
        "updated": report.updated,
        "skipped": report.skipped,
        "unchanged": report.unchanged,
        "rejected": len(rejections),
        "read": report.read,
        "rejections": rejections,
    }
