"""Judging an agent by consistency: "better than the team average, every time"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class AgentConsistency:
    agent: str
    team: str | None
    conversations: int
    mean: float
    p10: float  # the score the agent beats in 90% of their conversations
    above_team_average: float  # share of the agent's conversations above their team's mean
    team_mean: float


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile of sorted or unsorted values (q in 0..100)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def agent_consistency(
    scores: Iterable[tuple[str, str | None, float | None]],
) -> list[AgentConsistency]:
    """Per agent: mean, 10th percentile and the share of conversations above the team mean.

    ``scores`` yields (agent, team, overall score); unscored conversations are skipped.
    An agent without a team is compared with everyone who has no team.
    """
    by_agent: dict[tuple[str | None, str], list[float]] = defaultdict(list)
    by_team: dict[str | None, list[float]] = defaultdict(list)
    for agent, team, score in scores:
        if score is None:
            continue
        by_agent[(team, agent)].append(score)
        by_team[team].append(score)
    team_means = {team: sum(v) / len(v) for team, v in by_team.items()}
    result = []
    for (team, agent), values in sorted(by_agent.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        team_mean = team_means[team]
        result.append(
            AgentConsistency(
                agent=agent,
                team=team,
                conversations=len(values),
                mean=round(sum(values) / len(values), 2),
                p10=round(percentile(values, 10), 2),
                above_team_average=round(sum(v > team_mean for v in values) / len(values), 4),
                team_mean=round(team_mean, 2),
            )
        )
    return result
