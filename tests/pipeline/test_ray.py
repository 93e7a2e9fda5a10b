"""The Ray paths for real, on one local Ray shared by this module (Ray starts slowly).

Scorecards are compared as whole JSON with an in-process run of the same input, so these
tests hold whatever the engine outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from servicecraft.cli import main
from servicecraft.importers import sample_path
from servicecraft.pipeline import EngineSpec, Scored, engine_for, score_files

ray = pytest.importorskip("ray", reason="the ray extra is not installed")

from servicecraft.executors import RayExecutor  # noqa: E402

# Ray's own deprecation notices about its own settings are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = sample_path()
MALFORMED = str(ROOT / "examples" / "malformed.jsonl")


def child_env() -> dict[str, str]:
    """This process's environment as it is now: ray.init set RAY_AUTH_MODE=token for the
    local Ray, and a client of it must send the token too."""
    return {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(ROOT / "src")}


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray (2 CPUs) for the whole module; the CLI run in-process reuses it."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        address="local",  # a new Ray, whatever else runs on this machine
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level="warning",
        object_store_memory=200_000_000,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def by_id(lines: list[str]) -> dict[str, object]:
    cards = [json.loads(line) for line in lines if line.strip()]
    return {card["id"]: card for card in cards}


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The reference: scorecards and rejections of an in-process run of the same input."""
    folder = tmp_path_factory.mktemp("reference")
    out, rejects = folder / "out.jsonl", folder / "rejects.jsonl"
    code, _, err = run("score", SAMPLE, MALFORMED, "-o", str(out), "--rejects", str(rejects))
    assert code == 1, err  # examples/malformed.jsonl holds three bad lines
    return out, rejects


def test_score_with_the_ray_executor_gives_the_in_process_scorecards(
    ray_address: str, in_process: tuple[Path, Path], tmp_path: Path
) -> None:
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    code, _, err = run(
        "score", SAMPLE, MALFORMED, "--executor", "ray", "--workers", "2",
        "-o", str(out), "--rejects", str(rejects),
    )  # fmt: skip
    assert code == 1, err
    assert out.read_bytes() == in_process[0].read_bytes()  # same cards, same order
    assert rejects.read_bytes() == in_process[1].read_bytes()
    assert "scored 322 conversation(s), rejected 3" in err


def test_score_against_a_cluster_address_from_another_process(
    ray_address: str, in_process: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "servicecraft.cli", "score", SAMPLE, MALFORMED]
    command += ["--ray-address", ray_address, "-o", str(out)]  # every CPU of the cluster
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(), timeout=300)
    assert done.returncode == 1 and "scored 322 conversation(s)" in done.stderr, done.stderr
    assert out.read_bytes() == in_process[0].read_bytes()


def test_the_issue_command_starts_and_stops_its_own_local_ray(
    in_process: tuple[Path, Path], tmp_path: Path
) -> None:
    """`score chats.jsonl --workers 2 --executor ray` used to end in a TypeError."""
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "servicecraft.cli", "score", SAMPLE, MALFORMED]
    command += ["--workers", "2", "--executor", "ray", "-o", str(out)]
    env = {k: v for k, v in child_env().items() if k != "RAY_ADDRESS"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1 and "scored 322 conversation(s)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_bytes() == in_process[0].read_bytes()


def test_a_ray_address_needs_the_ray_executor() -> None:
    code, _, err = run("score", SAMPLE, "--executor", "process", "--ray-address", "x:1")
    assert code == 2 and "needs the ray executor" in err


def engine_identity(spec: EngineSpec, _: int) -> tuple[int, int]:
    return os.getpid(), id(engine_for(spec))


def test_actors_take_partials_and_load_the_engine_once_each(ray_address: str) -> None:
    executor = RayExecutor(workers=2)
    try:
        assert list(executor.map(partial(pow, 2), range(6))) == [1, 2, 4, 8, 16, 32]
        seen = list(executor.map(partial(engine_identity, EngineSpec()), range(12)))
    finally:
        executor.close()
    engines: dict[int, set[int]] = {}
    for pid, engine in seen:
        engines.setdefault(pid, set()).add(engine)
    assert len(engines) == 2  # two worker processes, the batches spread over both
    assert all(len(ids) == 1 for ids in engines.values())  # one engine each, reused
    assert ray.is_initialized()  # a Ray the caller started stays up for the caller


def test_import_scores_on_ray_and_writes_in_the_driver(ray_address: str, database_url: str) -> None:
    from servicecraft.serialize import scorecard_to_dict
    from servicecraft.store import ConversationDocument, open_database

    args = ["import", SAMPLE, MALFORMED, "--db", database_url, "--executor", "ray"]
    code, _, err = run(*args, "--workers", "2", "--batch-size", "100")
    assert code == 1 and "imported 322, updated 0, unchanged 0, rejected 3" in err, err
    code, _, err = run(*args, "--workers", "2")
    assert code == 1 and "imported 0, updated 0, unchanged 322, rejected 3" in err, err
    expected = {
        item.conversation_id: scorecard_to_dict(item.output[1])  # type: ignore[index]
        for item in score_files([SAMPLE, MALFORMED], mode="card")
        if isinstance(item, Scored)
    }
    db = open_database(database_url)
    try:
        with db.session() as session:
            rows = session.execute(
                select(ConversationDocument.conversation_id, ConversationDocument.scorecard)
            ).all()
    finally:
        db.close()
    assert {cid: orjson.loads(card) for cid, card in rows} == expected


def conversations_table(path: str) -> object:
    """The sample as a Parquet-ready Arrow table of nested columns (no JSON text inside)."""
    import pyarrow as pa

    records = [orjson.loads(line) for line in Path(path).read_bytes().splitlines() if line]
    return pa.Table.from_pylist(records)


def test_ray_data_gives_the_cli_scorecards(
    ray_address: str, in_process: tuple[Path, Path], tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="Ray Data needs pyarrow (ray[data])")

    from servicecraft.distributed import read_dataset, score_dataset, write_scorecards

    # JSONL in, JSONL out: the same lines as the CLI, rejections with file and line.
    scored = score_dataset(read_dataset([SAMPLE, MALFORMED]), workers=2)
    write_scorecards(scored, str(tmp_path / "jsonl"))
    lines = [
        line
        for part in sorted((tmp_path / "jsonl").glob("*.jsonl"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    reference = in_process[0].read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(reference)  # byte for byte; Ray Data keeps no order
    rejected = [
        json.loads(line)
        for part in (tmp_path / "jsonl" / "_rejected").glob("*.jsonl")
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    expected = [json.loads(line) for line in in_process[1].read_text().splitlines()]
    key = lambda r: (r["source"], r["location"])  # noqa: E731
    assert sorted(rejected, key=key) == sorted(expected, key=key)

    # Parquet of nested conversation columns in, Parquet out.
    pq.write_table(conversations_table(SAMPLE), tmp_path / "chats.parquet")
    scored = score_dataset(read_dataset(str(tmp_path / "chats.parquet")), workers=2)
    write_scorecards(scored, str(tmp_path / "parquet"), "parquet")
    table = pq.read_table(tmp_path / "parquet")
    cards = {row["id"]: json.loads(row["scorecard"]) for row in table.to_pylist()}
    sample_ids = set(by_id(Path(SAMPLE).read_text(encoding="utf-8").splitlines()))
    assert set(cards) == sample_ids
    assert cards == {k: v for k, v in by_id(reference).items() if k in sample_ids}
    assert table.column("reason").null_count == table.num_rows
