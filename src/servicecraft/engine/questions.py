"""What a customer's question asks for (an amount, a time), and whether a reply gives one.

The straight-answer detector reads a reply on its own, so a plain statement of fact reads as an
answer whatever was asked: "Prices are set by the council each year." to "How much is a
replacement bin?". Two kinds of question have an answer of a form that can be checked: "how
much", "how many" (an amount: a number, a price, "free") and "when", "how long" (a time: a date,
a day, a number of days). A reply to one of them counts as its straight answer only if it gives
that form; any other question leaves the detector's judgement as it was.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["amount", "time"]

# A question starts its sentence or a clause after "and", "but" or "or" ("how much is it and
# when can you come"), perhaps after a word or two and a comma ("Sure, but how much ..."), words
# of transition ("ok so how much ...") or inside an indirect request ("can you tell me when").
# Each sentence and clause is checked from its start only (anchored matches over a bounded
# prefix), so the time stays linear in the message, whatever it repeats.
_SENTENCE = re.compile(r"[^.!?\n]*[.!?]*")
_CLAUSE = re.compile(r"\b(?:and|but|or)\s+", re.IGNORECASE)
_LEAD = re.compile(
    r"\s*(?:[a-z']+(?: [a-z']+)?,\s*)?(?:[a-z']+(?: [a-z']+)?,\s*)?"
    r"(?:(?:ok|okay|so|and|but|also|then|hi|hello|right|sorry|please)\b[\s,]*){0,4}"
    r"(?:(?:can|could) you (?:please )?(?:tell me|let me know|confirm)\s+"
    r"|(?:do|does) (?:anyone|you) know\s+"
    r"|i(?:'d| would)? (?:like|want|need) to know\s+"
    r"|i(?:'m| am)? (?:just )?wondering\s+)?",
    re.IGNORECASE,
)
# "When I log in it crashes" is not a question: a "when" or "how much" asks only in a sentence
# that ends with "?" or when a verb follows it as in a question ("when will", "how much is").
_VERBS = "will|would|can|could|do|does|did|is|are|was|were|should|shall|might|must"
_PRICE = "cost|price|fee|fees|charge|total|balance|rate"
# Per kind: (a question whatever follows it, a question only before a verb or in a "?" sentence).
_ASKS: dict[Kind, tuple[re.Pattern[str] | None, re.Pattern[str]]] = {
    "amount": (
        re.compile(
            rf"what(?:'s| is| are| will be| would be) the (?:{_PRICE})\b"
            r"|what (?:does|will|would) (?:it|that|this) cost\b",
            re.IGNORECASE,
        ),
        re.compile(r"how (?:much|many)\b", re.IGNORECASE),
    ),
    "time": (
        None,  # every time question needs a verb after it or a "?"
        re.compile(
            r"(?:when|what time|what date|which day|how (?:long|soon)|by when)\b", re.IGNORECASE
        ),
    ),
}
_VERB_AFTER = re.compile(rf"\s+(?:{_VERBS})\b|'s\b", re.IGNORECASE)
# A word or phrase every question of _ASKS holds: most messages hold none, and a substring test
# is far cheaper than the patterns' search.
_WORDS = ("how much", "how many", "how long", "how soon", "when", "what", "which day")
_NUMBERS = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|half|dozen|couple"
)
_GIVES: dict[Kind, re.Pattern[str]] = {
    "amount": re.compile(
        rf"\d|[£$€¥]|\b(?:{_NUMBERS}|free|no charge|nothing|none)\b", re.IGNORECASE
    ),
    "time": re.compile(
        rf"\d|\b(?:{_NUMBERS}|today|tonight|tomorrow|yesterday|now|immediately|right away"
        r"|already|morning|afternoon|evening|noon|midday|midnight|weekend|weeks?|months?|years?"
        r"|days?|hours?|minutes?|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
        r"|january|february|march|april|may|june|july|august|september|october|november"
        r"|december)\b",
        re.IGNORECASE,
    ),
}


def asks(text: str) -> frozenset[Kind]:
    """The kinds of answer a customer's message asks for (empty: none that can be checked)."""
    lowered = text.lower()
    if not any(map(lowered.__contains__, _WORDS)):  # most messages: no search at all
        return frozenset()
    found: set[Kind] = set()
    for sentence in _SENTENCE.findall(text):
        if not any(map(sentence.lower().__contains__, _WORDS)):
            continue
        marked = sentence.rstrip().endswith("?")
        starts = [0, *(m.end() for m in _CLAUSE.finditer(sentence))]
        for start in starts:
            at = _LEAD.match(sentence, start)
            where = at.end() if at else start
            for kind, (plain, needs_verb) in _ASKS.items():
                if plain is not None and plain.match(sentence, where):
                    found.add(kind)
                    continue
                asked = needs_verb.match(sentence, where)
                if asked and (marked or _VERB_AFTER.match(sentence, asked.end())):
                    found.add(kind)
    return frozenset(found)


def gives(kinds: frozenset[Kind], text: str) -> bool:
    """Whether a reply gives an answer of one of ``kinds`` (True when nothing is asked)."""
    return not kinds or any(_GIVES[kind].search(text) for kind in kinds)
