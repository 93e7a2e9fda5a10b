"""The one-pass reading of messages gives exactly the features the heads were trained on."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import orjson
import pytest

from servicecraft.engine.learned.detectors import Detectors, features, sentence_spans
from servicecraft.engine.learned.features import _TOKEN, tokens
from servicecraft.engine.learned.reading import _PHRASES, Lexicon, _starts, read
from servicecraft.engine.learned.words import (
    DONE,
    DONE_TEXT,
    FUTURE,
    FUTURE_TEXT,
    MAX_CHARS,
    WORD,
    normalise,
)
from servicecraft.importers import sample_path

AWKWARD = [
    "",
    "   ",
    "Hi",
    "ok.",
    "Ça va? Déjà vu! İstanbul ΑΣ. I'll do it.\n\nNew line here please ok",
    "why? " * 50,
    "x" * (MAX_CHARS + 100) + ". I will help you now, I promise!",
    "I can't.  I won't!!! We've done 3 of 4... Not today?",
    "中文 中文 中文 中文. Then some English words here.",
    "Line one without stop\nline two without stop\n",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    records = [orjson.loads(line) for line in Path(sample_path()).read_bytes().splitlines()]
    return [m["text"] for r in records for m in r["messages"]][:400] + AWKWARD


def test_reading_matches_the_reference_features(texts: list[str]) -> None:
    detectors = Detectors.load()
    reading = read(Lexicon(detectors.embedder), texts)
    reference_texts: list[str] = []
    for text, spans in zip(texts, reading.spans, strict=True):
        assert spans == sentence_spans(text)
        reference_texts.append(text[:MAX_CHARS])
        reference_texts.extend(text[s:e] for s, e in spans)
    reference = features(detectors.embedder, reference_texts)
    assert reading.dense.shape == reference.dense.shape
    np.testing.assert_allclose(reading.dense, reference.dense, atol=2e-5)
    weights = np.random.default_rng(0).normal(size=(1 << 14, 5)).astype(np.float32)
    np.testing.assert_allclose(
        reading.sparse_sums(np.ascontiguousarray(weights.T)),
        reference.sparse_sums(weights),
        atol=2e-4,
    )


def test_detect_reads_each_distinct_text_once_and_keeps_roles_apart() -> None:
    detectors = Detectors.load()
    text = "I'm so sorry, that sounds exhausting. I will fix it today."
    found = detectors.detect(
        [("agent", text), ("customer", text), ("agent", text), ("system", text)]
    )
    assert found[0] == found[2]
    assert "empathy" in found[0] and "distress" not in found[0]
    assert "distress" in found[1] and "empathy" not in found[1]
    assert found[3] == {}
    for detection in found[0].values():
        assert 0 <= detection.start < detection.end <= len(text)


def test_a_full_lexicon_starts_again_and_reads_the_same(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: past its capacity the word table is emptied, never wrong."""
    detectors = Detectors.load()
    monkeypatch.setattr(Lexicon, "CAPACITY", 64)
    lexicon = Lexicon(detectors.embedder)
    batches = [texts[k : k + 50] for k in range(0, 200, 50)]
    for batch in batches:
        small = read(lexicon, batch)
        fresh = read(Lexicon(detectors.embedder), batch)
        np.testing.assert_allclose(small.dense, fresh.dense, atol=1e-6)
        distinct = {w for t in batch for w in WORD.findall(normalise(t[:MAX_CHARS]))}
        assert len(lexicon) <= max(64, len(distinct))


def test_threads_sharing_a_small_lexicon_read_what_one_alone_reads(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Web requests share one table across threads; restarts mid-batch must not mix ids."""
    detectors = Detectors.load()
    monkeypatch.setattr(Lexicon, "CAPACITY", 64)
    shared = Lexicon(detectors.embedder)
    batches = [texts[k : k + 25] for k in range(0, 200, 25)]
    expected = [read(Lexicon(detectors.embedder), b).dense for b in batches]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda b: read(shared, b).dense, batches * 3))
    for k, dense in enumerate(got):
        np.testing.assert_allclose(dense, expected[k % len(batches)], atol=1e-6)


@pytest.mark.parametrize(
    ("pattern", "needed"), [(FUTURE, FUTURE_TEXT), (DONE, DONE_TEXT)], ids=["future", "done"]
)
def test_every_match_holds_a_needed_text(pattern: re.Pattern[str], needed: tuple[str, ...]) -> None:
    """Messages without any of ``needed`` skip the regex: each of its phrases holds one."""
    phrases = pattern.pattern.removeprefix(r"\b(").removesuffix(r")\b").split("|")
    assert all(p.replace("'", "").replace(" ", "").isalpha() for p in phrases)
    assert all(any(n in p for n in needed) for p in phrases)


@pytest.mark.parametrize("pattern", [FUTURE, DONE], ids=["future", "done"])
def test_phrase_starts_are_the_regex_starts(pattern: re.Pattern[str], texts: list[str]) -> None:
    """The phrases found with str.find start where finditer's matches do."""
    phrases = _PHRASES[pattern]
    # No phrase may begin at a word boundary inside another's match (finditer would skip it).
    for a in phrases:
        for k in range(1, len(a)):
            if not a[k - 1].isalnum():
                assert not any(a[k : k + len(b)] == b[: len(a) - k] for b in phrases)
    tricky = [
        "i'll i will we'll we will let me i'm going to i am going to i can i've we have",
        "hi will, we'llx i'llow _i can i_can 3i can i can3 i can. i cann't let me.",
        "i will i will!i will\ni'll?i've we've we'ver i have i haven't",
    ]
    lowered = [normalise(t) for t in [*texts, *tricky]]
    for text in (t for t in lowered if t.isascii()):
        needed = FUTURE_TEXT if pattern is FUTURE else DONE_TEXT
        assert _starts(pattern, needed, text) == [m.start() for m in pattern.finditer(text)]


def test_ascii_tokens_are_the_unicode_tokens(texts: list[str]) -> None:
    """The learned features' ASCII fast path splits words exactly as the Unicode regex does."""
    tricky = ["A_b c'd'e don't", "I’m ok!? snake_case 3'4 _'_", "KELVIN \u212a sign", "Ça va"]
    for text in [*texts, *tricky]:
        assert tokens(text) == _TOKEN.findall(text.lower().replace("’", "'"))
