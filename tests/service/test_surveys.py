from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicecraft.service import surveys
from servicecraft.service.importing import import_files
from servicecraft.store import Conversation, open_database


def test_links_are_unguessable_single_use_and_stored_hashed(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "c1",
                "messages": [
                    {"role": "customer", "text": "hi"},
                    {"role": "agent", "text": "Hello!"},
                ],
            }
        )
        + "\n"
    )
    db = open_database(database_url)
    try:
        import_files(db, [str(path)])
        token = surveys.create_link(db, "c1")
        other = surveys.create_link(db, "c1")
        assert token != other and len(token) >= 43  # 32 random bytes
        with db.session() as s:
            stored = {row for (row,) in s.execute(surveys.select(surveys.SurveyLink.token_hash))}
        assert token not in stored and surveys._hash(token) in stored
        assert surveys.open_link(db, token) == "c1"
        surveys.answer(db, token, surveys.SurveyAnswer(csat=4, nps=9))
        with db.session() as s:
            assert s.get(Conversation, "c1").csat == 4.0  # type: ignore[union-attr]
        with pytest.raises(surveys.SurveyClosed):
            surveys.answer(db, token, surveys.SurveyAnswer(csat=1))
        with pytest.raises(surveys.SurveyClosed):
            surveys.open_link(db, token)
        with pytest.raises(surveys.SurveyClosed):
            surveys.open_link(db, token[:-1] + ("A" if token[-1] != "A" else "B"))
        with pytest.raises(LookupError):
            surveys.create_link(db, "nope")
        with pytest.raises(ValueError, match="csat must be from 1 to 5"):
            surveys.SurveyAnswer(csat=6)
    finally:
        db.close()
