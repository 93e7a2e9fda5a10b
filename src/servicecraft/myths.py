"""The myth check: what goes with satisfaction and effort in one organisation's own data.

For each outcome (``csat`` 1-5, ``ces`` 1-7 where higher means easier) and each factor
(the conversation metrics, the overall score, each skill) it fits an ordinary least
squares line of the answer on the factor, with a heteroskedasticity-robust (HC3) 95%
interval: survey answers are bounded and lumpy, so the textbook interval would be too
narrow where the spread differs along the factor. It fits the same line again with the
other conversation metrics held equal, and reports the adjusted estimate where holding
them equal changes the verdict (and says so). Only answered surveys with the factor
observed are used: a skill that was not observed is left out, never counted as zero.

NumPy only, no web, database or engine imports: the CLI and the app feed it rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from servicecraft.model import SKILLS, Conversation, Scorecard
from servicecraft.myths_sources import PUBLISHED, Published

METRIC_FACTORS = (
    "first_response_seconds",
    "handoffs",
    "one_touch",
    "chasers",
    "customer_messages_before_straight_answer",
)
FACTORS = (*METRIC_FACTORS, "score", *SKILLS)
OUTCOMES = ("csat", "ces")
# The metrics the adjusted fit holds equal; one_touch is handoffs == 0, so it never
# adjusts handoffs (nor they it): the one would explain the other away by definition.
ADJUSTERS = (
    "first_response_seconds",
    "handoffs",
    "chasers",
    "customer_messages_before_straight_answer",
)
ALIASES = {"one_touch": {"handoffs"}, "handoffs": {"one_touch"}}
MIN_ANSWERS = 30  # fewer answered surveys than this and an interval is mostly noise
MIN_EACH_SIDE = 10  # a count or yes/no factor needs this many answers at zero and above it
MIN_COVERAGE = 0.8  # an adjuster missing in more than a fifth of the rows is left out
Z975 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Observation:
    """One conversation: its factors (None: not observed) and its answers (None: not answered).

    ``asked`` is True where a survey link was made, False where it is known that none
    was, None where that is not known (scored files, answers imported with their
    source). Where any row is known to be asked, response rates count only those;
    otherwise every conversation. ``groups`` names extra groups for the response rates
    (e.g. channel).
    """

    factors: Mapping[str, float | None]
    csat: float | None = None
    ces: float | None = None
    asked: bool | None = None
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Estimate:
    effect: float
    ci: tuple[float, float]
    n: int
    adjusted_for: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        """ "lower", "higher" or "unclear": where the 95% interval lies relative to zero."""
        if self.ci[1] < 0:
            return "lower"
        if self.ci[0] > 0:
            return "higher"
        return "unclear"


@dataclass(frozen=True, slots=True)
class Finding:
    factor: str
    outcome: str
    n: int  # answered surveys used for the headline estimate
    effect: float | None
    ci: tuple[float, float] | None
    verdict: str
    unit: str
    adjusted: bool  # the headline is the adjusted estimate (it changed the verdict)
    unadjusted: Estimate | None = None
    adjusted_estimate: Estimate | None = None
    needs: int | None = None  # answers needed when there were too few
    published: tuple[Published, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseRate:
    group: str
    value: str
    asked: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True, slots=True)
class MythReport:
    findings: tuple[Finding, ...]
    response_rates: tuple[ResponseRate, ...]
    conversations: int
    answered: Mapping[str, int]
    asked_known: bool  # False: who was asked is unknown, rates are per conversation
    notes: tuple[str, ...] = ()


# How each factor is put on the x axis, the unit of its effect, and its words.
# First reply times are heavy-tailed: a line per hour would be set by a few very long
# waits, so the effect is per doubling of (1 + minutes), which also fits how waits feel.
_SCALES: dict[str, tuple[str, str, str]] = {
    # factor: (unit, "with EACH", "no clear effect of OF")
    "first_response_seconds": (
        "per doubling of (1 + minutes to the first reply)",
        "each doubling of the first reply time",
        "the first reply time",
    ),
    "handoffs": ("per handoff", "each handoff", "handoffs"),
    "one_touch": (
        "one-touch minus other conversations",
        "one-touch conversations",
        "one touch",
    ),
    "chasers": ("per chaser", "each chaser", "customers chasing"),
    "customer_messages_before_straight_answer": (
        "per customer message before a straight answer",
        "each customer message before a straight answer",
        "the wait for a straight answer",
    ),
    "score": (
        "per 10 points of overall score",
        "each 10 points of overall score",
        "the overall score",
    ),
}
for _skill in SKILLS:
    _SCALES[_skill] = (
        f"per 10 points of {_skill}",
        f"each 10 points of {_skill}",
        f"the {_skill} score",
    )
_COUNTS = {"handoffs", "chasers", "customer_messages_before_straight_answer", "one_touch"}


def observation_from(conversation: Conversation, card: Scorecard) -> Observation:
    """The myth check's row for a scored conversation (its survey, if any, as the answers)."""
    m = card.metrics
    factors: dict[str, float | None] = {
        "first_response_seconds": m.first_response_seconds,
        "handoffs": float(m.handoffs),
        "one_touch": float(m.one_touch),
        "chasers": float(m.chasers),
        "customer_messages_before_straight_answer": (
            None
            if m.customer_messages_before_straight_answer is None
            else float(m.customer_messages_before_straight_answer)
        ),
        "score": card.score,
        **{s: (card.skills[s].score if s in card.skills else None) for s in SKILLS},
    }
    survey = conversation.survey
    groups = {"channel": conversation.channel} if conversation.channel else {}
    return Observation(
        factors=factors,
        csat=None if survey is None else survey.csat,
        ces=None if survey is None else survey.ces,
        groups=groups,
    )


