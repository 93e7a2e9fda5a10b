"""Zendesk ticket exports: tickets with their comments, public and internal.

Supports the NDJSON full export (one ticket per line) and JSON documents shaped like the
API (`{"tickets": [...], "users": [...], "groups": [...]}`) or a bare list of tickets.
Users and groups may be sideloaded in the document or inline on a comment (`author`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicecraft.importers._convert import parse_time
from servicecraft.importers._jsonl import load_json
from servicecraft.importers._records import RawRecord
from servicecraft.model import Conversation, Message, Rejection, Survey

# Zendesk's satisfaction rating has two answers; we map them onto the 1..5 CSAT scale.
CSAT_OF_RATING = {"good": 5.0, "bad": 1.0}


def parse_zendesk(raw: RawRecord) -> Conversation | Rejection:
    data = load_json(raw)
    if isinstance(data, Rejection):
        return data
    try:
        return ticket_to_conversation(data, {}, {})
    except ValueError as exc:
        return Rejection(raw.source, raw.location, str(exc))


def _id(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, int | str) else None


def ticket_to_conversation(
    ticket: object, users: Mapping[str, Mapping[str, Any]], groups: Mapping[str, str]
) -> Conversation:
    if not isinstance(ticket, Mapping):
        raise ValueError(f"a ticket must be an object, got {type(ticket).__name__}")
    tid = _id(ticket.get("id"))
    if tid is None:
        raise ValueError(f"ticket id must be a number or string, got {ticket.get('id')!r}")
    comments = ticket.get("comments")
    if not isinstance(comments, list):
        raise ValueError(f"ticket {tid}: comments must be a list")
    users = {**users, **_index(ticket.get("users"))}
    requester = _id(ticket.get("requester_id"))
    group = ticket.get("group")
    group_id = _id(ticket.get("group_id"))
    department = group.get("name") if isinstance(group, Mapping) else None
    department = (
        department or groups.get(group_id or "") or (f"group_{group_id}" if group_id else None)
    )
    messages = [_comment(c, i, tid, users, requester, department) for i, c in enumerate(comments)]
    via = ticket.get("via")
    channel = via.get("channel") if isinstance(via, Mapping) else None
    return Conversation(
        id=f"zendesk-{tid}",
        messages=messages,
        channel=str(channel) if channel else "ticket",
        survey=_survey(ticket.get("satisfaction_rating")),
        tags=[t for t in ticket.get("tags") or [] if isinstance(t, str)],
        status=ticket.get("status") if isinstance(ticket.get("status"), str) else None,
    )


def _index(items: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {uid: u for u in items if isinstance(u, Mapping) and (uid := _id(u.get("id")))}


def _comment(
    comment: object,
    index: int,
    tid: str,
    users: Mapping[str, Mapping[str, Any]],
    requester: str | None,
    department: str | None,
) -> Message:
    where = f"ticket {tid}: comments[{index}]"
    if not isinstance(comment, Mapping):
        raise ValueError(f"{where} must be an object")
    body = comment.get("body", comment.get("plain_body"))
    if not isinstance(body, str):
        raise ValueError(f"{where}.body must be a string")
    author_id = _id(comment.get("author_id"))
    author = (
        comment.get("author")
        if isinstance(comment.get("author"), Mapping)
        else users.get(author_id or "")
    )
    zrole = (author or {}).get("role")
    is_customer = zrole == "end-user" or (
        zrole is None and author_id is not None and author_id == requester
    )
    name = (author or {}).get("name") or (f"user_{author_id}" if author_id else None)
    public = comment.get("public", True)
    return Message(
        role="customer" if is_customer else "agent",
        text=body,
        author=str(name) if name else None,
        department=None if is_customer else department,
        at=parse_time(comment.get("created_at"), f"{where}.created_at"),
        public=bool(public),
    )


def _survey(rating: object) -> Survey | None:
    if not isinstance(rating, Mapping):
        return None
    csat = CSAT_OF_RATING.get(str(rating.get("score")))
    if csat is None:
        return None  # "offered" or "unoffered": asked, not answered
    comment = rating.get("comment")
    return Survey(csat=csat, comment=comment if isinstance(comment, str) and comment else None)
