"""The myths quiz by department and the readiness check, in a real database (both kinds)."""

from __future__ import annotations

import pytest

from servicecraft.practice.lessons import content, mark_quiz
from servicecraft.service import lessons
from servicecraft.service.policy import PermissionDenied
from servicecraft.store import open_database
from tests.service.test_practice import viewer
from tests.web.conftest import build_org, close_db


def test_the_content_is_complete() -> None:
    c = content()
    assert len(c.lessons) >= 7 and len(c.quiz) >= 6 and len(c.readiness) == 5
    assert all(m.explanation for m in c.quiz)
    assert mark_quiz({m.id: "myth" for m in c.quiz}).correct == len(c.quiz)
    assert mark_quiz({}).correct == 0


def test_quiz_results_by_department_and_readiness(database_url: str) -> None:
    org = build_org(database_url)
    db = open_database(database_url)
    try:
        priya, tom, lead, admin = (viewer(db, n) for n in ("priya", "tom", "lead", "admin"))
        every = {m.id: "myth" for m in content().quiz}
        with db.transaction() as s:
            assert lessons.take_quiz(s, priya, every).correct == len(every)
            half = dict(list(every.items())[: len(every) // 2])
            assert lessons.take_quiz(s, tom, half).correct == len(half)
            lessons.take_quiz(s, admin, every)  # no department: counted under none
        with db.session() as s:
            rows = lessons.quiz_by_department(s, lead)
            assert [(r.department, r.attempts, r.people) for r in rows] == [("Support", 2, 2)]
            assert rows[0].share_correct == pytest.approx(0.75)
            assert [r.department for r in lessons.quiz_by_department(s, admin)] == ["Support"]
            with pytest.raises(PermissionDenied):
                lessons.quiz_by_department(s, priya)
        with db.transaction() as s:
            assert lessons.answer_readiness(s, priya, {"customers": 4, "measure": 2}) == 2
            assert lessons.answer_readiness(s, tom, {"customers": 2}) == 1
            lessons.answer_readiness(s, priya, {"customers": 5})  # the latest answer counts
            with pytest.raises(ValueError, match="from 1 to 5"):
                lessons.answer_readiness(s, tom, {"train": 9})
            with pytest.raises(ValueError, match="unknown"):
                lessons.answer_readiness(s, tom, {"vibes": 3})
            with pytest.raises(PermissionDenied):
                lessons.answer_readiness(s, admin, {"customers": 3})
        with db.session() as s:
            data = lessons.department_readiness(s, lead, org.departments["Support"])
            by_text = {q["text"]: q for q in data["questions"]}
            customers = next(q for q in data["questions"] if "customers are" in q["text"])
            assert customers["mean"] == 3.5 and customers["answers"] == 2
            assert sum(q["answers"] for q in by_text.values()) == 3
            assert data["detail"].totals.conversations > 0
            with pytest.raises(PermissionDenied):
                lessons.department_readiness(s, priya, org.departments["Support"])
    finally:
        close_db(db)
