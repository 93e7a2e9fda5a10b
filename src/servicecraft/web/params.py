"""Query parameters shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query

from servicecraft import catalogue
from servicecraft.web.bounds import FIRST_DATE, LAST_DATE


def search_filters(**values: Any) -> dict[str, Any]:
    """The conversation filters, with unknown skill, metric and outcome names dropped."""
    if values.get("skill") not in catalogue.SKILL:
        values["skill"] = None
    if values.get("metric") not in catalogue.METRIC_FILTERS:
        values["metric"] = None
    if values.get("outcome") not in catalogue.OUTCOME_FILTERS:
        values["outcome"] = None
    return values


WEEK_CHOICES = (4, 8, 12, 26, 52)


@dataclass(frozen=True, slots=True)
class Period:
    """The dashboards' period: ``weeks`` weeks up to the week of ``until`` (default: latest)."""

    weeks: int = 12
    until: date | None = None

    def query(self) -> dict[str, str]:
        out = {"weeks": str(self.weeks)}
        if self.until is not None:
            out["until"] = self.until.isoformat()
        return out


async def period(  # async: pure, so FastAPI need not hop to its thread pool for it
    weeks: Annotated[
        int, Query(ge=1, le=104, description="how many weeks to show", examples=[12])
    ] = 12,
    until: Annotated[
        date | None,
        Query(
            ge=FIRST_DATE,
            le=LAST_DATE,
            description="the last week shown is the one holding this date (YYYY-MM-DD)",
        ),
    ] = None,
) -> Period:
    return Period(weeks, until)


PeriodQuery = Annotated[Period, Depends(period)]
