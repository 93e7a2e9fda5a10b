"""Survey links, answers from a CSV, the organisation's questions, and mailing, for real."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from servicecraft.cli import main
from servicecraft.service import surveys
from servicecraft.service.importing import import_files
from servicecraft.service.policy import PermissionDenied, Viewer
from servicecraft.service.survey_answers import import_answers
from servicecraft.store import Conversation, Database, SurveyLink, WeeklyStats, open_database


def _conversation(i: int, department: str, survey: dict[str, object] | None = None) -> str:
    record: dict[str, object] = {
        "id": f"c{i}",
        "messages": [
            {
                "role": "customer",
                "text": "Where is my parcel?",
                "author": f"customer{i}@example.com" if i % 2 == 0 else f"Customer {i}",
                "at": f"2026-03-0{1 + i % 5}T09:00:00+00:00",
            },
            {
                "role": "agent",
                "text": "It arrives tomorrow.",
                "author": f"Agent {department}",
                "department": department,
                "at": f"2026-03-0{1 + i % 5}T09:05:00+00:00",
            },
        ],
    }
    if survey is not None:
        record["survey"] = survey
    return json.dumps(record)


@pytest.fixture
def org(database_url: str, tmp_path: Path) -> Iterator[Database]:
    lines = [_conversation(i, "support" if i < 6 else "billing") for i in range(1, 9)]
    lines.append(_conversation(9, "support", {"csat": 5, "comment": "Great"}))
    path = tmp_path / "org.jsonl"
    path.write_text("\n".join(lines) + "\n")
    db = open_database(database_url)
    import_files(db, [str(path)])
    yield db
    db.close()


def _department(db: Database, name: str) -> int:
    return surveys.id_of(db, "department", name)


def test_links_are_unguessable_single_use_hashed_and_one_per_conversation(org: Database) -> None:
    token = surveys.create_link(org, "c1")
    assert len(token) >= 43  # 32 random bytes
    with org.session() as s:
        stored = set(s.execute(select(SurveyLink.token_hash)).scalars())
    assert token not in stored and surveys._hash(token) in stored
    assert surveys.open_link(org, token) == "c1"
    again = surveys.create_link(org, "c1")  # the first was lost: it stops working
    with pytest.raises(surveys.SurveyClosed):
        surveys.open_link(org, token)
    surveys.answer(org, again, surveys.SurveyAnswer(csat=4, ces=6, nps=9, comment="Quick"))
    with org.session() as s:
        row = s.get(Conversation, "c1")
        assert row is not None and (row.csat, row.ces, row.nps) == (4.0, 6.0, 9)
        assert s.execute(select(SurveyLink).where(SurveyLink.conversation_id == "c1")).scalar_one()
    for closed in (again, again[:-1] + ("A" if again[-1] != "A" else "B")):
        with pytest.raises(surveys.SurveyClosed):
            surveys.answer(org, closed, surveys.SurveyAnswer(csat=1))
    with pytest.raises(surveys.AlreadySurveyed):
        surveys.create_link(org, "c1")
    with pytest.raises(surveys.AlreadySurveyed):  # answered in its source
        surveys.create_link(org, "c9")
    with pytest.raises(LookupError):
        surveys.create_link(org, "nope")
    with pytest.raises(ValueError, match="ces must be from 1 to 7"):
        surveys.SurveyAnswer(ces=8)
    with pytest.raises(ValueError, match="answer at least one question"):
        surveys.SurveyAnswer()


def test_links_for_a_filter_skip_surveyed_and_respect_scope(org: Database) -> None:
    support = _department(org, "Support")
    lead = Viewer(role="lead", department_id=support)
    surveys.create_link(org, "c2")
    batch = surveys.create_links(org, lead, surveys.Selection())
    made = {link.conversation_id for link in batch.created}
    assert made == {"c1", "c3", "c4", "c5"}  # c2 linked, c9 answered, c6-c8 billing
    assert batch.skipped == 2
    customers = {link.conversation_id: link.customer for link in batch.created}
    assert customers["c4"] == "customer4@example.com" and customers["c3"] == "Customer 3"
    assert surveys.open_link(org, batch.created[0].token) == batch.created[0].conversation_id
    assert surveys.create_links(org, lead, surveys.Selection()).created == ()
    with pytest.raises(PermissionDenied):
        surveys.create_links(org, Viewer(role="agent", person_id=1), surveys.Selection())
    with pytest.raises(PermissionDenied):
        surveys.create_links(org, Viewer(role="reviewer"), surveys.Selection())
    with pytest.raises(LookupError):  # a lead cannot survey another department's customers
        surveys.create_link(org, "c7", lead)
    limited = surveys.create_links(org, Viewer(role="admin"), surveys.Selection(limit=2))
    assert len(limited.created) == 2


def test_answers_csv_reports_each_bad_line_and_accounts_for_every_line(org: Database) -> None:
    surveys.create_link(org, "c2")
    data = (
        "Conversation_ID,csat,ces,nps,comment\n"
        "c1,5,7,10,Lovely\n"  # line 2: stored
        "c2,2,,,\n"  # line 3: stored, and its link is spent
        "\n"  # line 4: blank
        "c3,6,,,\n"  # line 5: out of range
        "c4,abc,,,\n"  # line 6: not a number
        "c5,4,5\n"  # line 7: too few fields
        "nope,4,,,\n"  # line 8: unknown conversation
        ",4,,,\n"  # line 9: no id
        "c6,,,,\n"  # line 10: nothing answered
        'c7,3,,,"two\nlines"\n'  # lines 11-12: stored, with a comment over two lines
        "c8,4,,,caf\xe9\n"  # line 13: not UTF-8 (encoded below as Latin-1)
        "c9,5,,,Great\n"  # line 14: the same answer again
        'c1,4,7,10,"unterminated\n'  # lines 15-16: malformed quote
        "c3,4,,,\n"  # swallowed by the open quote: reported within lines 15-16
    ).encode("latin-1")
    report = import_answers(org, data, "answers.csv")
    reasons = {r.location: r.reason for r in report.rejections}
    assert reasons == {
        "line 5": "csat must be a whole number from 1 to 5, got '6'",
        "line 6": "csat must be a whole number from 1 to 5, got 'abc'",
        "line 7": "expected 5 fields as in the header, got 3",
        "line 8": "no conversation 'nope'",
        "line 9": "no conversation id",
        "line 10": "answer at least one question",
        "line 13": "not UTF-8 text",
        "lines 15-16": "malformed CSV: unexpected end of data",
    }
    assert (report.stored, report.updated, report.unchanged) == (3, 0, 1)
    assert report.lines == 16 and report.blank == 1
    # Every line: the header, the blank one, and 12 records, two of which span two lines.
    assert report.records == 12 and report.lines == 1 + report.blank + report.records + 2
    with org.session() as s:
        c7 = s.get(Conversation, "c7")
        assert c7 is not None and c7.survey_comment == "two\nlines"
        assert sum(s.execute(select(WeeklyStats.surveyed)).scalars()) == 4
    with pytest.raises(surveys.AlreadySurveyed):
        surveys.create_link(org, "c2")
    again = import_answers(org, b"id,csat\nc1,3\n", "more.csv")
    assert (again.updated, again.rejected, again.lines) == (1, 0, 2)


def test_questions_can_be_reworded_and_turned_off(org: Database) -> None:
    surveys.set_question(org, "csat", text="Were you happy with us?")
    surveys.set_question(org, "nps", enabled=False)
    with org.session() as s:
        shown = {q.key: q for q in surveys.questions(s)}
    assert shown["csat"].text == "Were you happy with us?" and not shown["nps"].enabled
    assert shown["ces"].text == surveys.DEFAULT_QUESTIONS["ces"] and shown["ces"].scale == (1, 7)
    for key in ("csat", "ces"):
        surveys.set_question(org, key, enabled=False)
    with pytest.raises(ValueError, match="at least one question must stay on"):
        surveys.set_question(org, "comment", enabled=False)
    with pytest.raises(ValueError, match="unknown question"):
        surveys.set_question(org, "mood", text="?")


def test_cli_creates_links_as_csv_and_imports_answers(org: Database, tmp_path: Path) -> None:
    url = str(org.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    out = tmp_path / "links.csv"
    result = runner.invoke(
        main,
        [
            "surveys",
            "create",
            "--db",
            url,
            "--department",
            "Billing",
            "--base-url",
            "https://service.example.com/",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["conversation_id"] for r in rows] == ["c6", "c7", "c8"]
    assert rows[0]["customer"] == "customer6@example.com"
    assert rows[0]["link"].startswith("https://service.example.com/survey/")
    assert surveys.open_link(org, rows[0]["link"].rsplit("/", 1)[1]) == "c6"
    assert "created 3 survey links; skipped 0" in result.stderr
    printed = runner.invoke(
        main, ["surveys", "create", "--db", url, "--id", "c1", "--base-url", "http://x"]
    )
    assert list(csv.reader(io.StringIO(printed.stdout)))[1][0] == "c1"
    unknown = runner.invoke(
        main, ["surveys", "create", "--db", url, "--team", "Nope", "--base-url", "x"]
    )
    assert unknown.exit_code == 1 and "no team named 'Nope'" in unknown.output
    answers = tmp_path / "answers.csv"
    answers.write_text("conversation_id,csat\nc6,4\nc7,9\n")
    imported = runner.invoke(main, ["surveys", "import", str(answers), "--db", url])
    assert imported.exit_code == 1
    assert "rejected " + str(answers) + ":line 3: csat must be" in imported.stderr
    assert (
        "read 3 lines: 2 answers (stored 1, updated 0, unchanged 0, rejected 1), 0 blank"
        in imported.stderr
    )
    shown = runner.invoke(
        main, ["surveys", "questions", "--db", url, "--set", "ces=Was it easy?", "--off", "nps"]
    )
    assert shown.exit_code == 0 and "ces      on   Was it easy? (1-7)" in shown.stdout
    assert "nps      off" in shown.stdout


class _Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        self.messages.append((list(envelope.rcpt_tos), content.decode()))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def test_links_are_mailed_only_when_smtp_is_configured(
    org: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    url = str(org.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    args = ["surveys", "create", "--db", url, "--base-url", "https://s.example.com", "--send"]
    monkeypatch.delenv("SERVICECRAFT_SMTP_HOST", raising=False)
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "no SMTP server configured" in refused.output
    with org.session() as s:
        assert s.execute(select(SurveyLink)).first() is None  # nothing made, nothing lost
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=8025)
    controller.start()
    try:
        monkeypatch.setenv("SERVICECRAFT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SERVICECRAFT_SMTP_PORT", "8025")
        monkeypatch.setenv("SERVICECRAFT_SMTP_FROM", "surveys@example.com")
        sent = runner.invoke(main, [*args, "--id", "c2", "--id", "c3", "--id", "c4"])
    finally:
        controller.stop()
    assert sent.exit_code == 0, sent.output
    assert "mailed 2; not mailed 1" in sent.stderr
    assert "not mailed c3: no email address for the customer" in sent.stderr
    assert sorted(to for to, _ in inbox.messages) == [
        ["customer2@example.com"],
        ["customer4@example.com"],
    ]
    body = inbox.messages[0][1]
    link = next(word for word in body.split() if word.startswith("https://s.example.com/survey/"))
    assert surveys.open_link(org, link.rsplit("/", 1)[1]) in {"c2", "c4"}
    with org.session() as s:
        mailed = s.execute(
            select(SurveyLink.conversation_id).where(SurveyLink.sent_at.is_not(None))
        )
        assert sorted(mailed.scalars()) == ["c2", "c4"]


def test_import_can_create_links_for_new_conversations(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(_conversation(1, "support") + "\n" + _conversation(2, "support") + "\n")
    links = tmp_path / "links.csv"
    args = ["import", str(path), "--db", database_url, "--survey-links", str(links)]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 2  # no --base-url
    first = runner.invoke(main, [*args, "--base-url", "https://s.example.com"])
    assert first.exit_code == 0, first.output
    with links.open() as handle:
        assert [r["conversation_id"] for r in csv.DictReader(handle)] == ["c1", "c2"]
    path.write_text(path.read_text() + _conversation(3, "support") + "\n")
    again = runner.invoke(main, [*args, "--base-url", "https://s.example.com"])
    assert again.exit_code == 0, again.output
    with links.open() as handle:
        assert [r["conversation_id"] for r in csv.DictReader(handle)] == ["c3"]  # only the new


def test_an_unreachable_smtp_server_loses_no_link() -> None:
    from servicecraft.service.survey_mail import SmtpSettings, send_links

    links = [
        surveys.CreatedLink("a", "someone@example.com", "t1"),
        surveys.CreatedLink("b", "Someone", "t2"),
    ]
    settings = SmtpSettings(host="127.0.0.1", port=8026, sender="s@example.com")  # nothing there
    report = send_links(settings, links, "https://s.example.com", 30)
    assert report.sent == []
    reasons = dict(report.not_sent)
    assert reasons["b"] == "no email address for the customer"
    assert reasons["a"].startswith("SMTP server unreachable")
