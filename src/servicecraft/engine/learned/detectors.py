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
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
FILE = "detectors.npz"
# Where a message splits into sentences: after . ! ? and at line breaks.
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
# Only the start of a very long message is read for sentences: detection stays linear and
# bounded (the rules still read the whole message).
MAX_CHARS = 5000
MAX_PIECES = 100  # per word, as BERT's own tokenizer
_NEGATIONS = frozenset(["not", "no", "never", "cannot", "unable", "nothing", "t", "nobody", "none"])
_FUTURE = re.compile(r"\b(i'll|i will|we'll|we will|let me|i'm going to|i am going to|i can)\b")
_DIGIT = re.compile(r"[0-9]")
_DONE = re.compile(r"\b(i've|i have|we've|we have)\b")
EXTRAS = 7  # the shape features' count (see _extras)
BUCKETS = 1 << 14  # hashed words and word pairs: wording the vectors blur ("can" / "can't")


@dataclass(frozen=True, slots=True)
class Head:
    """One detector: a softmax over ``labels`` (e.g. -1, 0, 1) from a sentence's features."""

    name: str
    role: str  # "agent" or "customer": whose sentences it reads
    labels: tuple[int, ...]
    weights: Floats  # (features, len(labels))
    bias: Floats  # (len(labels),)


# A sentence shorter than this is read only as part of its message: "Hello!" alone says
# too little for a bag of vectors, and would be read as anything.
MIN_SENTENCE_WORDS = 4


