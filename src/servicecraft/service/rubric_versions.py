"""Rubric versions: calibrate to the stored reviews, keep each rubric as a numbered version,
and rescore with a chosen version, explicitly and on the record.

The fitting itself is ``servicecraft.calibration.calibrate`` (the engine side); this module
feeds it the stored scorecards and human reviews (calibration-session grades included:
they are real judgements, kept apart only from an agent's own record), and stores the
result with the agreement before and after.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicecraft.engine import Engine, Rubric, RubricError, load_rubric
from servicecraft.importers import conversation_from_dict
from servicecraft.model import Scorecard
from servicecraft.service.policy import PermissionDenied, Viewer, may_run_calibration
from servicecraft.service.reviews import ReviewError, actor_name, now
from servicecraft.store import ConversationDocument, Database, Rescore, Review, RubricVersion

MAX_YAML = 1_000_000


class CalibrationOutcome(Protocol):
    """What ``servicecraft.calibration.calibrate`` returns (rubric_yaml None when not fitted)."""

    # Read-only properties, so any object (or dataclass) with these fields fits.
    @property
    def rubric_yaml(self) -> str | None: ...
    @property
    def before(self) -> Mapping[str, Any]: ...
    @property
    def after(self) -> Mapping[str, Any]: ...
    @property
    def n_used(self) -> int: ...
    @property
    def message(self) -> str | None: ...


# (scorecards of the reviewed conversations, reviews in the file's shape) -> outcome
Calibrate = Callable[[list[Scorecard], list[dict[str, Any]]], CalibrationOutcome]


@dataclass(frozen=True, slots=True)
class VersionSummary:
    version: int
    author: str
    created_at: datetime
    note: str | None
    reviews_used: int | None
    agreement_before: Mapping[str, Any] | None
    agreement_after: Mapping[str, Any] | None
    rescored: int  # times the stored conversations were rescored with this version


def _require(viewer: Viewer) -> None:
    if not may_run_calibration(viewer):
        raise PermissionDenied("leads and admins manage rubric versions")


def rubric_from_yaml(text: str) -> Rubric:
    """Parse and check a rubric held as text (``extends: default`` works as in a file)."""
    if len(text) > MAX_YAML:
        raise RubricError("the rubric is larger than 1 MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubric.yaml"
        path.write_text(text, encoding="utf-8")
        return load_rubric(path)


def list_versions(session: Session, viewer: Viewer) -> list[VersionSummary]:
    _require(viewer)
    runs = dict(
        session.execute(
            select(Rescore.rubric_version, func.count()).group_by(Rescore.rubric_version)
        ).all()
    )
    rows = session.execute(select(RubricVersion).order_by(RubricVersion.version.desc())).scalars()
    return [
        VersionSummary(
            version=r.version,
            author=r.author,
            created_at=r.created_at,
            note=r.note,
            reviews_used=r.reviews_used,
            agreement_before=r.agreement_before,
            agreement_after=r.agreement_after,
            rescored=runs.get(r.version, 0),
        )
        for r in rows
    ]


def version_yaml(session: Session, viewer: Viewer, version: int) -> str:
    _require(viewer)
    text = session.execute(
        select(RubricVersion.yaml).where(RubricVersion.version == version)
    ).scalar_one_or_none()
    if text is None:
        raise LookupError(f"no rubric version {version}")
    return text


def save_version(
    session: Session,
    viewer: Viewer,
    text: str,
    *,
    note: str | None = None,
    reviews_used: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> int:
    """Store a rubric (checked first) as the next version number; commits."""
    _require(viewer)
    rubric_from_yaml(text)  # RubricError names what is wrong; nothing is stored
    latest = session.execute(select(func.max(RubricVersion.version))).scalar() or 0
    row = RubricVersion(
        version=latest + 1,
        yaml=text,
        author_id=viewer.user_id,
        author=actor_name(session, viewer),
        created_at=now(),
        note=(note or "").strip() or None,
        reviews_used=reviews_used,
        agreement_before=_plain(before),
        agreement_after=_plain(after),
    )
    session.add(row)
    session.commit()
    return row.version


def _plain(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy (NumPy floats and the like become plain numbers)."""
    if values is None:
        return None
    loaded: dict[str, Any] = orjson.loads(
        orjson.dumps(dict(values), option=orjson.OPT_SERIALIZE_NUMPY, default=str)
    )
    return loaded


def stored_reviews(session: Session) -> list[dict[str, Any]]:
    """Every human review, in the reviews file's shape (several reviewers per conversation)."""
    rows = session.execute(select(Review).order_by(Review.conversation_id, Review.id)).scalars()
    out = []
    for r in rows:
        record: dict[str, Any] = {"conversation_id": r.conversation_id, "reviewer": r.reviewer}
        if r.score is not None:
            record["score"] = r.score
        if r.skills:
            record["skills"] = dict(r.skills)
        record["comment"] = r.comment
        out.append(record)
    return out


