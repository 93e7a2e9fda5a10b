"""Rubrics: the skills, their weights, and the cue phrases that count for or against them.

A rubric is a YAML file. The default one ships in the package; an organisation's
own may say ``extends: default`` and add phrases, cues or skills, or change weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from servicecraft.engine.overall import OverallModel
from servicecraft.engine.phrases import PhraseError, PhraseMatcher
from servicecraft.model import SKILLS

DEFAULT_SKILLS = SKILLS
# Cues the built-in scorers and metrics rely on; a rubric must define them.
REQUIRED_CUES = (
    "distress",
    "problem",
    "chaser",
    "answer_yes",
    "answer_no",
    "done",
    "transfer",
    "confirms_solved",
    "still_broken",
)


class RubricError(ValueError):
    """A rubric file that cannot be used; the message says where and why."""


@dataclass(slots=True, frozen=True)
class Skill:
    id: str
    name: str
    description: str = ""
    weight: float = 1.0
    base: float = 50.0
    critical: bool = False
    # Points added to every observed score of this skill (``servicecraft calibrate`` sets it
    # where the organisation's reviewers are consistently stricter or more lenient).
    offset: float = 0.0


@dataclass(slots=True, frozen=True)
class Cue:
    id: str
    role: Literal["agent", "customer"]
    effects: Mapping[str, float]
    reason: str
    phrases: tuple[str, ...]
    negatable: bool = False
    negated_as: str | None = None
    suppresses: tuple[str, ...] = ()
    hindrance: Literal["policy", "system"] | None = None


@dataclass(slots=True)
class Rubric:
    name: str
    skills: dict[str, Skill]
    cues: dict[str, Cue]
    critical_threshold: float = 40.0
    critical_cap: float = 50.0
    # The learned overall score; None: the weighted mean of the observed skills.
    overall: OverallModel | None = None
    version: str = ""
    # Built lazily: one matcher per speaker role.
    _matchers: dict[str, PhraseMatcher] = field(default_factory=dict, repr=False)

    def matcher(self, role: str) -> PhraseMatcher:
        if role not in self._matchers:
            matcher = PhraseMatcher()
            for cue in self.cues.values():
                if cue.role == role:
                    matcher.add(cue.id, cue.phrases)
            self._matchers[role] = matcher
        return self._matchers[role]

    def __getstate__(self) -> dict[str, Any]:
        # Matchers are rebuilt in each worker process rather than pickled.
        return {
            "name": self.name,
            "skills": self.skills,
            "cues": self.cues,
            "critical_threshold": self.critical_threshold,
            "critical_cap": self.critical_cap,
            "overall": self.overall,
            "version": self.version,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self.skills = state["skills"]
        self.cues = state["cues"]
        self.critical_threshold = state["critical_threshold"]
        self.critical_cap = state["critical_cap"]
        self.overall = state["overall"]
        self.version = state["version"]
        self._matchers = {}


def default_rubric_path() -> Path:
    return Path(str(resources.files("servicecraft.engine").joinpath("default_rubric.yaml")))


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load a rubric file (the default one when no path is given)."""
    target = Path(path) if path is not None else default_rubric_path()
    return build_rubric(_resolved(target, depth=0), source=str(target))


def _resolved(target: Path, depth: int) -> dict[str, Any]:
    """The rubric's mapping with its ``extends`` chain merged in (a calibrated rubric may
    extend another calibrated one, which extends the default)."""
    if depth > 8:
        raise RubricError(f"{target}: 'extends' goes more than 8 rubrics deep (a cycle?)")
    raw = _read_yaml(target)
    base = raw.pop("extends", None)
    if base is None:
        return raw
    parent_path = default_rubric_path() if base == "default" else (target.parent / str(base))
    return _merge(_resolved(parent_path.resolve(), depth + 1), raw)


