"""The interchange dict <-> Conversation, with validation that says exactly what is wrong.

``conversation_from_dict`` is on the hot path of every JSONL import (one call per
conversation, in the worker processes), so the common case, a well-formed record, runs
through one tight loop with exact type checks; anything unusual drops to a slower path
whose only job is to accept lenient input (numbers as names, "z" time zones) or to say
precisely what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from servicecraft.model import ROLES, Conversation, Message, Role, Survey

SURVEY_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
_fromisoformat = datetime.fromisoformat
_NUMBERS = (int, float)  # exact types: bool is an int subclass and must not pass


def parse_time(value: object, where: str) -> datetime | None:
    """An ISO 8601 time (``Z`` and surrounding spaces accepted), None for absent/empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where} must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return _fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where} is not an ISO 8601 time: {value!r}") from None


def optional_str(value: object, where: str) -> str | None:
    """A name-like field: strings as given (empty means absent), numbers as their text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{where} must be a string, got {type(value).__name__}")


def messages_from_list(items: list[Any]) -> list[Message]:
    """Validate and build every message; the fast path handles plain well-formed dicts."""
    messages: list[Message] = []
    append = messages.append
    zoned: bool | None = None  # whether the first timed message had a time zone
    for index, item in enumerate(items):
        if type(item) is dict:
            role = item.get("role")
            text = item.get("text")
            author = item.get("author")
            department = item.get("department")
            at = item.get("at")
            public = item.get("public", True)
            if (
                type(role) is str
                and role in ROLES
                and type(text) is str
                and (author is None or type(author) is str)
                and (department is None or type(department) is str)
                and (public is True or public is False)
            ):
                if at is not None:
                    try:
                        at = _fromisoformat(at)
                    except (TypeError, ValueError):
                        at = parse_time(at, f"messages[{index}].at")
                message = Message(
                    cast(Role, role), text, author or None, department or None, at, public
                )
            else:
                message = _message_slow(item, index)
        else:
            message = _message_slow(item, index)
        append(message)
        if message.at is not None:
            if zoned is None:
                zoned = message.at.tzinfo is not None
            elif zoned is not (message.at.tzinfo is not None):
                raise _mixed_zones(index, zoned)
    return messages


def mixed_zones(messages: list[Message]) -> int:
    """Index of the first message whose time zone-ness differs from the first timed
    message's, or -1 when all agree."""
    zoned: bool | None = None
    for index, message in enumerate(messages):
        if message.at is not None:
            if zoned is None:
                zoned = message.at.tzinfo is not None
            elif zoned is not (message.at.tzinfo is not None):
                return index
    return -1


def zones_error(where: str, zoned: bool) -> str:
    # Mixing zoned and zone-less times makes every time difference meaningless (and
    # Python refuses to subtract them): say so rather than guess a zone.
    this, others = ("lacks", "do") if zoned else ("has", "do not")
    return (
        f"{where} {this} a time zone while earlier times {others}; give every time a zone, or none"
    )


def _mixed_zones(index: int, zoned: bool) -> ValueError:
    return ValueError(zones_error(f"messages[{index}].at", zoned))


def _message_slow(data: object, index: int) -> Message:
    where = f"messages[{index}]"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be an object, got {type(data).__name__}")
    role = data.get("role")
    if not isinstance(role, str) or role not in ROLES:  # a dict or list is unhashable
        raise ValueError(f"{where}.role must be one of customer, agent, system; got {role!r}")
    text = data.get("text")
    if not isinstance(text, str):
        got = "nothing" if text is None else type(text).__name__
        raise ValueError(f"{where}.text must be a string, got {got}")
    public = data.get("public", True)
    if not isinstance(public, bool):
        raise ValueError(f"{where}.public must be true or false, got {public!r}")
    return Message(
        role=cast(Role, role),
        text=text,
        author=optional_str(data.get("author"), f"{where}.author"),
        department=optional_str(data.get("department"), f"{where}.department"),
        at=parse_time(data.get("at"), f"{where}.at"),
        public=public,
    )


