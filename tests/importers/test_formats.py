"""Each importer: good records in, malformed ones reported with file, line and reason, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicecraft.importers import (
    CsvColumns,
    SourceError,
    conversation_from_dict,
    conversation_to_dict,
    detect_format,
    iter_raw,
    read_conversations,
    sample_path,
)
from servicecraft.model import Conversation, Rejection


def split(items: list[Conversation | Rejection]) -> tuple[list[Conversation], list[Rejection]]:
    return [i for i in items if isinstance(i, Conversation)], [
        i for i in items if isinstance(i, Rejection)
    ]


def test_jsonl_good_bad_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"  # a BOM on the first line
        + json.dumps({"id": "a", "messages": [{"role": "customer", "text": "hi"}]}).encode()
        + b"\n\n"
        + b'{"id": "b", "messages": [{"role": "bot", "text": "x"}]}\n'
        + b"{not json\n"
        + json.dumps(
            {
                "id": 7,
                "channel": "chat",
                "messages": [{"role": "agent", "text": "ok", "at": "2026-03-02T09:00:00Z"}],
                "survey": {"csat": 4},
            }
        ).encode()
        + b"\n"
        + b'{"id": "c", "messages": [{"role": "agent"}]}\n'
        + b'{"id": "d", "messages": [], "survey": {"nps": 11}}\n'
        + b'{"id": "e", "messages": [{"role": "agent", "text": "x", "at": "yesterday"}]}\n'
        + b'{"id": "f", "messages": [{"role": "agent", "text": "\xff"}]}\n'
    )
    good, bad = split(list(read_conversations([str(path)])))
    assert [c.id for c in good] == ["a", "7"]
    assert (
        good[1].messages[0].at is not None
        and good[1].survey is not None
        and good[1].survey.csat == 4
    )
    reasons = {r.location: r.reason for r in bad}
    assert all(r.source == str(path) for r in bad)
    assert reasons == {
        "line 3": "messages[0].role must be one of customer, agent, system; got 'bot'",
        "line 4": reasons["line 4"],
        "line 6": "messages[0].text must be a string, got nothing",
        "line 7": "survey.nps must be a number from 0 to 10, got 11",
        "line 8": "messages[0].at is not an ISO 8601 time: 'yesterday'",
        "line 9": "invalid JSON: not valid UTF-8",
    }
    assert reasons["line 4"].startswith("invalid JSON")


def test_round_trip(tmp_path: Path) -> None:
    for conversation in read_conversations([sample_path()]):
        assert isinstance(conversation, Conversation)
        assert conversation_from_dict(conversation_to_dict(conversation)) == conversation


def test_csv_groups_rows_and_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "\ufeffticket,speaker,agent_name,team,when,body\n"
        '1,customer,Sam,,2026-03-02T09:00:00,"My bill is wrong,\nplease help"\n'
        "1,agent,Ana,billing,2026-03-02T09:05:00,I've corrected it.\n"
        "2,customer,Bo,,2026-03-02T10:00:00,Hello?\n"
        "2,robot,X,,2026-03-02T10:01:00,beep\n"
        "3,customer,Cy,,not a time,Hi\n"
        "\n"
        "1,customer,Sam,,2026-03-02T11:00:00,Again\n",
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
    good, bad = split(list(read_conversations([str(path)], "csv", csv_columns=columns)))
    assert [c.id for c in good] == ["1"]
    assert good[0].messages[0].text == "My bill is wrong,\nplease help"
    assert good[0].messages[1].department == "billing"
    assert [(r.location, r.reason) for r in bad] == [
        ("line 6", "role must be one of customer, agent, system; got 'robot'"),
        ("line 7", "timestamp is not an ISO 8601 time: 'not a time'"),
        (
            "line 9",
            "rows of conversation '1' appear again after line 4; keep the rows of one conversation together",
        ),
    ]


def test_csv_missing_columns_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,who,what\n1,agent,hi\n")
    with pytest.raises(SourceError) as info:
        list(iter_raw(str(path)))
    assert str(info.value) == f"{path}: CSV header has no column 'conversation_id', 'role', 'text'"


def test_dch_streams_and_reports_truncation(tmp_path: Path) -> None:
    dialogues = [
        {
            "id": 1,
            "turns": [
                {"sender": "customer", "utterances": ["Broken", "again"]},
                {"sender": "helpdesk", "utterances": ["Sorry"]},
            ],
        },
        {"id": 2, "turns": [{"sender": "robot", "utterances": ["x"]}]},
        {"id": 3, "turns": [{"sender": "customer", "utterances": ["hi"]}]},
    ]
    path = tmp_path / "dch.json"
    path.write_text(json.dumps(dialogues)[:-30])  # cut in the middle of the third
    assert detect_format(str(path)) == "dch"
    good, bad = split(list(read_conversations([str(path)])))
    assert [c.id for c in good] == ["1"]
    assert good[0].messages[0].text == "Broken\nagain" and good[0].messages[1].role == "agent"
    assert [(r.location, r.reason) for r in bad] == [
        ("record 2", "turns[0].sender must be 'customer' or 'helpdesk', got 'robot'"),
        ("record 3", "the file ends in the middle of this record"),
    ]


ZENDESK_TICKET = {
    "id": 101,
    "status": "solved",
    "requester_id": 1,
    "group_id": 9,
    "via": {"channel": "email"},
    "satisfaction_rating": {"score": "good", "comment": "quick"},
    "tags": ["refund"],
    "comments": [
        {
            "id": 1,
            "author_id": 1,
            "body": "Refund please",
            "public": True,
            "created_at": "2026-03-02T09:00:00Z",
        },
        {
            "id": 2,
            "author_id": 2,
            "body": "Checking with finance",
            "public": False,
            "created_at": "2026-03-02T09:10:00Z",
        },
        {
            "id": 3,
            "author_id": 2,
            "body": "I've refunded it.",
            "public": True,
            "created_at": "2026-03-02T09:30:00Z",
        },
    ],
}


@pytest.mark.parametrize("indent", [None, 2])
def test_zendesk_document_with_sideloads(tmp_path: Path, indent: int | None) -> None:
    doc = {
        "tickets": [ZENDESK_TICKET, {"id": 102, "comments": "nope"}],
        "users": [
            {"id": 1, "name": "Sam", "role": "end-user"},
            {"id": 2, "name": "Ana", "role": "agent"},
        ],
        "groups": [{"id": 9, "name": "Billing"}],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc, indent=indent))  # pretty-printed exports are not NDJSON
    assert detect_format(str(path)) == "zendesk"
    good, bad = split(list(read_conversations([str(path)])))
    (ticket,) = good
    assert ticket.id == "zendesk-101" and ticket.channel == "email" and ticket.status == "solved"
    assert [(m.role, m.author, m.public) for m in ticket.messages] == [
        ("customer", "Sam", True),
        ("agent", "Ana", False),
        ("agent", "Ana", True),
    ]
    assert ticket.messages[2].department == "Billing"
    assert ticket.survey is not None and ticket.survey.csat == 5.0
    assert [(r.location, r.reason) for r in bad] == [
        ("record 2", "ticket 102: comments must be a list, got str")
    ]


def test_zendesk_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    inline = dict(
        ZENDESK_TICKET,
        comments=[
            dict(
                c,
                author={
                    "name": "Sam" if c["author_id"] == 1 else "Ana",
                    "role": "end-user" if c["author_id"] == 1 else "agent",
                },
            )
            for c in ZENDESK_TICKET["comments"]
        ],
    )  # type: ignore[arg-type]
    path.write_text(json.dumps(inline) + "\n")
    assert detect_format(str(path)) == "zendesk"
    (ticket,) = list(read_conversations([str(path)]))
    assert isinstance(ticket, Conversation)
    assert ticket.messages[0].role == "customer" and ticket.messages[1].author == "Ana"
    assert ticket.messages[1].department == "group_9"


def test_examples_folder_scores_with_the_documented_rejections() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    good, bad = split(
        list(
            read_conversations(
                [str(root / n) for n in ("chats.csv", "zendesk.json", "malformed.jsonl")]
            )
        )
    )
    assert [c.id for c in good] == ["ord-1001", "ord-1002", "zendesk-35436", "ok-1", "ok-2"]
    assert [r.location for r in bad] == ["line 2", "line 3", "line 4"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file"),
        ("empty.json", b"", "the file is empty"),
        ("weird.json", b"[1, 2, 3]", "a JSON array of unknown records"),
        ("notes.txt", b"hello world", "cannot tell the format"),
    ],
)
def test_unreadable_sources_are_one_line(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        list(iter_raw(str(path)))
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_directory_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        list(iter_raw(str(tmp_path), "jsonl"))


def test_streaming_yields_before_reading_everything(tmp_path: Path) -> None:
    """The first record arrives although the rest of a 20 MB file is not yet read."""
    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "messages": [{"role": "customer", "text": "y" * 1000}]}) + "\n"
    path.write_text(line * 20_000)
    records = iter_raw(str(path))
    first = next(records)
    assert not isinstance(first, Rejection) and first.location == "line 1"