def check(observations: Iterable[Observation]) -> MythReport:
    """Every finding for every outcome and factor, and the response rates by group."""
    rows = list(observations)
    columns = {f: _transformed(f, [o.factors.get(f) for o in rows]) for f in FACTORS}
    findings: list[Finding] = []
    answered: dict[str, int] = {}
    for outcome in OUTCOMES:
        y = _array([getattr(o, outcome) for o in rows])
        answered[outcome] = int(np.sum(~np.isnan(y)))
        if outcome == "ces" and answered[outcome] == 0:
            continue  # effort is optional: no finding rather than 26 "too little data" rows
        for factor in FACTORS:
            findings.append(_finding(factor, outcome, columns, y))
    asked_known = any(o.asked is not None for o in rows)
    notes = [
        "Answered surveys are a biased sample: compare the response rates by group.",
        "Each line is an association in this organisation's data, not proof of cause.",
        f"{len(findings)} findings at 95%: about one in twenty factors with no real effect "
        "will still look clear by chance.",
    ]
    return MythReport(
        findings=tuple(findings),
        response_rates=response_rates(rows),
        conversations=len(rows),
        answered=answered,
        asked_known=asked_known,
        notes=tuple(notes),
    )


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _transformed(factor: str, values: list[float | None]) -> np.ndarray:
    """``transform`` over a whole column (NaN where not observed)."""
    x = _array(values)
    if factor == "first_response_seconds":
        return np.log2(1.0 + x / 60.0)
    if factor == "score" or factor in SKILLS:
        return x / 10.0
    return x