def _long_enough(text: str, start: int, end: int) -> bool:
    # Every whitespace-separated chunk holds at least one token, so enough chunks settle it
    # without the tokenizer.
    if len(text[start:end].split(None, MIN_SENTENCE_WORDS)) >= MIN_SENTENCE_WORDS:
        return True
    return len(_WORD.findall(text, start, end)) >= MIN_SENTENCE_WORDS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of MIN_SENTENCE_WORDS words or more in the first MAX_CHARS
    characters; the whole (stripped) text when none is that long."""
    spans = []
    for match in _SENTENCE.finditer(text[:MAX_CHARS]):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and _long_enough(text, start, end):
            spans.append((start, end))
    if not spans and text.strip():
        stripped = text[:MAX_CHARS]
        start = len(stripped) - len(stripped.lstrip())
        spans.append((start, len(stripped.rstrip())))
    return spans


def _normalise(text: str) -> str:
    """Lower case, accents and other non-ASCII dropped: the kept pieces are ASCII."""
    text = text.lower().replace("’", "'")
    if text.isascii():
        return text
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode()


class StaticEmbedder:
    """Word pieces to vectors: BERT's greedy longest-match word pieces, a cache per word."""

    def __init__(self, pieces: Sequence[str], vectors: Floats) -> None:
        self._index = {p: i for i, p in enumerate(pieces)}
        self._vectors = vectors
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def dimensions(self) -> int:
        return int(self._vectors.shape[1])

    def pieces(self, word: str) -> tuple[int, ...]:
        found = self._cache.get(word)
        if found is not None:
            return found
        ids: list[int] = []
        start, index = 0, self._index
        while start < len(word) and len(word) <= MAX_PIECES:
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in index:
                    ids.append(index[piece])
                    break
                end -= 1
            if end == start:  # no piece fits: BERT drops the whole word as unknown
                ids = []
                break
            start = end
        result = tuple(ids)
        if len(self._cache) < 500_000:
            self._cache[word] = result
        return result

    def embed(self, texts: Sequence[str]) -> Floats:
        """(len(texts), dimensions): unit-length means of the pieces' vectors (zero if none)."""
        return self.embed_words([_WORD.findall(_normalise(t)) for t in texts])

    def embed_words(self, texts: Sequence[Sequence[str]]) -> Floats:
        """``embed`` of texts already split into normalised words."""
        flat: list[int] = []
        counts = np.zeros(len(texts), dtype=np.intp)
        pieces = self.pieces
        for k, words in enumerate(texts):
            before = len(flat)
            for word in words:
                flat.extend(pieces(word))
            counts[k] = len(flat) - before
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        full = np.flatnonzero(counts)
        if len(full):
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[full]
            sums = np.add.reduceat(self._vectors[np.asarray(flat, dtype=np.intp)], starts, axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            out[full] = sums / np.maximum(norms, 1e-9)
        return out


def _extras(lowered: str, words: list[str]) -> list[float]:
    return [
        float(not _NEGATIONS.isdisjoint(words)),
        float("?" in lowered),
        float(bool(_DIGIT.search(lowered))),
        float(bool(_FUTURE.search(lowered))),
        float(bool(_DONE.search(lowered))),
        float("!" in lowered),
        min(len(words), 60) / 30.0,
    ]


_CRC: dict[str, tuple[int, bytes]] = {}  # word -> (CRC-32 of the word, b" " + the word)


def _crc(word: str) -> tuple[int, bytes]:
    found = _CRC.get(word)
    if found is None:
        encoded = word.encode()
        found = (zlib.crc32(encoded), b" " + encoded)
        if len(_CRC) < 500_000:
            _CRC[word] = found
    return found


def hashed(words: Sequence[str]) -> list[int]:
    """Buckets of the text's words and word pairs: the CRC-32 of "a" and of "a b" (stable
    across runs and machines; a pair's CRC continues its first word's)."""
    crcs = [_crc(w) for w in words]
    mask = BUCKETS - 1
    found = {c & mask for c, _ in crcs}
    found.update(zlib.crc32(b[1], a[0]) & mask for a, b in pairwise(crcs))
    return sorted(found)


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
    lowered = [_normalise(t) for t in texts]
    words = [_WORD.findall(t) for t in lowered]
    extras = np.array(
        [_extras(t, w) for t, w in zip(lowered, words, strict=True)], dtype=np.float32
    ).reshape(len(texts), EXTRAS)
    dense = np.hstack([embedder.embed_words(words), extras])
    return Features(dense, [hashed(w) for w in words])


@dataclass(frozen=True, slots=True)
class Detection:
    """A message's strongest sentence for one detector label: its probability and span."""

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
        z = x.dense @ self._dense + x.sparse_sums(self._sparse) + self._bias
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
        spans = [sentence_spans(text) for _, text in messages]
        whole = [text[:MAX_CHARS] for _, text in messages]
        parts = [text[s:e] for (_, text), ss in zip(messages, spans, strict=True) for s, e in ss]
        if not parts:
            return [{} for _ in messages]
        every = whole + parts
        unique = {t: k for k, t in enumerate(dict.fromkeys(every))}  # a one-sentence message
        p = self.sentences(list(unique))[[unique[t] for t in every]]  # is read once
        p_whole, p_parts = p[: len(whole)], p[len(whole) :]
        columns = self.columns()
        by_role: dict[str, tuple[list[str], npt.NDArray[np.intp], npt.NDArray[np.bool_]]] = {}
        for role in {r for _, r, _ in columns}:
            chosen = [(k, c) for k, r, c in columns if r == role]
            by_role[role] = (
                [k for k, _ in chosen],
                np.array([c for _, c in chosen], dtype=np.intp),
                np.array([not k.endswith("-") for k, _ in chosen]),
            )
        out: list[dict[str, Detection]] = []
        row = 0
        for k, ((role, _), ss) in enumerate(zip(messages, spans, strict=True)):
            keys, cols, positive = by_role.get(
                role, ([], np.zeros(0, dtype=np.intp), np.zeros(0, dtype=bool))
            )
            block = p_parts[row : row + len(ss)][:, cols]
            row += len(ss)
            if not ss or not keys:
                out.append({})
                continue
            best = block.argmax(0)
            in_sentence = block[best, np.arange(len(cols))]
            values = p_whole[k, cols]
            values = np.where(positive, np.maximum(values, in_sentence), values).round(4).tolist()
            out.append(
                {
                    key: Detection(value, *ss[b])
                    for key, value, b in zip(keys, values, best.tolist(), strict=True)
                }
            )
        return out


@cache
def _load(directory: str | None) -> Detectors:
    from servicecraft.engine.learned import read_weights, weights_dir

    folder = Path(directory) if directory else weights_dir()
    return Detectors.from_arrays(read_weights(folder / FILE))
