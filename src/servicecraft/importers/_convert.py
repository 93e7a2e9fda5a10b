"""The interchange dict <-> Conversation, with validation that says exactly what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from servicecraft.model import ROLES, Conversation, Message, Survey

SURVEY_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


def parse_time(value: object, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where} must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where} is not an ISO 8601 time: {value!r}") from None


def _optional_str(value: object, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{where} must be a string, got {type(value).__name__}")


def message_from_dict(data: object, index: int) -> Message:
    where = f"messages[{index}]"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be an object, got {type(data).__name__}")
    role = data.get("role")
    if role not in ROLES:
        raise ValueError(f"{where}.role must be one of customer, agent, system; got {role!r}")
    text = data.get("text")
    if not isinstance(text, str):
        got = "nothing" if text is None else type(text).__name__
        raise ValueError(f"{where}.text must be a string, got {got}")
    public = data.get("public", True)
    if not isinstance(public, bool):
        raise ValueError(f"{where}.public must be true or false, got {public!r}")
    return Message(
        role=role,
        text=text,
        author=_optional_str(data.get("author"), f"{where}.author"),
        department=_optional_str(data.get("department"), f"{where}.department"),
        at=parse_time(data.get("at"), f"{where}.at"),
        public=public,
    )


def survey_from_dict(data: object) -> Survey | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ValueError(f"survey must be an object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for name, (low, high) in SURVEY_RANGES.items():
        value = data.get(name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise ValueError(f"survey.{name} must be a number from {low} to {high}, got {value!r}")
        values[name] = int(value) if name == "nps" else float(value)
    comment = data.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"survey.comment must be a string, got {type(comment).__name__}")
    return Survey(comment=comment, **values)


def conversation_from_dict(data: Mapping[str, Any]) -> Conversation:
    """Build a Conversation from the interchange format; ValueError says what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a conversation must be a JSON object, got {type(data).__name__}")
    cid = data.get("id")
    if isinstance(cid, int) and not isinstance(cid, bool):
        cid = str(cid)
    if not isinstance(cid, str) or not cid.strip():
        raise ValueError(f"id must be a non-empty string, got {cid!r}")
    messages = data.get("messages")
    if not isinstance(messages, list):
        got = "nothing" if messages is None else type(messages).__name__
        raise ValueError(f"messages must be a list, got {got}")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags must be a list of strings")
    return Conversation(
        id=cid,
        messages=[message_from_dict(m, i) for i, m in enumerate(messages)],
        channel=_optional_str(data.get("channel"), "channel"),
        survey=survey_from_dict(data.get("survey")),
        tags=list(tags),
        status=_optional_str(data.get("status"), "status"),
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
    data: dict[str, Any] = {
        "id": conversation.id,
        "channel": conversation.channel,
        "messages": messages,
    }
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
