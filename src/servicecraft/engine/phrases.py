"""Phrase patterns and a fast token matcher.

Rubrics list cues as readable phrases rather than regular expressions, so that
an organisation can add its own without learning regex syntax:

    "i (will|'ll) (personally)? look into (it|this)"

- words match case-insensitively, whole tokens only; ’ is read as '
- ``(a|b c)`` is a choice, ``(...)?`` is optional
- ``^`` at the start: only at the start of a sentence ("^ (click|press) ...")
- ``*`` is any one word, ``#num`` a number (12, 3.50, 10:30), ``#day`` a weekday or
  today/tomorrow, ``#month`` a month name

Phrases expand at load time into token sequences, indexed by their first token,
so matching a message costs one dictionary look-up per token plus a comparison
for the few candidates: all cues of a rubric are found in one pass, overlapping
ones included (a regex alternation would hide the second of two overlapping cues).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

_TOKEN_RE = re.compile(r"[^\W_]+(?:['.:,/-][^\W_]+)*|[.!?;,]")
# "No." before a number or a placeholder ("Order No. 62", "No. xx Road", "No.*") is an
# abbreviation: one token "no.", so that no phrase reads it as the answer "no". Used only for
# texts that hold "no.": the extra branch made tokenising 12-26% slower for every text.
_TOKEN_NO_RE = re.compile(r"\bno\.(?=[ \t]*(?:\d|[*#]|x{2,}\b))|" + _TOKEN_RE.pattern)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_NUM_RE = re.compile(r"[$£€]?\d[\d.,:/]*(?:am|pm|h|st|nd|rd|th|k|m)?")

MAX_EXPANSIONS = 50_000
WEEKDAYS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "tomorrow",
        "tonight",
    ]
)
MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
# Negation does not reach across these ("No, I will look into it" is not negated).
CLAUSE_END = frozenset(".!?;,")

# A pattern element: a literal token, or one of these classes. START (``^``) may only
# begin a phrase: it matches at the start of the message or of a sentence.
ANY, NUM, DAY, MONTH, START = "*", "#num", "#day", "#month", "^"
_CLASSES = frozenset({ANY, NUM, DAY, MONTH})
SENTENCE_START_AFTER = frozenset(".!?;:")


class PhraseError(ValueError):
    """A phrase that cannot be parsed; the message names the phrase."""


def tokenize(text: str) -> tuple[str, list[str]]:
    """Lower-case text (same length as the original) and its word and punctuation tokens."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        lowered = "".join(c.lower()[0] for c in text)
    if "’" in lowered or "‘" in lowered or "`" in lowered:
        lowered = lowered.translate(_APOSTROPHES)
    return lowered, (_TOKEN_NO_RE if "no." in lowered else _TOKEN_RE).findall(lowered)


def token_spans(
    lowered: str, words: Sequence[str], spans: list[tuple[int, int]] | None = None, upto: int = -1
) -> list[tuple[int, int]]:
    """Character spans of the tokens, extending ``spans`` up to token ``upto`` (all if -1).

    Computed only for messages that have hits, and only as far as the last hit quoted: text
    between tokens holds no word characters or sentence punctuation, so the next occurrence
    of a token's text is the token itself.
    """
    spans = [] if spans is None else spans
    pos = spans[-1][1] if spans else 0
    find = lowered.find
    for word in words[len(spans) : len(words) if upto < 0 else upto]:
        start = find(word, pos)
        pos = start + len(word)
        spans.append((start, pos))
    return spans


def normalise_words(text: str) -> list[str]:
    """The tokens of a phrase written in plain words (used for literals)."""
    return tokenize(text)[1]


def _element_matches(element: str, token: str) -> bool:
    if element in (token, ANY):
        return True
    if element == NUM:
        return token[0].isdigit() and _NUM_RE.fullmatch(token) is not None
    if element == DAY:
        return token in WEEKDAYS
    if element == MONTH:
        return token in MONTHS
    return False


def expand(phrase: str) -> list[tuple[str, ...]]:
    """Expand a phrase with choices and optional groups into token sequences."""
    parser = _PhraseParser(phrase)
    sequences = parser.parse()
    result = [s for s in sequences if s]
    if not result:
        raise PhraseError(f"phrase {phrase!r} matches nothing")
    if any(s[0] == ANY for s in result):
        raise PhraseError(f"phrase {phrase!r} must not start with '*'")
    if any(START in s[1:] for s in result) or any(s == (START,) for s in result):
        raise PhraseError(f"phrase {phrase!r}: '^' may only begin a phrase, followed by words")
    return result


