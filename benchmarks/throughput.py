"""End-to-end scoring throughput: JSONL in -> JSONL out, through the real CLI.

    python -m benchmarks.throughput [--n 100000] [--workers 2]

Prints conversations per second for `servicecraft score` (with and without the
learned predictors), a plain JSON read-and-write of the same file measured in the
same run (the floor any JSONL tool pays), their ratio, and peak memory at two input
sizes to show it stays flat as the input grows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from servicecraft.importers import sample_path

ROOT = Path(__file__).resolve().parent.parent


def make_input(path: Path, n: int) -> int:
    """n conversations cycled from the bundled sample, each with a fresh id; returns bytes written."""
    records = [
        orjson.loads(line) for line in Path(sample_path()).read_bytes().splitlines() if line.strip()
    ]
    with path.open("wb") as out:
        for i in range(n):
            record = dict(records[i % len(records)])
            record["id"] = f"bench-{i}"
            out.write(orjson.dumps(record) + b"\n")
    return path.stat().st_size


def plain_read_write(src: Path, dst: Path, loads, dumps) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with src.open("rb") as inp, dst.open("wb") as out:
        for line in inp:
            if line.strip():
                out.write(dumps(loads(line)))
                out.write(b"\n")
    return time.perf_counter() - start


def run_cli(src: Path, dst: Path, workers: int, learned: bool) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, largest process) of one `servicecraft score` run."""
    command = [
        sys.executable,
        "-m",
        "servicecraft.cli",
        "score",
        str(src),
        "-o",
        str(dst),
        "--workers",
        str(workers),
    ]
    if not learned:
        command.append("--no-learned")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        size = make_input(src, args.n)
        print(f"input: {args.n:,} conversations, {size / 2**20:.1f} MiB, {os.cpu_count()} CPUs")
        t_json = plain_read_write(src, dst, json.loads, lambda o: json.dumps(o).encode())
        t_orjson = plain_read_write(src, dst, orjson.loads, orjson.dumps)
        print(f"plain read+write, json:   {args.n / t_json:10,.0f} conv/s")
        print(f"plain read+write, orjson: {args.n / t_orjson:10,.0f} conv/s")
        for learned in (False, True):
            elapsed, _ = run_cli(src, dst, args.workers, learned)
            rate = args.n / elapsed
            label = "rules + learned" if learned else "rules only"
            print(
                f"servicecraft score --workers {args.workers} ({label}): {rate:10,.0f} conv/s  "
                f"= {t_json / elapsed:.2f}x plain json, {t_orjson / elapsed:.2f}x plain orjson"
            )
        out_lines = sum(1 for _ in dst.open("rb"))
        print(f"output records: {out_lines:,}")
        small = max(args.n // 5, 1000)
        make_input(src, small)
        _, peak_small = run_cli(src, dst, args.workers, True)
        make_input(src, args.n)
        _, peak_large = run_cli(src, dst, args.workers, True)
        print(
            f"peak RSS of the largest process: {peak_small:.0f} MiB at {small:,}, {peak_large:.0f} MiB at {args.n:,}"
        )


if __name__ == "__main__":
    main()
