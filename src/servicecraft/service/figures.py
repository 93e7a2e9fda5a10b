"""The typed results of the dashboard queries: frozen dataclasses, nothing else.

Group rows (a department, a team, a person) are ``Stats`` with their identity added,
so a table row and a totals block read the same way. Rates are 0..1, scores 0..100,
CSAT 1..5; None where there was nothing to measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    conversations: int = 0
    score: float | None = None  # mean overall score
    score_sd: float | None = None
    # Mean per skill over the conversations where it was observed (None: never observed).
    skills: Mapping[str, float | None] = field(default_factory=dict)
    # Per skill, the conversations where it was observed, and their share of all
    # conversations ("observed in 34% of conversations"; None when there are none).
    observed: Mapping[str, int] = field(default_factory=dict)
    coverage: Mapping[str, float | None] = field(default_factory=dict)
    score_coverage: float | None = None  # share of conversations with an overall score
    better_rate: float | None = None  # share scored above their team's mean that week
    one_touch: float | None = None  # share resolved without a handoff
    chasing: float | None = None  # share where the customer chased
    chasers_per_100: float | None = None
    survey_coverage: float | None = None  # share with a CSAT answer
    csat: float | None = None  # mean CSAT of those
    week: date | None = None  # set on the entries of a weekly series
    weekly: tuple[Stats, ...] = ()  # one per week shown, oldest first
    previous: Stats | None = None  # the same figures over the period just before, if asked


@dataclass(frozen=True, slots=True, kw_only=True)
class DepartmentStats(Stats):
    id: int
    name: str
    teams: int = 0
    people: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamStats(Stats):
    id: int
    name: str
    department_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonStats(Stats):
    id: int
    name: str
    team_id: int | None = None
    team_name: str | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    id: int
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Overview:
    weeks: tuple[date, ...]
    previous_weeks: tuple[date, ...]  # the period compared with: as long, just before
    totals: Stats
    departments: tuple[DepartmentStats, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamRef:
    id: int
    name: str
    department_id: int
    department_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DepartmentDetail:
    department: Ref
    weeks: tuple[date, ...]
    previous_weeks: tuple[date, ...]  # the period compared with: as long, just before
    totals: Stats
    teams: tuple[TeamStats, ...]
    people: tuple[PersonStats, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamDetail:
    team: TeamRef
    weeks: tuple[date, ...]
    previous_weeks: tuple[date, ...]  # the period compared with: as long, just before
    totals: Stats
    people: tuple[PersonStats, ...]
    histogram: Histogram | None = None  # the team's conversation scores; ``person`` is empty


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRef:
    id: int
    name: str
    role: str | None
    team_id: int
    team_name: str
    department_id: int
    department_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Histogram:
    edges: tuple[int, ...]  # 0, 10, ..., 100
    person: tuple[int, ...]  # conversations per bin
    team: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WeakSkill:
    skill: str
    score: float  # the person's mean where the skill was observed
    team: float | None  # the team's mean for the same skill
    # The person's lowest-scored recent conversation on it whose evidence quotes the
    # person's own words (None when no such conversation is among the recent ones).
    example: str | None
    observed: int = 0  # the person's conversations where it was observed
    coverage: float = 0.0  # their share of the person's conversations


@dataclass(frozen=True, slots=True, kw_only=True)
class SkillCoverage:
    """A skill observed too rarely to rank among a person's weakest."""

    skill: str
    observed: int
    coverage: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRow:
    id: str
    started_at: datetime | None
    score: float | None
    person_id: int | None
    person_name: str | None
    team_name: str | None
    skills: Mapping[str, float | None]
    one_touch: bool
    chasers: int
    handoffs: int
    csat: float | None
    predicted_resolution: float | None = None
    scorecard: Mapping[str, Any] | None = None  # only when asked for
    channel: str | None = None
    snippet: str | None = None  # the opening message, shortened; only when asked for


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonProfile:
    person: PersonRef
    weeks: tuple[date, ...]
    previous_weeks: tuple[date, ...]  # the period compared with: as long, just before
    totals: Stats
    team_totals: Stats
    histogram: Histogram
    weakest: tuple[WeakSkill, ...]  # up to three, lowest first, of the skills with evidence enough
    too_rare: tuple[SkillCoverage, ...] = ()  # skills observed too rarely to rank
    best: tuple[ConversationRow, ...]
    recent: tuple[ConversationRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationDetail:
    conversation: Mapping[str, Any]  # the interchange JSON
    scorecard: Mapping[str, Any]  # as `servicecraft score` prints it
    started_at: datetime | None
    person_id: int | None
    person_name: str | None
    team_id: int | None
    team_name: str | None
    department_id: int | None
    department_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HindranceGroup:
    key: str
    text: str  # one way it was said
    kind: str  # policy | system
    department: str | None
    count: int
    conversations: tuple[str, ...]  # up to 20 example ids


@dataclass(frozen=True, slots=True, kw_only=True)
class Hindrances:
    total: int
    by_kind: Mapping[str, int]
    groups: tuple[HindranceGroup, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchPage:
    total: int  # matching conversations, or COUNT_CAP when ``exact`` is False
    exact: bool
    page: int
    page_size: int
    rows: tuple[ConversationRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterOptions:
    departments: tuple[Ref, ...]
    teams: tuple[Ref, ...]
    people: tuple[Ref, ...]
