"""Load throughput into SQLite and PostgreSQL, and dashboard query latency at scale.

    python -m benchmarks.app_load [--n 1000000] [--db sqlite|postgresql] [--import-n 5000]

1. `import_files` throughput (parse, score, store) on --import-n conversations.
2. A bulk load to --n scored conversations: the demo organisation's conversations are
   scored for real, then their rows are replicated across people and weeks with a bulk
   insert (documents and hindrances are not replicated: the dashboards do not read them).
3. Median and p95 of the dashboard queries (organisation, team, person, search).
`load_benchmark_database(url, n)` is reused by benchmarks/app_pages.py.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy import func, insert, select

from servicecraft.importers import sample_path
from servicecraft.service import dashboards
from servicecraft.service.demo import build_demo, demo_exists
from servicecraft.service.importing import import_files
from servicecraft.service.viewer import Viewer
from servicecraft.store import Conversation, Person, Team, open_database

URLS = {
    "sqlite": "sqlite:///benchmark-{n}.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/servicecraft_bench_{n}",
}
CHUNK = 10_000


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


def load_benchmark_database(url: str, n: int, seed: int = 7) -> float:
    """Make the database hold n scored conversations (reusing it if it does); returns rows/s of the bulk load."""
    ensure_postgres_database(url)
    db = open_database(url)
    try:
        if not demo_exists(db):
            build_demo(db, conversations=min(n, 2000), seed=seed)
        with db.session() as s:
            have = s.execute(select(func.count()).select_from(Conversation)).scalar() or 0
            if have >= n:
                return 0.0
            columns = [c.name for c in Conversation.__table__.columns]
            templates = [dict(r._mapping) for r in s.execute(select(Conversation.__table__)).all()]
            people = s.execute(
                select(Person.id, Person.team_id, Team.department_id).join(Team)
            ).all()
        rng = random.Random(seed)
        started = time.perf_counter()
        with db.engine.begin() as connection:
            batch = []
            for i in range(have, n):
                row = dict(rng.choice(templates))
                person = rng.choice(people)
                row.update(
                    id=f"bulk-{i:08d}",
                    person_id=person[0],
                    team_id=person[1],
                    department_id=person[2],
                )
                shift = timedelta(weeks=-rng.randrange(0, 12))
                if row["started_at"] is not None:
                    row["started_at"] += shift
                    row["week"] += shift
                batch.append({k: row[k] for k in columns})
                if len(batch) >= CHUNK:
                    connection.execute(insert(Conversation.__table__), batch)
                    batch = []
            if batch:
                connection.execute(insert(Conversation.__table__), batch)
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("ANALYZE conversations"))
            else:
                connection.execute(sa.text("ANALYZE"))
        return (n - have) / (time.perf_counter() - started)
    finally:
        db.close()


def import_throughput(url: str, count: int) -> float:
    lines = [line for line in Path(sample_path()).read_bytes().splitlines() if line.strip()]
    run = time.strftime("%Y%m%d%H%M%S")  # fresh ids each run: re-importing would only skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.jsonl"
        with path.open("wb") as out:
            for i in range(count):
                record = orjson.loads(lines[i % len(lines)])
                record["id"] = f"import-{run}-{i}"
                out.write(orjson.dumps(record) + b"\n")
        db = open_database(url)
        try:
            started = time.perf_counter()
            report = import_files(db, [str(path)])
            elapsed = time.perf_counter() - started
        finally:
            db.close()
    assert report.imported == count, report
    return count / elapsed


def query_latency(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    db = open_database(url)
    admin = Viewer("admin")
    try:
        with db.session() as s:
            team_id, department_id = s.execute(
                select(Team.id, Team.department_id).order_by(Team.id).limit(1)
            ).one()
            person_id = s.execute(
                select(Person.id).where(Person.team_id == team_id).limit(1)
            ).scalar_one()
        queries = {
            "organisation": lambda s: dashboards.organisation_overview(s, admin),
            "department": lambda s: dashboards.department_detail(s, admin, department_id),
            "team": lambda s: dashboards.team_detail(s, admin, team_id),
            "person": lambda s: dashboards.person_profile(s, admin, person_id),
            "search": lambda s: dashboards.search_conversations(
                s, admin, team_id=team_id, min_score=50, page=3
            ),
        }
        results = {}
        for name, run in queries.items():
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", action="append", choices=sorted(URLS))
    parser.add_argument("--import-n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for kind in args.db or sorted(URLS):
        url = URLS[kind].format(n=args.n)
        print(f"== {kind}: {args.n:,} conversations")
        scratch = URLS[kind].format(n=f"import_{args.import_n}")
        ensure_postgres_database(scratch)
        print(
            f"import_files (parse + score + store): {import_throughput(scratch, args.import_n):,.0f} conv/s on {args.import_n:,}"
        )
        t = time.perf_counter()
        rate = load_benchmark_database(url, args.n)
        print(
            f"bulk load: {rate:,.0f} rows/s ({time.perf_counter() - t:.0f} s in all)"
            if rate
            else "bulk load: reused the existing database"
        )
        print(f"{'query':<14} {'median ms':>10} {'p95 ms':>8}")
        for name, (median, p95) in query_latency(url, args.repeat).items():
            print(f"{name:<14} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