def _finding(
    factor: str, outcome: str, columns: Mapping[str, np.ndarray], y: np.ndarray
) -> Finding:
    unit = _SCALES[factor][0]
    published = PUBLISHED.get(factor, ())
    x = columns[factor]
    usable = ~np.isnan(y) & ~np.isnan(x)
    shortage = _shortage(factor, x[usable])
    if shortage is not None:
        verdict, needs = shortage
        return Finding(
            factor,
            outcome,
            int(usable.sum()),
            None,
            None,
            verdict,
            unit,
            False,
            needs=needs,
            published=published,
        )
    plain = _fit(y[usable], x[usable], [])
    adjusted = _adjusted(factor, columns, y, usable)
    headline, is_adjusted = plain, False
    if adjusted is not None and adjusted.direction != plain.direction:
        headline, is_adjusted = adjusted, True
    verdict = _verdict(factor, outcome, headline.direction)
    if is_adjusted:
        before = _verdict(factor, outcome, plain.direction)
        verdict += f", holding {_names(headline.adjusted_for)} equal (without that: {before})"
    return Finding(
        factor=factor,
        outcome=outcome,
        n=headline.n,
        effect=headline.effect,
        ci=headline.ci,
        verdict=verdict,
        unit=unit,
        adjusted=is_adjusted,
        unadjusted=plain,
        adjusted_estimate=adjusted,
        published=published,
    )


def _shortage(factor: str, x: np.ndarray) -> tuple[str, int | None] | None:
    """Why there is too little data for this factor, and how many answers it needs (None
    when more answers alone would not help: the factor hardly varies)."""
    n = len(x)
    if n < MIN_ANSWERS:
        return (
            f"too little data: {n} answered surveys with {_SCALES[factor][2]} observed, "
            f"needs at least {MIN_ANSWERS}",
            MIN_ANSWERS,
        )
    if factor in _COUNTS:
        zero, above = int(np.sum(x == 0)), int(np.sum(x > 0))
        if min(zero, above) < MIN_EACH_SIDE:
            rare = "without" if zero < above else "with"
            what = _SCALES[factor][2]
            return (
                f"too little variation: only {min(zero, above)} answered surveys {rare} "
                f"{what}, needs at least {MIN_EACH_SIDE} each way",
                max(MIN_ANSWERS, math.ceil(MIN_EACH_SIDE * n / max(min(zero, above), 1))),
            )
        return None
    _, counts = np.unique(x, return_counts=True)
    varied = n - int(counts.max())
    if varied < MIN_EACH_SIDE:  # a few outliers around one common value: no line to draw
        return (
            f"too little variation: {_SCALES[factor][2]} differs from its most common value "
            f"in only {varied} answered surveys, needs at least {MIN_EACH_SIDE}",
            None,
        )
    return None


def _adjusted(
    factor: str, columns: Mapping[str, np.ndarray], y: np.ndarray, usable: np.ndarray
) -> Estimate | None:
    """The effect with the other metrics held equal, or None when there are none to hold."""
    skip = {factor, *ALIASES.get(factor, set())}
    others: list[str] = []
    for name in ADJUSTERS:
        if name in skip:
            continue
        column = columns[name][usable]
        seen = ~np.isnan(column)
        if seen.mean() >= MIN_COVERAGE and float(np.nanstd(column)) > 0:
            others.append(name)
    if not others:
        return None
    keep = usable.copy()
    for name in others:
        keep &= ~np.isnan(columns[name])
    if keep.sum() < MIN_ANSWERS + len(others):
        return None
    design = np.column_stack([columns[factor][keep], *(columns[n][keep] for n in others)])
    if np.linalg.matrix_rank(np.column_stack([np.ones(len(design)), design])) <= len(others) + 1:
        return None  # the factor is a combination of the others here: nothing to hold equal
    estimate = _fit(y[keep], columns[factor][keep], [columns[n][keep] for n in others])
    return Estimate(estimate.effect, estimate.ci, estimate.n, tuple(others))


def _fit(y: np.ndarray, x: np.ndarray, covariates: list[np.ndarray]) -> Estimate:
    """OLS slope of y on x (with covariates) and its HC3 robust 95% interval."""
    design = np.column_stack([np.ones_like(x), x, *covariates])
    n, p = design.shape
    xtx_inv = np.linalg.pinv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    residuals = y - design @ beta
    leverage = np.einsum("ij,jk,ik->i", design, xtx_inv, design)
    # HC3 (MacKinnon & White 1985): each squared residual inflated by its leverage, which
    # keeps the interval honest when a few conversations sit far out along the factor.
    weights = residuals**2 / np.clip(1.0 - leverage, 1e-8, None) ** 2
    covariance = xtx_inv @ (design.T * weights) @ design @ xtx_inv
    se = math.sqrt(max(float(covariance[1, 1]), 0.0))
    half = t_quantile_975(max(n - p, 1)) * se
    effect = float(beta[1])
    return Estimate(effect, (effect - half, effect + half), n)