class _PhraseParser:
    """Recursive descent over: sequence := item*, item := word | '(' alt ')' '?'?"""

    def __init__(self, phrase: str) -> None:
        self.phrase = phrase
        self.parts = re.findall(r"\(|\)\??|\||[^\s()|]+", phrase)
        self.pos = 0

    def parse(self) -> list[tuple[str, ...]]:
        result = self._sequence()
        if self.pos != len(self.parts):
            raise PhraseError(f"unbalanced ')' in phrase {self.phrase!r}")
        return result

    def _sequence(self) -> list[tuple[str, ...]]:
        results: list[tuple[str, ...]] = [()]
        while self.pos < len(self.parts) and self.parts[self.pos] not in ("|", ")", ")?"):
            part = self.parts[self.pos]
            if part == "(":
                self.pos += 1
                options = self._alternatives()
            else:
                self.pos += 1
                options = [self._word(part)]
            results = [r + o for r in results for o in options]
            if len(results) > MAX_EXPANSIONS:
                raise PhraseError(f"phrase {self.phrase!r} expands to too many variants")
        return results

    def _alternatives(self) -> list[tuple[str, ...]]:
        options = self._sequence()
        while self.pos < len(self.parts) and self.parts[self.pos] == "|":
            self.pos += 1
            options += self._sequence()
        if self.pos >= len(self.parts):
            raise PhraseError(f"unclosed '(' in phrase {self.phrase!r}")
        closing = self.parts[self.pos]
        self.pos += 1
        if closing == ")?":
            options.append(())
        return options

    def _word(self, part: str) -> tuple[str, ...]:
        if part in _CLASSES or part == START:
            return (part,)
        if len(part) > 1 and part.endswith("?"):
            raise PhraseError(
                f"phrase {self.phrase!r}: make a word optional with parentheses: ({part[:-1]})?"
            )
        if part[0] in "'’":
            raise PhraseError(
                f"phrase {self.phrase!r}: write contractions whole, e.g. i'll, not {part!r}"
            )
        words = normalise_words(part)
        if not words:
            raise PhraseError(f"phrase {self.phrase!r} has an empty word {part!r}")
        return tuple(words)


class Hit(NamedTuple):
    """One phrase found in one message, as a token range [first, last)."""

    cue: str
    first: int
    last: int


# What a trie node without children or ends holds: shared, never changed. Most of a rubric's
# nodes are leaves, or inner nodes without classes or ends, and building their empty
# containers was most of a worker's start-up.
_NO_WORDS: dict[str, _Node] = {}


class _Node:
    __slots__ = ("classes", "ends", "words")

    def __init__(self) -> None:
        self.words: dict[str, _Node] = _NO_WORDS
        self.classes: tuple[tuple[str, _Node], ...] = ()
        self.ends: tuple[str, ...] = ()

    def child(self, element: str) -> _Node:
        if element in _CLASSES:
            for key, node in self.classes:
                if key == element:
                    return node
            node = _Node()
            self.classes += ((element, node),)
            return node
        if self.words is _NO_WORDS:
            self.words = {}
        return self.words.setdefault(element, _Node())


class PhraseMatcher:
    """Finds every cue phrase in a token list: a trie walk from each token.

    Phrases share prefixes in the trie, so a phrase with thousands of expansions
    costs no more per token than a plain one.
    """

    def __init__(self) -> None:
        self._root = _Node()
        self._sentence_root = _Node()  # phrases anchored with ^
        self._starters: tuple[frozenset[str], frozenset[str]] | None = None  # see _candidates

    def add(self, cue: str, phrases: Iterable[str]) -> None:
        self._starters = None
        for phrase in phrases:
            for seq in expand(phrase):
                node = self._root
                if seq[0] == START:
                    node, seq = self._sentence_root, seq[1:]
                for element in seq:
                    node = node.child(element)
                if cue not in node.ends:
                    node.ends += (cue,)

    def _candidates(self, words: Sequence[str]) -> list[int]:
        """The tokens a phrase may start at, in order: most start none, and skipping them in
        one comprehension costs far less than the full step of the walk for each."""
        root = self._root.words
        if self._root.classes or self._sentence_root.words:
            if self._starters is None:
                # One set look-up for most tokens rather than three: the words that may start
                # a phrase anywhere, and those that only start one at a sentence's start.
                starters = frozenset(root) | WEEKDAYS | MONTHS
                self._starters = starters, frozenset(self._sentence_root.words) - starters
            starters, sentence = self._starters
            return [
                i
                for i, w in enumerate(words)
                if w in starters
                or w[0].isdigit()
                or (w in sentence and (i == 0 or words[i - 1] in SENTENCE_START_AFTER))
            ]
        return [i for i, w in enumerate(words) if w in root]

    def match(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        """Every (cue, first token, end token) found; overlapping hits included."""
        hits: list[tuple[str, int, int]] = []
        n = len(words)
        root_words = self._root.words
        root_classes = self._root.classes
        sentence_words = self._sentence_root.words
        for i in self._candidates(words):
            word = words[i]
            first = root_words.get(word)
            if root_classes and (word[0].isdigit() or word in WEEKDAYS or word in MONTHS):
                stack = [(node, i + 1) for key, node in root_classes if _element_matches(key, word)]
                if first is not None:
                    stack.append((first, i + 1))
            elif first is not None:
                stack = [(first, i + 1)]
            else:
                stack = []
            if sentence_words and (i == 0 or words[i - 1] in SENTENCE_START_AFTER):
                anchored = sentence_words.get(word)
                if anchored is not None:
                    stack.append((anchored, i + 1))
            while stack:
                node, j = stack.pop()
                # Down a run of nodes without classes: their one child would be pushed and
                # popped straight away, so follow it in place (same order of hits).
                while True:
                    if node.ends:
                        hits.extend((cue, i, j) for cue in node.ends)
                    if j >= n:
                        break
                    word_j = words[j]
                    nxt = node.words.get(word_j)
                    if node.classes:
                        if nxt is not None:
                            stack.append((nxt, j + 1))
                        for key, child in node.classes:
                            if key == ANY or _element_matches(key, word_j):
                                stack.append((child, j + 1))
                        break
                    if nxt is None:
                        break
                    node, j = nxt, j + 1
        return hits
