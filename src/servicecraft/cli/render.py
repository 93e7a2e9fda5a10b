"""Terminal rendering: the score table and the evidence view of `explain`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import click

from servicecraft.engine import Rubric
from servicecraft.model import SKILLS, Conversation, Evidence, Scorecard
from servicecraft.serialize import metrics_to_dict

TABLE_COLUMNS = ("id", "agent", "score", *SKILLS, "handoffs", "chasers")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


def render_table(rows: Iterable[Mapping[str, Any]]) -> str:
    rows = list(rows)
    columns = [c for c in TABLE_COLUMNS if any(c in r for r in rows)] or list(TABLE_COLUMNS)
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    widths[0] = min(widths[0], 28)
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        row[0] = row[0][: widths[0]]
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(lines) + "\n"


def _highlight(text: str, evidence: list[Evidence]) -> str:
    """The text with evidence spans coloured: green helped, red hurt."""
    out: list[str] = []
    pos = 0
    for e in sorted(evidence, key=lambda e: e.start):
        if e.start < pos or e.end > len(text):
            continue  # overlapping or whole-message evidence is listed, not inlined
        out.append(text[pos : e.start])
        colour = "green" if e.effect == "+" else "red"
        out.append(click.style(text[e.start : e.end], fg=colour, bold=True, underline=True))
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def render_explanation(
    conversation: Conversation, card: Scorecard, rubric: Rubric, skills: Iterable[str] | None = None
) -> str:
    chosen = list(skills) if skills else list(card.skills)
    lines = [click.style(f"Conversation {conversation.id}", bold=True)]
    overall = "-" if card.score is None else f"{card.score:.0f}"
    lines.append(
        f"overall {overall}/100   agent {card.agent or '-'}   channel {conversation.channel or '-'}"
    )
    metrics = metrics_to_dict(card.metrics)
    lines.append(
        "metrics: " + ", ".join(f"{k} {v}" for k, v in metrics.items() if k != "hindrances")
    )
    if card.outcomes:
        predicted = ", ".join(f"{k} {v.get('expected')}" for k, v in card.outcomes.items())
        lines.append(f"predicted (-2..2): {predicted}")
    for sid in chosen:
        result = card.skills[sid]
        name = rubric.skills[sid].name if sid in rubric.skills else sid
        value = "not observed" if result.score is None else f"{result.score:.0f}/100"
        lines += ["", click.style(f"== {name}: {value}", bold=True)]
        by_message: dict[int, list[Evidence]] = {}
        for e in result.evidence:
            by_message.setdefault(e.message, []).append(e)
        for index, items in sorted(by_message.items()):
            message = conversation.messages[index]
            who = message.author or message.role
            lines.append(f"  [{index}] {who}: {_highlight(message.text, items)}")
            for e in items:
                sign = click.style(e.effect, fg="green" if e.effect == "+" else "red", bold=True)
                lines.append(f"       {sign} {e.reason} ({e.weight:+.0f}): “{e.text}”")
        if not result.evidence:
            lines.append("  no evidence either way: this conversation does not show it")
    return "\n".join(lines)
