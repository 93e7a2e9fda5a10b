"""Zendesk ticket exports: tickets with their comments, public and internal.

Supports the NDJSON full export (one ticket per line) and JSON documents shaped like the
API (``{"tickets": [...], "users": [...], "groups": [...]}``) or a bare list of tickets.
Users and groups may be sideloaded in the document, listed inside a ticket (``users``,
``group``), or given inline on a comment (``author: {name, role}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any

import orjson

from servicecraft.importers._convert import parse_time
from servicecraft.importers._jsonl import load_json, split_lines
from servicecraft.importers._jsonstream import BOM, TruncatedArray, iter_array
from servicecraft.importers._records import RawRecord
from servicecraft.importers._split import split_array
from servicecraft.model import Conversation, Message, Rejection, Survey

# Zendesk's satisfaction rating has two answers; we put them at the ends of the 1..5 CSAT
# scale. "offered" and "unoffered" mean no answer was given: no survey.
CSAT_OF_RATING = {"good": 5.0, "bad": 1.0}
# Who a ticket mentions: only these users travel with it to the worker. A match inside a
# comment body only adds a user the ticket does not need, which is harmless.
_USER_REF = re.compile(rb'"(?:author_id|requester_id|submitter_id|assignee_id)"\s*:\s*"?(-?\d+)')
_GROUP_REF = re.compile(rb'"group_id"\s*:\s*"?(\d+)')
_TAG = re.compile(r"<[^>]*>")

User = tuple[str | None, str | None]  # (name, role)


# --- splitting (main process) ------------------------------------------------------------


def split_zendesk(path: str) -> Iterator[RawRecord | Rejection]:
    """The tickets of an export, whichever of the three layouts it has."""
    layout = _layout(path)
    if layout == "lines":
        with open(path, "rb") as handle:
            yield from split_lines(handle, path, "zendesk")
        return
    users = _sideloaded(path, b"users")
    groups = {gid: name for gid, (name, _) in _sideloaded(path, b"groups").items() if name}
    with open(path, "rb") as handle:
        key = None if layout == "array" else b"tickets"
        for raw in split_array(handle, path, "zendesk", key):
            if isinstance(raw, RawRecord) and (users or groups):
                raw = _with_people(raw, users, groups)
            yield raw


def _layout(path: str) -> str:
    """ "array" (a list of tickets), "object" ({"tickets": [...]}) or "lines" (NDJSON)."""
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip(BOM + b" \t\r\n")
        if head[:1] == b"[":
            return "array"
        handle.seek(0)
        # An NDJSON export starts with a whole ticket, which closes without a "tickets"
        # key: the scan stops at the end of that first object, however long the file.
        try:
            next(iter_array(handle, b"tickets"), None)
        except KeyError:
            # No "tickets": NDJSON when the first line is a whole object; otherwise a
            # document without tickets, which its splitter reports as such.
            handle.seek(0)
            return "lines" if _is_object(handle.readline().removeprefix(BOM)) else "object"
        except ValueError:
            return "lines"  # not JSON at all: each line is rejected with its reason
        except TruncatedArray:
            pass  # a document cut short: its splitter reports the broken record
        return "object"


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _sideloaded(path: str, key: bytes) -> dict[str, User]:
    """id -> (name, role) of each item of a top-level array; {} when there is none.

    Only the two fields are kept, so memory grows with the number of users, not their
    records. A malformed item is skipped: its tickets then fall back to ids."""
    found: dict[str, User] = {}
    with open(path, "rb") as handle:
        try:
            for element in iter_array(handle, key):
                try:
                    item = orjson.loads(element)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(item, dict) and (uid := _id(item.get("id"))) is not None:
                    found[uid] = (_text(item.get("name")), _text(item.get("role")))
        except (KeyError, ValueError, TruncatedArray):
            pass
    return found


def _with_people(
    raw: RawRecord, users: Mapping[str, User], groups: Mapping[str, str | None]
) -> RawRecord:
    """Attach the sideloaded users and group a ticket mentions, found without parsing it."""
    ticket: bytes = raw.payload  # type: ignore[assignment]
    people = tuple((uid, *users[uid]) for uid in _mentions(_USER_REF, ticket) if uid in users)
    group = tuple((gid, groups[gid]) for gid in _mentions(_GROUP_REF, ticket) if gid in groups)
    return RawRecord(raw.fmt, raw.source, raw.location, (ticket, people, group))


def _mentions(pattern: re.Pattern[bytes], ticket: bytes) -> list[str]:
    return list(dict.fromkeys(m.decode() for m in pattern.findall(ticket)))


# --- parsing (worker processes) ----------------------------------------------------------


def parse_zendesk(raw: RawRecord) -> Conversation | Rejection:
    users: dict[str, User] = {}
    groups: dict[str, str | None] = {}
    payload = raw.payload
    if isinstance(payload, tuple):
        payload, people, group = payload
        users = {uid: (name, role) for uid, name, role in people}
        groups = dict(group)
    data = load_json(RawRecord(raw.fmt, raw.source, raw.location, payload))
    if isinstance(data, Rejection):
        return data
    try:
        return ticket_to_conversation(data, users, groups)
    except ValueError as exc:
        return Rejection(raw.source, raw.location, str(exc))


def ticket_to_conversation(
    ticket: object, users: Mapping[str, User], groups: Mapping[str, str | None]
) -> Conversation:
    if not isinstance(ticket, Mapping):
        raise ValueError(f"a ticket must be an object, got {type(ticket).__name__}")
    tid = _id(ticket.get("id"))
    if tid is None:
        raise ValueError(f"ticket id must be a number or string, got {ticket.get('id')!r}")
    comments = ticket.get("comments")
    if not isinstance(comments, list):
        got = "nothing" if comments is None else type(comments).__name__
        raise ValueError(f"ticket {tid}: comments must be a list, got {got}")
    users = {**users, **_inline_users(ticket.get("users"))}
    department = _department(ticket, groups)
    requester = _id(ticket.get("requester_id"))
    messages = [_comment(c, i, tid, users, requester, department) for i, c in enumerate(comments)]
    via = ticket.get("via")
    channel = _text(via.get("channel")) if isinstance(via, Mapping) else None
    tags = ticket.get("tags")
    return Conversation(
        id=f"zendesk-{tid}",
        messages=messages,
        channel=channel or "ticket",
        survey=_survey(ticket.get("satisfaction_rating")),
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        status=_text(ticket.get("status")),
    )


def _department(ticket: Mapping[str, Any], groups: Mapping[str, str | None]) -> str | None:
    """The ticket's group: its name when known, else ``group_<id>``."""
    group = ticket.get("group")
    if isinstance(group, Mapping) and (name := _text(group.get("name"))):
        return name
    gid = _id(ticket.get("group_id"))
    if gid is None:
        return None
    return groups.get(gid) or f"group_{gid}"


