"""Messages read once for the detectors: one pass of words, vectors and hashes per batch.

The detectors judge each message whole and sentence by sentence. Reading each sentence again
(normalising, splitting into words and pieces, hashing words and pairs) read every message
twice; here each message is split once into the sentence splitter's segments, which tile it,
so the whole message is the sum of its segments and each sentence judged is one segment.
Per distinct word of the batch the pieces, hash and flags are looked up once; sums over
segments are one ``reduceat`` along contiguous memory. ``detectors.features`` stays the
reference, and what the heads are trained on: tests check that both give the same features.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from servicecraft.engine.learned.pairs import pair_crcs
from servicecraft.engine.learned.words import (
    BUCKETS,
    DIGIT,
    DONE,
    DONE_TEXT,
    FUTURE,
    FUTURE_TEXT,
    MAX_CHARS,
    MIN_SENTENCE_WORDS,
    NEGATIONS,
    SENTENCE,
    WORD,
    StaticEmbedder,
    crc,
    long_enough,
    normalise,
    stripped,
)

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Reading:
    """A batch of messages as texts to judge: per message its whole, then its sentences.

    ``spans[k]`` are message k's sentences (character spans, the evidence to quote); its texts
    are rows ``first[k]`` (the whole) and ``first[k] + 1 + j`` (sentence j) of ``dense`` and
    of ``sparse_sums``.
    """

    spans: list[list[tuple[int, int]]]
    first: Ints
    dense: Floats  # (texts, dimensions + EXTRAS), as detectors.features
    bucket_text: Ints  # each text's distinct hashed buckets, sorted by text
    bucket: Ints
    counts: Ints  # buckets per text

    def sparse_sums(self, weights_t: Floats) -> Floats:
        """Per text, the sum of the columns of ``weights_t`` (weights transposed, contiguous)
        of its buckets over sqrt(their count)."""
        out = np.zeros((len(self.counts), weights_t.shape[0]), dtype=np.float32)
        if len(self.bucket):
            starts = np.cumsum(self.counts) - self.counts
            full = np.flatnonzero(self.counts)
            sums = _segment_sums(np.take(weights_t, self.bucket, axis=1), starts[full])
            out[full] = sums.T / np.sqrt(self.counts[full])[:, None]
        return out


def _segment_sums(columns: Floats, starts: Ints) -> Floats:
    """(rows of ``columns``, segments): sums of the column runs that begin at ``starts``
    (sorted, each run non-empty and ending where the next begins). Columns, not rows:
    ``reduceat`` along contiguous memory is several times faster."""
    sums: Floats = np.add.reduceat(columns, starts, axis=1)
    return sums


class _Batch:
    """What reading the messages collects: every segment's words, range and regex flags."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.segments: list[tuple[int, int]] = []  # word range of every segment
        self.regex: list[tuple[bool, bool]] = []  # FUTURE, DONE in every segment
        self.message_segments: list[tuple[int, int]] = []  # segment range of every message
        self.judged: list[list[int]] = []  # per message: its sentences' segments, -1 = whole


def read(lexicon: Lexicon, texts: Sequence[str]) -> Reading:
    """Read the messages; see ``Reading``."""
    batch = _Batch()
    spans = [_read_message(batch, text[:MAX_CHARS]) for text in texts]
    segments = _pairs(batch.segments, np.intp)
    # The word table is shared by the threads of a process (web requests) and may start
    # again inside ids(): from the ids to the last lookup, one reading at a time.
    with lexicon.lock:
        ids = np.array(lexicon.ids(batch.words), dtype=np.intp)
        # Per segment: its words' vector sum and flags, then per text (a whole message sums
        # its segments; a sentence is one segment).
        per_segment = _segment_columns(lexicon, ids, segments, batch.regex)
        rows, first = _text_rows(batch)
        bucket_text, bucket, counts = _buckets(batch, lexicon, ids, segments, rows)
    message_sums = _message_sums(per_segment, batch.message_segments)
    whole = rows[:, 1] < 0
    values = (
        per_segment[np.maximum(rows[:, 1], 0)] if len(per_segment) else message_sums[rows[:, 0]]
    )
    values[whole] = message_sums[rows[whole, 0]]
    dense = _dense(values, lexicon.embedder.dimensions)
    return Reading(spans, first, dense, bucket_text, bucket, counts)


