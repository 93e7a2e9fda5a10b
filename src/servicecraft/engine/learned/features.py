"""Features shared by training and inference: plain Python, so scoring needs no ML library.

One compiled regex tokenises; everything else is built from its tokens, the message roles
and positions. Nothing here reads source-specific fields, so every import format gets the
same features.
"""

from __future__ import annotations

import re
from itertools import pairwise

_TOKEN = re.compile(r"\w+(?:'\w+)?|[!?]")
# The same on ASCII text, where \w is exactly these: a byte-table class is checked faster
# than the Unicode one (a category look-up per character), and most messages are ASCII.
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:'[A-Za-z0-9_]+)?|[!?]")

# The dialogue models' turn-level nugget types (DCH-1), customer then helpdesk.
CUSTOMER_NUGGETS = ("CNUG0", "CNUG", "CNUG*", "CNaN")
AGENT_NUGGETS = ("HNUG", "HNUG*", "HNaN")
NUGGETS = CUSTOMER_NUGGETS + AGENT_NUGGETS
MAX_INDEX = 6  # turn index features saturate here
MAX_REMAINING = 4  # turns-after-this features saturate here
MAX_TURNS = 8  # the conversation-length feature saturates here


def tokens(text: str) -> list[str]:
    """Lower-cased words (with one inner apostrophe) and ! and ?."""
    lowered = text.lower().replace("’", "'")
    return (_ASCII_TOKEN if lowered.isascii() else _TOKEN).findall(lowered)


def politeness_features(text: str) -> list[str]:
    return politeness_features_of(tokens(text))


def politeness_features_of(words: list[str]) -> list[str]:
    """Words (once each), word pairs and triples, the first and last words.

    Pairs, triples and edges are counted; politeness gathers at the edges of a request.
    """
    if not words:
        return []
    features = [
        *dict.fromkeys(words),
        *(f"{a} {b}" for a, b in pairwise(words)),
        *(f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)),
    ]
    features += [
        "^" + words[0],
        "^" + " ".join(words[:2]),
        "^" + " ".join(words[:3]),
        words[-1] + "$",
        " ".join(words[-2:]) + "$",
    ]
    return features
