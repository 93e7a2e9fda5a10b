"""A held-back synthetic organisation for the myth check, generated from a fixed seed.

Customers' satisfaction and effort get worse with every handoff and with the wait for a
first reply, and do not depend on chasers at all (those are drawn independently), so a
sound check must find the first two and leave chasers unclear. The conversations are
real JSONL that the engine scores: the factors it sees are its own measurements.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

AGENTS = ("Ana Petrov", "Ben Okafor", "Chloe Martin", "Dev Rao")


def conversation(i: int, rng: np.random.Generator) -> dict[str, object]:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=int(i))
    wait_minutes = float(rng.exponential(40.0))
    handoffs = min(int(rng.poisson(0.7)), 3)
    chasers = min(int(rng.poisson(0.6)), 3)
    at = start
    customer = f"customer{i}@example.com"

    def message(role: str, text: str, author: str, minutes: float) -> dict[str, object]:
        nonlocal at
        at += timedelta(minutes=minutes)
        out: dict[str, object] = {
            "role": role,
            "text": text,
            "author": author,
            "at": at.isoformat(),
        }
        if role == "agent":
            out["department"] = "support"
        return out

    messages = [
        message("customer", f"Hi, my parcel for order {1000 + i} has not arrived.", customer, 0)
    ]
    messages.append(
        message(
            "agent",
            "Hello, thanks for getting in touch. Let me check the order.",
            AGENTS[0],
            wait_minutes,
        )
    )
    for c in range(chasers):  # a silence of five hours counts as chasing, whatever the words
        messages.append(message("customer", "Thanks.", customer, 2))
        messages.append(message("customer", f"Hello again ({c + 1}).", customer, 300))
        messages.append(message("agent", "Thanks for waiting, still checking.", AGENTS[0], 5))
    for h in range(handoffs):
        messages.append(message("agent", "Hello, I am picking this up now.", AGENTS[h + 1], 10))
    messages.append(
        message("agent", "The parcel is on its way and arrives tomorrow.", AGENTS[handoffs], 5)
    )
    record: dict[str, object] = {"id": f"voice-{i:04d}", "channel": "email", "messages": messages}
    if rng.random() < 0.55:  # about half answer the survey
        wait = math.log2(1 + wait_minutes)
        csat = 4.6 - 0.45 * handoffs - 0.2 * wait + rng.normal(0, 0.7)
        ces = 6.2 - 0.6 * handoffs - 0.25 * wait + rng.normal(0, 1.0)
        record["survey"] = {
            "csat": int(np.clip(np.rint(csat), 1, 5)),
            "ces": int(np.clip(np.rint(ces), 1, 7)),
        }
    return record


def write_org(path: Path, count: int = 500, seed: int = 20261202) -> Path:
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps(conversation(i, rng)) + "\n")
    return path
