"""Per-sentence detectors of service behaviours: meaning, not wording.

Each sentence becomes the mean of static word-piece vectors distilled from the frozen
all-MiniLM-L6-v2 (``servicecraft.training.static``), which carries meaning across wordings,
plus a few shape features a bag of vectors cannot see (a negation, a question, a number,
"I'll") and its hashed words and word pairs, which carry what the vectors blur. Small
logistic heads read it: empathy, ownership, a straight answer, proactivity, a solution,
respect, a handoff (agent sentences) and distress (customer sentences). They are trained on
labelled examples written for this project (``servicecraft/training/examples``) by
``servicecraft models build``; the weights ship in ``weights/detectors.npz``. Inference is
NumPy alone, at the fast tier's speed.

A message's detection is its strongest sentence: the probability, and that sentence's span,
which becomes the evidence a scorer quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from servicecraft.engine.learned.reading import Lexicon, read
from servicecraft.engine.learned.words import (
    BUCKETS,
    EXTRAS,
    WORD,
    StaticEmbedder,
    extras,
    hashed,
    normalise,
    sentence_spans,
)

Floats = npt.NDArray[np.float32]
FILE = "detectors.npz"
# Sentence probabilities closer than this count as a tie (the first such sentence is quoted).
TIE = 1e-5
# Two letters in a row: the least a text needs to be read by the heads.
_WORDY = re.compile(r"[^\W\d_]{2}")
__all__ = [
    "BUCKETS",
    "Detection",
    "Detectors",
    "Features",
    "Head",
    "StaticEmbedder",
    "features",
    "hashed",
    "sentence_spans",
]


@dataclass(frozen=True, slots=True)
class Head:
    """One detector: a softmax over ``labels`` (e.g. -1, 0, 1) from a sentence's features."""

    name: str
    role: str  # "agent" or "customer": whose sentences it reads
    labels: tuple[int, ...]
    weights: Floats  # (features, len(labels))
    bias: Floats  # (len(labels),)


@dataclass(frozen=True, slots=True)
class Features:
    """What every head reads: dense (the sentence vector and the shape features) and the
    hashed words and pairs of each text (each bucket worth 1/sqrt(count), unit length)."""

    dense: Floats
    buckets: list[list[int]]

    def sparse_sums(self, weights: Floats) -> Floats:
        """Per text, the sum of ``weights`` rows of its buckets, scaled to unit length."""
        out = np.zeros((len(self.buckets), weights.shape[1]), dtype=np.float32)
        counts = np.array([len(b) for b in self.buckets], dtype=np.intp)
        full = np.flatnonzero(counts)
        if len(full):
            flat = np.array(list(chain.from_iterable(self.buckets)), dtype=np.intp)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[full]
            sums = np.add.reduceat(weights[flat], starts, axis=0)
            out[full] = sums / np.sqrt(counts[full])[:, None]
        return out


def features(embedder: StaticEmbedder, texts: Sequence[str]) -> Features:
    lowered = [normalise(t) for t in texts]
    words = [WORD.findall(t) for t in lowered]
    shape = np.array(
        [extras(t, w) for t, w in zip(lowered, words, strict=True)], dtype=np.float32
    ).reshape(len(texts), EXTRAS)
    dense = np.hstack([embedder.embed_words(words), shape])
    return Features(dense, [hashed(w) for w in words])


class Detection(NamedTuple):
    """A message's strongest sentence for one detector label: its probability and span.
    (A tuple: tens of them per message, and a frozen dataclass is several times slower to
    make.)"""

    probability: float
    start: int
    end: int