def reviewed_cards(
    session: Session, ids: set[str], engine: Engine | None = None
) -> list[Scorecard]:
    """Scorecards of the reviewed conversations, scored now from their stored JSON.

    Scored again rather than read back, because the fit needs what only a live scorecard
    holds (per-message signals), and "before" should be the engine as it scores today.
    """
    rows = session.execute(
        select(ConversationDocument.conversation).where(
            ConversationDocument.conversation_id.in_(ids)
        )
    ).scalars()
    conversations = [conversation_from_dict(orjson.loads(document)) for document in rows]
    return (engine or Engine()).score_many(conversations)


def _default_calibrate() -> Calibrate:
    try:
        from servicecraft.calibration import calibrate, parse_review
    except ImportError:
        raise ReviewError("calibration is not available in this installation") from None

    def run(cards: list[Scorecard], reviews: list[dict[str, Any]]) -> CalibrationOutcome:
        # Only reviews with a grade inform the fit; a comment alone has nothing to fit to.
        graded = [
            parse_review(r)
            for r in reviews
            if r.get("score") is not None
            or any(v is not None for v in (r.get("skills") or {}).values())
        ]
        outcome: CalibrationOutcome = calibrate(cards, graded, "default")
        return outcome

    return run


def calibrate_from_store(
    session: Session, viewer: Viewer, *, calibrate: Calibrate | None = None
) -> CalibrationOutcome:
    """Fit the built-in rubric's overall (and skill offsets) to every stored human review.

    Saving is a separate step (``save_version``), so a lead sees the agreement before and
    after first. Too few reviews: the outcome's ``message`` says how many are needed.
    """
    _require(viewer)
    reviews = stored_reviews(session)
    cards = reviewed_cards(session, {r["conversation_id"] for r in reviews})
    return (calibrate or _default_calibrate())(cards, reviews)


def stored_rubric(session: Session, version: int) -> Rubric:
    """A saved version as a Rubric (for the command line, which acts with the database's rights)."""
    text = session.execute(
        select(RubricVersion.yaml).where(RubricVersion.version == version)
    ).scalar_one_or_none()
    if text is None:
        raise LookupError(f"no rubric version {version}")
    return rubric_from_yaml(text)


def rescore_with_version(
    db: Database,
    version: int | None,
    *,
    viewer: Viewer | None = None,
    actor: str = "command line",
    batch_size: int = 500,
    on_progress: Callable[[Any], None] | None = None,
) -> tuple[int, Any]:
    """Rescore the stored conversations with a rubric version (None: the built-in rubric).

    From the app pass the ``viewer`` (a lead or admin); the command line passes none and
    is recorded as ``actor``. The run is written to ``rescores`` (who, when, which version,
    how many) before and after, so an interrupted run still shows it was started.
    Returns (run id, the rescoring report).
    """
    try:
        from servicecraft.service.rescoring import rescore  # the rescoring use case
    except ImportError:
        raise ReviewError("rescoring is not available in this installation") from None

    with db.session() as session:
        if viewer is not None:
            _require(viewer)
            actor = actor_name(session, viewer)
        rubric = stored_rubric(session, version) if version is not None else None
        run = Rescore(
            rubric_version=version,
            actor_id=viewer.user_id if viewer else None,
            actor=actor,
            started_at=now(),
            conversations=0,
            failed=0,
        )
        session.add(run)
        session.commit()
        run_id = run.id
    report = rescore(db, engine=Engine(rubric), batch_size=batch_size, on_progress=on_progress)
    with db.transaction() as session:
        row = session.get(Rescore, run_id)
        assert row is not None  # written just above
        row.finished_at = now()
        row.conversations = report.rescored
        row.failed = report.failed
    return run_id, report


def rescore_runs(session: Session, viewer: Viewer, limit: int = 20) -> list[Mapping[str, Any]]:
    _require(viewer)
    rows = session.execute(select(Rescore).order_by(Rescore.id.desc()).limit(limit)).scalars()
    return [
        {
            "id": r.id,
            "version": r.rubric_version,
            "actor": r.actor,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "conversations": r.conversations,
            "failed": r.failed,
        }
        for r in rows
    ]


def describe(values: Mapping[str, Any] | None) -> str:
    """Agreement figures in one short line for tables ("spearman 0.62, mae 9.1, n 40")."""
    if not values:
        return "–"
    parts = []
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if key == "n":
            parts.append(f"n {int(value)}")
        elif key == "mae":
            parts.append(f"mae {value:.1f}")
        else:
            parts.append(f"{key} {value:.2f}")
    return ", ".join(parts) or "–"
