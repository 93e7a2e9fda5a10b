"""Practice scenarios: YAML files describing a customer, what they need, and their lines.

The format is documented in docs/practice.md. `load_scenario` validates a file and raises
`ScenarioError` naming the file, the field and the problem; `bundled_scenarios` loads the
ones shipped with servicecraft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from servicecraft.practice.signals import SIGNALS

ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
DIFFICULTIES = ("easy", "medium", "hard")
TRUTHS = ("yes", "no", "fix")
REACTIONS = ("progress", "empathy", "handoff", "policy", "stalling", "disrespect", "silence")
ENDINGS = ("resolved", "unresolved", "escalated", "abandoned")
OUTCOMES = ENDINGS

# How much each signal calms or inflames a customer by default (mood runs from -1 to +1).
DEFAULT_CALMS: dict[str, float] = {
    "empathy": 0.2,
    "apology": 0.05,
    "ownership": 0.15,
    "straight_answer": 0.1,
    "specific": 0.05,
    "expectation": 0.1,
    "solution": 0.15,
    "alternative": 0.1,
    "follow_up": 0.1,
}
DEFAULT_INFLAMES: dict[str, float] = {
    "policy": 0.25,
    "handoff": 0.3,
    "stalling": 0.2,
    "disrespect": 0.45,
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used: names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        super().__init__(f"{source}: {field}: {problem}")
        self.source, self.field, self.problem = source, field, problem


@dataclass(frozen=True, slots=True)
class Need:
    """Something the customer needs from the trainee before they are satisfied."""

    id: str
    label: str
    met_by: frozenset[str]  # any of these signals meets it
    words: tuple[str, ...]  # or any of these words or phrases in the reply
    ask: tuple[str, ...]  # how the customer asks for it the first time
    chase: tuple[str, ...]  # how they ask again when it was not given
    model_reply: str  # a reply that meets it, shown as "a better reply"


@dataclass(frozen=True, slots=True)
class Temper:
    mood: float  # starting mood, -1 (furious) .. +1 (delighted)
    patience: int  # turns without progress the customer tolerates
    escalate_below: float  # when patience runs out below this mood, they escalate
    max_turns: int  # the customer gives up (unresolved) after this many replies


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    summary: str
    difficulty: str
    persona: str
    situation: str
    wants: str
    facts: tuple[str, ...]
    truth: str  # "yes", "no" (the honest answer is no, with an alternative) or "fix"
    truth_detail: str
    temper: Temper
    calms: Mapping[str, float]
    inflames: Mapping[str, float]
    needs: tuple[Need, ...]
    opening: tuple[str, ...]
    reactions: Mapping[str, tuple[str, ...]]
    endings: Mapping[str, tuple[str, ...]]
    department: str | None = None  # for internal customers: the department they come to
    source: str = field(default="", compare=False)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "file", f"cannot read: {exc.strerror}") from None
    return parse_scenario(text, source)


def parse_scenario(text: str, source: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise ScenarioError(source, where, f"not valid YAML: {exc}") from None
    return _Reader(source).scenario(data)


def bundled_scenarios() -> list[Scenario]:
    """The scenarios shipped with servicecraft, sorted by id."""
    folder = resources.files("servicecraft.practice") / "scenarios"
    found = [
        parse_scenario(item.read_text(encoding="utf-8"), f"scenarios/{item.name}")
        for item in folder.iterdir()
        if item.name.endswith((".yaml", ".yml"))
    ]
    return sorted(found, key=lambda s: s.id)


def load_scenarios(paths: Iterable[str | Path] = ()) -> dict[str, Scenario]:
    """The bundled scenarios plus an organisation's own (files or folders of .yaml files).

    An organisation's scenario with a bundled id replaces the bundled one.
    """
    found = {s.id: s for s in bundled_scenarios()}
    for path in paths:
        p = Path(path)
        files = sorted(p.glob("*.y*ml")) if p.is_dir() else [p]
        for file in files:
            scenario = load_scenario(file)
            found[scenario.id] = scenario
    return found


class _Reader:
    """Validates a parsed YAML document field by field, naming the first problem found."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, name: str, problem: str) -> ScenarioError:
        return ScenarioError(self.source, name, problem)

    def mapping(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            problem = "is missing" if value is None else f"must be a mapping, not {_kind(value)}"
            raise self.fail(name, problem)
        return value

    def text(self, data: Mapping[str, Any], key: str, prefix: str = "") -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problem = "is missing" if value is None else f"must be text, not {_kind(value)}"
            raise self.fail(prefix + key, problem)
        return value.strip()

    def lines(self, value: Any, name: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            problem = "is missing" if value is None else "must be a non-empty list of lines"
            raise self.fail(name, problem)
        for i, line in enumerate(value):
            if not isinstance(line, str) or not line.strip():
                raise self.fail(f"{name}[{i}]", "must be a non-empty line of text")
        return tuple(line.strip() for line in value)

    def number(
        self, data: Mapping[str, Any], key: str, low: float, high: float, name: str
    ) -> float:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, "is missing" if value is None else "must be a number")
        if not low <= value <= high:
            raise self.fail(name, f"must be between {low:g} and {high:g}, not {value}")
        return float(value)

    def signals(self, value: Any, name: str) -> frozenset[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise self.fail(name, "must be a non-empty list of signals")
        for i, item in enumerate(items):
            if item not in SIGNALS:
                raise self.fail(
                    f"{name}[{i}]", f"unknown signal {item!r}; choose from {', '.join(SIGNALS)}"
                )
        return frozenset(items)

    def weights(self, value: Any, name: str, default: dict[str, float]) -> dict[str, float]:
        if value is None:
            return dict(default)
        merged = dict(default)
        for key, weight in self.mapping(value, name).items():
            if key not in SIGNALS:
                raise self.fail(
                    f"{name}.{key}", f"unknown signal; choose from {', '.join(SIGNALS)}"
                )
            merged[key] = self.number({key: weight}, key, 0.0, 1.0, f"{name}.{key}")
        return merged

    def scenario(self, data: Any) -> Scenario:
        data = self.mapping(data, "file")
        sid = self.text(data, "id")
        if not ID.match(sid):
            raise self.fail("id", f"{sid!r}: use lower-case letters, digits and hyphens")
        # Fields are checked in the order a file lists them, so the first problem is named.
        title, summary = self.text(data, "title"), self.text(data, "summary")
        difficulty = data.get("difficulty", "medium")
        if difficulty not in DIFFICULTIES:
            raise self.fail("difficulty", f"{difficulty!r}: choose from {', '.join(DIFFICULTIES)}")
        persona, situation = self.text(data, "persona"), self.text(data, "situation")
        wants, facts = self.text(data, "wants"), self.lines(data.get("facts"), "facts")
        truth = self.mapping(data.get("truth"), "truth")
        answer = truth.get("answer")
        if isinstance(answer, bool):  # YAML 1.1 reads a bare yes/no as true/false
            answer = "yes" if answer else "no"
        if answer not in TRUTHS:
            raise self.fail("truth.answer", f"{answer!r}: choose from {', '.join(TRUTHS)}")
        department = data.get("department")
        if department is not None and not isinstance(department, str):
            raise self.fail("department", "must be text")
        temper = self.temper(data.get("temper"))
        calms = self.weights(data.get("calms"), "calms", DEFAULT_CALMS)
        inflames = self.weights(data.get("inflames"), "inflames", DEFAULT_INFLAMES)
        needs = self.needs(data.get("needs"))
        lines = self.mapping(data.get("lines"), "lines")
        return Scenario(
            id=sid,
            title=title,
            summary=summary,
            difficulty=difficulty,
            persona=persona,
            situation=situation,
            wants=wants,
            facts=facts,
            truth=answer,
            truth_detail=self.text(truth, "detail", "truth."),
            temper=temper,
            calms=calms,
            inflames=inflames,
            needs=needs,
            opening=self.lines(lines.get("opening"), "lines.opening"),
            reactions=self.choices(lines.get("react"), "lines.react", REACTIONS, required=()),
            endings=self.choices(lines.get("end"), "lines.end", ENDINGS, required=ENDINGS),
            department=department,
            source=self.source,
        )

    def temper(self, value: Any) -> Temper:
        data = self.mapping(value, "temper")
        patience = self.number(data, "patience", 1, 20, "temper.patience")
        if patience != int(patience):
            raise self.fail("temper.patience", "must be a whole number of turns")
        turns = data.get("max_turns", 10)
        if isinstance(turns, bool) or not isinstance(turns, int) or not 2 <= turns <= 40:
            raise self.fail("temper.max_turns", "must be a whole number from 2 to 40")
        return Temper(
            mood=self.number(data, "mood", -1.0, 1.0, "temper.mood"),
            patience=int(patience),
            escalate_below=self.number(
                {"v": data.get("escalate_below", -0.7)}, "v", -1.0, 1.0, "temper.escalate_below"
            ),
            max_turns=turns,
        )

    def needs(self, value: Any) -> tuple[Need, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("needs", "must be a non-empty list of needs")
        found: list[Need] = []
        for i, item in enumerate(value):
            name = f"needs[{i}]"
            data = self.mapping(item, name)
            nid = self.text(data, "id", f"{name}.")
            if any(n.id == nid for n in found):
                raise self.fail(f"{name}.id", f"{nid!r} is used twice")
            words = data.get("words", [])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise self.fail(f"{name}.words", "must be a list of words or phrases")
            found.append(
                Need(
                    id=nid,
                    label=self.text(data, "label", f"{name}."),
                    met_by=self.signals(data.get("met_by"), f"{name}.met_by"),
                    words=tuple(w.lower() for w in words),
                    ask=self.lines(data.get("ask"), f"{name}.ask"),
                    chase=self.lines(data.get("chase"), f"{name}.chase"),
                    model_reply=self.text(data, "model_reply", f"{name}."),
                )
            )
        return tuple(found)

    def choices(
        self, value: Any, name: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, tuple[str, ...]]:
        data = self.mapping(value or ({} if not required else value), name)
        for key in data:
            if key not in allowed:
                raise self.fail(f"{name}.{key}", f"unknown; choose from {', '.join(allowed)}")
        for key in required:
            if key not in data:
                raise self.fail(f"{name}.{key}", "is missing")
        return {key: self.lines(lines, f"{name}.{key}") for key, lines in data.items()}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


# Which skill a need trains, from the signals that meet it (for "Practise now" on a skill gap).
SIGNAL_SKILLS: dict[str, str] = {
    "empathy": "empathy",
    "apology": "empathy",
    "ownership": "ownership",
    "answer_yes": "honesty",
    "answer_no": "honesty",
    "straight_answer": "honesty",
    "done": "solution",
    "solution": "solution",
    "alternative": "solution",
    "specific": "clarity",
    "expectation": "clarity",
    "follow_up": "proactivity",
}


def trains(scenario: Scenario, skill: str) -> int:
    """How many of the scenario's needs call on a skill (0: it does not train it)."""
    return sum(any(SIGNAL_SKILLS.get(s) == skill for s in n.met_by) for n in scenario.needs)


def scenarios_for_skill(scenarios: Iterable[Scenario], skill: str) -> list[Scenario]:
    """The scenarios that train a skill, the most needs calling on it first.

    Skills no need calls on (rapport, respect) are shown in every conversation: then every
    scenario trains them, the hardest customers first.
    """
    scenarios = list(scenarios)
    ranked = [(trains(s, skill), s.id, s) for s in scenarios]
    found = [s for n, _, s in sorted(ranked, key=lambda r: (-r[0], r[1])) if n]
    if found:
        return found
    order = {d: i for i, d in enumerate(reversed(DIFFICULTIES))}
    return sorted(scenarios, key=lambda s: (order[s.difficulty], s.id))
