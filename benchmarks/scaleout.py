"""Scale-out: the same N conversations in-process, on a process pool, on Ray and on Ray Data.

    python -m benchmarks.scaleout [--n 100000] [--workers 2] [--port 6390]

Part 1, this machine, end to end through `servicecraft score` (a fresh process each, start-up
included): in-process, the process pool, the Ray executor starting its own local Ray, and the
Ray executor against a Ray that is already running (what a cluster looks like to a job); then
Ray Data (read_dataset -> score_dataset -> write_scorecards) on that running Ray. Every output
is checked against the in-process scorecards (Ray Data's as a set of lines: it keeps no order).

Part 2, a local multi-node cluster started with `ray start` (a head with no CPUs for work and
two worker nodes of one CPU each, all on this machine, stopped by their own process ids, not by
`ray stop`): the Ray executor with 1 and 2 workers and Ray Data with 2, with each worker's peak
resident memory. Ray needs the ray extra (`pip install 'servicecraft[ray]'`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.throughput import make_input
from servicecraft.importers import sample_path

ROOT = Path(__file__).resolve().parent.parent
RAY = str(Path(sys.executable).with_name("ray"))
STORE = "200000000"  # object store bytes per node: the in-flight batches are small


def cli(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, largest child process) of one `servicecraft score`."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "servicecraft.cli", "score", *args],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"servicecraft score {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB: called inside each Ray worker."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ray_data_lines(folder: Path) -> list[bytes]:
    return sorted(
        line for part in folder.glob("*.jsonl") for line in part.read_bytes().splitlines()
    )


def run_ray_data(src: Path, out: Path, workers: int) -> float:
    from servicecraft.distributed import read_dataset, score_dataset, write_scorecards

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    write_scorecards(score_dataset(read_dataset(str(src)), workers=workers), str(out))
    return time.perf_counter() - start


def run_executor(src: Path, out: Path, workers: int) -> tuple[float, list[float]]:
    """The Ray executor from the library (what the CLI calls): seconds and each worker's MiB."""
    from servicecraft.executors import RayExecutor
    from servicecraft.pipeline import Scored, score_files

    start = time.perf_counter()
    executor = RayExecutor(workers)
    try:
        with out.open("wb") as sink:
            for item in score_files([str(src)], executor=executor):
                if isinstance(item, Scored):
                    sink.write(item.output)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
        memory = executor.run_on_each(peak_rss_mib)
    finally:
        executor.close()
    return elapsed, memory


@contextmanager
def local_cluster(port: int, env: dict[str, str]) -> Iterator[str]:
    """A head (no CPUs for work) and two one-CPU worker nodes on this machine, via `ray start`.

    This process connects as the driver once the head is up, and the worker nodes start one
    after the other (started together on one machine, they can race for the same free port).
    """
    import ray

    address = f"127.0.0.1:{port}"
    common = ["--block", "--object-store-memory", STORE, "--disable-usage-stats"]
    common += ["--node-ip-address", "127.0.0.1"]
    head = [RAY, "start", "--head", "--port", str(port), "--num-cpus", "0"]
    head += ["--include-dashboard=false"]
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        nodes.append(subprocess.Popen([*head, *common], env=env, stdout=subprocess.DEVNULL))
        connect(address)
        for count in (2, 3):
            worker = [RAY, "start", "--address", address, "--num-cpus", "1", *common]
            nodes.append(subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL))
            wait_for_nodes(count)
        yield address
    finally:
        ray.shutdown()
        for node in reversed(nodes):  # by our own process ids: `ray stop` would end others' Rays
            node.terminate()
        for node in nodes:
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                node.kill()


def connect(address: str, timeout: float = 180) -> None:
    import ray

    deadline = time.monotonic() + timeout
    while True:
        try:
            ray.init(address=address, log_to_driver=False, logging_level="warning")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(3)


