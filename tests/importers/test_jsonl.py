"""JSONL, the interchange format: validation with precise reasons, and the dict round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecraft.importers import (
    RawRecord,
    conversation_from_dict,
    conversation_to_dict,
    parse_raw,
    read_conversations,
    sample_path,
)
from servicecraft.model import Conversation, Message, Rejection, Survey
from tests.importers.conftest import read, reasons


def line(record: object) -> bytes:
    return json.dumps(record).encode() + b"\n"


def test_good_bad_blank_lines_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"  # a byte-order mark on the first line
        + line({"id": "a", "messages": [{"role": "customer", "text": "hi"}]})
        + b"\n   \n"
        + line({"id": "b", "messages": [{"role": "bot", "text": "x"}]})
        + b"{not json\n"
        + line(
            {
                "id": 7,
                "channel": "chat",
                "messages": [{"role": "agent", "text": "ok", "at": "2026-03-02T09:00:00Z"}],
                "survey": {"csat": 4},
            }
        )
        + line({"id": "c", "messages": [{"role": "agent"}]})
        + line({"id": "d", "messages": [], "survey": {"nps": 11}})
        + line({"id": "e", "messages": [{"role": "agent", "text": "x", "at": "yesterday"}]})
        + b'{"id": "f", "messages": [{"role": "agent", "text": "\xff"}]}\n'
        + line({"id": "g", "messages": [{"role": "customer", "text": "last"}]}).rstrip(b"\n")
    )
    good, bad = read(path)
    assert [c.id for c in good] == ["a", "7", "g"]  # file order; int ids become text
    assert good[1].messages[0].at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert good[1].survey == Survey(csat=4.0)
    assert all(r.source == str(path) for r in bad)
    assert reasons(bad) == [
        ("line 4", "messages[0].role must be one of customer, agent, system; got 'bot'"),
        ("line 5", "invalid JSON: unexpected character, expected a string key at character 2"),
        ("line 7", "messages[0].text must be a string, got nothing"),
        ("line 8", "survey.nps must be a number from 0 to 10, got 11"),
        ("line 9", "messages[0].at is not an ISO 8601 time: 'yesterday'"),
        ("line 10", "invalid JSON: not valid UTF-8"),
    ]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ([1, 2], "a conversation must be a JSON object, got list"),
        ({"messages": []}, "id must be a non-empty string, got None"),
        ({"id": "  ", "messages": []}, "id must be a non-empty string, got '  '"),
        ({"id": True, "messages": []}, "id must be a non-empty string, got True"),
        ({"id": "x"}, "messages must be a list, got nothing"),
        ({"id": "x", "messages": {}}, "messages must be a list, got dict"),
        ({"id": "x", "messages": ["hi"]}, "messages[0] must be an object, got str"),
        (
            {"id": "x", "messages": [{"role": "agent", "text": "a"}, {"role": "bot", "text": "b"}]},
            "messages[1].role must be one of customer, agent, system; got 'bot'",
        ),
        (
            {"id": "x", "messages": [{"role": "agent", "text": 3}]},
            "messages[0].text must be a string, got int",
        ),
        (
            {"id": "x", "messages": [{"role": "agent", "text": "a", "author": ["Ann"]}]},
            "messages[0].author must be a string, got list",
        ),
        (
            {"id": "x", "messages": [{"role": "agent", "text": "a", "public": "no"}]},
            "messages[0].public must be true or false, got 'no'",
        ),
        (
            {"id": "x", "messages": [{"role": "agent", "text": "a", "at": 1700000000}]},
            "messages[0].at must be an ISO 8601 string, got int",
        ),
        (
            {
                "id": "x",
                "messages": [
                    {"role": "customer", "text": "a", "at": "2026-03-02T09:00:00Z"},
                    {"role": "agent", "text": "b", "at": "2026-03-02T09:05:00"},
                ],
            },
            "messages[1].at lacks a time zone while earlier times do; give every time a zone, or none",
        ),
        ({"id": "x", "messages": [], "survey": 5}, "survey must be an object, got int"),
        (
            {"id": "x", "messages": [], "survey": {"csat": 0}},
            "survey.csat must be a number from 1 to 5, got 0",
        ),
        (
            {"id": "x", "messages": [], "survey": {"csat": True}},
            "survey.csat must be a number from 1 to 5, got True",
        ),
        (
            {"id": "x", "messages": [], "survey": {"ces": 8}},
            "survey.ces must be a number from 1 to 7, got 8",
        ),
        (
            {"id": "x", "messages": [], "survey": {"nps": 7.5}},
            "survey.nps must be a whole number from 0 to 10, got 7.5",
        ),
        (
            {"id": "x", "messages": [], "survey": {"comment": 1}},
            "survey.comment must be a string, got int",
        ),
        ({"id": "x", "messages": [], "tags": "vip"}, "tags must be a list of strings"),
        ({"id": "x", "messages": [], "channel": {}}, "channel must be a string, got dict"),
    ],
)
def test_invalid_records_say_exactly_what_is_wrong(record: object, reason: str) -> None:
    raw = RawRecord("jsonl", "in.jsonl", "line 3", json.dumps(record).encode())
    assert parse_raw(raw) == Rejection("in.jsonl", "line 3", reason)


def test_lenient_where_it_loses_nothing() -> None:
    conversation = conversation_from_dict(
        {
            "id": 42,
            "channel": "chat",
            "messages": [
                {"role": "customer", "text": "hi", "author": 1001, "at": " 2026-03-02T09:00:00z "},
                {"role": "agent", "text": "hello", "author": "", "department": None, "at": ""},
                {
                    "role": "system",
                    "text": "closed",
                    "public": False,
                    "at": "2026-03-02T10:00:00+01:00",
                },
            ],
            "survey": {"csat": 4.5, "nps": 9, "ces": 2, "comment": ""},
            "unknown": "ignored",
        }
    )
    first, second, third = conversation.messages
    assert conversation.id == "42" and first.author == "1001"
    assert first.at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert second.author is None and second.at is None
    assert third.at is not None and third.at.utcoffset() == timedelta(hours=1) and not third.public
    assert conversation.survey == Survey(csat=4.5, nps=9, ces=2.0, comment=None)


def test_bundled_sample_round_trips() -> None:
    count = 0
    for conversation in read_conversations([sample_path()]):
        assert isinstance(conversation, Conversation)
        assert conversation_from_dict(conversation_to_dict(conversation)) == conversation
        count += 1
    assert count > 300


names = st.none() | st.text(min_size=1, max_size=12)
times = st.none() | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
messages = st.builds(
    Message,
    role=st.sampled_from(["customer", "agent", "system"]),
    text=st.text(max_size=40),
    author=names,
    department=names,
    at=times,
    public=st.booleans(),
)
surveys = st.none() | st.builds(
    Survey,
    csat=st.none() | st.integers(1, 5).map(float),
    nps=st.none() | st.integers(0, 10),
    ces=st.none() | st.floats(1, 7),
    comment=names,
)
conversations = st.builds(
    Conversation,
    id=st.text(min_size=1, max_size=10).filter(lambda s: not s.isspace()),
    messages=st.lists(messages, max_size=5),
    channel=names,
    survey=surveys,
    tags=st.lists(st.text(max_size=8), max_size=3),
    status=names,
)


@settings(max_examples=200, deadline=None)
@given(conversation=conversations)
def test_dict_round_trip_through_json(conversation: Conversation) -> None:
    data = json.loads(json.dumps(conversation_to_dict(conversation)))
    assert conversation_from_dict(data) == conversation


@pytest.mark.parametrize(
    ("fmt", "record"),
    [("jsonl", {"id": "x", "messages": []}), ("dch", {"id": "x", "turns": []})],
)
def test_a_conversation_without_messages_is_rejected(fmt: str, record: object) -> None:
    rejection = parse_raw(RawRecord(fmt, "chats", "line 3", orjson.dumps(record)))
    assert rejection == Rejection(
        "chats", "line 3", "the conversation has no messages; it needs at least one to be scored"
    )