def t_quantile_975(df: int) -> float:
    """Student's t 97.5% quantile (Cornish-Fisher expansion, Abramowitz & Stegun 26.7.5).

    Within 0.001 of the exact value from 5 degrees of freedom up, and the check never
    fits fewer than MIN_ANSWERS rows; SciPy is only a training dependency.
    """
    z = Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def _verdict(factor: str, outcome: str, direction: str) -> str:
    _, each, of = _SCALES[factor]
    if direction == "unclear":
        what = "satisfaction" if outcome == "csat" else "effort"
        return f"no clear effect of {of} on {what}"
    if outcome == "csat":
        change = "lower satisfaction" if direction == "lower" else "higher satisfaction"
    else:  # a higher effort score means the customer found it easier
        change = "more effort" if direction == "lower" else "less effort"
    return f"clearly {change} with {each}"


def _names(factors: Sequence[str]) -> str:
    words = [_SCALES[f][2] for f in factors]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def response_rates(rows: Sequence[Observation]) -> tuple[ResponseRate, ...]:
    """Answered share per group: who answers is not a random draw of who was served."""
    known = any(o.asked is not None for o in rows)
    counts: dict[tuple[str, str], list[int]] = {}
    for o in rows:
        if known and not o.asked:
            continue
        answered = o.csat is not None or o.ces is not None
        for group, value in _groups(o):
            cell = counts.setdefault((group, value), [0, 0])
            cell[0] += 1
            cell[1] += answered
    return tuple(
        ResponseRate(group, value, asked, answered)
        for (group, value), (asked, answered) in sorted(counts.items())
    )


def _groups(o: Observation) -> list[tuple[str, str]]:
    f = o.factors
    found = [("all", "all conversations")]
    handoffs = f.get("handoffs")
    if handoffs is not None:
        found.append(
            ("handoffs", "none" if handoffs == 0 else "1" if handoffs == 1 else "2 or more")
        )
    chasers = f.get("chasers")
    if chasers is not None:
        found.append(("chased", "yes" if chasers > 0 else "no"))
    score = f.get("score")
    if score is not None:
        found.append(
            ("overall score", "below 50" if score < 50 else "50-79" if score < 80 else "80+")
        )
    found.extend(sorted(o.groups.items()))
    return found


def report_to_dict(report: MythReport) -> dict[str, Any]:
    """The JSON the CLI and the API give: ``findings`` first, in the issue's shape."""
    return {
        "findings": [_finding_dict(f) for f in report.findings],
        "response_rates": [
            {
                "group": r.group,
                "value": r.value,
                "asked": r.asked,
                "answered": r.answered,
                "rate": None if r.rate is None else round(r.rate, 4),
            }
            for r in report.response_rates
        ],
        "conversations": report.conversations,
        "answered": dict(report.answered),
        "asked_known": report.asked_known,
        "notes": list(report.notes),
    }


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "factor": f.factor,
        "outcome": f.outcome,
        "n": f.n,
        "effect": None if f.effect is None else round(f.effect, 4),
        "ci": None if f.ci is None else [round(f.ci[0], 4), round(f.ci[1], 4)],
        "verdict": f.verdict,
        "unit": f.unit,
        "adjusted": f.adjusted,
        "unadjusted": _estimate_dict(f.unadjusted),
        "adjusted_estimate": _estimate_dict(f.adjusted_estimate),
        "needs": f.needs,
        "published": [{"finding": p.finding, "source": p.source} for p in f.published],
    }


def _estimate_dict(e: Estimate | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "effect": round(e.effect, 4),
        "ci": [round(e.ci[0], 4), round(e.ci[1], 4)],
        "n": e.n,
        "adjusted_for": list(e.adjusted_for),
    }
