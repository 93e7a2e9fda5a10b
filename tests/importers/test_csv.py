"""CSV, one row per message: streaming grouping, configurable headers, rows reported by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicecraft.importers import CsvColumns, SourceError, iter_raw
from tests.importers.conftest import read, reasons

HEADER = "conversation_id,role,author,department,timestamp,text\n"


def test_groups_rows_and_reports_bad_rows_with_renamed_headers(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "\ufeffticket,speaker,agent_name,team,when,body\n"  # BOM, renamed headers
        '1,customer,Sam,,2026-03-02T09:00:00,"My bill is wrong,\nplease help"\n'
        "1,Agent,Ana,billing,2026-03-02T09:05:00,I've corrected it.\n"
        "2,customer,Bo,,2026-03-02T10:00:00,Hello?\n"
        "2,robot,X,,2026-03-02T10:01:00,beep\n"
        "3,customer,Cy,,not a time,Hi\n"
        "\n"
        "1,customer,Sam,,2026-03-02T11:00:00,Again\n"
        "4,customer,Di,,,No time is fine\n",
        encoding="utf-8",
    )
    columns = CsvColumns(
        conversation_id="ticket",
        role="speaker",
        author="agent_name",
        department="team",
        timestamp="when",
        text="body",
    )
    good, bad = read(path, "csv", csv_columns=columns)
    assert [c.id for c in good] == ["1", "4"]
    first = good[0]
    assert first.messages[0].text == "My bill is wrong,\nplease help"
    assert [(m.role, m.author, m.department) for m in first.messages] == [
        ("customer", "Sam", None),
        ("agent", "Ana", "billing"),
    ]
    assert good[1].messages[0].at is None
    assert reasons(bad) == [
        ("line 6", "role must be one of customer, agent, system; got 'robot'"),
        ("line 7", "timestamp is not an ISO 8601 time: 'not a time'"),
        (
            "line 9",
            "rows of conversation '1' appear again after line 4; keep the rows of one conversation together",
        ),
    ]


def test_optional_channel_and_public_columns(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "conversation_id,role,text,channel,public\n"
        "t1,customer,Help,email,\n"
        "t1,agent,Internal: check the courier,,no\n"
        "t1,agent,On its way,,yes\n"
        "t2,agent,x,,maybe\n"
    )
    good, bad = read(path)
    (ticket,) = good
    assert ticket.channel == "email"
    assert [m.public for m in ticket.messages] == [True, False, True]
    assert reasons(bad) == [("line 5", "public must be true or false, got 'maybe'")]


def test_non_utf8_bytes_reject_their_conversation_only(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        HEADER.encode()
        + "a,customer,Zoë,,,caf\u00e9 is closed\n".encode("latin-1")
        + b"b,customer,Bo,,,fine\n"
    )
    good, bad = read(path)
    assert [c.id for c in good] == ["b"]
    assert reasons(bad) == [("line 2", "author is not valid UTF-8")]


def test_mixed_time_zones_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "zones.csv"
    path.write_text(
        HEADER
        + "a,customer,,,2026-03-02T09:00:00,hi\n"
        + "a,agent,,,,hello\n"
        + "a,agent,,,2026-03-02T09:05:00+00:00,still there?\n"
    )
    _, bad = read(path)
    assert reasons(bad) == [
        (
            "line 4",
            "timestamp has a time zone while earlier times do not; give every time a zone, or none",
        )
    ]


def test_short_rows_and_empty_ids(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(HEADER + "a,customer\n" + ",agent,,,,orphan\n")
    _, bad = read(path)
    assert reasons(bad) == [
        ("line 2", "the row has no text column"),
        ("line 3", "conversation id is empty"),
    ]


def test_an_oversized_field_loses_its_row_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + f'a,customer,,,,"{"x" * ((1 << 24) + 1)}"\n' + "b,customer,,,,ok\n")
    good, bad = read(path)
    assert [c.id for c in good] == ["b"]
    assert bad[0].location == "line 2" and bad[0].reason.startswith(
        "unreadable CSV row: field larger"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,who,what\n1,agent,hi\n", "CSV header has no column 'conversation_id', 'role', 'text'"),
        ("", "the file is empty"),
        ("\ufeff", "the file is empty"),
    ],
)
def test_file_level_problems_are_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(iter_raw(str(path)))
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_csv_needs_only_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "min.csv"
    path.write_text("text,role,conversation_id\nhello,customer,c1\n")
    (conversation,), bad = read(path)
    assert not bad and conversation.messages[0].text == "hello" and conversation.channel is None
