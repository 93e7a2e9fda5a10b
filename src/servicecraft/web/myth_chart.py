"""The myth check's chart: each factor's effect and 95% interval against zero (a forest plot).

Drawn server-side like ``web.charts`` (no script, colours from CSS classes). Every row
shares one axis, the change in the answer in points of its scale, so a wide interval
looks as unsure as it is; factors without enough data get a line of text instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from servicecraft.catalogue import label
from servicecraft.myths import Finding

OUTCOME_AXIS = {
    "csat": "change in satisfaction (points on 1–5)",
    "ces": "change in ease (points on the 1–7 effort scale)",
}


def forest(findings: Sequence[Finding], *, outcome: str, width: int = 720) -> Markup:
    rows = [f for f in findings if f.outcome == outcome]
    if not any(f.ci is not None for f in rows):
        most = max((f.n for f in rows), default=0)
        return Markup(
            f'<p class="muted">Too little data for a chart yet: at most {most} answered surveys '
            "for any factor; each needs at least 30 (see the table).</p>"
        )
    label_w, text_w, row_h, top, bottom = 300, 0, 26, 8, 30
    plot_l, plot_r = label_w, width - 16 - text_w
    height = top + row_h * len(rows) + bottom
    ends = [abs(v) for f in rows if f.ci is not None for v in f.ci]
    reach = _nice(max(ends, default=0.5))
    scale = (plot_r - plot_l) / (2 * reach)

    def x(v: float) -> float:
        return plot_l + (v + reach) * scale

    title = f"Myth check: {OUTCOME_AXIS.get(outcome, outcome)} per factor, with 95% intervals"
    out = [
        f'<svg class="chart forest" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for k in range(-4, 5):
        v = reach * k / 4
        out.append(
            f'<line class="{"zero" if k == 0 else "grid"}" x1="{x(v):.1f}" x2="{x(v):.1f}" '
            f'y1="{top}" y2="{height - bottom}"/>'
            f'<text class="axis" x="{x(v):.1f}" y="{height - bottom + 12}" text-anchor="middle">'
            f"{v:+.2g}</text>"
        )
    out.append(
        f'<text class="axis" x="{(plot_l + plot_r) / 2:.1f}" y="{height - 4}" '
        f'text-anchor="middle">{escape(OUTCOME_AXIS.get(outcome, outcome))}</text>'
    )
    for i, f in enumerate(rows):
        y = top + i * row_h + row_h / 2
        out.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_name(f.factor))}</text>"
        )
        if f.ci is None or f.effect is None:
            out.append(
                f'<text class="axis" x="{plot_l + 6}" y="{y + 4:.1f}">'
                f"{escape(f.verdict.split(':')[0])} (n = {f.n})</text>"
            )
            continue
        direction = "lower" if f.ci[1] < 0 else "higher" if f.ci[0] > 0 else "unclear"
        tip = (
            f"{_name(f.factor)}: {f.effect:+.3f} ({f.ci[0]:+.3f} to {f.ci[1]:+.3f}) "
            f"{f.unit}, n = {f.n}. {f.verdict}"
        )
        out.append(
            f'<g class="finding {direction}"><title>{escape(tip)}</title>'
            f'<line class="ci" x1="{x(f.ci[0]):.1f}" x2="{x(f.ci[1]):.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<circle class="effect" cx="{x(f.effect):.1f}" cy="{y:.1f}" r="4.5"/></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _nice(value: float) -> float:
    """The axis reaches a round number just past the widest interval."""
    if value <= 0:
        return 0.5
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _name(factor: str) -> str:
    return label(factor)
