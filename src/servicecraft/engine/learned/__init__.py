"""Learned signals: politeness per message, empathy per agent message, outcome distributions.

Small linear models trained by ``servicecraft models build`` (see docs/models.md) and
shipped as .npz files in ``servicecraft/engine/weights``. Inference is plain Python and
NumPy: no scikit-learn, SciPy or PyTorch is needed to score. Features come from roles,
texts and positions only (see ``features``), so every import format gets them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from servicecraft.engine.learned.features import (
    MAX_INDEX,
    MAX_REMAINING,
    MAX_TURNS,
    tokens,
)
from servicecraft.model import Conversation

OUTCOMES = ("resolution", "satisfaction", "effectiveness")  # DCH-1's A, S and E
BINS = ("-2", "-1", "0", "1", "2")
_ZERO7 = np.zeros(7)
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
Floats = npt.NDArray[np.float64]
# Column blocks of the per-word matrix (see training.models.DialogueModel.arrays): nugget
# logits of the turn itself, of the turn after it and of the turn before it (customer types
# then agent types), then the outcome logits of all customer turns, all agent turns, the last
# customer turn, the first customer turn and the last agent turn.
_N_SELF, _N_PREV, _N_NEXT = slice(0, 7), slice(7, 14), slice(14, 21)
_O_C, _O_H, _O_LC, _O_FC, _O_LH = (slice(21 + 15 * k, 36 + 15 * k) for k in range(5))
_MASK = np.array([[1.0] * 4 + [0.0] * 3, [0.0] * 4 + [1.0] * 3])  # customer, agent types


class _Encoded(NamedTuple):
    ids: npt.NDArray[np.intp]  # token ids of all messages, a separator before each
    starts: list[int]  # where each message's separator is
    first: npt.NDArray[np.intp]  # positions of each id's first occurrence in its message


def weights_dir() -> Path:
    return Path(str(resources.files("servicecraft.engine") / "weights"))


def read_weights(path: Path) -> dict[str, Any]:
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


def _strings(array: npt.NDArray[np.uint8]) -> list[str]:
    text = array.tobytes().decode()
    return text.split("\n") if text else []


def _position(j: int, n: int) -> tuple[int, int, int]:
    remaining = min(n - 1 - j, MAX_REMAINING)
    return min(j, MAX_INDEX), MAX_INDEX + 1 + (j == n - 1), MAX_INDEX + 3 + remaining


class LearnedSignals:
    """The shipped models; build once per process with ``LearnedSignals.load()``.

    Every message is tokenised once; its tokens become ids in one vocabulary (the union of
    the two models' words), and all the sums the linear models need are vectorised over the
    ids of a whole conversation: word weights by array lookup, word pairs and triples by
    binary search over their integer codes, per-message totals by ``np.add.reduceat``.
    """

    def __init__(self, politeness: dict[str, Any], outcomes: dict[str, Any]) -> None:
        polite_tokens = _strings(politeness["tokens"])
        vocab = {t: i for i, t in enumerate(polite_tokens)}
        outcome_tokens = _strings(outcomes["vocab"])
        for t in [*outcome_tokens, *sorted(EMPATHY_WORDS)]:
            vocab.setdefault(t, len(vocab))
        self._vocab = vocab
        self._unknown = size = len(vocab)  # unknown words and message separators
        self._k = size + 1  # the base of the pair and triple codes
        self._polite_bias = float(politeness["bias"][0])
        self._words: Floats = np.zeros(size + 1)
        self._words[: len(polite_tokens)] = politeness["words"]
        self._pair_codes, self._pair_weights = self._codes(
            politeness["pairs"], politeness["pair_weights"]
        )
        self._triple_codes, self._triple_weights = self._codes(
            politeness["triples"], politeness["triple_weights"]
        )
        self._edges = dict(
            zip(_strings(politeness["edges"]), politeness["edge_weights"].tolist(), strict=True)
        )
        self._care: Floats = np.zeros(size + 1)
        self._care[[vocab[w] for w in EMPATHY_WORDS]] = 1.0
        by_word = outcomes["by_word"].astype(np.float64)
        self._by_word: Floats = np.vstack([by_word, np.zeros((1, by_word.shape[1]))])
        self._zero_row = len(by_word)
        self._rows = np.full(size + 1, self._zero_row, dtype=np.intp)
        self._rows[[vocab[t] for t in outcome_tokens]] = np.arange(len(outcome_tokens))
        self._n_position = outcomes["nugget_position"].astype(np.float64)
        self._n_bias = outcomes["nugget_bias"].astype(np.float64)
        self._o_turns = outcomes["outcome_turns"].astype(np.float64)
        self._o_last = outcomes["outcome_last"].astype(np.float64)
        self._o_dense = outcomes["outcome_dense"].astype(np.float64)
        self._o_bias = outcomes["outcome_bias"].astype(np.float64)
        self._by_length: dict[int, Floats] = {}

    def _positions(self, n: int) -> Floats:
        """Nugget bias plus position logits of every turn of an n-turn conversation."""
        cached = self._by_length.get(n)
        if cached is None:
            index = np.array([_position(j, n) for j in range(n)])
            cached = self._n_bias + self._n_position[index].sum(1)
            if n <= 64:
                self._by_length[n] = cached
        return cached

    def _codes(
        self, grams: npt.NDArray[np.int32], weights: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int64], Floats]:
        """Sorted integer codes of word n-grams (ids in base k), a never-matching sentinel last."""
        codes = np.zeros(len(grams), dtype=np.int64)
        for column in range(grams.shape[1]):
            codes = codes * self._k + grams[:, column]
        order = np.argsort(codes, kind="stable")
        return (
            np.append(codes[order], np.iinfo(np.int64).max),
            np.append(weights[order].astype(np.float64), 0.0),
        )

    @classmethod
    def load(cls, directory: str | None = None) -> LearnedSignals:
        """The shipped models, loaded once per process (and per directory)."""
        return _load(directory)

    def politeness(self, texts: Sequence[str]) -> list[float]:
        """P(polite) per text, for any role."""
        if not texts:
            return []
        words = [tokens(t) for t in texts]
        result: list[float] = self._polite_of(words, self._encode(words)).tolist()
        return result

    def empathy(self, texts: Sequence[str]) -> list[float]:
        """Warmth in [0, 1]: politeness, raised by words of care (a documented heuristic)."""
        if not texts:
            return []
        words = [tokens(t) for t in texts]
        encoded = self._encode(words)
        result: list[float] = self._empathy_of(encoded, self._polite_of(words, encoded)).tolist()
        return result

    def outcomes(self, conversation: Conversation) -> dict[str, dict[str, object]]:
        """Distributions over -2..2 of resolution, satisfaction and effectiveness."""
        return self.annotate(conversation)[2]

    def annotate(self, conversation: Conversation) -> Annotation:
        """Politeness per message, empathy per agent message and outcomes, tokenising once."""
        messages = conversation.messages
        if not messages:
            return [], [], self._outcomes_of([], self._by_word[:0])
        words = [tokens(m.text) for m in messages]
        encoded = self._encode(words)
        polite = self._polite_of(words, encoded)
        warm = self._empathy_of(encoded, polite).tolist()
        empathy: list[float | None] = [
            w if m.role == "agent" else None for m, w in zip(messages, warm, strict=True)
        ]
        rows = np.full(len(encoded.ids), self._zero_row)  # repeats count once, as in training
        rows[encoded.first] = self._rows[encoded.ids[encoded.first]]
        sums = np.add.reduceat(self._by_word[rows], encoded.starts, axis=0)
        turns = [j for j, m in enumerate(messages) if m.public and m.role != "system"]
        roles = [messages[j].role for j in turns]
        if len(turns) < len(messages):
            sums = sums[turns]
        return list(polite.tolist()), empathy, self._outcomes_of(roles, sums)

    def _encode(self, words: list[list[str]]) -> _Encoded:
        """Token ids of all messages, each message led by a separator (the unknown id)."""
        get, unknown = self._vocab.get, self._unknown
        flat: list[int] = []
        starts: list[int] = []
        for message in words:
            starts.append(len(flat))
            flat.append(unknown)
            flat.extend(map(get, message, repeat(unknown)))
        ids = np.array(flat, dtype=np.intp)
        message_of = np.repeat(np.arange(len(starts)), np.diff([*starts, len(ids)]))
        first = np.unique(message_of * self._k + ids, return_index=True)[1]
        return _Encoded(ids, starts, first)

    def _polite_of(self, words: list[list[str]], encoded: _Encoded) -> Floats:
        """The same sums as over politeness_features_of(words), per message."""
        ids, starts, first = encoded
        # Training counts each word once per message (pairs and triples as often as they occur).
        z = np.zeros(len(ids))
        z[first] = self._words[ids[first]]
        if len(ids) > 1:
            pairs = ids[:-1] * self._k + ids[1:]
            z[:-1] += self._lookup(pairs, self._pair_codes, self._pair_weights)
            if len(ids) > 2:
                triples = pairs[:-1] * self._k + ids[2:]
                z[:-2] += self._lookup(triples, self._triple_codes, self._triple_weights)
        totals = np.add.reduceat(z, starts) + self._polite_bias
        edges = self._edges.get
        for j, w in enumerate(words):
            if w:
                totals[j] += sum(
                    map(
                        edges,
                        (
                            "^" + w[0],
                            "^" + " ".join(w[:2]),
                            "^" + " ".join(w[:3]),
                            w[-1] + "$",
                            " ".join(w[-2:]) + "$",
                        ),
                        repeat(0.0),
                    )
                )
        result: Floats = 1.0 / (1.0 + np.exp(-np.clip(totals, -30.0, 30.0)))
        return result

    @staticmethod
    def _lookup(
        codes: npt.NDArray[np.int64], keys: npt.NDArray[np.int64], weights: Floats
    ) -> Floats:
        at = np.searchsorted(keys, codes)
        found: Floats = weights[at] * (keys[at] == codes)
        return found

    def _empathy_of(self, encoded: _Encoded, polite: Floats) -> Floats:
        care = np.minimum(np.add.reduceat(self._care[encoded.ids], encoded.starts), 2.0)
        result: Floats = np.minimum(1.0, 0.5 * polite + 0.25 * care).round(4)
        return result

    def _outcomes_of(self, roles: Sequence[str], s: Floats) -> dict[str, dict[str, object]]:
        """Outcome distributions from the public turns' roles and per-turn weight sums."""
        n = len(roles)
        if not n:
            return self._distributions(self._o_bias + self._o_turns[0] + self._o_last[2])
        agent = [float(r != "customer") for r in roles]
        # Stage 1: nugget distributions per turn, from the turn, its neighbours, its position.
        z = s[:, _N_SELF] + self._positions(n)
        z[1:] += s[:-1, _N_PREV]
        z[:-1] += s[1:, _N_NEXT]
        e = np.exp(z - z.max(1, keepdims=True)) * _MASK[np.array(agent, dtype=np.intp)]
        nuggets = e / e.sum(1, keepdims=True)
        last_c = last_h = -1
        for j in range(n - 1, -1, -1):
            if agent[j]:
                last_h = j if last_h < 0 else last_h
            elif last_c < 0:
                last_c = j
            if last_c >= 0 and last_h >= 0:
                break
        dense = np.concatenate(
            [
                nuggets.mean(0),
                nuggets.max(0),
                nuggets[-1],
                nuggets[last_c] if last_c >= 0 else _ZERO7,
                nuggets[last_h] if last_h >= 0 else _ZERO7,
            ]
        )
        # Stage 2: outcomes from role-tagged words, shape and the nugget summaries.
        weights = np.array(agent)
        z = self._o_bias + self._o_turns[min(n, MAX_TURNS)] + self._o_last[int(agent[-1])]
        z += dense @ self._o_dense + (1.0 - weights) @ s[:, _O_C] + weights @ s[:, _O_H]
        if last_c >= 0:
            z += s[agent.index(0.0), _O_FC]
            if agent.count(0.0) > 1:
                z += s[last_c, _O_LC]
        if last_h >= 0:
            z += s[last_h, _O_LH]
        return self._distributions(z)

    @staticmethod
    def _distributions(z: Floats) -> dict[str, dict[str, object]]:
        logits: list[float] = z.tolist()
        result: dict[str, dict[str, object]] = {}
        for k, name in enumerate(OUTCOMES):
            block = logits[5 * k : 5 * k + 5]
            top = max(block)
            e = [math.exp(x - top) for x in block]
            total = sum(e)
            p = [x / total for x in e]
            rounded = [round(x, 4) for x in p]
            # Rounding can leave the sum off by a few 1e-4: settle it on the largest bin.
            largest = rounded.index(max(rounded))
            rounded[largest] = round(rounded[largest] + 1.0 - sum(rounded), 4)
            result[name] = {
                "distribution": dict(zip(BINS, rounded, strict=True)),
                "expected": round(-2 * p[0] - p[1] + p[3] + 2 * p[4], 3),
            }
        return result


@cache
def _load(directory: str | None) -> LearnedSignals:
    folder = Path(directory) if directory else weights_dir()
    return LearnedSignals(
        read_weights(folder / "politeness.npz"), read_weights(folder / "outcomes.npz")
    )
