"""Conversation metrics: handoffs, straight answers, chasers, response time, hindrances."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import cast

from servicecraft.engine.analysis import SURE, Analysis
from servicecraft.engine.handoffs import unnamed_handoffs
from servicecraft.engine.questions import Kind, asks, gives
from servicecraft.model import Evidence, Hindrance, Metrics

# Cues that count as the agent's first definitive answer: a yes, a no, or a done.
STRAIGHT_ANSWERS = ("answer_yes", "answer_no", "done")
# A customer writing again after this long without a reply is chasing, whatever the words.
CHASE_GAP_SECONDS = 4 * 3600


def compute_metrics(analysis: Analysis) -> Metrics:
    handoffs = count_handoffs(analysis)
    return Metrics(
        handoffs=handoffs,
        one_touch=handoffs == 0,
        customer_messages_before_straight_answer=_before_straight_answer(analysis),
        chasers=len(chaser_indices(analysis)),
        first_response_seconds=_first_response(analysis),
        hindrances=_hindrances(analysis),
    )


def primary_agent(analysis: Analysis) -> str | None:
    """The agent who wrote most of the agent messages (the first of them on a tie)."""
    authors = [m.message.author for m in analysis.messages if m.message.role == "agent"]
    counts = Counter(a for a in authors if a)
    if not counts:
        return None
    top = max(counts.values())
    return next(a for a in authors if a and counts[a] == top)


def handoff_indices(analysis: Analysis) -> list[int]:
    """Indices of the messages at which the conversation moved to another agent or department.

    Known authors and departments decide; where a source carries neither (e.g. DCH-1),
    an agent saying they transfer the customer counts instead.
    """
    # The metrics, two scorers and the message rows all ask: worked out once per analysis
    # (after the detectors, which the engine sets before any of them asks), a copy each.
    found = analysis.memo.get("handoffs")
    if found is None:
        found = analysis.memo["handoffs"] = _handoff_indices(analysis)
    return list(cast("list[int]", found))


def _handoff_indices(analysis: Analysis) -> list[int]:
    indices: list[int] = []
    previous: tuple[str | None, str | None] | None = None
    has_identity = False
    for m in analysis.messages:
        msg = m.message
        if msg.role != "agent":
            continue
        current = (msg.author, msg.department)
        has_identity = has_identity or any(current)
        if previous is not None and _moved(previous, current):
            indices.append(m.index)
        previous = current
    if not has_identity:  # the words must show it (engine/handoffs.py)
        indices = unnamed_handoffs(analysis)
    return sorted(set(indices))


def count_handoffs(analysis: Analysis) -> int:
    return len(handoff_indices(analysis))


def _moved(before: tuple[str | None, str | None], after: tuple[str | None, str | None]) -> bool:
    (a_author, a_dept), (b_author, b_dept) = before, after
    if a_dept and b_dept and a_dept != b_dept:
        return True
    return bool(a_author and b_author and a_author != b_author)


def first_straight_answer(analysis: Analysis) -> int | None:
    """Index of the first agent message that gives a yes, a no, or a done.

    The rubric's cues find the usual wordings; the learned detector finds the rest ("your
    plan can't include roaming" is a no without any of the words a phrase list expects).
    """
    memo = analysis.memo
    if "straight_answer" not in memo:  # asked three times per conversation: found once
        memo["straight_answer"] = _first_straight_answer(analysis)
    return memo["straight_answer"]  # type: ignore[return-value]


def _first_straight_answer(analysis: Analysis) -> int | None:
    detected = {m.index for m, _, _ in analysis.detected("straight_answer", "agent", SURE)}
    question = ""  # the customer's latest message, and what it asks for once needed
    asked: frozenset[Kind] | None = frozenset()
    for m in analysis.messages:
        if m.message.role == "customer" and m.message.public:
            question, asked = m.message.text, None
        if m.message.role != "agent" or not m.scored:
            continue
        if any(c in m.cues for c in STRAIGHT_ANSWERS):
            return m.index
        if m.index in detected:
            # The detector reads the reply alone: a fact is no answer to "how much" without
            # an amount, nor to "when" without a time (engine/questions.py).
            asked = asks(question) if asked is None else asked
            if gives(asked, m.message.text):
                return m.index
    return None


def straight_answer_evidence(
    analysis: Analysis, index: int
) -> Callable[[str, str, float], Evidence]:
    """A maker of evidence quoting the straight answer in message ``index``."""
    m = analysis.messages[index]
    hit = next((h for h in m.hits if h.cue in STRAIGHT_ANSWERS), None)
    detection = analysis.detections[index].get("straight_answer") if analysis.detections else None

    def quote(effect: str, reason: str, weight: float) -> Evidence:
        if hit is not None:
            return analysis.evidence(m, hit, effect, reason, weight)
        if detection is not None:
            return analysis.detection_evidence(m, detection, effect, reason, weight)
        return analysis.message_evidence(index, effect, reason, weight)

    return quote


def _before_straight_answer(analysis: Analysis) -> int | None:
    answer = first_straight_answer(analysis)
    if answer is None:
        return None
    return sum(1 for m in analysis.messages[:answer] if m.message.role == "customer")


def chaser_indices(analysis: Analysis) -> list[int]:
    """Customer messages chasing an answer, by their words or by a long silence."""
    found = analysis.memo.get("chasers")
    if found is None:  # asked three times per conversation: found once, a copy each
        found = analysis.memo["chasers"] = _chaser_indices(analysis)
    return list(cast("list[int]", found))


def _chaser_indices(analysis: Analysis) -> list[int]:
    chasers: list[int] = []
    last_customer_at = None
    replied = True
    for m in analysis.messages:
        msg = m.message
        if msg.role == "agent" and msg.public:
            replied = True
            continue
        if msg.role != "customer":
            continue
        by_words = "chaser" in m.cues
        by_gap = (
            not replied
            and msg.at is not None
            and last_customer_at is not None
            and (msg.at - last_customer_at).total_seconds() >= CHASE_GAP_SECONDS
        )
        if by_words or by_gap:
            chasers.append(m.index)
        last_customer_at = msg.at
        replied = False
    return chasers


def _first_response(analysis: Analysis) -> float | None:
    first_customer = None
    for m in analysis.messages:
        msg = m.message
        if msg.role == "customer" and first_customer is None:
            first_customer = msg.at
            if first_customer is None:
                return None
        elif msg.role == "agent" and msg.public and first_customer is not None:
            if msg.at is None:
                return None
            return max(0.0, (msg.at - first_customer).total_seconds())
    return None


def _hindrances(analysis: Analysis) -> list[Hindrance]:
    found: list[Hindrance] = []
    cues = analysis.rubric.cues
    for m in analysis.messages:
        if m.message.role != "agent":
            continue
        for hit in m.hits:
            kind = cues[hit.cue].hindrance
            if kind is not None:
                start, end = m.span(hit)
                text = _snippet(m.message.text, start, end)
                # One hindrance per sentence, however many phrases in it cite the policy.
                if not any(h.message == m.index and h.text == text for h in found):
                    found.append(Hindrance(m.index, start, end, text, kind))
    return found


def _snippet(text: str, start: int, end: int) -> str:
    """The sentence around a hit: what a lead needs to see the policy or system cited."""
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()
