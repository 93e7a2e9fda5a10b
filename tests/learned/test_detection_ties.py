"""A detector's evidence does not move with how messages are batched.

One sentence twice in a message ("Thank you!") ties for the strongest; BLAS may compute the
two rows a few bits apart depending on where they sit in the batch, and the quoted sentence
then depended on the batch: the Ray executor's scorecards differed from the in-process ones.
This failed before ties were taken within ``TIE``.
"""

from __future__ import annotations

from servicecraft.engine.learned.detectors import Detectors

TEXT = "Hello, I can help with that. Thank you! I have sent the form now. Thank you! Bye."
OTHERS = [
    ("agent", f"Reply number {k}: your order {k} ships on day {k % 7}. Thank you for waiting.")
    for k in range(64)
]


def test_the_evidence_of_a_repeated_sentence_is_the_same_in_every_batch() -> None:
    detectors = Detectors.load()
    seen: dict[str, set[int]] = {}
    for n in range(len(OTHERS)):
        batch = [*OTHERS[:n], ("agent", TEXT), *OTHERS[n : n + 3]]
        for key, found in detectors.detect(batch)[n].items():
            seen.setdefault(key, set()).add(found.start)
    assert seen, "no detector read the message"
    assert {key: starts for key, starts in seen.items() if len(starts) > 1} == {}


def test_a_text_without_a_word_is_not_read() -> None:
    """DCH-1 has stray one-letter replies ("H"): the heads' biases alone made one of them a
    straight answer. A text needs two letters in a row to be read; "Ok." still is."""
    found = Detectors.load().detect([("agent", "H"), ("agent", "5"), ("agent", "Ok.")])
    assert found[0] == {} and found[1] == {}
    assert "straight_answer" in found[2]
