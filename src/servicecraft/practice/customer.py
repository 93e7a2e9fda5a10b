"""The simulated customer: an agenda of needs and a mood, updated by what the trainee writes.

An agenda-based user simulator (Schatzmann et al., 2007) with a mood state updated by rules:
the customer works through the scenario's needs in order, asks for the first one not yet
met, chases when it is not given, calms down or flares up with the signals `read_reply`
hears, and ends the session. Nothing here is random except the choice among a scenario's
line variants, drawn from a generator seeded with the scenario id and the seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from servicecraft.practice.scenario import Need, Scenario
from servicecraft.practice.signals import present

# A turn that meets no need costs this much mood on top of what its signals did.
NO_PROGRESS = 0.1
# Each need met calms the customer this much more.
NEED_MET = 0.1
# A signal said again calms half as much; an excuse said again inflames half as much more.
REPEAT_CALM, REPEAT_INFLAME = 0.5, 1.5
# Which reaction a reply draws, first match wins (the scenario's lines.react).
NEGATIVE = ("disrespect", "handoff", "policy", "stalling")


@dataclass(slots=True)
class Turn:
    """One exchange: the trainee's reply, what the customer heard, and how they took it."""

    reply: str
    heard: frozenset[str]
    met: tuple[str, ...]  # needs this reply met
    mood_before: float
    mood_after: float
    patience: int
    answer: str  # the customer's line
    outcome: str | None  # set on the turn that ends the session


@dataclass(slots=True)
class CustomerState:
    """Hidden from the trainee: shown only in the feedback after the session."""

    mood: float
    patience: int
    told: list[str] = field(default_factory=list)  # signals heard, in the order first heard
    met: list[str] = field(default_factory=list)  # needs met, in order
    asked: dict[str, int] = field(default_factory=dict)  # need id → times asked
    turns: int = 0
    outcome: str | None = None


class SimulatedCustomer:
    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.scenario = scenario
        self.rng = random.Random(f"{scenario.id}:{seed}")
        self.state = CustomerState(mood=scenario.temper.mood, patience=scenario.temper.patience)
        self._used: dict[str, set[str]] = {}

    @property
    def ended(self) -> bool:
        return self.state.outcome is not None

    def opening(self) -> str:
        """The customer's first message: the situation and the first need."""
        first = self._pick("opening", self.scenario.opening)
        need = self._next_need()
        if need is not None:
            self.state.asked[need.id] = 1
        return first

    def respond(self, reply: str, reading: Mapping[str, float]) -> Turn:
        """React to one trainee reply; the returned turn carries the customer's answer."""
        if self.ended:
            raise RuntimeError("the session has ended")
        state, scenario = self.state, self.scenario
        heard = present(reading)
        before = state.mood
        met = self._meet(reply, heard)
        state.mood = _clamp(before + self._mood_change(heard, met))
        # A reply that meets no need costs a turn of patience; an excuse heard before, another.
        repeated = heard & set(NEGATIVE) & set(state.told)
        state.patience -= (0 if met else 1) + (1 if repeated else 0)
        state.told += [s for s in sorted(heard) if s not in state.told]
        state.turns += 1
        state.outcome = self._outcome(heard)
        if state.outcome is not None:
            answer = self._pick(f"end.{state.outcome}", scenario.endings[state.outcome])
        else:
            answer = self._answer(heard, met)
        return Turn(reply, heard, met, before, state.mood, state.patience, answer, state.outcome)

    def close(self) -> str:
        """The trainee stopped replying: the session ends as it stands."""
        if self.state.outcome is None:
            self.state.outcome = "resolved" if self._next_need() is None else "unresolved"
        return self.state.outcome

    def _meet(self, reply: str, heard: frozenset[str]) -> tuple[str, ...]:
        lowered = reply.lower()
        met = tuple(
            n.id
            for n in self.scenario.needs
            if n.id not in self.state.met
            and (n.met_by & heard or any(w in lowered for w in n.words))
        )
        self.state.met += met
        return met

    def _mood_change(self, heard: frozenset[str], met: tuple[str, ...]) -> float:
        told = self.state.told
        change = NEED_MET * len(met)
        for signal, weight in self.scenario.calms.items():
            if signal in heard:
                change += weight * (REPEAT_CALM if signal in told else 1.0)
        for signal, weight in self.scenario.inflames.items():
            if signal in heard:
                change -= weight * (REPEAT_INFLAME if signal in told else 1.0)
        if not met:
            change -= NO_PROGRESS
        return change

    def _outcome(self, heard: frozenset[str]) -> str | None:
        state, temper = self.state, self.scenario.temper
        if self._next_need() is None:
            return "resolved"
        if "disrespect" in heard and state.mood < temper.escalate_below:
            return "escalated"
        if state.patience <= 0:
            return "escalated" if state.mood < temper.escalate_below else "abandoned"
        if state.turns >= temper.max_turns:
            return "unresolved"
        return None

    def _answer(self, heard: frozenset[str], met: tuple[str, ...]) -> str:
        parts: list[str] = []
        reactions = self.scenario.reactions
        key = next((k for k in NEGATIVE if k in heard), None)
        if key is None:
            key = "progress" if met else "empathy" if "empathy" in heard else "silence"
        if key in reactions:
            parts.append(self._pick(f"react.{key}", reactions[key]))
        need = self._next_need()
        if need is not None:
            asked = self.state.asked.get(need.id, 0)
            self.state.asked[need.id] = asked + 1
            lines = need.chase if asked else need.ask
            parts.append(self._pick(f"{'chase' if asked else 'ask'}.{need.id}", lines))
        return " ".join(parts)

    def _next_need(self) -> Need | None:
        return next((n for n in self.scenario.needs if n.id not in self.state.met), None)

    def _pick(self, key: str, lines: tuple[str, ...]) -> str:
        """A line variant, not repeating one until every variant has been used."""
        used = self._used.setdefault(key, set())
        fresh = [line for line in lines if line not in used] or list(lines)
        if len(fresh) == len(lines):
            used.clear()
        line = self.rng.choice(fresh)
        used.add(line)
        return line


def _clamp(mood: float) -> float:
    return round(max(-1.0, min(1.0, mood)), 3)