def wait_for_nodes(count: int, timeout: float = 180) -> None:
    import ray

    deadline = time.monotonic() + timeout
    while sum(1 for n in ray.nodes() if n["Alive"]) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"the cluster did not reach {count} nodes in {timeout:.0f}s")
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=6390, help="GCS port of the multi-node head")
    args = parser.parse_args()
    n, w = args.n, args.workers
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    if (Path.home() / ".ray" / "auth_token").exists():
        env["RAY_AUTH_MODE"] = "token"  # Ray's default for new clusters; clients must match
    os.environ.update(env)
    import ray

    rows: list[tuple[str, float, str]] = []

    def row(label: str, seconds: float, memory: str, same: bool) -> None:
        rows.append((label, n / seconds, memory + ("" if same else "  OUTPUT DIFFERS")))
        print(f"{label:<58} {n / seconds:8,.0f} conv/s  {memory}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        src, ref, out = Path(tmp) / "in.jsonl", Path(tmp) / "ref.jsonl", Path(tmp) / "out.jsonl"
        size = make_input(src, n)
        print(f"input: {n:,} conversations, {size / 2**20:.1f} MiB, {os.cpu_count()} CPUs")
        t, mem = cli([str(src), "-o", str(ref)], env)
        row("in-process (score)", t, f"peak {mem:.0f} MiB", True)
        reference = ref.read_bytes()
        t, mem = cli([str(src), "-o", str(out), "--workers", str(w)], env)
        row(f"process pool (score --workers {w})", t, "", out.read_bytes() == reference)
        t, _ = cli([str(src), "-o", str(out), "--executor", "ray", "--workers", str(w)], env)
        row(f"Ray executor, own local Ray (--executor ray --workers {w})", t, "",
            out.read_bytes() == reference)  # fmt: skip

        ray.init(address="local", num_cpus=w, include_dashboard=False, log_to_driver=False,
                 logging_level="warning", object_store_memory=int(STORE))  # fmt: skip
        ray.data.DataContext.get_current().enable_progress_bars = False
        address = ray.get_runtime_context().gcs_address
        env["RAY_AUTH_MODE"] = os.environ.get("RAY_AUTH_MODE", env.get("RAY_AUTH_MODE", ""))
        try:
            warm = [sample_path(), "-o", str(out), "--ray-address", address, "--workers", str(w)]
            cli(warm, env)  # the first job on a fresh Ray also starts its worker pool
            t, _ = cli(
                [str(src), "-o", str(out), "--ray-address", address, "--workers", str(w)], env
            )
            row(f"Ray executor, running Ray (--ray-address, --workers {w})", t, "",
                out.read_bytes() == reference)  # fmt: skip
            t = run_ray_data(src, Path(tmp) / "rd", w)
            same = ray_data_lines(Path(tmp) / "rd") == sorted(reference.splitlines())
            row(f"Ray Data, running Ray ({w} actors)", t, "", same)
        finally:
            ray.shutdown()

        print("\nlocal multi-node cluster: head (0 CPUs) + 2 worker nodes (1 CPU each)", flush=True)
        with local_cluster(args.port, env):
            ray.data.DataContext.get_current().enable_progress_bars = False
            run_executor(Path(sample_path()), out, 2)  # warm: worker pools, imports, weights
            for workers in (1, 2):
                t, memory = run_executor(src, out, workers)
                per = ", ".join(f"{m:.0f}" for m in memory)
                row(f"cluster: Ray executor, {workers} worker(s)", t,
                    f"worker peak MiB: {per}", out.read_bytes() == reference)  # fmt: skip
            t = run_ray_data(src, Path(tmp) / "rd2", 2)
            same = ray_data_lines(Path(tmp) / "rd2") == sorted(reference.splitlines())
            row("cluster: Ray Data, 2 actors", t, "", same)
            alive = sum(1 for node in ray.nodes() if node["Alive"])
            print(f"nodes alive at the end: {alive}")

    base = rows[0][1]
    pool = rows[1][1]
    print(
        f"\n| run ({n:,} conversations) | conversations/s | × in-process | × process pool | notes |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for label, rate, notes in rows:
        print(f"| {label} | {rate:,.0f} | {rate / base:.2f} | {rate / pool:.2f} | {notes} |")


if __name__ == "__main__":
    main()