def _comment(
    comment: object,
    index: int,
    tid: str,
    users: Mapping[str, User],
    requester: str | None,
    department: str | None,
) -> Message:
    where = f"ticket {tid}: comments[{index}]"
    if not isinstance(comment, Mapping):
        raise ValueError(f"{where} must be an object, got {type(comment).__name__}")
    text = _body(comment)
    if text is None:
        raise ValueError(f"{where} has no body (a string in body, plain_body or html_body)")
    author_id = _id(comment.get("author_id"))
    inline = comment.get("author")
    if isinstance(inline, Mapping):
        name, role = _text(inline.get("name")), _text(inline.get("role"))
    else:
        name, role = users.get(author_id or "", (None, None))
    # Without a role, only the requester is known to be the customer; anyone else
    # commenting on a ticket is, in practice, staff.
    is_customer = role == "end-user" or (
        role is None and requester is not None and author_id == requester
    )
    public = comment.get("public", True)
    if not isinstance(public, bool):
        raise ValueError(f"{where}.public must be true or false, got {public!r}")
    return Message(
        role="customer" if is_customer else "agent",
        text=text,
        author=name or (f"user_{author_id}" if author_id else None),
        department=None if is_customer else department,
        at=parse_time(comment.get("created_at"), f"{where}.created_at"),
        public=public,
    )


def _body(comment: Mapping[str, Any]) -> str | None:
    for field in ("body", "plain_body"):
        if isinstance(text := comment.get(field), str):
            return text
    html = comment.get("html_body")
    if isinstance(html, str):
        return unescape(_TAG.sub("", html)).strip()
    return None


def _inline_users(items: object) -> dict[str, User]:
    if not isinstance(items, list):
        return {}
    return {
        uid: (_text(u.get("name")), _text(u.get("role")))
        for u in items
        if isinstance(u, Mapping) and (uid := _id(u.get("id"))) is not None
    }


def _survey(rating: object) -> Survey | None:
    if not isinstance(rating, Mapping):
        return None
    score = str(rating.get("score"))
    # The API's filters also name "good_with_comment" and the like.
    csat = CSAT_OF_RATING.get(score.split("_", 1)[0])
    if csat is None:
        return None
    return Survey(csat=csat, comment=_text(rating.get("comment")))


def _id(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
