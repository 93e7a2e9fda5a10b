"""Load throughput into SQLite and PostgreSQL, and dashboard query latency at scale.

    python -m benchmarks.app_load [--n 1000000] [--db sqlite|postgresql] [--import-n 10000]
                                  [--repeat 30] [--skip-import]

Per database:
1. `import_files` throughput (parse, score, store, aggregates) on --import-n conversations
   into a fresh scratch database (dropped afterwards).
2. A bulk load to --n scored conversations: a demo organisation is built and scored for
   real, then its conversation rows (and their hindrances) are replicated with jittered
   times and scores through the bulk path (executemany on SQLite, COPY on PostgreSQL), and
   the weekly aggregates are rebuilt once. Conversation documents are not replicated: only
   the conversation page reads them, by primary key.
3. Median and p95 of each dashboard query over --repeat runs (after one warm-up run).

`load_benchmark_database(url, n)` is reused by benchmarks/app_pages.py. The databases
(`benchmark-<n>.db`, `servicecraft_bench_<n>`) are kept, so a second run reuses them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import func, insert, select

from servicecraft.importers import sample_path
from servicecraft.service import dashboards
from servicecraft.service.demo import build_demo, demo_exists
from servicecraft.service.importing import import_files
from servicecraft.service.policy import Viewer
from servicecraft.store import (
    Conversation,
    HindranceRow,
    Person,
    Team,
    open_database,
    rebuild_aggregates,
)

URLS = {
    "sqlite": "sqlite:///benchmark-{n}.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/servicecraft_bench_{n}",
}
CHUNK = 20_000
TEMPLATES = 5_000  # demo conversations scored for real, then replicated


def ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar():
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _replicas(
    templates: list[dict[str, Any]], start: int, n: int, seed: int
) -> Iterator[dict[str, Any]]:
    """Rows like the templates: same person and content, another time and a jittered score."""
    rng = random.Random(seed + start)
    for i in range(start, n):
        row = dict(templates[rng.randrange(len(templates))])
        row["template"] = row["id"]
        row["id"] = f"bulk-{i:08d}"
        if row["started_at"] is not None:
            started = row["started_at"] + timedelta(
                days=rng.randint(-3, 3), minutes=rng.randrange(-240, 240)
            )
            row["started_at"] = started
            row["week"] = started.date() - timedelta(days=started.weekday())
        if row["score"] is not None:
            row["score"] = round(min(100.0, max(0.0, row["score"] + rng.gauss(0, 4))), 1)
        row["content_hash"] = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        yield row


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(connection: sa.Connection, table: sa.Table, columns: list[str], rows: list[Any]) -> None:
    """The bulk path: COPY on PostgreSQL, one executemany on SQLite."""
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[c] for c in columns])
    else:
        connection.execute(insert(table), [{c: row[c] for c in columns} for row in rows])


def load_benchmark_database(url: str, n: int, seed: int = 7) -> float:
    """Make the database hold n scored conversations (reusing it if it does).

    Returns conversations/s of the bulk load (0.0 when the database was already full).
    """
    ensure_postgres_database(url)
    db = open_database(url)
    try:
        if not demo_exists(db):
            build_demo(db, conversations=min(n, TEMPLATES), seed=seed)
        conversations: sa.Table = Conversation.__table__  # type: ignore[assignment]
        hindrances: sa.Table = HindranceRow.__table__  # type: ignore[assignment]
        with db.session() as s:
            have = s.execute(select(func.count()).select_from(conversations)).scalar() or 0
            if have >= n:
                return 0.0
            templates = [
                dict(r._mapping)
                for r in s.execute(
                    select(conversations).where(conversations.c.id.not_like("bulk-%"))
                )
            ]
            cited: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in s.execute(select(hindrances)):
                cited[r.conversation_id].append(dict(r._mapping))
        columns = [c.name for c in conversations.columns]
        h_columns = [c.name for c in hindrances.columns if c.name != "id"]
        started = time.perf_counter()
        with db.engine.begin() as connection:
            for chunk in _chunks(_replicas(templates, have, n, seed), CHUNK):
                _write(connection, conversations, columns, chunk)
                said = [
                    {**h, "conversation_id": row["id"]}
                    for row in chunk
                    for h in cited.get(row["template"], ())
                ]
                if said:
                    _write(connection, hindrances, h_columns, said)
            rebuild_aggregates(connection)
            connection.execute(sa.text("ANALYZE"))
        return (n - have) / (time.perf_counter() - started)
    finally:
        db.close()


def import_throughput(url: str, count: int) -> float:
    """conversations/s through `import_files`, into a fresh database."""
    lines = [line for line in Path(sample_path()).read_bytes().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.jsonl"
        with path.open("wb") as out:
            for i in range(count):
                record = orjson.loads(lines[i % len(lines)])
                record["id"] = f"import-{i}"
                out.write(orjson.dumps(record) + b"\n")
        if url.startswith("sqlite"):
            url = f"sqlite:///{Path(tmp) / 'import.db'}"
        else:
            drop_postgres_database(url)
            ensure_postgres_database(url)
        db = open_database(url)
        try:
            started = time.perf_counter()
            report = import_files(db, [str(path)])
            elapsed = time.perf_counter() - started
        finally:
            db.close()
            if url.startswith("postgresql"):
                drop_postgres_database(url)
    assert report.imported == count, report
    return count / elapsed


def dashboard_queries(db: Any) -> dict[str, Callable[[Any], Any]]:
    """The queries the pages run, for the first team, its department and one of its people."""
    admin = Viewer("admin")
    with db.session() as s:
        team_id, department_id = s.execute(
            select(Team.id, Team.department_id).order_by(Team.id).limit(1)
        ).one()
        person_id = s.execute(
            select(Person.id).where(Person.team_id == team_id).order_by(Person.id).limit(1)
        ).scalar_one()
    lead = Viewer("lead", department_id=department_id)
    return {
        "organisation": lambda s: dashboards.organisation_overview(s, admin),
        "department": lambda s: dashboards.department_detail(s, admin, department_id),
        "team": lambda s: dashboards.team_detail(s, admin, team_id),
        "person": lambda s: dashboards.person_profile(s, admin, person_id),
        "search (newest)": lambda s: dashboards.search_conversations(s, admin),
        "search (filtered)": lambda s: dashboards.search_conversations(
            s, admin, team_id=team_id, min_score=50, page=3
        ),
        "search (lead, skill)": lambda s: dashboards.search_conversations(
            s, lead, skill="empathy", max_score=40
        ),
        # Sorting a whole department by a skill: no index serves it (one per skill would
        # slow every import), so this is the slowest query; the web form does not offer it.
        "search (skill sort)": lambda s: dashboards.search_conversations(
            s, lead, skill="empathy", max_score=40, sort="empathy"
        ),
        "hindrances": lambda s: dashboards.hindrances(s, admin),
    }


def query_latency(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    db = open_database(url)
    try:
        results = {}
        for name, run in dashboard_queries(db).items():
            times = []
            for _ in range(repeat + 1):
                with db.session() as s:
                    t = time.perf_counter()
                    run(s)
                    times.append((time.perf_counter() - t) * 1000)
            times = sorted(times[1:])  # the first run warms caches
            results[name] = (
                statistics.median(times),
                times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            )
        return results
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="conversations to load")
    parser.add_argument("--db", action="append", choices=sorted(URLS), help="repeatable")
    parser.add_argument("--import-n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-import", action="store_true", help="only load and query")
    args = parser.parse_args()
    for kind in args.db or sorted(URLS):
        url = URLS[kind].format(n=args.n)
        print(f"== {kind}: {args.n:,} conversations", flush=True)
        if not args.skip_import:
            t = time.perf_counter()
            rate = import_throughput(URLS[kind].format(n="import"), args.import_n)
            print(
                f"import_files (parse + score + store): {rate:,.0f} conv/s on "
                f"{args.import_n:,} ({time.perf_counter() - t:.1f} s)",
                flush=True,
            )
        t = time.perf_counter()
        rate = load_benchmark_database(url, args.n)
        print(
            f"bulk load: {rate:,.0f} conv/s ({time.perf_counter() - t:.1f} s with the demo)"
            if rate
            else "bulk load: reused the existing database",
            flush=True,
        )
        print(f"{'query':<22} {'median ms':>10} {'p95 ms':>8}")
        for name, (median, p95) in query_latency(url, args.repeat).items():
            print(f"{name:<22} {median:>10.1f} {p95:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
