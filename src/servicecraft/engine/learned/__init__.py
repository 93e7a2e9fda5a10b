"""Learned signals: politeness per message, empathy per agent message, outcome distributions.

Small linear models trained by ``servicecraft models build`` (see docs/models.md) and
shipped as gzipped JSON in ``servicecraft/engine/weights``. Inference is plain Python
and NumPy: no scikit-learn or PyTorch is needed to score.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from servicecraft.engine.learned.features import (
    conversation_features_of,
    features_of,
    politeness_features_of,
    tokens,
)
from servicecraft.model import Conversation

OUTCOMES = ("resolution", "satisfaction", "effectiveness")  # DCH-1's A, S and E
BINS = ("-2", "-1", "0", "1", "2")
# Words of care an empathic reply uses; the empathy signal blends them with politeness.
EMPATHY_WORDS = frozenset(
    [
        "sorry",
        "apologise",
        "apologize",
        "apologies",
        "understand",
        "understandable",
        "frustrating",
        "frustration",
        "stressful",
        "upsetting",
        "worrying",
        "imagine",
        "appreciate",
        "unfortunately",
        "hear",
        "concern",
        "concerned",
        "inconvenience",
        "patience",
    ]
)
Annotation = tuple[list[float | None], list[float | None], dict[str, dict[str, object]]]


def weights_dir() -> Path:
    return Path(str(resources.files("servicecraft.engine") / "weights"))


def read_weights(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


class LearnedSignals:
    """The shipped models; build once per process with ``LearnedSignals.load()``."""

    def __init__(self, politeness: dict[str, Any], outcomes: dict[str, Any]) -> None:
        self._polite_bias = float(politeness["bias"])
        self._polite = {str(k): float(v) for k, v in politeness["weights"].items()}
        self._vocabulary = {str(f): i for i, f in enumerate(outcomes["features"])}
        self._matrix = np.asarray(outcomes["weights"], dtype=np.float64)  # features x (3 x 5)
        self._bias = np.asarray(outcomes["bias"], dtype=np.float64)

    @classmethod
    def load(cls, directory: str | None = None) -> LearnedSignals:
        """The shipped models, loaded once per process (and per directory)."""
        return _load(directory)

    def politeness(self, texts: Sequence[str]) -> list[float]:
        """P(polite) per text, for any role."""
        return [self._polite_of(tokens(t)) for t in texts]

    def empathy(self, texts: Sequence[str]) -> list[float]:
        """Warmth in [0, 1]: politeness, raised by words of care (a documented heuristic)."""
        return [self._empathy_of(words, self._polite_of(words)) for words in map(tokens, texts)]

    def outcomes(self, conversation: Conversation) -> dict[str, dict[str, object]]:
        return self._outcomes_of(features_of(conversation))

    def annotate(self, conversation: Conversation) -> Annotation:
        """Politeness per message, empathy per agent message and outcomes, tokenising once."""
        messages = conversation.messages
        words = [tokens(m.text) for m in messages]
        polite: list[float | None] = [self._polite_of(w) for w in words]
        empathy: list[float | None] = [
            self._empathy_of(w, p) if m.role == "agent" and p is not None else None
            for m, w, p in zip(messages, words, polite, strict=True)
        ]
        public = [i for i, m in enumerate(messages) if m.public]
        roles = [messages[i].role for i in public]
        features = conversation_features_of(roles, [words[i] for i in public])
        return polite, empathy, self._outcomes_of(features)

    def _polite_of(self, words: list[str]) -> float:
        features = set(politeness_features_of(words))
        z = self._polite_bias + sum(map(self._polite.get, features, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @staticmethod
    def _empathy_of(words: list[str], polite: float) -> float:
        care = sum(1 for w in words if w in EMPATHY_WORDS)
        return round(min(1.0, 0.5 * polite + 0.25 * min(care, 2)), 4)

    def _outcomes_of(self, features: list[str]) -> dict[str, dict[str, object]]:
        found = map(self._vocabulary.get, set(features))
        rows = [i for i in found if i is not None]
        logits = (self._bias + self._matrix[rows].sum(axis=0)).reshape(3, 5)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        expected = p @ np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
        rounded = np.round(p, 4).tolist()
        return {
            name: {
                "distribution": dict(zip(BINS, rounded[k], strict=True)),
                "expected": round(float(expected[k]), 3),
            }
            for k, name in enumerate(OUTCOMES)
        }


@cache
def _load(directory: str | None) -> LearnedSignals:
    folder = Path(directory) if directory else weights_dir()
    return LearnedSignals(
        read_weights(folder / "politeness.json.gz"), read_weights(folder / "outcomes.json.gz")
    )
