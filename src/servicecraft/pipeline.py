"""Batch scoring: files in, scored records out, streaming, on any executor.

The main process only splits files into raw records (cheap); parsing, scoring and
serialising happen in the workers, so the work that scales is the work that moves.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Literal

from servicecraft.engine import Engine, Scorer
from servicecraft.executors import Executor, InProcessExecutor
from servicecraft.importers import CsvColumns, RawRecord, iter_raw, parse_raw
from servicecraft.model import Conversation, Rejection, Scorecard
from servicecraft.serialize import scorecard_to_json, scorecard_to_row

Mode = Literal["json", "row", "card"]
BATCH_SIZE = 256


@dataclass(slots=True, frozen=True)
class EngineSpec:
    """How to build an Engine in a worker process: small and picklable."""

    rubric: str | None = None
    learned: bool | str = True  # True: the fast tier; False: rules only; or a tier name
    scorers: tuple[str, ...] = ()  # "package.module:attribute" of the user's own scorers

    def build(self) -> Engine:
        return Engine(self.rubric, [load_scorer(s) for s in self.scorers], learned=self.learned)


@dataclass(slots=True, frozen=True)
class Scored:
    """One scored conversation: a JSON line, a flat row, or the Scorecard with its conversation."""

    conversation_id: str
    output: bytes | dict[str, object] | tuple[Conversation, Scorecard]
    source: str = ""  # where the record came from, as a Rejection names it
    location: str = ""


_ENGINES: dict[EngineSpec, Engine] = {}


def engine_for(spec: EngineSpec) -> Engine:
    """One Engine per spec per process: rubric and models load once per worker."""
    engine = _ENGINES.get(spec)
    if engine is None:
        engine = _ENGINES[spec] = spec.build()
        if len(_ENGINES) == 1:
            # The engine's hundreds of thousands of objects (the rubric's phrase tries, the
            # models) live as long as the process: left to the collector, each of its full
            # passes walked them all again (7% of a worker's time); frozen, they are skipped.
            # Once per process: in a long-lived one (the app) a freeze also keeps whatever
            # else was alive then, so it must not repeat with every new rubric version.
            gc.freeze()
    return engine


def load_scorer(path: str) -> Scorer:
    """Import a user's scorer from "module:attribute" (a Scorer instance or a class)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"scorer {path!r} must look like 'package.module:attribute'")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load scorer {path!r}: {exc}") from None
    scorer = target() if isinstance(target, type) else target
    if not isinstance(scorer, Scorer):
        raise ValueError(
            f"{path!r} is not a scorer: it needs a 'skill' and a score(analysis) method"
        )
    return scorer


def score_batch(
    spec: EngineSpec, mode: Mode, batch: list[RawRecord | Rejection]
) -> list[Scored | Rejection]:
    engine = engine_for(spec)
    out: list[Scored | Rejection | None] = []
    parsed: list[tuple[int, RawRecord, Conversation]] = []
    for raw in batch:
        item = raw if isinstance(raw, Rejection) else parse_raw(raw)
        if isinstance(item, Rejection):
            out.append(item)
        else:
            parsed.append((len(out), raw, item))  # type: ignore[arg-type]
            out.append(None)
    for (at, raw, conversation), card in zip(parsed, _score_all(engine, parsed), strict=True):
        if isinstance(card, BaseException):
            reason = f"scoring failed: {type(card).__name__}: {card}"
            out[at] = Rejection(raw.source, raw.location, reason)
        elif mode == "json":
            out[at] = Scored(conversation.id, scorecard_to_json(card))
        elif mode == "row":
            out[at] = Scored(conversation.id, scorecard_to_row(card))
        else:
            out[at] = Scored(conversation.id, (conversation, card), raw.source, raw.location)
    return [item for item in out if item is not None]


def _score_all(
    engine: Engine, parsed: list[tuple[int, RawRecord, Conversation]]
) -> list[Scorecard | Exception]:
    """Scorecards in order; one bad conversation must not lose the rest of the file."""
    conversations = [c for _, _, c in parsed]
    try:
        return list(engine.score_many(conversations))
    except Exception:  # find the culprit one by one; the others still score
        results: list[Scorecard | Exception] = []
        for conversation in conversations:
            try:
                results.append(engine.score(conversation))
            except Exception as exc:
                results.append(exc)
        return results


def raw_records(
    paths: Iterable[str], fmt: str | None = None, csv_columns: CsvColumns | None = None
) -> Iterator[RawRecord | Rejection]:
    for path in paths:
        yield from iter_raw(path, fmt, csv_columns=csv_columns)


def batched(
    items: Iterable[RawRecord | Rejection], size: int
) -> Iterator[list[RawRecord | Rejection]]:
    batch: list[RawRecord | Rejection] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_files(
    paths: Iterable[str],
    fmt: str | None = None,
    *,
    spec: EngineSpec | None = None,
    executor: Executor | None = None,
    mode: Mode = "json",
    batch_size: int = BATCH_SIZE,
    csv_columns: CsvColumns | None = None,
) -> Iterator[Scored | Rejection]:
    """Score every conversation in the files, in input order; rejections come in line."""
    executor = executor or InProcessExecutor()
    work = partial(score_batch, spec or EngineSpec(), mode)
    for results in executor.map(work, batched(raw_records(paths, fmt, csv_columns), batch_size)):
        yield from results
