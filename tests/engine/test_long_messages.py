"""Long messages: hit resolution is linear yet unchanged, and oversized conversations are
rejected with a reason (issue 12, defect 5). Speed is measured in benchmarks/long_message.py."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecraft.engine import Engine
from servicecraft.engine.analysis import _negated, _resolve
from servicecraft.engine.rubric import Rubric
from servicecraft.importers import MAX_CONVERSATION_CHARS, RawRecord, parse_raw
from servicecraft.model import Conversation, Rejection

RUBRIC: Rubric = Engine(learned=False).rubric
CUES = sorted(RUBRIC.cues)
WORDS = ["i", "not", "will", "look", "into", "it", ".", "but", "why", "?", "sorry", "can't"]


def reference_resolve(
    hits: list[tuple[str, int, int]], words: list[str], rubric: Rubric
) -> list[tuple[str, int, int]]:
    """The pairwise (quadratic) resolution this project shipped before: the specification."""
    cues = rubric.cues
    resolved = []
    for cue_id, first, last in hits:
        cue = cues[cue_id]
        if cue.negatable and _negated(words, first):
            if cue.negated_as is None:
                continue
            cue_id = cue.negated_as
        resolved.append((cue_id, first, last))
    suppressors = [h for h in resolved if cues[h[0]].suppresses]
    resolved = [
        h
        for h in resolved
        if not any(
            h[0] in cues[s[0]].suppresses and h[1] < s[2] and s[1] < h[2] for s in suppressors
        )
    ]
    resolved.sort(key=lambda h: (h[1] - h[2], h[1]))
    kept: list[tuple[str, int, int]] = []
    for hit in resolved:
        if not any(k[0] == hit[0] and hit[1] < k[2] and k[1] < hit[2] for k in kept):
            kept.append(hit)
    kept.sort(key=lambda h: (h[1], h[2]))
    return kept


@st.composite
def hits_and_words(draw: st.DrawFn) -> tuple[list[tuple[str, int, int]], list[str]]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
    n = len(words)
    # Few cues, so hits of one cue overlap often; suppressors included on purpose.
    suppressing = [c for c in CUES if RUBRIC.cues[c].suppresses]
    pool = st.sampled_from(sorted({*CUES[:6], *suppressing[:3]}))
    hits = []
    for _ in range(draw(st.integers(0, 30))):
        first = draw(st.integers(0, n - 1))
        last = draw(st.integers(first + 1, min(n, first + 6)))
        hits.append((draw(pool), first, last))
    return hits, words


@settings(max_examples=300, derandomize=True, deadline=None)
@given(hits_and_words())
def test_linear_resolution_equals_the_pairwise_one(case: tuple[list, list[str]]) -> None:
    hits, words = case
    assert _resolve(list(hits), words, RUBRIC) == reference_resolve(list(hits), words, RUBRIC)


def test_the_default_rubric_has_suppressing_cues() -> None:
    # Otherwise the property above would not exercise suppression at all.
    assert any(RUBRIC.cues[c].suppresses for c in CUES)


def _raw(text: str) -> RawRecord:
    line = orjson.dumps({"id": "long", "messages": [{"role": "customer", "text": text}]})
    return RawRecord("jsonl", "big.jsonl", "line 1", line)


def test_a_conversation_over_the_limit_is_rejected_with_a_reason() -> None:
    result = parse_raw(_raw("why? " * (MAX_CONVERSATION_CHARS // 5 + 1)))
    assert isinstance(result, Rejection)
    assert result.location == "line 1"
    assert f"at most {MAX_CONVERSATION_CHARS:,} are scored" in result.reason


def test_a_long_message_within_the_limit_is_scored_with_its_hits() -> None:
    text = "why? " * 40_000  # 200,000 characters: the probe's message
    result = parse_raw(_raw(text))
    assert isinstance(result, Conversation)
    card = Engine(learned=False).score(result)
    assert card.conversation_id == "long"