class Detectors:
    """The shipped heads over the static embedder; build once with ``Detectors.load()``."""

    def __init__(self, embedder: StaticEmbedder, heads: Sequence[Head]) -> None:
        self.embedder = embedder
        self.heads = {h.name: h for h in heads}
        # Every head's weights side by side: one product for all of them.
        width = embedder.dimensions + EXTRAS
        self._dense = np.hstack([h.weights[:width] for h in heads]) if heads else None
        self._sparse = np.hstack([h.weights[width:] for h in heads]) if heads else None
        self._bias = np.concatenate([h.bias for h in heads]) if heads else None
        # The hashed buckets' weights as columns, for reading.Reading.sparse_sums.
        self._sparse_t = None if self._sparse is None else np.ascontiguousarray(self._sparse.T)
        self._lexicon = Lexicon(embedder)

    @classmethod
    def load(cls, directory: str | None = None) -> Detectors:
        return _load(directory)

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> Detectors:
        pieces = arrays["pieces"].tobytes().decode().split("\n")
        vectors = arrays["vectors"].astype(np.float32) * arrays["scales"][:, None]
        heads = [
            Head(
                name=name,
                role=str(arrays[f"{name}.role"].tobytes().decode()),
                labels=tuple(int(x) for x in arrays[f"{name}.labels"]),
                weights=arrays[f"{name}.weights"].astype(np.float32),
                bias=arrays[f"{name}.bias"].astype(np.float32),
            )
            for name in arrays["heads"].tobytes().decode().split("\n")
        ]
        return cls(StaticEmbedder(pieces, vectors), heads)

    def sentences(self, texts: Sequence[str]) -> Floats:
        """P(label) columns of every head, per text, as one (texts, sum of labels) matrix."""
        if self._dense is None or self._sparse is None or self._bias is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        x = features(self.embedder, texts)
        return self._probabilities(x.dense, x.sparse_sums(self._sparse))

    def _probabilities(self, dense: Floats, sparse: Floats) -> Floats:
        """Every head's softmax from the dense features and the hashed buckets' sums."""
        assert self._dense is not None and self._bias is not None
        z = dense @ self._dense + sparse + self._bias
        at = 0
        for head in self.heads.values():
            block = z[:, at : at + len(head.labels)]
            e = np.exp(block - block.max(1, keepdims=True))
            z[:, at : at + len(head.labels)] = e / e.sum(1, keepdims=True)
            at += len(head.labels)
        result: Floats = z
        return result

    def columns(self) -> list[tuple[str, str, int]]:
        """(key, role, column) of every reported label: ``name`` for a head's label 1 and
        ``name-`` for its label -1 (e.g. "ownership-": deflects)."""
        found, column = [], 0
        for head in self.heads.values():
            for label, suffix in ((1, ""), (-1, "-")):
                if label in head.labels:
                    found.append((head.name + suffix, head.role, column + head.labels.index(label)))
            column += len(head.labels)
        return found

    def detect(self, messages: Sequence[tuple[str, str]]) -> list[dict[str, Detection]]:
        """For each (role, text): per label of the heads of that role, the probability that the
        message carries it, and the sentence most likely to (the evidence to quote).

        A reply shows a positive label (empathy, ownership, a solution) when the whole message
        or any one sentence does; a negative one (brushes feelings off, deflects) is judged on
        the whole message, so that one plain sentence beside a warm one is not read as cold.
        """
        roles = {r for _, r, _ in self.columns()}
        # Each distinct text of a role with heads is read once (greetings and macros repeat).
        # A text without a word ("H", "👍", "5") carries no behaviour: the heads' biases alone
        # would put a straight answer or a solution on a stray letter.
        unique = {
            t: k
            for k, t in enumerate(
                dict.fromkeys(t for r, t in messages if r in roles and _WORDY.search(t))
            )
        }
        if self._sparse_t is None or not unique:
            return [{} for _ in messages]
        reading = read(self._lexicon, list(unique))
        p = self._probabilities(reading.dense, reading.sparse_sums(self._sparse_t))
        # Per distinct text: the whole message's probabilities, and per column its strongest
        # sentence (the first, on a tie) and that sentence's probability.
        counts = np.array([len(ss) for ss in reading.spans], dtype=np.intp)
        whole = p[reading.first]
        best_p, best_at = np.zeros_like(whole), np.zeros(whole.shape, dtype=np.intp)
        full = np.flatnonzero(counts)
        if len(full):
            rows = _ranges(reading.first[full] + 1, counts[full])
            parts = np.ascontiguousarray(p[rows].T)  # reduceat runs along contiguous memory
            starts = np.cumsum(counts[full]) - counts[full]
            best = np.maximum.reduceat(parts, starts, axis=1)
            at = np.arange(len(rows)) - np.repeat(starts, counts[full])
            # "Equal" within TIE: one sentence twice in a message ("Thank you!") can differ in
            # its last bits by its row in the product (BLAS kernels), and the evidence must not
            # move with how messages were batched (in-process, a process pool, Ray).
            near = parts >= np.repeat(best, counts[full], axis=1) - TIE
            hit = np.where(near, at, len(rows))
            best_p[full] = best.T
            best_at[full] = np.minimum.reduceat(hit, starts, axis=1).T
        positive = np.zeros(p.shape[1], dtype=bool)
        for key, _, column in self.columns():
            positive[column] = not key.endswith("-")
        values = cast(
            list[list[float]],
            np.where(positive, np.maximum(whole, best_p), whole).round(4).tolist(),
        )
        strongest = cast(list[list[int]], best_at.tolist())
        per_role: dict[str, list[tuple[str, int]]] = {}
        for key, role, column in self.columns():
            per_role.setdefault(role, []).append((key, column))
        made: dict[tuple[str, int], dict[str, Detection]] = {}
        out: list[dict[str, Detection]] = []
        for role, text in messages:
            u = unique.get(text)
            if u is None or role not in per_role or not counts[u]:
                out.append({})
                continue
            found = made.get((role, u))
            if found is None:
                spans, value, sentence = reading.spans[u], values[u], strongest[u]
                # tuple.__new__ directly: the named tuple's own __new__ is a Python call,
                # and a batch makes tens of thousands of these.
                found = made[(role, u)] = {
                    key: _new(Detection, (value[c], *spans[sentence[c]]))
                    for key, c in per_role[role]
                }
            out.append(found)
        return out


_new = tuple.__new__


def _ranges(starts: npt.NDArray[np.intp], counts: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The concatenation of range(start, start + count) for each pair."""
    offsets = np.cumsum(counts) - counts
    result: npt.NDArray[np.intp] = np.arange(int(counts.sum())) - np.repeat(
        offsets - starts, counts
    )
    return result


@cache
def _load(directory: str | None) -> Detectors:
    from servicecraft.engine.learned import read_weights, weights_dir

    folder = Path(directory) if directory else weights_dir()
    return Detectors.from_arrays(read_weights(folder / FILE))
