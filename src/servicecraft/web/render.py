"""Jinja environment, formatting filters and the evidence highlighter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from importlib.resources import files
from itertools import pairwise
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from servicecraft import catalogue
from servicecraft.model import SKILLS as SKILLS
from servicecraft.web import cells, charts
from servicecraft.web.params import WEEK_CHOICES


@dataclass(frozen=True, slots=True)
class Span:
    """One piece of evidence placed on a message: [start, end) with its number in the aside."""

    start: int
    end: int
    effect: str  # "+" or "-"
    label: str  # "empathy: acknowledged the customer's frustration"
    number: int


def highlight(text: str, spans: Sequence[Span]) -> Markup:
    """The message text, escaped, with each evidence span wrapped in a <mark>.

    Spans from different skills may overlap, so the text is cut at every span
    boundary and each piece is marked with all the spans covering it; the
    number of a span is shown once, where it ends, to tie it to the aside.
    """
    n = len(text)
    valid = [s for s in spans if 0 <= s.start < s.end <= n]
    if not valid:
        return Markup(escape(text))
    cuts = sorted({0, n, *(s.start for s in valid), *(s.end for s in valid)})
    out: list[str] = []
    for a, b in pairwise(cuts):
        piece = escape(text[a:b])
        cover = [s for s in valid if s.start <= a and b <= s.end]
        if not cover:
            out.append(piece)
            continue
        # A piece both helped and hurt is shown as hurting: the lead should look at it.
        cls = "minus" if any(s.effect == "-" for s in cover) else "plus"
        title = escape("\n".join(f"{s.effect} {s.label}" for s in cover))
        numbers = [str(s.number) for s in cover if s.end == b]
        ends = f"<sup>{','.join(numbers)}</sup>" if numbers else ""
        out.append(f'<mark class="ev {cls}" title="{title}">{piece}{ends}</mark>')
    return Markup("".join(out))


SKILL_SHORT = {s: catalogue.SKILL[s].short for s in SKILLS}


def band(score: float | None) -> str:
    if score is None:
        return "none"
    return "good" if score >= 70 else "mid" if score >= 50 else "low"


def pill(score: float | None) -> Markup:
    text = "–" if score is None else f"{score:.0f}"
    return Markup(f'<span class="pill {band(score)}">{text}</span>')


def pct(value: float | None, digits: int = 0) -> str:
    """A share (0..1) as a percentage; None as a dash."""
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def when(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:16].replace("T", " ")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def measure(value: float | int | None, key: str) -> str:
    """A measure's value as its kind reads: shares as percentages, CSAT with two decimals."""
    kind = catalogue.MEASURE[key].kind
    if kind == "share":
        return pct(value)
    if kind == "csat":
        return num(value, 2)
    if kind == "rate":
        return num(value, 1)
    return num(value)


def plural(count: int | None, word: str, words: str | None = None) -> str:
    """'1 team', '3 teams'."""
    n = count or 0
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def upper_first(text: str | None) -> str:
    """'logistics' → 'Logistics', leaving the rest as written ('IT' stays 'IT')."""
    return text[:1].upper() + text[1:] if text else ""


def delta(value: float | None, previous: float | None, key: str) -> Markup:
    """The change from the previous period, coloured by whether it is good news."""
    if value is None or previous is None:
        return Markup('<span class="delta none">no earlier figure</span>')
    m = catalogue.MEASURE[key]
    change = value - previous
    shown = (
        f"{change * 100:+.0f} pts"
        if m.kind == "share"
        else f"{change:+.2f}"
        if m.kind == "csat"
        else f"{change:+,.1f}"
        if m.kind in ("score", "rate")
        else f"{change:+,.0f}"
    )
    good = (
        "flat"
        if abs(change) < 1e-9 or m.higher_is_better is None
        else ("up" if (change > 0) == m.higher_is_better else "down")
    )
    return Markup(
        f'<span class="delta {good}" title="previous period: {escape(measure(previous, key))}">'
        f"{escape(shown)} vs previous</span>"
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def qs(params: Mapping[str, Any], **changes: Any) -> str:
    """The query string of the current page with some parameters changed (for sort and pager)."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    return "?" + urlencode(merged) if merged else "?"


def week_labels(weeks: Iterable[date]) -> list[str]:
    """'02 Mar' for each week's Monday."""
    return [w.strftime("%d %b") for w in weeks]


def page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A rendered template (the app's Jinja environment) as a response."""
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


def url_part(value: Any) -> str:
    """Percent-encode a value for a URL, '/' included: an id like 'x/../../tokens' must stay
    one path segment (Jinja's own urlencode filter leaves '/' as it is)."""
    return quote(str(value), safe="")


def make_templates() -> Jinja2Templates:
    directory = str(files("servicecraft.web") / "templates")
    templates = Jinja2Templates(directory=directory)
    env = templates.env
    env.autoescape = True
    # The templates ship in the package: checking each one's file time per render is waste.
    env.auto_reload = False
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        pill=pill,
        pct=pct,
        num=num,
        when=when,
        band=band,
        duration=duration,
        measure=measure,
        plural=plural,
        upper_first=upper_first,
        urlencode=url_part,
        skill=cells.skill_value,
        skill_pill=cells.skill_pill,
        observed_in=cells.observed_in,
    )
    env.globals.update(
        charts=charts,
        qs=qs,
        SKILLS=SKILLS,
        SKILL_SHORT=SKILL_SHORT,
        MEASURE=catalogue.MEASURE,
        SKILL=catalogue.SKILL,
        delta=delta,
        WEEK_CHOICES=WEEK_CHOICES,
        SURVEY_RANGES=catalogue.SURVEY_RANGES,
        highlight=highlight,
        week_labels=week_labels,
    )
    return templates