def _read_message(batch: _Batch, head: str) -> list[tuple[int, int]]:
    """Split ``head`` into segments (recorded in ``batch``); its sentences' spans."""
    first_segment = len(batch.segments)
    spans: list[tuple[int, int]] = []
    judged: list[int] = [-1]
    segments, regex, all_words = batch.segments, batch.regex, batch.words
    # ASCII text lowers in place, so the whole message is normalised and searched once and
    # each segment is a slice of it; other text is normalised segment by segment. Lowering
    # and the apostrophe keep every sentence end where it was, so the segments (which tile
    # the text: each match starts where the last ended, the one empty match is at the end)
    # are found as strings, their words in one map, and their offsets by adding lengths.
    whole = head.replace("’", "'")
    aligned = whole.isascii()
    if aligned:
        whole = whole.lower()
        future = _starts(FUTURE, FUTURE_TEXT, whole)
        done = _starts(DONE, DONE_TEXT, whole)
        pieces = SENTENCE.findall(whole)
        per_piece = list(map(WORD.findall, pieces))
    else:
        pieces, per_piece = SENTENCE.findall(head), []
    end = 0
    for k, piece in enumerate(pieces):
        start, end = end, end + len(piece)
        if start == end:
            continue
        if aligned:
            words = per_piece[k]
            flags = (
                (
                    any(start <= at < end for at in future) if future else False,
                    any(start <= at < end for at in done) if done else False,
                )
                if future or done
                else _NO_FLAGS
            )
        else:
            lowered = normalise(piece)
            words = WORD.findall(lowered)
            flags = (bool(FUTURE.search(lowered)), bool(DONE.search(lowered)))
        first_word = len(all_words)
        segments.append((first_word, first_word + len(words)))
        regex.append(flags)
        all_words.extend(words)
        # The piece without the whitespace at either end (str.strip's whitespace is
        # str.isspace's, as in words.stripped); lowering moves no whitespace. Most pieces
        # end with their stop, so the right end is rarely stripped.
        lead = len(piece) - len(piece.lstrip())
        if lead == len(piece):
            continue
        s, e = start + lead, end
        if piece[-1].isspace():
            e -= len(piece) - len(piece.rstrip())
        # Upper case only splits words further in the original (a capital is a word of its
        # own to WORD), so enough lowered words settle long_enough without it.
        if (aligned and len(words) >= MIN_SENTENCE_WORDS) or long_enough(head, s, e):
            spans.append((s, e))
            judged.append(len(segments) - 1)
    if not spans and head.strip():  # no sentence long enough: the whole stripped text
        spans.append(stripped(head, 0, len(head)))
        judged.append(-1)
    batch.message_segments.append((first_segment, len(segments)))
    batch.judged.append(judged)
    return spans


_NO_FLAGS = (False, False)


def _starts(pattern: re.Pattern[str], needed: tuple[str, ...], text: str) -> list[int]:
    """Where ``pattern`` matches in ``text`` (ASCII); ``needed``: a substring of its every match."""
    if not any(map(text.__contains__, needed)):
        return []
    # The regex tries every position of the text; finding each of its phrases with str.find
    # and checking the word boundaries costs a fraction. Same starts: no phrase begins at a
    # word boundary inside another (tests/engine/test_reading.py), so finditer skips none.
    found: list[int] = []
    size = len(text)
    for phrase in _PHRASES[pattern]:
        at = text.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if (at == 0 or not _word_char(text[at - 1])) and (
                end == size or not _word_char(text[end])
            ):
                found.append(at)
            at = text.find(phrase, at + 1)
    found.sort()
    return found


def _phrases(pattern: re.Pattern[str]) -> tuple[str, ...]:
    r"""The phrases of a ``\b(a|b c|...)\b`` pattern, each starting and ending with a letter."""
    phrases = pattern.pattern.removeprefix(r"\b(").removesuffix(r")\b").split("|")
    if not all(p[:1].isalpha() and p[-1:].isalpha() and p.isascii() for p in phrases):
        raise ValueError(f"{pattern.pattern!r} is not a plain list of phrases")
    return tuple(phrases)


_PHRASES = {FUTURE: _phrases(FUTURE), DONE: _phrases(DONE)}


def _word_char(c: str) -> bool:
    """``\\w`` for an ASCII character: what \\b looks at on either side."""
    return c.isalnum() or c == "_"


