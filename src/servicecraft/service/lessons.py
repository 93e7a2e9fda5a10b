"""Lessons, the myths quiz with results by department, and the department readiness check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicecraft.practice.lessons import QuizMark, content, mark_quiz
from servicecraft.service import dashboards
from servicecraft.service import practice as practising
from servicecraft.service.policy import PermissionDenied, Viewer, may_see_quiz_results
from servicecraft.store import Department, QuizResult, ReadinessAnswer

SCALE = (1, 5)


@dataclass(frozen=True, slots=True)
class DepartmentQuiz:
    department: str
    attempts: int
    people: int
    share_correct: float | None  # of all answers given, 0..1


def take_quiz(session: Session, viewer: Viewer, answers: dict[str, str]) -> QuizMark:
    """Mark and record one attempt under the taker's department (if they have one)."""
    if viewer.user_id is None:
        raise PermissionDenied("log in to take the quiz")
    mark = mark_quiz(answers)
    session.add(
        QuizResult(
            user_id=viewer.user_id,
            department_id=practising.scope_of(session, viewer).department_id,
            correct=mark.correct,
            total=mark.total,
            at=practising.now(),
        )
    )
    return mark


def quiz_by_department(session: Session, viewer: Viewer) -> list[DepartmentQuiz]:
    """Admins and reviewers see every department; leads their own; agents none."""
    if not may_see_quiz_results(viewer):
        raise PermissionDenied("quiz results by department are for leads and admins")
    query = (
        select(
            Department.name,
            func.count(QuizResult.id),
            func.count(func.distinct(QuizResult.user_id)),
            func.sum(QuizResult.correct),
            func.sum(QuizResult.total),
        )
        .join(QuizResult, QuizResult.department_id == Department.id)
        .group_by(Department.name)
        .order_by(Department.name)
    )
    if not viewer.sees_everything:
        scope = practising.scope_of(session, viewer)
        query = query.where(Department.id == scope.department_id)
    return [
        DepartmentQuiz(name, attempts, people, (right or 0) / total if total else None)
        for name, attempts, people, right, total in session.execute(query).all()
    ]


def answer_readiness(session: Session, viewer: Viewer, answers: dict[str, int]) -> int:
    """Store a member's answers (1..5) for their department; returns how many were stored."""
    department_id = practising.scope_of(session, viewer).department_id
    if viewer.user_id is None or department_id is None:
        raise PermissionDenied("only members of a department answer its readiness check")
    known = {q.id for q in content().readiness}
    stored = 0
    for question, value in answers.items():
        if question not in known:
            raise ValueError(f"unknown readiness statement {question!r}")
        if not SCALE[0] <= value <= SCALE[1]:
            raise ValueError(f"{question}: answer from {SCALE[0]} to {SCALE[1]}")
        row = session.execute(
            select(ReadinessAnswer).where(
                ReadinessAnswer.user_id == viewer.user_id, ReadinessAnswer.question == question
            )
        ).scalar_one_or_none()
        if row is None:
            row = ReadinessAnswer(user_id=viewer.user_id, question=question)
            session.add(row)
        row.department_id, row.value, row.at = department_id, value, practising.now()
        stored += 1
    return stored


def department_readiness(session: Session, viewer: Viewer, department_id: int) -> dict[str, Any]:
    """The readiness answers beside the department's measured figures (same access rules)."""
    detail = dashboards.department_detail(session, viewer, department_id)
    rows = session.execute(
        select(ReadinessAnswer.question, func.avg(ReadinessAnswer.value), func.count())
        .where(ReadinessAnswer.department_id == department_id)
        .group_by(ReadinessAnswer.question)
    ).all()
    found = {q: (float(mean), n) for q, mean, n in rows}
    return {
        "detail": detail,
        "questions": [
            {
                "text": q.text,
                "mean": round(found[q.id][0], 1) if q.id in found else None,
                "answers": found[q.id][1] if q.id in found else 0,
            }
            for q in content().readiness
        ],
    }
