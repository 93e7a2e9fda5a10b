"""Survey figures per person, team and department: shares, means, trends and comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicecraft.service import surveys
from servicecraft.service.importing import import_files
from servicecraft.service.policy import PermissionDenied, Viewer
from servicecraft.service.survey_answers import import_answers
from servicecraft.service.survey_figures import (
    conversation_survey,
    survey_comments,
    survey_summary,
)
from servicecraft.store import open_database

from .test_surveys import _conversation


def test_figures_add_up_and_comments_come_low_first(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "org.jsonl"
    path.write_text("\n".join(_conversation(i, "support") for i in range(1, 9)) + "\n")
    db = open_database(database_url)
    try:
        import_files(db, [str(path)])
        for cid in ("c1", "c2", "c3", "c4", "c5", "c6", "c7"):
            surveys.create_link(db, cid)
        token = surveys.create_link(db, "c8")
        surveys.answer(db, token, surveys.SurveyAnswer(csat=2, ces=3, nps=4, comment="Slow"))
        report = import_answers(
            db,
            b"id,csat,ces,nps,comment\n"
            b"c1,5,7,10,Brilliant\n"
            b"c2,4,6,9,\n"
            b"c3,1,2,0,Nobody helped\n"
            b"c4,5,,7,\n",
            "answers.csv",
        )
        assert report.stored == 4
        admin = Viewer(role="admin")
        with db.session() as session:
            summary = survey_summary(session, admin)
            t = summary.totals
            assert (t.asked, t.answered_asked, t.answered) == (8, 5, 5)
            assert t.response_rate == pytest.approx(5 / 8)
            assert t.csat_mean == pytest.approx(17 / 5) and t.top_two_box == pytest.approx(3 / 5)
            assert t.ces_mean == pytest.approx(18 / 4) and t.easy_share == pytest.approx(2 / 4)
            # promoters: c1, c2; detractors: c3 (0), c8 (4); c4 (7) is passive
            assert t.promoters_minus_detractors == pytest.approx(0.0)
            assert sum(w.answered for _, w in summary.weeks) == 5
            assert [w for w, _ in summary.weeks] == sorted(w for w, _ in summary.weeks)
            comments = survey_comments(session, admin)
            assert [c.comment for c in comments] == ["Nobody helped", "Slow", "Brilliant"]
            assert [c.comment for c in survey_comments(session, admin, max_csat=2)] == [
                "Nobody helped",
                "Slow",
            ]
            assert conversation_survey(session, admin, "c8").state == "answered"
            assert conversation_survey(session, admin, "c8").comment == "Slow"
            assert conversation_survey(session, admin, "c5").state == "asked"
            stranger = Viewer(role="agent", person_id=999)
            assert survey_summary(session, stranger).totals.asked == 0
            assert survey_comments(session, stranger) == ()
            with pytest.raises(PermissionDenied):
                conversation_survey(session, stranger, "c8")
            with pytest.raises(ValueError):
                survey_comments(session, admin, order="random")
    finally:
        db.close()
