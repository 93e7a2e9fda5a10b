"""DCH-1 (NTCIR-14 STC-3) dialogues: `customer` / `helpdesk` turns of utterances."""

from __future__ import annotations

from collections.abc import Mapping

from servicecraft.importers._jsonl import load_json
from servicecraft.importers._records import RawRecord
from servicecraft.model import Conversation, Message, Rejection

ROLE_OF_SENDER = {"customer": "customer", "helpdesk": "agent"}


def parse_dch(raw: RawRecord) -> Conversation | Rejection:
    data = load_json(raw)
    if isinstance(data, Rejection):
        return data
    try:
        return _dialogue(data)
    except ValueError as exc:
        return Rejection(raw.source, raw.location, str(exc))


def _dialogue(data: object) -> Conversation:
    if not isinstance(data, Mapping):
        raise ValueError(f"a DCH-1 dialogue must be an object, got {type(data).__name__}")
    cid = data.get("id")
    if isinstance(cid, int) and not isinstance(cid, bool):
        cid = str(cid)
    if not isinstance(cid, str) or not cid:
        raise ValueError(f"id must be a non-empty string or number, got {cid!r}")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise ValueError("turns must be a list")
    messages = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            raise ValueError(f"turns[{i}] must be an object")
        role = ROLE_OF_SENDER.get(turn.get("sender"))  # type: ignore[arg-type]
        if role is None:
            raise ValueError(
                f"turns[{i}].sender must be 'customer' or 'helpdesk', got {turn.get('sender')!r}"
            )
        utterances = turn.get("utterances")
        if not isinstance(utterances, list) or not all(isinstance(u, str) for u in utterances):
            raise ValueError(f"turns[{i}].utterances must be a list of strings")
        # One message per turn: a turn is what one side said before the other replied.
        messages.append(Message(role=role, text="\n".join(utterances)))  # type: ignore[arg-type]
    return Conversation(id=cid, messages=messages, channel="weibo")
