"""Learned signals: politeness per message, empathy per agent message, outcome distributions.

Small linear models trained by ``servicecraft models build`` (see docs/models.md) and
shipped as .npz files in ``servicecraft/engine/weights``. Inference is plain Python and
NumPy: no scikit-learn, SciPy or PyTorch is needed to score. Features come from roles,
texts and positions only (see ``features``), so every import format gets them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from servicecraft.engine.learned.codes import CodeTable
from servicecraft.engine.learned.features import (
    MAX_INDEX,
    MAX_REMAINING,
    MAX_TURNS,
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
# Per-message probabilities from the dialogue model's first stage (DCH-1's per-turn nugget
# labels): the helpdesk states the solution, moves toward it; the customer confirms it.
TurnSignals = dict[str, list[float | None]]
TURN_SIGNALS = {"solution_stated": 5, "toward_solution": 4, "confirms_solved": 2}
Floats = npt.NDArray[np.float64]
# Column blocks of the per-word matrix (see training.models.DialogueModel.arrays): nugget
# logits of the turn itself, of the turn after it and of the turn before it (customer types
# then agent types), then the outcome logits of all customer turns, all agent turns, the last
# customer turn, the first customer turn and the last agent turn.
_N_SELF, _N_PREV, _N_NEXT = slice(0, 7), slice(7, 14), slice(14, 21)
_O_C, _O_H, _O_LC, _O_FC, _O_LH = (slice(21 + 15 * k, 36 + 15 * k) for k in range(5))
_MASK = np.array([[1.0] * 4 + [0.0] * 3, [0.0] * 4 + [1.0] * 3])  # customer, agent types
_NO_TURNS = (np.zeros((0, 96)), np.zeros(0, dtype=np.intp))


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


class LearnedSignals:
    """The shipped models; build once per process with ``LearnedSignals.load()``.

    Every message is tokenised once; its tokens become ids in one vocabulary (the union of
    the two models' words), and all the sums the linear models need are vectorised over the
    ids of a whole conversation: word weights by array lookup, word pairs and triples by
    a hash table of their integer codes (``codes.CodeTable``), per-message totals by
    ``np.add.reduceat``.
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
        self._pairs = CodeTable(self._codes(politeness["pairs"]), politeness["pair_weights"])
        self._triples = CodeTable(self._codes(politeness["triples"]), politeness["triple_weights"])
        self._edges = dict(
            zip(_strings(politeness["edges"]), politeness["edge_weights"].tolist(), strict=True)
        )
        self._care: Floats = np.zeros(size + 1)
        self._care[[vocab[w] for w in EMPATHY_WORDS]] = 1.0
        by_word = outcomes["by_word"].astype(np.float64)
        self._by_word: Floats = np.vstack([by_word, np.zeros((1, by_word.shape[1]))])
        # The same as columns, contiguous: per-message sums run along contiguous memory.
        self._by_word_columns: Floats = np.ascontiguousarray(self._by_word.T)
        self._zero_row = len(by_word)
        self._rows = np.full(size + 1, self._zero_row, dtype=np.intp)
        self._rows[[vocab[t] for t in outcome_tokens]] = np.arange(len(outcome_tokens))
        self._n_position = outcomes["nugget_position"].astype(np.float64)
        self._n_bias = outcomes["nugget_bias"].astype(np.float64)
        self._o_turns = outcomes["outcome_turns"].astype(np.float64)
        self._o_last = outcomes["outcome_last"].astype(np.float64)
        self._o_dense = outcomes["outcome_dense"].astype(np.float64)
        self._o_bias = outcomes["outcome_bias"].astype(np.float64)

    def _codes(self, grams: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        """The integer code of each word n-gram: its ids as digits in base k."""
        codes = np.zeros(len(grams), dtype=np.int64)
        for column in range(grams.shape[1]):
            codes = codes * self._k + grams[:, column]
        return codes

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
        return self.annotate_many([conversation])[0]

    def annotate_many(self, conversations: Sequence[Conversation]) -> list[Annotation]:
        """``annotate`` for many conversations, vectorised over all their messages at once.

        The per-call overhead of NumPy dominates one short conversation; over a batch it
        is paid once.
        """
        return [(a[0], a[1], a[2]) for a in self.annotate_turns(conversations)]

    def annotate_turns(
        self, conversations: Sequence[Conversation]
    ) -> list[
        tuple[list[float | None], list[float | None], dict[str, dict[str, object]], TurnSignals]
    ]:
        """``annotate_many`` and, per message, the first stage's nugget probabilities."""
        messages = [m for c in conversations for m in c.messages]
        if not messages:
            empty = self._outcomes_many(*_NO_TURNS, [0] * len(conversations))[0]
            return [([], [], o, {k: [] for k in TURN_SIGNALS}) for o in empty]
        words = [tokens(m.text) for m in messages]
        encoded = self._encode(words)
        polite = self._polite_of(words, encoded).tolist()
        warm = self._empathy_of(encoded, np.array(polite)).tolist()
        rows = np.full(len(encoded.ids), self._zero_row)  # repeats count once, as in training
        rows[encoded.first] = self._rows[encoded.ids[encoded.first]]
        columns = np.take(self._by_word_columns, rows, axis=1)
        sums = np.add.reduceat(columns, encoded.starts, axis=1).T
        turns = [j for j, m in enumerate(messages) if m.public and m.role != "system"]
        agent = np.array([messages[j].role != "customer" for j in turns], dtype=np.intp)
        lengths = [sum(m.public and m.role != "system" for m in c.messages) for c in conversations]
        outcomes, nuggets = self._outcomes_many(sums[turns], agent, lengths)
        by_message: dict[str, list[float | None]] = {
            k: [None] * len(messages) for k in TURN_SIGNALS
        }
        for name, column in TURN_SIGNALS.items():
            values = by_message[name]
            for j, p in zip(turns, nuggets[:, column].round(4).tolist(), strict=True):
                values[j] = p
        result = []
        at = 0
        for conversation, outcome in zip(conversations, outcomes, strict=True):
            end = at + len(conversation.messages)
            empathy: list[float | None] = [
                w if m.role == "agent" else None
                for m, w in zip(conversation.messages, warm[at:end], strict=True)
            ]
            turn_signals = {k: v[at:end] for k, v in by_message.items()}
            result.append((polite[at:end], empathy, outcome, turn_signals))
            at = end
        return result

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
            z[:-1] += self._pairs.lookup(pairs)
            if len(ids) > 2:
                triples = pairs[:-1] * self._k + ids[2:]
                z[:-2] += self._triples.lookup(triples)
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

    def _empathy_of(self, encoded: _Encoded, polite: Floats) -> Floats:
        care = np.minimum(np.add.reduceat(self._care[encoded.ids], encoded.starts), 2.0)
        result: Floats = np.minimum(1.0, 0.5 * polite + 0.25 * care).round(4)
        return result

    def _outcomes_many(
        self, s: Floats, agent: npt.NDArray[np.intp], lengths: list[int]
    ) -> tuple[list[dict[str, dict[str, object]]], Floats]:
        """Outcome distributions per conversation from the per-turn weight sums ``s`` of all
        public turns (conversations one after another, ``lengths`` turns each), and the
        first stage's nugget distribution of every turn."""
        n_of = np.array(lengths, dtype=np.intp)
        z = np.tile(self._o_bias + self._o_turns[0] + self._o_last[2], (len(lengths), 1))
        full = np.flatnonzero(n_of)  # conversations with at least one turn
        nuggets: Floats = np.zeros((len(agent), 7))
        if len(full):
            z[full], nuggets = self._stage_two(s, agent, n_of[full])
        return self._distributions(z), nuggets

    def _stage_two(
        self, s: Floats, agent: npt.NDArray[np.intp], n_of: npt.NDArray[np.intp]
    ) -> tuple[Floats, Floats]:
        """Outcome logits of conversations that have turns (see training.models.DialogueModel)."""
        starts = np.concatenate([[0], np.cumsum(n_of)[:-1]])
        ends = starts + n_of - 1
        turn = np.arange(len(agent))
        n = np.repeat(n_of, n_of)
        j = turn - np.repeat(starts, n_of)
        # Stage 1: nugget distributions per turn, from the turn, its neighbours, its position.
        remaining = np.minimum(n - 1 - j, MAX_REMAINING)
        z = s[:, _N_SELF] + self._n_bias
        z += self._n_position[np.minimum(j, MAX_INDEX)]
        z += self._n_position[MAX_INDEX + 1 + (j == n - 1)]
        z += self._n_position[MAX_INDEX + 3 + remaining]
        has_prev, has_next = j > 0, j < n - 1
        z[has_prev] += s[turn[has_prev] - 1, _N_PREV]
        z[has_next] += s[turn[has_next] + 1, _N_NEXT]
        e = np.exp(z - z.max(1, keepdims=True)) * _MASK[agent]
        nuggets = e / e.sum(1, keepdims=True)
        customer = agent == 0
        last_c = np.maximum.reduceat(np.where(customer, turn, -1), starts)
        first_c = np.minimum.reduceat(np.where(customer, turn, len(turn)), starts)
        last_h = np.maximum.reduceat(np.where(customer, -1, turn), starts)
        padded = np.vstack([nuggets, np.zeros((1, nuggets.shape[1]))])  # row -1: no such turn
        dense = np.hstack(
            [
                np.add.reduceat(nuggets, starts) / n_of[:, None],
                np.maximum.reduceat(nuggets, starts),
                nuggets[ends],
                padded[last_c],
                padded[last_h],
            ]
        )
        # Stage 2: outcomes from role-tagged words, shape and the nugget summaries.
        words = np.where(customer[:, None], s[:, _O_C], s[:, _O_H])
        out = self._o_bias + self._o_turns[np.minimum(n_of, MAX_TURNS)] + self._o_last[agent[ends]]
        out += dense @ self._o_dense + np.add.reduceat(words, starts)
        padded_s = np.vstack([s, np.zeros((1, s.shape[1]))])  # row -1 again
        out += padded_s[np.where(last_c >= 0, first_c, -1), _O_FC]
        several = np.add.reduceat(customer.astype(np.intp), starts) > 1
        out += padded_s[np.where(several, last_c, -1), _O_LC]
        out += padded_s[last_h, _O_LH]
        result: Floats = out
        return result, nuggets

    @staticmethod
    def _distributions(z: Floats) -> list[dict[str, dict[str, object]]]:
        """Softmax per scale; rounded to 4 places, the largest bin settling the sum to 1."""
        blocks = z.reshape(len(z), 3, 5)
        p = np.exp(blocks - blocks.max(2, keepdims=True))
        p /= p.sum(2, keepdims=True)
        expected = (p @ np.arange(-2.0, 3.0)).round(3).tolist()
        rounded = p.round(4)
        largest = rounded.argmax(2)
        pick = np.arange(len(z))[:, None], np.arange(3)[None, :], largest
        rounded[pick] = (rounded[pick] + 1.0 - rounded.sum(2)).round(4)
        values = rounded.tolist()
        return [
            {
                name: {"distribution": dict(zip(BINS, row[k], strict=True)), "expected": e[k]}
                for k, name in enumerate(OUTCOMES)
            }
            for row, e in zip(values, expected, strict=True)
        ]


@cache
def _load(directory: str | None) -> LearnedSignals:
    folder = Path(directory) if directory else weights_dir()
    return LearnedSignals(
        read_weights(folder / "politeness.npz"), read_weights(folder / "outcomes.npz")
    )
