"""Words for the detectors: sentences, normalised words, word pieces and their vectors, hashes.

What every detector reads of a text, shared by the reference ``detectors.features`` (what the
heads are trained on) and the one-pass ``reading`` used at scoring time.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
# Where a message splits into sentences: after . ! ? and at line breaks.
SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")
WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
# Only the start of a very long message is read for sentences: detection stays linear and
# bounded (the rules still read the whole message).
MAX_CHARS = 5000
MAX_PIECES = 100  # per word, as BERT's own tokenizer
NEGATIONS = frozenset(["not", "no", "never", "cannot", "unable", "nothing", "t", "nobody", "none"])
FUTURE = re.compile(r"\b(i'll|i will|we'll|we will|let me|i'm going to|i am going to|i can)\b")
DIGIT = re.compile(r"[0-9]")
DONE = re.compile(r"\b(i've|i have|we've|we have)\b")
# Text that every match of FUTURE (DONE) contains: most messages hold none of it, and a few
# substring tests cost far less than the regex's attempt at every position.
FUTURE_TEXT = ("'ll", " will", "let me", "going to", "i can")
DONE_TEXT = ("'ve", " have")
EXTRAS = 7  # the shape features' count (see extras)
BUCKETS = 1 << 14  # hashed words and word pairs: wording the vectors blur ("can" / "can't")


# A sentence shorter than this is read only as part of its message: "Hello!" alone says
# too little for a bag of vectors, and would be read as anything.
MIN_SENTENCE_WORDS = 4


def long_enough(text: str, start: int, end: int) -> bool:
    # Every whitespace-separated chunk holds at least one token, so enough chunks settle it
    # without the tokenizer.
    if len(text[start:end].split(None, MIN_SENTENCE_WORDS)) >= MIN_SENTENCE_WORDS:
        return True
    return len(WORD.findall(text, start, end)) >= MIN_SENTENCE_WORDS


def stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of MIN_SENTENCE_WORDS words or more in the first MAX_CHARS
    characters; the whole (stripped) text when none is that long."""
    spans = []
    for match in SENTENCE.finditer(text[:MAX_CHARS]):
        start, end = stripped(text, *match.span())
        if end > start and long_enough(text, start, end):
            spans.append((start, end))
    if not spans and text.strip():
        spans.append(stripped(text, 0, min(len(text), MAX_CHARS)))
    return spans


def normalise(text: str) -> str:
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
        self._columns: Floats | None = None
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def table(self) -> Floats:
        """The vectors, one row per piece (in ``pieces_in_order``)."""
        return self._vectors

    @property
    def columns(self) -> Floats:
        """The table transposed, contiguous: a piece's vector is a column."""
        if self._columns is None:
            self._columns = np.ascontiguousarray(self._vectors.T)
        return self._columns

    def pieces_in_order(self) -> list[str]:
        return sorted(self._index, key=self._index.__getitem__)

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
        return self.embed_words([WORD.findall(normalise(t)) for t in texts])

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


def extras(lowered: str, words: list[str]) -> list[float]:
    return [
        float(not NEGATIONS.isdisjoint(words)),
        float("?" in lowered),
        float(bool(DIGIT.search(lowered))),
        float(bool(FUTURE.search(lowered))),
        float(bool(DONE.search(lowered))),
        float("!" in lowered),
        min(len(words), 60) / 30.0,
    ]


CRC_CACHE: dict[str, tuple[int, bytes]] = {}  # word -> (CRC-32 of the word, b" " + the word)


def crc(word: str) -> tuple[int, bytes]:
    found = CRC_CACHE.get(word)
    if found is None:
        encoded = word.encode()
        found = (zlib.crc32(encoded), b" " + encoded)
        if len(CRC_CACHE) < 500_000:
            CRC_CACHE[word] = found
    return found


def hashed(words: Sequence[str]) -> list[int]:
    """Buckets of the text's words and word pairs: the CRC-32 of "a" and of "a b" (stable
    across runs and machines; a pair's CRC continues its first word's)."""
    crcs = [crc(w) for w in words]
    mask = BUCKETS - 1
    found = {c & mask for c, _ in crcs}
    found.update(zlib.crc32(b[1], a[0]) & mask for a, b in pairwise(crcs))
    return sorted(found)
