"""Blind calibration sessions and review assignments, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from servicecraft.agreement import krippendorff_alpha
from servicecraft.service import assignments
from servicecraft.service import calibration_sessions as cs
from servicecraft.service.policy import PermissionDenied
from servicecraft.service.reviews import ReviewError, make_grades, save_review
from servicecraft.store import Conversation, Database, User
from tests.review.conftest import viewer
from tests.web.conftest import Org


def _user_ids(db: Database, *names: str) -> list[int]:
    with db.session() as s:
        ids = dict(s.execute(select(User.username, User.id)).all())
    return [ids[n] for n in names]


def test_blind_session_reveals_only_after_submitting(db: Database, org: Org) -> None:
    c1, c2 = org.conversations["Priya Nair"][:2]
    lead, reviewer, admin, priya = (viewer(db, u) for u in ("lead", "reviewer", "admin", "priya"))
    with db.session() as s:
        with pytest.raises(PermissionDenied):
            cs.create_session(s, reviewer, "x", [c1], _user_ids(db, "reviewer", "admin"))
        with pytest.raises(ReviewError, match="at least two reviewers"):
            cs.create_session(s, lead, "x", [c1], _user_ids(db, "reviewer"))
        with pytest.raises(ReviewError, match="at least two reviewers"):
            cs.create_session(s, lead, "x", [c1], _user_ids(db, "reviewer", "priya"))
        with pytest.raises(ReviewError, match="no conversation nope"):
            cs.create_session(s, lead, "x", [c1, "nope"], _user_ids(db, "reviewer", "admin"))
        sid = cs.create_session(s, lead, "March", [c1, c2], _user_ids(db, "reviewer", "admin"))

        cs.submit_grade(s, reviewer, sid, c1, make_grades(40, {"empathy": 30}, "too slow"))
        with pytest.raises(ReviewError, match="already graded"):
            cs.submit_grade(s, reviewer, sid, c1, make_grades(90, None))
        with pytest.raises(PermissionDenied):
            cs.submit_grade(s, priya, sid, c1, make_grades(90, None))
        with pytest.raises(PermissionDenied):
            cs.session_view(s, priya, sid)

        # The admin has graded nothing: the reviewer's grade of c1 is hidden from them.
        view = cs.session_view(s, admin, sid)
        item = {i.conversation_id: i for i in view.items}
        assert item[c1].others == () and item[c1].hidden == 1 and item[c1].mine is None
        assert view.agreement is None
        cs.submit_grade(s, admin, sid, c1, make_grades(60, {"empathy": 50}))
        view = cs.session_view(s, admin, sid)
        item = {i.conversation_id: i for i in view.items}
        assert item[c1].others == (("reviewer", {"overall": 40.0, "empathy": 30.0}, "too slow"),)
        assert item[c2].others == () and view.agreement is None  # c2 still to grade

        # The reviewer sees the admin's c1 grade (both submitted), not yet any of c2.
        cs.submit_grade(s, admin, sid, c2, make_grades(80, {"empathy": 70}))
        view = cs.session_view(s, reviewer, sid)
        item = {i.conversation_id: i for i in view.items}
        assert item[c1].others[0][0] == "admin" and item[c2].hidden == 1
        cs.submit_grade(s, reviewer, sid, c2, make_grades(70, {"empathy": 60}))

        view = cs.session_view(s, reviewer, sid)
        assert view.agreement is not None and view.submitted == {"admin": 2, "reviewer": 2}
        overall = view.agreement["overall"]
        grades = np.array([[60.0, 40.0], [80.0, 70.0]])  # admin, reviewer (by name)
        assert overall.alpha == pytest.approx(krippendorff_alpha(grades))
        assert overall.mean_pairwise_difference == pytest.approx(15.0)
        assert overall.strictest == "reviewer" and overall.most_lenient == "admin"
        autoqa = [s.get(Conversation, c).score for c in sorted([c1, c2])]  # type: ignore[union-attr]
        expected = np.mean(np.abs(np.array(autoqa) - grades.mean(axis=1)))
        assert overall.autoqa_mae == pytest.approx(expected)
        assert view.agreement["clarity"].alpha is None  # nobody graded clarity

        # The lead runs it without grading: sees everything; the list shows the session.
        lead_view = cs.session_view(s, lead, sid)
        assert all(len(i.others) == 2 for i in lead_view.items) and lead_view.agreement
        assert [(x.id, x.mine_left) for x in cs.list_sessions(s, reviewer)] == [(sid, 0)]
        assert cs.list_sessions(s, priya) == []


def test_assignments_fill_queues_and_skip_reviewed(db: Database, org: Org) -> None:
    lead, reviewer, admin = (viewer(db, u) for u in ("lead", "reviewer", "admin"))
    with db.session() as s:
        weeks = sorted({w for w in s.execute(select(Conversation.week)).scalars() if w})
        week = weeks[0]
        with pytest.raises(PermissionDenied):
            assignments.create_assignments(
                s, reviewer, week=week, per_agent=1, rule="random", reviewer_ids=[1]
            )
        with pytest.raises(ReviewError, match="rule must be"):
            assignments.create_assignments(
                s, lead, week=week, per_agent=1, rule="best", reviewer_ids=[1]
            )
        ids = _user_ids(db, "reviewer", "admin")
        report = assignments.create_assignments(
            s, lead, week=week, per_agent=2, rule="low_score", reviewer_ids=ids, seed=7
        )
        # The lead of Support assigns Support's agents only, lowest AutoQA first.
        support = {c for n in ("Priya Nair", "Tom Reed", "Marco Silva", "Ana Costa", "Jo Baker")
                   for c in org.conversations.get(n, [])}  # fmt: skip
        mine = assignments.queue(s, reviewer) + assignments.queue(s, admin)
        assert report.created == len(mine) > 0
        assert {q.conversation_id for q in mine} <= support
        assert {q.reason for q in mine} == {"low_score"}
        assert abs(len(assignments.queue(s, reviewer)) - len(assignments.queue(s, admin))) <= 1
        for person, found in report.short:
            assert found < 2 and person
        # Reviewing an assigned conversation takes it off the queue.
        first = assignments.queue(s, reviewer)[0]
        save_review(s, reviewer, first.conversation_id, make_grades(50, None))
        left = assignments.queue(s, reviewer)
        assert first.conversation_id not in {q.conversation_id for q in left}
        assert any(q.done for q in assignments.queue(s, reviewer, include_done=True))
        # Running it again assigns nothing already assigned or reviewed.
        again = assignments.create_assignments(
            s, lead, week=week, per_agent=2, rule="low_score", reviewer_ids=ids
        )
        taken = {q.conversation_id for q in mine}
        now_all = assignments.queue(s, reviewer, include_done=True) + assignments.queue(s, admin)
        new = [q for q in now_all if q.conversation_id not in taken]
        assert len(new) == again.created
