"""The catalogue of measures and skills: ids, labels, definitions, ranges, sort keys.

Pages, the API, the store's queries and the docs all read these; nothing else defines
a label, a plain-language definition, a survey range or which columns sort. Like
``model``, it imports nothing else of ours, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from servicecraft.model import SKILLS


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure shown for a group (organisation, department, team, person)."""

    id: str
    label: str  # as a heading: "One-touch"
    short: str  # as a table column: "1-touch"
    definition: str  # one plain sentence: what it counts
    kind: str  # score (0..100) | share (0..1) | count | rate (per 100) | csat (1..5)
    higher_is_better: bool | None  # None: neither (a count)
    low: float | None = None  # the range a chart of it spans
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: str
    short: str  # fits a narrow column
    definition: str


SURVEY_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}

BETTER_THAN_AVERAGE = (
    "Share of scored conversations whose overall score beat the mean of the agent's own "
    "team in the same week."
)

MEASURES: tuple[Measure, ...] = (
    Measure(
        "conversations",
        "Conversations",
        "Convs",
        "Conversations started in the period.",
        "count",
        None,
    ),
    Measure(
        "score",
        "Quality score",
        "Score",
        "Mean overall score of the scored conversations: the weighted mean of the skill "
        "scores, 0 to 100, capped when a critical skill (respect, honesty) is low.",
        "score",
        True,
        0,
        100,
    ),
    Measure(
        "better_rate",
        "Better than average, every time",
        "Better",
        BETTER_THAN_AVERAGE,
        "share",
        True,
        0,
        1,
    ),
    Measure(
        "one_touch",
        "One-touch",
        "1-touch",
        "Share of conversations with no handoff: the first agent dealt with it, without "
        "passing the customer to another person or department.",
        "share",
        True,
        0,
        1,
    ),
    Measure(
        "chasing",
        "Customers chasing",
        "Chasing",
        "Share of conversations where the customer had to chase: ask again, or ask for news.",
        "share",
        False,
        0,
        1,
    ),
    Measure(
        "chasers_per_100",
        "Chasers per 100",
        "Chasers",
        "Chasing messages from customers per 100 conversations.",
        "rate",
        False,
        0,
        None,
    ),
    Measure(
        "survey_coverage",
        "Survey coverage",
        "Surveyed",
        "Share of conversations with a customer survey answer (CSAT).",
        "share",
        True,
        0,
        1,
    ),
    Measure(
        "csat",
        "CSAT",
        "CSAT",
        "Mean customer satisfaction of the surveyed conversations, from 1 (very unhappy) "
        "to 5 (very happy).",
        "csat",
        True,
        *SURVEY_RANGES["csat"],
    ),
)
MEASURE = {m.id: m for m in MEASURES}

_SKILL_TEXT = {
    "rapport": (
        "Rapport",
        "Rapport",
        "Greets, thanks, uses a warm and personal tone, closes well.",
    ),
    "empathy": ("Empathy", "Empathy", "Recognises how the customer feels and says so, sincerely."),
    "respect": (
        "Respect",
        "Respect",
        "Courteous and patient; never blames, talks down to or dismisses the customer.",
    ),
    "ownership": (
        "Ownership",
        "Owner.",
        'Takes responsibility and resolves in one touch; passing the buck ("not my '
        'department"), sending the customer elsewhere or blaming other teams counts against it.',
    ),
    "honesty": (
        "Honesty",
        "Honesty",
        'Gives a straight answer early, including a clear "no" with what is possible; vague '
        "reassurance, stalling and promises without basis count against it.",
    ),
    "solution": (
        "Solution",
        "Solution",
        "Solves the problem or offers a real alternative; hiding behind policy without one "
        "counts against it.",
    ),
    "proactivity": (
        "Proactivity",
        "Proact.",
        "Anticipates the next problem, offers follow-up, prevents a repeat contact.",
    ),
    "clarity": (
        "Clarity",
        "Clarity",
        "Plain and specific; sets expectations (when, how, what next); no jargon.",
    ),
}
SKILL = {s: Skill(s, *_SKILL_TEXT[s]) for s in SKILLS}

# Predicted outcomes: the expected rating a person would give, on DCH-1's scale of -2..+2.
OUTCOME_RANGE = (-2, 2)
OUTCOMES: dict[str, tuple[str, str]] = {
    "resolution": (
        "Predicted resolution",
        "Was the problem solved? The rating a reader would likely give, from −2 (not at all) "
        "to +2 (fully); below 0 leans unresolved.",
    ),
    "satisfaction": (
        "Predicted satisfaction",
        "How satisfied the customer likely was, from −2 (very dissatisfied) to +2 (very "
        "satisfied); below 0 leans dissatisfied.",
    ),
    "effectiveness": (
        "Predicted effectiveness",
        "How effective the agent likely seemed, from −2 (not at all) to +2 (very).",
    ),
}

# Named filters of the conversation list (the store maps each id to a condition).
METRIC_FILTERS: dict[str, str] = {
    "not_one_touch": "Not one-touch",
    "chased": "Customer chased",
    "handoff": "Handed off",
    "hindrance": "Hindrance cited",
}
OUTCOME_FILTERS: dict[str, str] = {
    "unresolved": "Likely unresolved",
    "dissatisfied": "Likely dissatisfied",
}

# What each list may be sorted by ("-key" for descending).
GROUP_SORTS: tuple[str, ...] = ("name", *(m.id for m in MEASURES), *SKILLS)
CONVERSATION_SORTS: tuple[str, ...] = (
    "started_at",
    "score",
    "chasers",
    "handoffs",
    "csat",
    "predicted_resolution",
    *SKILLS,
)


class UnknownSort(ValueError):
    """A sort key outside the list's whitelist."""


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    descending: bool

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.key


def parse_sort(value: str, allowed: Iterable[str]) -> Sort:
    """``"-score"`` → Sort("score", descending=True); UnknownSort for anything not allowed."""
    allowed = tuple(allowed)
    key = value.removeprefix("-")
    if key not in allowed:
        raise UnknownSort(f"cannot sort by {value!r}; use one of {', '.join(allowed)}")
    return Sort(key, value.startswith("-"))


def label(key: str) -> str:
    """The heading for a measure, skill or conversation column id."""
    if key in MEASURE:
        return MEASURE[key].label
    if key in SKILL:
        return SKILL[key].label
    if key in OUTCOMES:
        return OUTCOMES[key][0]
    return key.replace("_", " ").capitalize()
