"""Server-rendered SVG charts: sparkline, line, horizontal bars, histogram.

Charts are drawn in Python so pages work offline, print well and need no script
(the CSP forbids inline script anyway). Colours come from CSS classes, never from
inline style attributes, so `style-src 'self'` holds. Every chart carries a
`<title>` and an `aria-label` so screen readers get the numbers too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

Number = float | int | None


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _scale(lo: float, hi: float, a: float, b: float):  # type: ignore[no-untyped-def]
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) * (b - a) / span


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """An SVG path with gaps where a week had no data (rather than a false line)."""
    parts: list[str] = []
    pen_up = True
    for p in points:
        if p is None:
            pen_up = True
            continue
        parts.append(f"{'M' if pen_up else 'L'}{p[0]:.1f},{p[1]:.1f}")
        pen_up = False
    return "".join(parts)


def _bounds(values: Sequence[Number], lo: float | None, hi: float | None) -> tuple[float, float]:
    present = [float(v) for v in values if v is not None]
    if not present:
        return (0.0, 1.0)
    a = min(present) if lo is None else lo
    b = max(present) if hi is None else hi
    if a == b:
        a, b = a - 1, b + 1
    return a, b


def _tidy_step(span: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50):
        if span / step <= 6:
            return float(step)
    return float(10 ** math.ceil(math.log10(span / 6)))


def sparkline(
    values: Sequence[Number],
    *,
    label: str = "trend",
    width: int = 120,
    height: int = 28,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    higher_is_better: bool = True,
    show_scale: bool = False,
    percent: bool = False,
) -> Markup:
    """A small trend line; the last point is marked so "now" is obvious.

    The dot is green when the trend is good news (up, or down for a rate like
    customers chasing where higher_is_better=False), red when it is bad.
    """
    present = [v for v in values if v is not None]
    if not present:
        return Markup('<span class="muted">no data</span>')
    a, b = _bounds(values, lo, hi)
    n = len(values)
    sx = _scale(0, max(n - 1, 1), 2, width - 4)
    sy = _scale(a, b, height - 3, 3)
    pts = [None if v is None else (sx(i), sy(float(v))) for i, v in enumerate(values)]
    last = next(p for p in reversed(pts) if p is not None)
    first_v, last_v = float(present[0]), float(present[-1])
    rising = last_v > first_v if higher_is_better else last_v < first_v
    trend = "flat" if last_v == first_v else "up" if rising else "down"

    def show(x: float) -> str:
        return f"{x * 100:.0f}%" if percent else f"{_fmt(x)}{unit}"

    title = (
        f"{label}: {show(first_v)} → {show(last_v)} over {n} weeks (scale {show(a)} to {show(b)})"
    )
    # The scale: faint lines at the top and bottom of the range, labelled at the right.
    scale = ""
    if show_scale:
        scale = (
            f'<line class="edge" x1="2" x2="{width - 4}" y1="3" y2="3"/>'
            f'<line class="edge" x1="2" x2="{width - 4}" y1="{height - 3}" y2="{height - 3}"/>'
            f'<text class="axis" x="{width + 2}" y="8">{show(b)}</text>'
            f'<text class="axis" x="{width + 2}" y="{height - 1}">{show(a)}</text>'
        )
    full = width + (30 if show_scale else 0)
    return Markup(
        f'<svg class="chart spark spark-{trend}" width="{full}" height="{height}" '
        f'viewBox="0 0 {full} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{scale}"
        f'<path class="line" d="{_path(pts)}"/>'
        f'<circle class="dot" cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="2.5"/></svg>'
    )


def line_chart(
    series: dict[str, Sequence[Number]],
    labels: Sequence[str],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    lo: float | None = 0,
    hi: float | None = 100,
    unit: str = "",
) -> Markup:
    """Several series over the same weeks, with a y grid and a legend.

    Series are coloured by position (`s0`, `s1`, ...) through CSS.
    """
    all_values = [v for vs in series.values() for v in vs]
    a, b = _bounds(all_values, lo, hi)
    # Free bounds are rounded out to a tidy step so the grid reads 55, 60, 65 ... not 55.8, 61.
    free = lo is None or hi is None
    step = _tidy_step(b - a) if free else (b - a) / 4
    if lo is None:
        a = math.floor(a / step) * step
    if hi is None:
        b = math.ceil(b / step) * step
    ticks = max(1, round((b - a) / step))
    left, right, top, bottom = 36, 8, 10, 24
    n = max(len(labels), 1)
    sx = _scale(0, max(n - 1, 1), left, width - right)
    sy = _scale(a, b, height - bottom, top)
    out = [
        f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for k in range(ticks + 1):
        v = a + step * k if free else a + (b - a) * k / ticks
        y = sy(v)
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{_fmt(v)}{escape(unit)}</text>"
        )
    every = max(1, n // 6)
    for i in range(0, n, every):
        out.append(
            f'<text class="axis" x="{sx(i):.1f}" y="{height - 6}" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    for k, (name, values) in enumerate(series.items()):
        pts = [None if v is None else (sx(i), sy(float(v))) for i, v in enumerate(values)]
        out.append(
            f'<path class="line s{k % 8}" d="{_path(pts)}"><title>{escape(name)}</title></path>'
        )
        for point, value in zip(pts, values, strict=False):
            if point is not None and value is not None:
                out.append(
                    f'<circle class="pt s{k % 8}" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="2.5">'
                    f"<title>{escape(name)}: {_fmt(float(value))}{escape(unit)}</title></circle>"
                )
    out.append("</svg>")
    return Markup("".join(out))


def hbar_chart(
    rows: Sequence[tuple[str, Number, Number]],
    *,
    title: str,
    width: int = 420,
    row_height: int = 24,
    hi: float = 100,
    compare_label: str = "team average",
    label_width: int = 96,
    bands: bool = True,
) -> Markup:
    """Horizontal bars (e.g. one per skill) with an optional comparison tick per row.

    ``bands`` colours a bar by the score bands (good, mid, low); counts are not scores.
    """
    label_w, value_w = label_width, 36
    bar_w = width - label_w - value_w
    height = row_height * len(rows) + 6
    out = [
        f'<svg class="chart hbar" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (name, value, compare) in enumerate(rows):
        y = 3 + i * row_height
        out.append(
            f'<text class="label" x="{label_w - 6}" y="{y + row_height / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(name)}</text>'
            f'<rect class="track" x="{label_w}" y="{y + 4}" width="{bar_w}" '
            f'height="{row_height - 8}" rx="3"/>'
        )
        if value is not None:
            w = max(0.0, min(1.0, float(value) / hi)) * bar_w
            band = (
                "count" if not bands else "good" if value >= 70 else "mid" if value >= 50 else "low"
            )
            out.append(
                f'<rect class="bar {band}" x="{label_w}" y="{y + 4}" width="{w:.1f}" '
                f'height="{row_height - 8}" rx="3"><title>{escape(name)}: {_fmt(float(value))}'
                f"</title></rect>"
                f'<text class="value" x="{width - 2}" y="{y + row_height / 2 + 4:.1f}" '
                f'text-anchor="end">{float(value):.0f}</text>'
            )
        else:  # not observed: no bar, and a dash that says so
            out.append(
                f'<text class="value muted" x="{width - 2}" y="{y + row_height / 2 + 4:.1f}" '
                f'text-anchor="end">—<title>{escape(name)}: not observed</title></text>'
            )
        if compare is not None:
            x = label_w + max(0.0, min(1.0, float(compare) / hi)) * bar_w
            out.append(
                f'<line class="compare" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" '
                f'y2="{y + row_height - 1}"><title>{escape(compare_label)}: '
                f"{_fmt(float(compare))}</title></line>"
            )
    out.append("</svg>")
    return Markup("".join(out))


def histogram(
    counts: Sequence[int],
    compare: Sequence[float] | None = None,
    *,
    title: str,
    edges: Sequence[float] | None = None,
    width: int = 420,
    height: int = 160,
    compare_label: str = "team",
) -> Markup:
    """Bars for one distribution, with a comparison distribution drawn as a step line.

    `compare` is given as shares (0..1) so a team of 40 and a person of 3 are comparable;
    the bars are scaled to shares as well.
    """
    n = len(counts)
    total = sum(counts) or 1
    shares = [c / total for c in counts]
    top_share = max([*shares, *(compare or []), 0.01])
    left, bottom, top = 8, 18, 6
    bw = (width - 2 * left) / max(n, 1)
    sy = _scale(0, top_share, height - bottom, top)
    edges = edges or [i * 100 / n for i in range(n + 1)]
    out = [
        f'<svg class="chart histogram" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (c, s) in enumerate(zip(counts, shares, strict=True)):
        x = left + i * bw
        y = sy(s)
        out.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" '
            f'height="{height - bottom - y:.1f}"><title>{_fmt(edges[i])}–{_fmt(edges[i + 1])}: '
            f"{c} conversations ({s:.0%})</title></rect>"
        )
    for i in range(0, n + 1, max(1, n // 5)):
        out.append(
            f'<text class="axis" x="{left + i * bw:.1f}" y="{height - 4}" '
            f'text-anchor="middle">{_fmt(edges[i])}</text>'
        )
    if compare:
        pts: list[str] = []
        for i, s in enumerate(compare):
            y = sy(s)
            x0, x1 = left + i * bw, left + (i + 1) * bw
            pts.append(f"{'M' if i == 0 else 'L'}{x0:.1f},{y:.1f}L{x1:.1f},{y:.1f}")
        out.append(
            f'<path class="compare" d="{"".join(pts)}">'
            f"<title>{escape(compare_label)}</title></path>"
        )
    out.append("</svg>")
    return Markup("".join(out))
