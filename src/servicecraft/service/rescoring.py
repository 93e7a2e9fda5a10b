"""Rescoring: every stored conversation scored again by the current engine and rubric.

The conversation JSON kept in ``conversation_documents`` is scored again, and the row's
scores, metrics, scorecard, hindrances and weekly aggregates are replaced, one batch per
transaction. Rows whose ``scored_with`` already names the current engine are left alone,
so running it again does nothing, and an interrupted run continues where it stopped (at
most its open batch is lost). Batches walk the table by id, so a row that cannot be
rescored is reported once per run and never retried forever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import orjson
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from servicecraft.engine import Engine
from servicecraft.importers import conversation_from_dict
from servicecraft.model import Conversation
from servicecraft.service.importing import People, write_scored
from servicecraft.service.provenance import scored_with
from servicecraft.store import Conversation as ConversationRow
from servicecraft.store import ConversationDocument, Database, refresh_aggregates
from servicecraft.store.aggregates import Cell

# A stored row as rescoring reads it: id, team, week, content hash, conversation JSON.
_Stored = tuple[str, int | None, date | None, str, str | None]


@dataclass
class RescoreReport:
    scored_with: str  # what the rescored rows are now marked as scored with
    stale: int = 0  # rows scored otherwise when the run started
    up_to_date: int = 0  # rows already scored with this engine and rubric
    rescored: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (conversation id, why)

    @property
    def failed(self) -> int:
        return len(self.failures)


def is_stale(provenance: str) -> ColumnElement[bool]:
    """Rows scored by another engine or rubric, or before provenance was recorded."""
    column = ConversationRow.scored_with
    return or_(column.is_(None), column != provenance)


def rescore(
    db: Database,
    *,
    engine: Engine | None = None,
    batch_size: int = 500,
    on_progress: Callable[[RescoreReport], None] | None = None,
) -> RescoreReport:
    """Score every stale stored conversation again; see the module's docstring."""
    engine = engine or Engine()
    report = RescoreReport(scored_with=scored_with(engine))
    stale = is_stale(report.scored_with)
    with db.session() as session:
        total = session.execute(select(func.count()).select_from(ConversationRow)).scalar() or 0
        report.stale = session.execute(select(func.count()).where(stale)).scalar() or 0
    report.up_to_date = total - report.stale
    after = ""  # ids are non-empty, so every one sorts after this
    while True:
        with db.transaction() as session:
            rows = session.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.team_id,
                    ConversationRow.week,
                    ConversationRow.content_hash,
                    ConversationDocument.conversation,
                )
                .outerjoin(
                    ConversationDocument,
                    ConversationDocument.conversation_id == ConversationRow.id,
                )
                .where(stale, ConversationRow.id > after)
                .order_by(ConversationRow.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            after = rows[-1].id
            _rescore_batch(session, rows, engine, report)
        if on_progress:
            on_progress(report)
    return report


def _rescore_batch(
    session: Session, rows: Sequence[_Stored], engine: Engine, report: RescoreReport
) -> None:
    cells: set[Cell] = set()
    loaded: list[tuple[Conversation, dict[str, object], str]] = []
    for cid, team_id, week, digest, stored in rows:
        cells.add((team_id, week))  # the conversation may move to another person or week
        if stored is None:
            report.failures.append((cid, "no stored conversation to score again"))
            continue
        try:
            document = orjson.loads(stored)
            loaded.append((conversation_from_dict(document), document, digest))
        except (orjson.JSONDecodeError, ValueError) as exc:
            report.failures.append((cid, f"the stored conversation cannot be read: {exc}"))
    cards = engine.score_many([conversation for conversation, _, _ in loaded])
    people = People(session)
    for (conversation, document, digest), card in zip(loaded, cards, strict=True):
        row = write_scored(session, conversation, document, digest, card, people, True)
        row.scored_with = report.scored_with
        cells.add((row.team_id, row.week))
    refresh_aggregates(session, cells)
    report.rescored += len(loaded)
