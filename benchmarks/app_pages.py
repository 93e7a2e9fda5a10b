"""Page latency over real HTTP on a large database (target: p95 < 300 ms).

    python benchmarks/app_pages.py --n 1000000 --db sqlite --db postgresql

For each database, loads (or reuses) N scored conversations with the storage
benchmark's `load_benchmark_database(url, n)`, starts the real app under uvicorn,
logs in as an admin through the form, then requests the organisation, team,
person and search pages `--repeat` times each (after one warm-up), and prints the
median and p95 latency per page.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import sys
import threading
import time
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select

URLS = {
    "sqlite": "sqlite:///benchmark-pages-{n}.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/servicecraft_bench_{n}",
}
PASSWORD = "benchmark-password"


def _ids(db: Any) -> dict[str, int]:
    from servicecraft.service.auth import hash_password
    from servicecraft.store import Person, Team, User

    with db.session() as s:
        team = s.execute(select(Team).order_by(Team.id).limit(1)).scalar_one()
        person = s.execute(select(Person).where(Person.team_id == team.id).limit(1)).scalar_one()
        admin = s.execute(select(User).where(User.username == "bench-admin")).scalar_one_or_none()
        if admin is None:
            s.add(User(username="bench-admin", password_hash=hash_password(PASSWORD), role="admin"))
            s.commit()
        return {"team": team.id, "person": person.id, "department": team.department_id}


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def measure(url: str, n: int, repeat: int) -> dict[str, tuple[float, float]]:
    try:
        from benchmarks.app_load import load_benchmark_database
    except ImportError as exc:  # the storage benchmark is a separate deliverable
        raise SystemExit(f"benchmarks/app_load.py is needed to build the database: {exc}") from exc
    from servicecraft.store import open_database
    from servicecraft.web import create_app

    t0 = time.perf_counter()
    load_benchmark_database(url, n)
    print(f"  database ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    db = open_database(url)
    ids = _ids(db)
    app = create_app(url, "benchmark-secret-key-0123456789", secure_cookies=False)
    server, thread, base = _serve(app)
    pages = {
        "organisation": "/",
        "department": f"/departments/{ids['department']}",
        "team": f"/teams/{ids['team']}",
        "person": f"/people/{ids['person']}",
        "search": "/search",
        "search (filtered)": f"/search?team_id={ids['team']}&min_score=50&page=3",
    }
    results = {}
    try:
        with httpx.Client(base_url=base, timeout=120) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert token
            r = c.post(
                "/login",
                data={
                    "username": "bench-admin",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                },
            )
            assert r.status_code in (200, 303), r.status_code
            for name, path in pages.items():
                assert c.get(path).status_code == 200, path  # warm-up: caches, query plans
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    r = c.get(path)
                    times.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                results[name] = (statistics.median(times), p95)
    finally:
        server.should_exit = True
        thread.join()
        for d in (db, app.state.db):
            (getattr(d, "close", None) or getattr(d, "dispose", None) or d.engine.dispose)()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="scored conversations")
    parser.add_argument("--db", action="append", choices=sorted(URLS), help="repeatable")
    parser.add_argument("--url", action="append", default=[], help="a database URL to use instead")
    parser.add_argument("--repeat", type=int, default=40, help="requests per page")
    args = parser.parse_args()
    targets = list(args.url) or [URLS[d].format(n=args.n) for d in (args.db or sorted(URLS))]
    print(f"{'database':<12} {'page':<18} {'median ms':>10} {'p95 ms':>8}  target p95 < 300 ms")
    for url in targets:
        kind = url.split(":", 1)[0].split("+")[0]
        print(f"{kind}: {args.n:,} conversations", file=sys.stderr)
        for page, (median, p95) in measure(url, args.n, args.repeat).items():
            flag = "ok" if p95 < 300 else "SLOW"
            print(f"{kind:<12} {page:<18} {median:>10.1f} {p95:>8.1f}  {flag}")


if __name__ == "__main__":
    main()
