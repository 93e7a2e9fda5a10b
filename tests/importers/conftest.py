"""Helpers shared by the importer tests."""

from __future__ import annotations

from pathlib import Path

from servicecraft.importers import CsvColumns, read_conversations
from servicecraft.model import Conversation, Rejection


def read(
    path: Path, fmt: str | None = None, csv_columns: CsvColumns | None = None
) -> tuple[list[Conversation], list[Rejection]]:
    """Conversations and rejections of one file, each in file order."""
    items = list(read_conversations([str(path)], fmt, csv_columns=csv_columns))
    good = [i for i in items if isinstance(i, Conversation)]
    bad = [i for i in items if isinstance(i, Rejection)]
    assert len(good) + len(bad) == len(items)
    return good, bad


def reasons(rejections: list[Rejection]) -> list[tuple[str, str]]:
    return [(r.location, r.reason) for r in rejections]
