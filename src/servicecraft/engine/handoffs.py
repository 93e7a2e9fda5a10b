"""Handoffs where a source names no one: passings-on read from the words.

A handoff is the customer moving to someone else. Without author names the words show it at two
moments: the agent passing the customer on ("I'll put you through to billing", the rubric's
transfer phrases or the learned detector) and the next team arriving ("Hi, billing here",
"Sam from networks here", "Ward 12, ward clerk speaking"). One handoff often shows both, or
announces itself twice ("I'll pass you to networks." "Okay, transferring you now."), so an
announcement and the arrival that follows it count once; an arrival nobody announced (a
colleague brought into the chat) counts, and so does an announcement no arrival follows (the
transcript ends with the transfer). Where an announcement names where the customer goes ("to
outpatient appointments"), that team greeting by name ("Hi, outpatient appointments.") is its
arrival, and an announcement to somewhere else before anyone arrives is a second handoff.
"""

from __future__ import annotations

import re

from servicecraft.engine.analysis import SURE, Analysis, MessageAnalysis

# The opening of a message in which a new agent or team introduces itself: an optional
# greeting, then "X here" / "X speaking" / "this is X" / "I'm X from Y", X a few words.
_GREETING = r"(?:(?:hi|hello|hey|good (?:morning|afternoon|evening))\b[\s,!.-]*)?"
_NAME = r"[a-z0-9][a-z0-9'&/-]*(?:[ ,]+[a-z0-9'&/-]+){0,5}?"
ARRIVAL = re.compile(
    rf"^\W*{_GREETING}(?:"
    rf"(?:you're through to|you are through to|you've reached|you have reached) {_NAME}\b"
    rf"|(?:i'm|i am|my name is|this is) [a-z'-]+ from (?:the )?{_NAME}\b"
    # after a greeting only ("Hi, I'm the supervisor", "Hi, this is the billing team"):
    # without one, "I'm the" and "this is" begin ordinary sentences
    rf"|(?<=[\s,!.-])(?:i'm|i am) (?:the|your) {_NAME}\b"
    rf"|(?<=[\s,!.-])this is (?:the )?{_NAME} (?:team|desk|department|line|office)\b"
    rf"|(?P<name>{_NAME}) (?:here|speaking)\b)",
    re.IGNORECASE,
)
# Openings that end in "here" without introducing anyone ("we're here to help", "still here").
NOT_A_NAME = frozenset(
    [
        *("i", "i'm", "we", "we're", "you", "you're", "it", "it's", "that", "that's", "this"),
        *("they", "he", "she", "still", "right", "just", "over", "in", "out", "back", "up"),
    ]
)


# Where an announcement sends the customer: the words after the transfer phrase, to the end of
# the clause. Words that name no place are left out, so that "transferring you now" names none.
_CLAUSE = re.compile(r"[^.,;:!?\n]*")
_PLACE_WORD = re.compile(r"[a-z0-9][a-z0-9&'-]*")
NOT_A_PLACE = frozenset(
    [
        *("to", "the", "our", "your", "a", "an", "over", "through", "on", "now", "shortly", "then"),
        *("team", "department", "dept", "desk", "line", "please", "who", "which", "that", "and"),
        *("so", "because", "as", "they", "them", "you", "it", "this", "colleague", "colleagues"),
        *("will", "can", "should", "just", "right", "away", "for", "with", "in", "one", "moment"),
    ]
)
# A greeting that names a team and nothing more: "Hi, outpatient appointments."
_NAMED = re.compile(
    rf"^\W*{_GREETING}(?P<name>[a-z0-9][^.,!?\n]{{0,60}})(?:[.,!?\n]|$)", re.IGNORECASE
)


def place_words(text: str) -> frozenset[str]:
    """The words that name a place in ``text`` (the team or department, not "the", "now")."""
    return frozenset(w for w in _PLACE_WORD.findall(text.lower()) if w not in NOT_A_PLACE)


def arrives(text: str) -> bool:
    """Whether the message opens with a new agent or team introducing itself."""
    return _greeting_end(text) is not None


def _greeting_end(text: str) -> int | None:
    """Where a new agent's or team's introduction at the start of ``text`` ends; None if none."""
    match = ARRIVAL.match(text.replace("’", "'"))  # one character for one: offsets hold
    if match is None:
        return None
    name = match.group("name")
    if name is not None and name.lower().split()[0] in NOT_A_NAME:
        return None
    return match.end()


def unnamed_handoffs(analysis: Analysis) -> list[int]:
    """The messages at which the customer was passed on (the announcement, or the arrival when
    nobody announced it)."""
    places: dict[int, frozenset[str]] = {}  # announcement -> where it sends the customer
    for m, hit in analysis.hits("transfer", "agent"):
        end = m.span(hit)[1]
        clause = _CLAUSE.match(m.message.text, end)
        places[m.index] = places.get(m.index, frozenset()) | place_words(
            clause.group() if clause else ""
        )
    for m, _, _ in analysis.detected("handoff", "agent", SURE):
        places.setdefault(m.index, frozenset())
    found: list[int] = []
    pending: int | None = None  # an announcement no arrival has followed yet
    spoke = False  # an agent has written to the customer before this message
    for m in analysis.by_role("agent"):
        if not m.scored:  # an internal note passes no one on
            continue
        text = m.message.text
        greeting = None
        if spoke:
            greeting = _greeting_end(text)
            if greeting is None and pending is not None:
                greeting = _names_place(text, places[pending])
        if greeting is not None:
            found.append(pending if pending is not None else m.index)
            pending = None
            # The arrival's own passing-on ("Dispatch here. That's stock control's, so I'm
            # passing you to them.") is judged on the rest of the message.
            if m.index in places and _passes_on_after(analysis, m, greeting):
                pending = m.index
        elif m.index in places:
            if pending is None:
                pending = m.index
            elif (
                places[pending] and places[m.index] and places[pending].isdisjoint(places[m.index])
            ):
                # Sent on somewhere else before anyone arrived: the first one happened.
                found.append(pending)
                pending = m.index
        spoke = True
    if pending is not None:
        found.append(pending)
    return found


def _names_place(text: str, place: frozenset[str]) -> int | None:
    """Where the opening of ``text`` ends if it greets as the announced place ("Hi, outpatient
    appointments."); None if it does not."""
    if not place:
        return None
    match = _NAMED.match(text.replace("’", "'"))
    if match is None:
        return None
    named = place_words(match.group("name"))
    return match.end() if named and named <= place else None


def _passes_on_after(analysis: Analysis, m: MessageAnalysis, after: int) -> bool:
    """Whether the message passes the customer on past character ``after`` (its greeting): a
    transfer phrase, or the detector's strongest sentence."""
    if any(hit.cue == "transfer" and m.span(hit)[0] >= after for hit in m.hits):
        return True
    found = analysis.detections[m.index].get("handoff") if analysis.detections else None
    return found is not None and found.start >= after