def _text_rows(batch: _Batch) -> tuple[Ints, Ints]:
    """(message, segment or -1 for the whole message) of every text; each message's first row."""
    lengths = np.fromiter(map(len, batch.judged), np.intp, len(batch.judged))
    rows = np.empty((int(lengths.sum()), 2), dtype=np.intp)
    rows[:, 0] = np.repeat(np.arange(len(lengths)), lengths)
    rows[:, 1] = np.fromiter(chain.from_iterable(batch.judged), np.intp, len(rows))
    first = np.concatenate([[0], np.cumsum(lengths[:-1])]).astype(np.intp)
    return rows, first


def _pairs(
    items: list[tuple[int, int]] | list[tuple[bool, bool]], dtype: npt.DTypeLike
) -> npt.NDArray[Any]:
    """``np.array(items, dtype).reshape(-1, 2)`` of pairs, without NumPy inspecting each tuple
    (several times faster for the thousands of segments of a batch)."""
    return np.fromiter(chain.from_iterable(items), dtype, 2 * len(items)).reshape(-1, 2)


# Columns of a segment's summary: the vector sum, then counts of negations, "?", digits, "!",
# then the FUTURE and DONE flags, then the word count.
_FLAGS = 4


class Lexicon:
    """Per distinct word, what every reading of it needs, kept across batches: its column (the
    sum of its pieces' vectors, then its flags), its CRC-32 and its bytes (for word pairs).

    Words recur from batch to batch, so each is looked up and summed once per process; the
    table holds CAPACITY words and starts again when full (memory stays bounded).
    """

    CAPACITY = 1 << 16

    def __init__(self, embedder: StaticEmbedder) -> None:
        self.embedder = embedder
        self._index: dict[str, int] = {}
        self.lock = threading.Lock()
        self.columns = np.zeros((0, 0), dtype=np.float32)
        self.crcs = np.zeros(0, dtype=np.uint32)
        # b" " + the word, for word pairs: its bytes, their CRC-32 and their length.
        self.encoded: list[bytes] = []
        self.spaced = np.zeros(0, dtype=np.uint32)
        self.lengths = np.zeros(0, dtype=np.intp)

    def __len__(self) -> int:
        return len(self._index)

    def ids(self, words: list[str]) -> list[int]:
        """Each word's row, adding the words not seen yet."""
        get = self._index.get
        found = [get(w, -1) for w in words]
        if -1 in found:
            new = [w for w in dict.fromkeys(words) if w not in self._index]
            if len(self._index) + len(new) > max(self.CAPACITY, self.columns.shape[1]):
                self._index.clear()
                new = list(dict.fromkeys(words))
            self._add(new)
            found = [self._index[w] for w in words]
        return found

    def _add(self, words: list[str]) -> None:
        if not self._index:
            dims, size = self.embedder.dimensions + _FLAGS, max(self.CAPACITY, len(words))
            self.columns = np.zeros((dims, size), dtype=np.float32)
            self.crcs, self.spaced = np.zeros((2, size), dtype=np.uint32)
            self.lengths = np.zeros(size, dtype=np.intp)
            self.encoded = []
        at, end = len(self._index), len(self._index) + len(words)
        self._index.update((w, at + k) for k, w in enumerate(words))
        found = [crc(word) for word in words]
        self.encoded += [encoded for _, encoded in found]
        self.crcs[at:end] = [value for value, _ in found]
        self.spaced[at:end] = [zlib.crc32(encoded) for encoded in self.encoded[at:end]]
        self.lengths[at:end] = [len(encoded) for encoded in self.encoded[at:end]]
        self.columns[:, at:end] = _word_columns(self.embedder, words)


def _word_columns(embedder: StaticEmbedder, words: list[str]) -> Floats:
    """A column per word: the sum of its pieces' vectors, then its flags."""
    dims = embedder.dimensions
    per_word = np.zeros((dims + _FLAGS, len(words)), dtype=np.float32)
    pieces = [embedder.pieces(w) for w in words]
    counts = np.fromiter(map(len, pieces), np.intp, len(pieces))
    known = np.flatnonzero(counts)
    if len(known):
        flat = np.fromiter(chain.from_iterable(pieces), np.intp, int(counts.sum()))
        starts = (np.cumsum(counts) - counts)[known]
        per_word[:dims, known] = _segment_sums(np.take(embedder.columns, flat, axis=1), starts)
    per_word[dims:] = np.array(
        [(w in NEGATIONS, w == "?", bool(DIGIT.search(w)), w == "!") for w in words],
        dtype=np.float32,
    ).T.reshape(_FLAGS, -1)
    return per_word


