"""What the simulated customer hears in a reply: the engine's own detectors, read in one place.

Everything the customer reacts to comes through `read_reply`, so that when the engine gains
learned per-message detectors (`Engine.detect`) only this module changes. Today it reads the
rubric's cue hits (`Engine.analyse`) and the learned empathy and politeness signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicecraft.engine import Engine
from servicecraft.model import Conversation

# The customer's vocabulary: what a trainee's reply can do, each a strength 0..1.
SIGNALS: tuple[str, ...] = (
    "empathy",  # recognises how the customer feels
    "apology",  # says sorry
    "ownership",  # takes the problem on personally
    "answer_yes",  # a straight yes
    "answer_no",  # a straight, clear no
    "straight_answer",  # a yes, a no, or "it's done"
    "done",  # says the problem is solved
    "specific",  # a number, a reference, a date
    "expectation",  # says when and what happens next
    "solution",  # a concrete fix or step
    "alternative",  # what we can do instead
    "follow_up",  # commits to following up, prevents a repeat
    "policy",  # hides behind a policy or a system
    "handoff",  # sends the customer elsewhere, blames another team
    "stalling",  # vague reassurance, vague timing, promises without basis
    "disrespect",  # dismisses, blames or is rude to the customer
)
PRESENT = 0.5  # a signal at or above this strength counts as said

# Rubric cues that carry each signal (the default rubric's ids; rubrics extending it keep them).
CUE_SIGNALS: dict[str, tuple[str, ...]] = {
    "empathy_statement": ("empathy",),
    "apology": ("apology",),
    "stock_apology": ("apology",),  # "sorry for the inconvenience": an apology all the same
    "takes_ownership": ("ownership",),
    "answer_yes": ("answer_yes", "straight_answer"),
    "answer_no": ("answer_no", "straight_answer"),
    "done": ("done", "straight_answer", "solution"),
    "specific_detail": ("specific",),
    "sets_expectation": ("expectation", "specific"),
    "solution_step": ("solution",),
    "alternative": ("alternative", "solution"),
    "follow_up": ("follow_up",),
    "proactive": ("follow_up",),
    "policy_block": ("policy",),
    "system_block": ("policy",),
    "passes_buck": ("handoff",),
    "transfer": ("handoff",),
    "blames_others": ("handoff",),
    "vague_reassurance": ("stalling",),
    "vague_timing": ("stalling",),
    "unfounded_promise": ("stalling",),
    "dismissive": ("disrespect",),
    "blames_customer": ("disrespect",),
    "rude": ("disrespect",),
}
# Learned detectors (`Engine.detect`) by key → the signals they speak for. A key ending in
# "-" is a detector's negative label ("ownership-": deflects). Only the negatives that were
# checked against the bundled scripts are read: "empathy-" and "respect-" fired on warm
# replies in the first detector build, and a false "disrespect" ends sessions.
DETECTOR_SIGNALS: dict[str, tuple[str, ...]] = {
    "empathy": ("empathy",),
    "ownership": ("ownership",),
    "straight_answer": ("straight_answer",),
    "proactivity": ("follow_up",),
    "solution": ("solution",),
}
DETECTOR_EXCUSES: dict[str, tuple[str, ...]] = {
    "handoff": ("handoff",),
    "ownership-": ("handoff",),
}
# A detector is heard from this probability on: they fill in what the phrase lists miss, so
# they must be surer than a cue (the first build gave "solution" 0.62 to a plain handoff).
DETECTED = 0.7
EXCUSES = frozenset({"policy", "handoff", "stalling", "disrespect"})
# The learned empathy signal of the fast tier (cosine-calibrated, 0..1) counts from here.
WARMTH = 0.6
# Learned politeness is not read as disrespect: it scores plain, direct replies ("I'll take
# care of this myself") as impolite, and a false "disrespect" ends sessions. The rubric's
# dismissive, blaming and rude cues are what the customer hears as disrespect.


def read_reply(engine: Engine, conversation: Conversation) -> dict[str, float]:
    """The signals in the conversation's last message (the trainee's reply), each 0..1.

    The whole conversation is analysed, so cues that depend on context keep it; only the
    last message's hits are read. With `Engine.detect`, learned detectors join the cues
    (the stronger of the two counts), so a paraphrase no phrase lists is still heard.
    """
    if not conversation.messages:
        return dict.fromkeys(SIGNALS, 0.0)
    analysis = engine.analyse(conversation)
    last = analysis.messages[-1]
    found = dict.fromkeys(SIGNALS, 0.0)
    for cue in last.cues:
        for signal in CUE_SIGNALS.get(cue, ()):
            found[signal] = 1.0
    warmth = _learned(analysis.signals, "empathy", last.index)
    if warmth is not None and warmth >= WARMTH:
        found["empathy"] = max(found["empathy"], warmth)
    detect = getattr(engine, "detect", None)
    if callable(detect):
        _merge_detected(found, detect([last.message.text], last.message.role))
    return found


def _learned(signals: Mapping[str, list[float | None]], name: str, index: int) -> float | None:
    values = signals.get(name)
    if not values or index >= len(values):
        return None
    return values[index]


def _merge_detected(found: dict[str, float], detected: Any) -> None:
    """Fold `Engine.detect`'s probabilities for one message into the cue-based signals.

    The rules come first; detectors fill in where the rules are silent. Where the cues heard an
    excuse (a policy, a handoff, stalling), no detector is read: the first build credited
    "proactivity" to "I'll transfer you". A detected deflection counts only where the cues
    heard nothing good either: the same build heard a "handoff" in "thanks for getting in
    touch, and I'm really sorry". Detected empathy, ownership, an answer or a solution count
    only in a reply where no deflection was heard.
    """
    if not detected or any(found[s] >= PRESENT for s in EXCUSES):
        return
    row = detected[0]
    cue_positive = any(v >= PRESENT for s, v in found.items() if s not in EXCUSES)

    def heard(table: dict[str, tuple[str, ...]]) -> bool:
        any_heard = False
        for name, signals in table.items():
            value = row.get(name)
            if value is None or float(value) < DETECTED:
                continue
            any_heard = True
            for signal in signals:
                found[signal] = max(found[signal], min(1.0, float(value)))
        return any_heard

    if cue_positive or not heard(DETECTOR_EXCUSES):
        heard(DETECTOR_SIGNALS)


def present(reading: Mapping[str, float]) -> frozenset[str]:
    """The signals said clearly enough to count."""
    return frozenset(s for s, v in reading.items() if v >= PRESENT)
