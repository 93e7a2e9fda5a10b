"""Reviews, acknowledgements, disputes and their audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from servicecraft.service import disputes
from servicecraft.service.policy import PermissionDenied
from servicecraft.service.reviews import (
    Grades,
    ReviewError,
    acknowledge,
    inbox,
    make_grades,
    reviews_of,
    save_review,
)
from servicecraft.store import Conversation, Database
from tests.review.conftest import viewer
from tests.web.conftest import Org


def test_grades_are_checked() -> None:
    g = make_grades(72, {"empathy": 40, "solution": None}, "  fine  ")
    assert g == Grades(72.0, {"empathy": 40.0, "solution": None}, "fine")
    for score, skills, message in [
        (101, None, "from 0 to 100"),
        (-1, None, "from 0 to 100"),
        (True, None, "must be a number"),
        ("70", None, "must be a number"),
        (None, {"charm": 50}, "unknown skill 'charm'"),
        (None, {"empathy": float("nan")}, "from 0 to 100"),
        (None, None, "give the overall, a skill \\(or N/A\\), or a comment"),
    ]:
        with pytest.raises(ReviewError, match=message):
            make_grades(score, skills)


def test_review_acknowledge_dispute_accept_with_audit(db: Database, org: Org) -> None:
    cid = org.conversations["Priya Nair"][0]
    reviewer, priya, tom, lead = (viewer(db, u) for u in ("reviewer", "priya", "tom", "lead"))
    with db.session() as s:
        autoqa = s.get(Conversation, cid).score  # type: ignore[union-attr]
        review = save_review(s, reviewer, cid, make_grades(60, {"empathy": 50}, "Cold start"))
        rid = review.id
        # AutoQA is untouched by a human review: the two stay apart.
        assert s.get(Conversation, cid).score == autoqa  # type: ignore[union-attr]
        with pytest.raises(PermissionDenied):
            save_review(s, priya, cid, make_grades(100, None))  # agents do not grade

    with db.session() as s:
        [item] = inbox(s, priya)
        assert (item.review_id, item.acknowledged, item.dispute) == (rid, False, None)
        assert inbox(s, tom) == []  # not Tom's conversation
        with pytest.raises(PermissionDenied):
            acknowledge(s, tom, rid)
        acknowledge(s, priya, rid)
        with pytest.raises(ReviewError, match="needs a reason"):
            disputes.open_dispute(s, priya, rid, make_grades(None, {"empathy": 80}), "  ")
        with pytest.raises(ReviewError, match="differs"):
            disputes.open_dispute(s, priya, rid, make_grades(60, {"empathy": 50}), "same")
        dispute = disputes.open_dispute(
            s, priya, rid, make_grades(None, {"empathy": 80}), "I apologised twice"
        )
        with pytest.raises(ReviewError, match="already has an open dispute"):
            disputes.open_dispute(s, priya, rid, make_grades(70, None), "again")
        # The reviewer and the lead of Support see it waiting; Tom may not decide.
        assert [i.review_id for i in inbox(s, reviewer)] == [rid]
        assert [i.review_id for i in inbox(s, lead)] == [rid]
        with pytest.raises(PermissionDenied):
            disputes.resolve_dispute(s, tom, dispute.id, accept=True, reason="sure")
        with pytest.raises(ReviewError, match="needs a reason"):
            disputes.resolve_dispute(s, lead, dispute.id, accept=True, reason="")
        disputes.resolve_dispute(s, lead, dispute.id, accept=True, reason="Both apologies count")
        with pytest.raises(ReviewError, match="already accepted"):
            disputes.resolve_dispute(s, reviewer, dispute.id, accept=False, reason="no")

    with db.session() as s:
        [view] = reviews_of(s, priya, cid)
        assert view.score == 60 and view.skills == {"empathy": 80.0}
        assert view.acknowledged_at is not None and not view.may_acknowledge
        assert view.disputes[0]["status"] == "accepted"
        assert view.disputes[0]["resolution"] == "Both apologies count"
        trail = [(e["actor"], e["action"], e["field"], e["old"], e["new"]) for e in view.events]
        assert trail == [
            ("reviewer", "created", None, None, None),
            ("reviewer", "graded", "overall", None, "60"),
            ("reviewer", "graded", "empathy", None, "50"),
            ("reviewer", "graded", "comment", None, "Cold start"),
            ("priya", "acknowledged", None, None, None),
            ("priya", "disputed", "empathy", "50", "80"),
            ("lead", "accepted", None, None, None),
            ("lead", "changed by dispute", "empathy", "50", "80"),
        ]
        assert all(e["at"] is not None for e in view.events)
        with pytest.raises(PermissionDenied):
            reviews_of(s, tom, cid)


def test_rejected_dispute_keeps_the_grades_and_regrading_is_audited(db: Database, org: Org) -> None:
    cid = org.conversations["Priya Nair"][0]
    reviewer, priya = viewer(db, "reviewer"), viewer(db, "priya")
    with db.session() as s:
        rid = save_review(s, reviewer, cid, make_grades(55, {"solution": 40})).id
        d = disputes.open_dispute(s, priya, rid, make_grades(None, {"solution": None}), "N/A here")
        disputes.resolve_dispute(s, reviewer, d.id, accept=False, reason="A solution was due")
        # The reviewer changes their mind later: one review, its changes in the trail.
        save_review(s, reviewer, cid, make_grades(65, {"solution": 40}))
    with db.session() as s:
        [view] = reviews_of(s, reviewer, cid)
        assert (view.score, view.skills) == (65.0, {"solution": 40.0})
        assert view.disputes[0]["status"] == "rejected"
        assert ("graded", "overall", "55", "65") in [
            (e["action"], e["field"], e["old"], e["new"]) for e in view.events
        ]
        assert ("disputed", "solution", "40", "N/A") in [
            (e["action"], e["field"], e["old"], e["new"]) for e in view.events
        ]


def test_lead_grades_only_their_scope(db: Database, org: Org) -> None:
    lead = viewer(db, "lead")  # Support department
    with db.session() as s:
        save_review(s, lead, org.conversations["Priya Nair"][0], make_grades(70, None))
        with pytest.raises(PermissionDenied):
            save_review(s, lead, org.conversations["Luis Gomez"][0], make_grades(70, None))
        with pytest.raises(LookupError):
            save_review(s, lead, "no-such-conversation", make_grades(70, None))
