"""Query parameters shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from servicecraft import catalogue


def search_filters(**values: Any) -> dict[str, Any]:
    """The conversation filters, with unknown skill, metric and outcome names dropped."""
    if values.get("skill") not in catalogue.SKILL:
        values["skill"] = None
    if values.get("metric") not in catalogue.METRIC_FILTERS:
        values["metric"] = None
    if values.get("outcome") not in catalogue.OUTCOME_FILTERS:
        values["outcome"] = None
    return values
