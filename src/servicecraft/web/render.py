"""Jinja environment, formatting filters and the evidence highlighter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from importlib.resources import files
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from servicecraft.model import SKILLS
from servicecraft.web import cells, charts


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


SKILL_SHORT = {
    "rapport": "Rapport",
    "empathy": "Empathy",
    "respect": "Respect",
    "ownership": "Owner.",
    "honesty": "Honesty",
    "solution": "Solution",
    "proactivity": "Proact.",
    "clarity": "Clarity",
}


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


def attr(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from a dict or an object alike (service results come in both shapes)."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def week_labels(weeks: Iterable[Any]) -> list[str]:
    out = []
    for w in weeks:
        if isinstance(w, date | datetime):
            out.append(w.strftime("%d %b"))
        else:
            out.append(str(w)[5:10] if len(str(w)) >= 10 else str(w))
    return out


def make_templates() -> Jinja2Templates:
    directory = str(files("servicecraft.web") / "templates")
    templates = Jinja2Templates(directory=directory)
    env = templates.env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(pill=pill, pct=pct, num=num, when=when, band=band, duration=duration)
    env.filters.update(
        skill=cells.skill_value, skill_pill=cells.skill_pill, observed_in=cells.observed_in
    )
    env.globals.update(
        charts=charts,
        qs=qs,
        attr=attr,
        SKILLS=SKILLS,
        SKILL_SHORT=SKILL_SHORT,
        highlight=highlight,
        week_labels=week_labels,
    )
    return templates