def survey_from_dict(data: object) -> Survey | None:
    if data is None:
        return None
    if type(data) is dict:
        # Fast path: every answer absent or a plain number in range.
        csat, nps, ces = data.get("csat"), data.get("nps"), data.get("ces")
        comment = data.get("comment")
        if (
            (csat is None or (type(csat) in _NUMBERS and 1 <= csat <= 5))
            and (nps is None or (type(nps) is int and 0 <= nps <= 10))
            and (ces is None or (type(ces) in _NUMBERS and 1 <= ces <= 7))
            and (comment is None or type(comment) is str)
        ):
            return Survey(
                None if csat is None else float(csat),
                nps,
                None if ces is None else float(ces),
                comment or None,
            )
    return _survey_slow(data)


def _survey_slow(data: object) -> Survey:
    if not isinstance(data, Mapping):
        raise ValueError(f"survey must be an object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for name, (low, high) in SURVEY_RANGES.items():
        value = data.get(name)
        if value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not low <= value <= high:
            raise ValueError(f"survey.{name} must be a number from {low} to {high}, got {value!r}")
        if name == "nps" and value != int(value):
            raise ValueError(f"survey.nps must be a whole number from 0 to 10, got {value!r}")
        values[name] = int(value) if name == "nps" else float(value)
    comment = data.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"survey.comment must be a string, got {type(comment).__name__}")
    return Survey(values.get("csat"), values.get("nps"), values.get("ces"), comment or None)


def conversation_from_dict(data: Mapping[str, Any]) -> Conversation:
    """Build a Conversation from the interchange format; ValueError says what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a conversation must be a JSON object, got {type(data).__name__}")
    cid = data.get("id")
    if type(cid) is not str:
        if isinstance(cid, int) and not isinstance(cid, bool):
            cid = str(cid)
        else:
            raise ValueError(f"id must be a non-empty string, got {cid!r}")
    if not cid or cid.isspace():
        raise ValueError(f"id must be a non-empty string, got {cid!r}")
    messages = data.get("messages")
    if type(messages) is not list:
        got = "nothing" if messages is None else type(messages).__name__
        raise ValueError(f"messages must be a list, got {got}")
    tags = data.get("tags")
    if tags is None:
        tags = []
    elif type(tags) is not list or not all(type(t) is str for t in tags):
        raise ValueError("tags must be a list of strings")
    channel = data.get("channel")
    if channel is not None and type(channel) is not str:
        channel = optional_str(channel, "channel")
    status = data.get("status")
    if status is not None and type(status) is not str:
        status = optional_str(status, "status")
    survey = data.get("survey")
    return Conversation(
        cid,
        messages_from_list(messages),
        channel or None,
        None if survey is None else survey_from_dict(survey),
        tags,
        status or None,
    )


def conversation_to_dict(conversation: Conversation) -> dict[str, Any]:
    """The interchange dict of a conversation; round-trips with conversation_from_dict."""
    messages = []
    for m in conversation.messages:
        item: dict[str, Any] = {"role": m.role, "text": m.text}
        if m.author is not None:
            item["author"] = m.author
        if m.department is not None:
            item["department"] = m.department
        if m.at is not None:
            item["at"] = m.at.isoformat()
        if not m.public:
            item["public"] = False
        messages.append(item)
    data: dict[str, Any] = {"id": conversation.id, "messages": messages}
    if conversation.channel is not None:
        data["channel"] = conversation.channel
    if conversation.survey is not None:
        s = conversation.survey
        data["survey"] = {
            k: v
            for k, v in (("csat", s.csat), ("nps", s.nps), ("ces", s.ces), ("comment", s.comment))
            if v is not None
        }
    if conversation.tags:
        data["tags"] = list(conversation.tags)
    if conversation.status is not None:
        data["status"] = conversation.status
    return data
