from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """Rules only, so these tests pin down the rubric, not the learned models."""
    return Engine(learned=False)


def chat(
    *turns: str | tuple[str, str], cid: str = "c1", minutes: int | None = None
) -> Conversation:
    """Build a conversation: plain strings alternate customer/agent; tuples name the role."""
    messages = []
    for i, turn in enumerate(turns):
        role, text = (
            turn if isinstance(turn, tuple) else ("customer" if i % 2 == 0 else "agent", turn)
        )
        at = T0 + timedelta(minutes=i * minutes) if minutes is not None else None
        messages.append(Message(role=role, text=text, at=at))  # type: ignore[arg-type]
    return Conversation(id=cid, messages=messages)
