"""Ray Data: score a ``ray.data.Dataset`` of conversations on a Ray cluster.

Needs the ``ray`` extra (``pip install 'servicecraft[ray]'``). The engine knows nothing of
Ray; this module only feeds it. Three steps, each running on the cluster, not the driver:

    ds = read_dataset(["s3://bucket/chats/"])          # JSONL lines or Parquet rows, in parallel
    scored = score_dataset(ds, workers=8)              # actors, each loading the models once
    write_scorecards(scored, "s3://bucket/scored/")    # JSONL (or Parquet), one file per task

Every row of the scored dataset is one input record: ``id``, ``score`` and ``scorecard`` (the
same JSON text ``servicecraft score`` writes) for a scored conversation, or ``source``,
``location`` and ``reason`` for a rejected record, so totals account for every line read.
Ray Data does not keep input order; each scorecard carries its conversation id.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, cast
from uuid import uuid4

import orjson
import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy, Dataset
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink, FileBasedDatasource

from servicecraft.importers import RawRecord
from servicecraft.model import Conversation, Rejection, Scorecard
from servicecraft.pipeline import BATCH_SIZE, EngineSpec, Scored, engine_for, score_batch
from servicecraft.serialize import scorecard_to_json

__all__ = [
    "SCORED_SCHEMA",
    "ScoreConversations",
    "read_dataset",
    "score_dataset",
    "write_scorecards",
]

SCORED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("score", pa.float64()),
        ("scorecard", pa.string()),
        ("source", pa.string()),
        ("location", pa.string()),
        ("reason", pa.string()),
    ]
)
_LINES_SCHEMA = pa.schema([("record", pa.binary()), ("source", pa.string()), ("line", pa.int64())])
_LINES_PER_BLOCK = 4096
# Reading and writing only split lines and copy bytes; they ask for no CPU, so a pool
# of scoring actors that takes every CPU cannot starve them (Ray Data would wait forever).
IO_CPUS = 0
_CHUNK = 1 << 22
_BOM = b"\xef\xbb\xbf"


class JsonlLines(FileBasedDatasource):
    """JSONL files as raw lines (bytes, file, line number), read by Ray tasks on the cluster.

    Lines stay bytes, parsed later exactly as the command line parses them, so the scorecards
    match and a bad line (even invalid UTF-8) is one rejection with its file and line number.
    """

    def _read_stream(self, f: Any, path: str) -> Iterator[pa.Table]:
        records: list[bytes] = []
        lines: list[int] = []
        number = 0
        rest = b""
        while True:
            chunk = f.read(_CHUNK)
            # Lines keep their newline, as the command line's reader gives them (error
            # positions in a rejection then match it to the character).
            parts = (rest + chunk).split(b"\n") if chunk else [rest]
            rest = parts.pop() if chunk else b""
            ended = b"\n" if chunk else b""
            for line in parts:
                number += 1
                if number == 1 and line.startswith(_BOM):
                    line = line[len(_BOM) :]
                if line and not line.isspace():
                    records.append(line + ended)
                    lines.append(number)
            if len(records) >= _LINES_PER_BLOCK or (not chunk and records):
                yield _lines_table(records, path, lines)
                records, lines = [], []
            if not chunk:
                return


def _lines_table(records: list[bytes], path: str, lines: list[int]) -> pa.Table:
    columns = [records, [path] * len(records), lines]
    return pa.Table.from_arrays(
        [pa.array(c, t.type) for c, t in zip(columns, _LINES_SCHEMA, strict=True)],
        schema=_LINES_SCHEMA,
    )


def read_dataset(paths: str | Sequence[str], fmt: str | None = None) -> Dataset:
    """Conversations from JSONL (``fmt="jsonl"``) or Parquet (``"parquet"``) files or folders.

    Local paths must be visible on every node (a shared file system); ``s3://``, ``gs://``
    and the other ``pyarrow`` file systems work as they do for Ray Data. ``fmt`` defaults to
    Parquet when the first path ends in ``.parquet``, else JSONL.
    """
    listed = [paths] if isinstance(paths, str) else list(paths)
    fmt = fmt or ("parquet" if listed[0].rstrip("/").endswith(".parquet") else "jsonl")
    if fmt == "parquet":
        parquet: Dataset = ray.data.read_parquet(listed, include_paths=True, num_cpus=IO_CPUS)
        return parquet
    if fmt != "jsonl":
        raise ValueError(f"unknown format {fmt!r}; choose jsonl or parquet")
    lines: Dataset = ray.data.read_datasource(JsonlLines(listed), num_cpus=IO_CPUS)
    return lines


class ScoreConversations:
    """The engine as a Ray Data callable class: one per actor, models loaded once per actor.

    A batch is either raw JSONL lines (``record``, ``source``, ``line``: what ``read_dataset``
    gives for JSONL) or conversation records as columns (Parquet, ``from_items``).
    """

    def __init__(self, spec: EngineSpec | None = None) -> None:
        self.spec = spec or EngineSpec()
        engine_for(self.spec)  # load rubric and weights now, once for this actor

    def __call__(self, batch: pa.Table) -> pa.Table:
        raws = _raw_records(batch)
        rows: list[dict[str, object]] = []
        for item in score_batch(self.spec, "card", raws):
            if isinstance(item, Rejection):
                rows.append(
                    {"source": item.source, "location": item.location, "reason": item.reason}
                )
            else:
                rows.append(_scored_row(item))
        return pa.Table.from_pylist(rows, schema=SCORED_SCHEMA)


def _scored_row(item: Scored) -> dict[str, object]:
    _, card = cast("tuple[Conversation, Scorecard]", item.output)  # mode "card"
    text = scorecard_to_json(card).rstrip(b"\n").decode()
    return {"id": item.conversation_id, "score": card.score, "scorecard": text}


def _raw_records(batch: pa.Table) -> list[RawRecord | Rejection]:
    if "record" in batch.column_names:
        return [
            RawRecord("jsonl", source, f"line {line}", record)
            for record, source, line in zip(
                batch.column("record").to_pylist(),
                batch.column("source").to_pylist(),
                batch.column("line").to_pylist(),
                strict=True,
            )
        ]
    out: list[RawRecord | Rejection] = []
    for row in batch.to_pylist():
        source = str(row.pop("path", None) or "dataset")
        where = f"id {row['id']!r}" if isinstance(row.get("id"), str) else "record"
        try:
            payload = orjson.dumps(_plain(row))
        except TypeError as exc:  # a column type JSON cannot carry
            out.append(Rejection(source, where, f"unsupported value: {exc}"))
            continue
        out.append(RawRecord("jsonl", source, where, payload))
    return out


def _plain(value: Any) -> Any:
    """Arrow rows back to the JSON record they stand for.

    Arrow gives every row every column, absent ones as null: a null is dropped, as an absent
    JSON field would be. Timestamps become ISO 8601 text, as the JSON input carries them.
    """
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def score_dataset(
    ds: Dataset,
    spec: EngineSpec | None = None,
    *,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> Dataset:
    """Score every conversation of ``ds`` on a pool of actors (``workers``, default: every CPU).

    Each actor builds the engine once (rubric and weights); batches of ``batch_size``
    conversations go through ``Engine.score_many``, one learned-tier pass per batch.
    """
    size = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)  # type: ignore[no-untyped-call]
    return ds.map_batches(
        ScoreConversations,
        fn_constructor_kwargs={"spec": spec or EngineSpec()},
        batch_size=batch_size,
        batch_format="pyarrow",
        # From one actor up: a pool that took every CPU from the start would leave none for
        # the stages that need one (Parquet's file listing) and Ray Data would wait forever.
        compute=ActorPoolStrategy(min_size=1, max_size=size),
        num_cpus=1,
    )


class ScorecardLines(BlockBasedFileDatasink):
    """Scorecards as JSONL written by each write task; rejections beside them in ``_rejected/``.

    The folder name starts with ``_`` so readers of the scorecards (Spark, Arrow datasets)
    skip it.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, file_format="jsonl")

    def write_block_to_file(self, block: BlockAccessor, file: Any) -> None:
        table = block.to_arrow()
        lines = [text for text in table.column("scorecard").to_pylist() if text is not None]
        file.write("".join(f"{text}\n" for text in lines).encode())

    def write_block(self, block: BlockAccessor, block_index: int, ctx: Any) -> None:
        super().write_block(block, block_index, ctx)
        table = block.to_arrow()
        rejected = [
            {"source": s, "location": loc, "reason": r}
            for s, loc, r in zip(
                table.column("source").to_pylist(),
                table.column("location").to_pylist(),
                table.column("reason").to_pylist(),
                strict=True,
            )
            if r is not None
        ]
        if not rejected:
            return
        folder = posixpath.join(self.path, "_rejected")
        self.filesystem.create_dir(folder, recursive=True)
        name = f"{uuid4().hex}.jsonl"  # unique per write task, whatever retries happen
        with self.open_output_stream(posixpath.join(folder, name)) as out:
            out.write(b"".join(orjson.dumps(r) + b"\n" for r in rejected))


def write_scorecards(ds: Dataset, path: str, fmt: str = "jsonl") -> None:
    """Write a scored dataset from the cluster's tasks: ``jsonl`` or ``parquet`` files in ``path``.

    JSONL: one scorecard per line, exactly as ``servicecraft score`` writes it, rejections in
    ``path/_rejected/``. Parquet: every row with its columns (``SCORED_SCHEMA``).
    """
    io = {"num_cpus": IO_CPUS}
    if fmt == "parquet":
        ds.write_parquet(path, ray_remote_args=io)
    elif fmt == "jsonl":
        ds.write_datasink(ScorecardLines(path), ray_remote_args=io)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose jsonl or parquet")
