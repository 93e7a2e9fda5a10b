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
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np

from servicecraft.engine.learned.features import features_of, tokens
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
        # The same weights indexed by what inference has at hand (tokens, word-pair tuples),
        # so scoring looks them up without building the feature strings training used.
        self._polite_words = {
            k: v for k, v in self._polite.items() if " " not in k and k[0] != "^" and k[-1] != "$"
        }
        self._polite_pairs = {
            tuple(k.split(" ")): v for k, v in self._polite.items() if " " in k and k[0] != "^"
        }
        self._by_prefix: dict[str, dict[str, int]] = {}
        for feature, i in self._vocabulary.items():
            prefix, sep, word = feature.partition(":")
            if sep and prefix in ("c", "h", "lc", "fc", "lh") and " " not in word:
                self._by_prefix.setdefault(prefix, {})[word] = i

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
        public = [i for i, m in enumerate(messages) if m.public and m.role != "system"]
        return (
            polite,
            empathy,
            self._outcomes_from_words(
                [messages[i].role for i in public], [words[i] for i in public]
            ),
        )

    def _outcomes_from_words(
        self, roles: list[str], words: list[list[str]]
    ) -> dict[str, dict[str, object]]:
        """Same rows as conversation_features_of(roles, words), found by token."""
        by = self._by_prefix
        rows: set[int | None] = set()
        customer = [w for r, w in zip(roles, words, strict=True) if r == "customer"]
        agent = [w for r, w in zip(roles, words, strict=True) if r != "customer"]
        for prefix, turns in (("c", customer), ("h", agent)):
            table = by.get(prefix, {})
            for turn in turns:
                rows.update(map(table.get, turn))
        if len(customer) > 1:
            rows.update(map(by.get("lc", {}).get, customer[-1]))
        if customer:
            rows.update(map(by.get("fc", {}).get, customer[0]))
        if agent:
            rows.update(map(by.get("lh", {}).get, agent[-1]))
        last = ("c" if roles[-1] == "customer" else "h") if roles else "none"
        for feature in (f"nturns:{min(len(roles), 8)}", "last:" + last):
            rows.add(self._vocabulary.get(feature))
        return self._logits_to_outcomes(sorted(i for i in rows if i is not None))

    def _polite_of(self, words: list[str]) -> float:
        """Same sum as over politeness_features_of(words), without building the strings."""
        if not words:
            return 1.0 / (1.0 + math.exp(-self._polite_bias))
        get = self._polite.get
        z = self._polite_bias
        z += sum(map(self._polite_words.get, set(words), repeat(0.0)))
        z += sum(map(self._polite_pairs.get, set(pairwise(words)), repeat(0.0)))
        edges = {"^" + words[0], "^" + " ".join(words[:2]), words[-1] + "$"}
        z += sum(get(f, 0.0) for f in edges)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @staticmethod
    def _empathy_of(words: list[str], polite: float) -> float:
        care = sum(1 for w in words if w in EMPATHY_WORDS)
        return round(min(1.0, 0.5 * polite + 0.25 * min(care, 2)), 4)

    def _outcomes_of(self, features: list[str]) -> dict[str, dict[str, object]]:
        found = map(self._vocabulary.get, set(features))
        return self._logits_to_outcomes(sorted(i for i in found if i is not None))

    def _logits_to_outcomes(self, rows: list[int]) -> dict[str, dict[str, object]]:
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