def _segment_columns(
    lexicon: Lexicon, ids: Ints, segments: npt.NDArray[np.intp], regex: list[tuple[bool, bool]]
) -> npt.NDArray[np.float32]:
    """Per segment: its words' columns summed, the FUTURE and DONE flags, its word count."""
    dims = lexicon.columns.shape[0]
    out = np.zeros((len(segments), dims + 3), dtype=np.float32)
    lengths = segments[:, 1] - segments[:, 0]
    full = np.flatnonzero(lengths)
    if len(full):
        columns = np.take(lexicon.columns, ids, axis=1)
        out[full, :dims] = _segment_sums(columns, segments[full, 0]).T
    out[:, dims : dims + 2] = _pairs(regex, np.float32)
    out[:, -1] = lengths
    return out


def _message_sums(per_segment: npt.NDArray[np.float32], ranges: list[tuple[int, int]]) -> Floats:
    """Per message, the sum of its segments' columns (the FUTURE and DONE flags: their max)."""
    bounds = _pairs(ranges, np.intp)
    out = np.zeros((len(bounds), per_segment.shape[1]), dtype=np.float32)
    full = np.flatnonzero(bounds[:, 1] > bounds[:, 0])
    if len(full):
        out[full] = _segment_sums(np.ascontiguousarray(per_segment.T), bounds[full, 0]).T
        flags = slice(per_segment.shape[1] - 3, per_segment.shape[1] - 1)
        out[:, flags] = np.minimum(out[:, flags], 1.0)
    return out


def _dense(values: npt.NDArray[np.float32], dims: int) -> Floats:
    """detectors.features' dense columns: the unit vector, then the shape features."""
    sums = values[:, :dims]
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    flags = values[:, dims:]
    out = np.empty((len(values), dims + 7), dtype=np.float32)
    out[:, :dims] = np.where(norms > 0, sums / np.maximum(norms, 1e-9), 0.0)
    # words.extras: negation, "?", digit, FUTURE, DONE, "!", length
    counted = flags[:, :_FLAGS] > 0
    out[:, dims + 0] = counted[:, 0]
    out[:, dims + 1] = counted[:, 1]
    out[:, dims + 2] = counted[:, 2]
    out[:, dims + 3] = flags[:, _FLAGS]
    out[:, dims + 4] = flags[:, _FLAGS + 1]
    out[:, dims + 5] = counted[:, 3]
    out[:, dims + 6] = np.minimum(flags[:, -1], 60) / 30.0
    return out


def _buckets(
    batch: _Batch, lexicon: Lexicon, ids: Ints, segments: npt.NDArray[np.intp], rows: Ints
) -> tuple[Ints, Ints, Ints]:
    """Each text's distinct buckets of its words and of its word pairs inside it."""
    mask = BUCKETS - 1
    word_bucket = lexicon.crcs[ids].astype(np.int64) & mask
    # Pair (i, i + 1) of the batch, for i inside one message: its CRC continues word i's.
    pair_crc = pair_crcs(lexicon.crcs, lexicon.spaced, lexicon.lengths, lexicon.encoded, ids)
    pair_bucket = np.append(pair_crc, 0) & mask
    messages = _pairs(batch.message_segments, np.intp)
    word_lo = np.zeros(len(messages), dtype=np.intp)
    word_hi = np.zeros(len(messages), dtype=np.intp)
    full = messages[:, 1] > messages[:, 0]
    word_lo[full] = segments[messages[full, 0], 0]
    word_hi[full] = segments[messages[full, 1] - 1, 1]
    whole = rows[:, 1] < 0
    lo = np.where(whole, word_lo[rows[:, 0]], segments[np.maximum(rows[:, 1], 0), 0])
    hi = np.where(whole, word_hi[rows[:, 0]], segments[np.maximum(rows[:, 1], 0), 1])
    keys = np.concatenate(
        [_keyed(word_bucket, lo, hi - lo), _keyed(pair_bucket, lo, np.maximum(hi - lo - 1, 0))]
    )
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    text, bucket = np.divmod(keys, BUCKETS)
    counts = np.bincount(text, minlength=len(rows)).astype(np.intp)
    return text.astype(np.intp), bucket.astype(np.intp), counts


def _keyed(values: npt.NDArray[np.int64], starts: Ints, lengths: Ints) -> npt.NDArray[np.int64]:
    """text * BUCKETS + value for every value in each text's run ``values[start:start+len]``."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    text = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    offsets = np.cumsum(lengths) - lengths
    index = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
    result: npt.NDArray[np.int64] = text * BUCKETS + values[index]
    return result
