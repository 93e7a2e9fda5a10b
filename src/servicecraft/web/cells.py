"""How a skill score reads on a page: a number in its colour band, or "not observed".

Not observed is no measurement, so it never looks like one: a grey dash, outside every
colour band, whose title says so and links to the reader's guide.
"""

from __future__ import annotations

from markupsafe import Markup, escape

GUIDE_NOT_OBSERVED = "/guide#not-observed"
NOT_OBSERVED = "not observed: no evidence for this skill either way (see Reading scores)"


def observed_in(coverage: float | None, observed: int | None = None) -> str:
    """ "observed in 34% of conversations" (with the count when it is given)."""
    if coverage is None:
        return "no conversations"
    if observed == 0 or coverage == 0:
        return "not observed in any conversation"
    share = f"{coverage * 100:.0f}%"
    count = f" ({observed:,})" if observed is not None else ""
    return f"observed in {share}{count} of conversations"


def not_observed(label: str = "—") -> Markup:
    return Markup(
        f'<a class="not-observed" href="{GUIDE_NOT_OBSERVED}" title="{NOT_OBSERVED}">'
        f"{escape(label)}</a>"
    )


def skill_value(
    score: float | None, coverage: float | None = None, observed: int | None = None
) -> Markup:
    """A skill's score (an average where ``coverage`` is given) for a table cell."""
    if score is None:
        return not_observed()
    title = f' title="{observed_in(coverage, observed)}"' if coverage is not None else ""
    return Markup(f"<span{title}>{score:,.0f}</span>")


def skill_pill(score: float | None) -> Markup:
    """A score as a coloured pill; not observed as a grey one."""
    if score is None:
        return Markup('<span class="pill none">') + not_observed() + Markup("</span>")
    band = "good" if score >= 70 else "mid" if score >= 50 else "low"
    return Markup(f'<span class="pill {band}">{score:.0f}</span>')