def build_rubric(raw: Mapping[str, Any], source: str = "<rubric>") -> Rubric:
    """Validate a rubric mapping and build it; errors name the offending entry."""
    try:
        skills = {sid: _skill(sid, spec) for sid, spec in _mapping(raw, "skills").items()}
        cues = {cid: _cue(cid, spec, skills) for cid, spec in _mapping(raw, "cues").items()}
    except (TypeError, ValueError, KeyError) as exc:
        raise RubricError(f"{source}: {exc}") from None
    missing = [c for c in REQUIRED_CUES if c not in cues]
    if missing:
        raise RubricError(f"{source}: missing required cues: {', '.join(missing)}")
    for cue in cues.values():
        for other in (*cue.suppresses, *([cue.negated_as] if cue.negated_as else [])):
            if other not in cues:
                raise RubricError(f"{source}: cue {cue.id!r} refers to unknown cue {other!r}")
    overall = None
    if raw.get("overall") is not None:
        try:
            overall = OverallModel.from_dict(_mapping(raw, "overall"))
        except (TypeError, ValueError) as exc:
            raise RubricError(f"{source}: {exc}") from None
    rubric = Rubric(
        name=str(raw.get("name", source)),
        skills=skills,
        cues=cues,
        critical_threshold=float(raw.get("critical_threshold", 40)),
        critical_cap=float(raw.get("critical_cap", 50)),
        overall=overall,
        version=str(raw.get("version", "")),
    )
    try:  # surface phrase errors at load time, not at the first conversation
        rubric.matcher("agent")
        rubric.matcher("customer")
    except PhraseError as exc:
        raise RubricError(f"{source}: {exc}") from None
    return rubric


# libyaml's safe loader where PyYAML has it: ten times faster than the pure-Python one, and
# every worker process reads the rubric when it starts.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise RubricError(f"{path}: rubric file not found") from None
    except OSError as exc:
        raise RubricError(f"{path}: cannot read rubric: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RubricError(f"{path}: invalid YAML{where}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: a rubric must be a mapping with 'skills' and 'cues'")
    return data


def _merge(parent: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Merge an extending rubric into its parent; phrase lists are added, not replaced."""
    merged = dict(parent)
    for key, value in child.items():
        if key in ("skills", "cues") and isinstance(value, Mapping):
            section = {k: dict(v) for k, v in parent.get(key, {}).items()}
            for item_id, spec in value.items():
                spec = dict(spec or {})
                current = section.setdefault(item_id, {})
                extra = spec.pop("add_phrases", None)
                current.update(spec)
                if extra:
                    current["phrases"] = [*current.get("phrases", []), *extra]
            merged[key] = section
        else:
            merged[key] = value
    return merged


def _mapping(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"'{key}' must be a non-empty mapping")
    return value


def _skill(sid: str, spec: Any) -> Skill:
    spec = spec or {}
    if not isinstance(spec, Mapping):
        raise ValueError(f"skill {sid!r} must be a mapping")
    weight = float(spec.get("weight", 1.0))
    base = float(spec.get("base", 50))
    if weight < 0 or not 0 <= base <= 100:
        raise ValueError(f"skill {sid!r}: weight must be >= 0 and base within 0..100")
    return Skill(
        id=sid,
        name=str(spec.get("name", sid.title())),
        description=str(spec.get("description", "")).strip(),
        weight=weight,
        base=base,
        critical=bool(spec.get("critical", False)),
        offset=float(spec.get("offset", 0.0)),
    )


def _cue(cid: str, spec: Any, skills: Mapping[str, Skill]) -> Cue:
    if not isinstance(spec, Mapping):
        raise ValueError(f"cue {cid!r} must be a mapping")
    role = spec.get("role", "agent")
    if role not in ("agent", "customer"):
        raise ValueError(f"cue {cid!r}: role must be 'agent' or 'customer', got {role!r}")
    effects = {str(k): float(v) for k, v in (spec.get("effects") or {}).items()}
    unknown = [k for k in effects if k not in skills]
    if unknown:
        raise ValueError(f"cue {cid!r} affects unknown skill(s): {', '.join(unknown)}")
    phrases = spec.get("phrases") or []
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise ValueError(f"cue {cid!r}: 'phrases' must be a list of strings")
    hindrance = spec.get("hindrance")
    if hindrance not in (None, "policy", "system"):
        raise ValueError(f"cue {cid!r}: hindrance must be 'policy' or 'system'")
    return Cue(
        id=cid,
        role=role,
        effects=effects,
        reason=str(spec.get("reason", cid.replace("_", " "))),
        phrases=tuple(phrases),
        negatable=bool(spec.get("negatable", False)),
        negated_as=spec.get("negated_as"),
        suppresses=tuple(spec.get("suppresses") or ()),
        hindrance=hindrance,
    )
