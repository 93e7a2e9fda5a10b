"""The public JSON shape of a scorecard: what `servicecraft score` writes and the API serves.

This is a contract (docs/output.md); change it only by adding fields.
"""

from __future__ import annotations

from typing import Any

import orjson

from servicecraft.model import Evidence, Hindrance, Metrics, Scorecard, SkillScore


def evidence_to_dict(e: Evidence) -> dict[str, Any]:
    return {
        "message": e.message,
        "start": e.start,
        "end": e.end,
        "text": e.text,
        "effect": e.effect,
        "reason": e.reason,
        "weight": round(e.weight, 2),
        "author": e.author,
    }


def skill_to_dict(s: SkillScore) -> dict[str, Any]:
    """``score`` is null and ``observed`` false when the conversation does not show the skill."""
    # What hurt most first, then what helped most: the order a reader needs.
    ordered = sorted(s.evidence, key=lambda e: (e.weight >= 0, -abs(e.weight), e.message))
    return {
        "score": s.score,
        "observed": s.score is not None,
        "evidence": [evidence_to_dict(e) for e in ordered],
    }


def hindrance_to_dict(h: Hindrance) -> dict[str, Any]:
    return {"message": h.message, "start": h.start, "end": h.end, "text": h.text, "kind": h.kind}


def metrics_to_dict(m: Metrics) -> dict[str, Any]:
    return {
        "handoffs": m.handoffs,
        "one_touch": m.one_touch,
        "customer_messages_before_straight_answer": m.customer_messages_before_straight_answer,
        "chasers": m.chasers,
        "first_response_seconds": m.first_response_seconds,
        "hindrances": [hindrance_to_dict(h) for h in m.hindrances],
    }


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": card.conversation_id,
        "score": card.score,
        "agent": card.agent,
        "skills": {sid: skill_to_dict(s) for sid, s in card.skills.items()},
        "metrics": metrics_to_dict(card.metrics),
        "messages": card.messages,
    }
    if card.outcomes is not None:
        data["outcomes"] = card.outcomes
    if card.agents:
        data["agents"] = {
            name: {sid: skill_to_dict(s) for sid, s in skills.items()}
            for name, skills in card.agents.items()
        }
    return data


def scorecard_to_json(card: Scorecard) -> bytes:
    """One JSON Lines record, newline included."""
    return orjson.dumps(scorecard_to_dict(card), option=orjson.OPT_APPEND_NEWLINE)


CSV_METRICS = (
    "handoffs",
    "one_touch",
    "customer_messages_before_straight_answer",
    "chasers",
    "first_response_seconds",
)


def scorecard_to_row(card: Scorecard) -> dict[str, Any]:
    """A flat row for CSV and tables: scores and metrics, no evidence."""
    row: dict[str, Any] = {"id": card.conversation_id, "agent": card.agent, "score": card.score}
    for sid, s in card.skills.items():
        row[sid] = s.score
    metrics = metrics_to_dict(card.metrics)
    for name in CSV_METRICS:
        row[name] = metrics[name]
    row["hindrances"] = len(card.metrics.hindrances)
    if card.outcomes:
        for name, outcome in card.outcomes.items():
            row[f"predicted_{name}"] = outcome.get("expected")
    return row
