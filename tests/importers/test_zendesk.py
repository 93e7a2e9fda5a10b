"""Zendesk exports: NDJSON, {"tickets": [...]} documents with sideloads, and bare ticket lists."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from servicecraft.importers import RawRecord, detect_format, iter_raw, parse_raw
from servicecraft.model import Survey
from tests.importers.conftest import read, reasons

TICKET: dict[str, Any] = {
    "id": 101,
    "subject": "Refund",
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
USERS = [
    {"id": 1, "name": "Sam", "role": "end-user"},
    {"id": 2, "name": "Ana", "role": "agent"},
    {"id": 3, "name": "Unrelated", "role": "admin"},
]
GROUPS = [{"id": 9, "name": "Billing"}]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("sideloads_first", [False, True])
def test_document_with_sideloads(tmp_path: Path, indent: int | None, sideloads_first: bool) -> None:
    broken = {"id": 102, "comments": "nope"}
    doc: dict[str, Any] = {
        "tickets": [TICKET, broken],
        "users": USERS,
        "groups": GROUPS,
        "next_page": None,
    }
    if sideloads_first:
        doc = {"users": USERS, "groups": GROUPS, "tickets": doc["tickets"]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc, indent=indent))
    assert detect_format(str(path)) == "zendesk"
    good, bad = read(path)
    (ticket,) = good
    assert (ticket.id, ticket.channel, ticket.status, ticket.tags) == (
        "zendesk-101",
        "email",
        "solved",
        ["refund"],
    )
    assert [(m.role, m.author, m.department, m.public) for m in ticket.messages] == [
        ("customer", "Sam", None, True),
        ("agent", "Ana", "Billing", False),
        ("agent", "Ana", "Billing", True),
    ]
    assert ticket.survey == Survey(csat=5.0, comment="quick")
    assert reasons(bad) == [("record 2", "ticket 102: comments must be a list, got str")]


def test_only_the_people_a_ticket_mentions_travel_with_it(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"tickets": [TICKET], "users": USERS, "groups": GROUPS}))
    (raw,) = list(iter_raw(str(path)))
    assert isinstance(raw, RawRecord)
    _, people, groups = raw.payload  # type: ignore[misc]
    assert sorted(p[0] for p in people) == ["1", "2"] and groups == (("9", "Billing"),)
    assert pickle.loads(pickle.dumps(raw)) == raw  # it goes to worker processes


def test_ndjson_with_inline_authors(tmp_path: Path) -> None:
    path = tmp_path / "tickets.ndjson"
    names = {1: ("Sam", "end-user"), 2: ("Ana", "agent")}
    inline = dict(
        TICKET,
        comments=[
            dict(c, author={"name": names[c["author_id"]][0], "role": names[c["author_id"]][1]})
            for c in TICKET["comments"]
        ],
    )
    path.write_text(
        json.dumps(inline) + "\n\n" + json.dumps({"id": 5, "comments": [{"author_id": 1}]}) + "\n"
    )
    assert detect_format(str(path)) == "zendesk"
    good, bad = read(path)
    (ticket,) = good
    assert ticket.messages[0].role == "customer" and ticket.messages[1].author == "Ana"
    assert ticket.messages[1].department == "group_9"  # no group names in an NDJSON export
    assert reasons(bad) == [
        ("line 3", "ticket 5: comments[0] has no body (a string in body, plain_body or html_body)")
    ]


def test_bare_list_without_users_falls_back_to_the_requester(tmp_path: Path) -> None:
    ticket = dict(TICKET, satisfaction_rating={"score": "offered"}, via="web", group_id=None)
    ticket["comments"] = [
        *TICKET["comments"],
        {"author_id": 7, "html_body": "<p>Thanks &amp; bye</p>", "public": True},
    ]
    path = tmp_path / "list.json"
    path.write_text(json.dumps([ticket]))
    assert detect_format(str(path)) == "zendesk"
    (conversation,), bad = read(path)
    assert not bad
    assert [(m.role, m.author, m.department) for m in conversation.messages] == [
        ("customer", "user_1", None),  # the requester
        ("agent", "user_2", None),
        ("agent", "user_2", None),
        ("agent", "user_7", None),  # anyone else on a ticket is staff
    ]
    assert conversation.messages[3].text == "Thanks & bye" and conversation.messages[3].at is None
    assert conversation.survey is None and conversation.channel == "ticket"


@pytest.mark.parametrize(
    ("rating", "survey"),
    [
        ({"score": "bad", "comment": "slow"}, Survey(csat=1.0, comment="slow")),
        ({"score": "good_with_comment", "comment": ""}, Survey(csat=5.0)),
        ({"score": "unoffered"}, None),
        (None, None),
    ],
)
def test_satisfaction(rating: object, survey: Survey | None) -> None:
    raw = RawRecord(
        "zendesk",
        "t.ndjson",
        "line 1",
        json.dumps(dict(TICKET, satisfaction_rating=rating)).encode(),
    )
    conversation = parse_raw(raw)
    assert getattr(conversation, "survey", "rejected") == survey


@pytest.mark.parametrize(
    ("ticket", "reason"),
    [
        ("[]", "a ticket must be an object, got list"),
        ('{"id": {}, "comments": []}', "ticket id must be a number or string, got {}"),
        ('{"id": 1}', "ticket 1: comments must be a list, got nothing"),
        ('{"id": 1, "comments": [1]}', "ticket 1: comments[0] must be an object, got int"),
        (
            '{"id": 1, "comments": [{"body": "x", "public": "yes"}]}',
            "ticket 1: comments[0].public must be true or false, got 'yes'",
        ),
        (
            '{"id": 1, "comments": [{"body": "x", "created_at": "soon"}]}',
            "ticket 1: comments[0].created_at is not an ISO 8601 time: 'soon'",
        ),
    ],
)
def test_malformed_tickets(ticket: str, reason: str) -> None:
    assert parse_raw(RawRecord("zendesk", "t.json", "record 4", ticket.encode())).reason == reason  # type: ignore[union-attr]


def test_a_document_without_tickets_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": USERS}, indent=2))
    with pytest.raises(
        Exception, match=r"users\.json: the JSON document has no top-level 'tickets' array"
    ):
        list(iter_raw(str(path), "zendesk"))
