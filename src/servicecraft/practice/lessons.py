"""Lessons, the myths quiz and the readiness check: content shipped as lessons.yaml.

Every quiz statement is a myth (the right answer is "myth"); each has an explanation.
Readiness statements are answered on a scale of 1 (not at all) to 5 (fully).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    title: str
    body: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Myth:
    id: str
    statement: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ReadinessQuestion:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Content:
    lessons: tuple[Lesson, ...]
    quiz: tuple[Myth, ...]
    readiness: tuple[ReadinessQuestion, ...]


@dataclass(frozen=True, slots=True)
class QuizMark:
    """How a quiz went: the number right out of the total, with each explanation."""

    correct: int
    total: int
    answers: tuple[tuple[Myth, bool], ...]  # each myth and whether it was called a myth


@lru_cache(maxsize=1)
def content() -> Content:
    text = (resources.files("servicecraft.practice") / "lessons.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return Content(
        lessons=tuple(Lesson(d["id"], d["title"], tuple(d["body"])) for d in data["lessons"]),
        quiz=tuple(Myth(d["id"], d["statement"], d["explanation"]) for d in data["quiz"]),
        readiness=tuple(ReadinessQuestion(d["id"], d["text"]) for d in data["readiness"]),
    )


def mark_quiz(answers: dict[str, str]) -> QuizMark:
    """Answers by myth id ("myth" or "true"); an unanswered statement counts as wrong."""
    marked = tuple((m, answers.get(m.id) == "myth") for m in content().quiz)
    return QuizMark(sum(ok for _, ok in marked), len(marked), marked)
