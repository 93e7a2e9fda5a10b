"""Pages under concurrent users, with an import running meanwhile, on loopback.

    python -m benchmarks.load [--db sqlite --db postgresql] [--users 10,50] [--seconds 6]
                              [--conversations 3000] [--workers N] [--port 8110] [--logins 1]
                              [--pages department,organisation,team,person,search]

Per database: builds a demo organisation (--conversations, scored for real) in a scratch
database (dropped afterwards), starts `servicecraft serve --workers N` as its own process,
logs in as the demo admin (with --logins N, as N admins: users take them in turn, as an
organisation's admins and leads each open their own session), and keeps `servicecraft import` running in another process
(rounds of 300 new conversations dated inside the dashboards' window, so every round
changes the figures and invalidates their cache). Then, for each level of concurrent
users and each page, that many users request the page back to back for --seconds (at most
--max-requests requests), and it prints requests/s, median and p95 latency, and errors.

Bounded: every measurement stops at --seconds or --max-requests; the whole run takes about
(pages x levels x seconds + ~60 s setup) per database. The load generator runs on the same
machine as the server, so on a small machine it competes with it for the cores: each row
also says how much CPU the server (all its workers) and the load generator spent per
request, and each database's run prints the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from benchmarks.app_load import drop_postgres_database, ensure_postgres_database
from servicecraft.importers import sample_path
from servicecraft.service.demo import DEMO_PASSWORD, build_demo
from servicecraft.store import Department, Person, Team, User, open_database

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
IMPORT_ROUND = 300


def _scratch_url(kind: str, directory: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory}/load.db"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/servicecraft_load_{uuid.uuid4().hex[:10]}"


def _pages(url: str) -> dict[str, str]:
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            department = s.execute(select(Department.id).order_by(Department.id)).scalars().first()
            team = s.execute(select(Team.id).order_by(Team.id)).scalars().first()
            person = s.execute(select(Person.id).order_by(Person.id)).scalars().first()
    finally:
        db.close()
    return {
        "department": f"/departments/{department}",
        "organisation": "/",
        "team": f"/teams/{team}",
        "person": f"/people/{person}",
        "search": "/search",
    }


def _import_file(path: Path, round_: int) -> None:
    """IMPORT_ROUND sample conversations under new ids, dated last week (inside the window)."""
    lines = Path(sample_path()).read_bytes().splitlines()
    rng = random.Random(round_)
    start = datetime.now(UTC) - timedelta(days=7)
    out = []
    for i in range(IMPORT_ROUND):
        record = orjson.loads(rng.choice(lines))
        record["id"] = f"load-{round_}-{i}"
        at = start + timedelta(minutes=rng.randrange(7 * 24 * 60))
        for n, message in enumerate(record["messages"]):
            message["at"] = (at + timedelta(minutes=2 * n)).isoformat()
        out.append(orjson.dumps(record))
    path.write_bytes(b"\n".join(out) + b"\n")


class Importer(threading.Thread):
    """Runs `servicecraft import` rounds back to back until stopped."""

    def __init__(self, url: str, directory: str) -> None:
        super().__init__(daemon=True)
        self.url, self.directory = url, directory
        self.stop = threading.Event()
        self.rounds = 0

    def run(self) -> None:
        path = Path(self.directory) / "import.jsonl"
        while not self.stop.is_set():
            _import_file(path, self.rounds)
            command = [sys.executable, "-m", "servicecraft.cli", "import", str(path)]
            done = subprocess.run(
                [*command, "--db", self.url, "--batch-size", "100"], capture_output=True
            )
            if done.returncode != 0:
                print("  import failed:", done.stderr.decode()[-300:], flush=True)
                return
            self.rounds += 1


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    if not _free(port):
        raise SystemExit(f"port {port} is in use; pass --port")
    command = [sys.executable, "-m", "servicecraft.cli", "serve", "--db", url, "--dev"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 60
    while _free(port):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.2)
    return server


def _add_admins(url: str, logins: int) -> list[str]:
    """The demo admin and logins - 1 more admins with its password: their usernames."""
    names = ["admin"] + [f"admin-{n}" for n in range(2, logins + 1)]
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
            for name in names[1:]:
                s.add(User(username=name, password_hash=admin.password_hash, role="admin"))
            s.commit()
    finally:
        db.close()
    return names


def _login(base: str, username: str = "admin") -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = CSRF_RE.search(client.get("/login").text)
        assert token, "no CSRF token on the login form"
        r = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
        )
        assert r.status_code == 303, f"login failed: {r.status_code}"
        return client.cookies


class _Connection:
    """One user's keep-alive HTTP/1.1 connection: a GET, its status and body, nothing more.

    httpx costs the load generator 2-3 ms of CPU per request (about 8 with one pool of 50
    connections), which on a small machine is taken from the server it measures; this costs
    a tenth of that. It expects what the server sends: a Content-Length on every response.
    """

    def __init__(self, base: str, cookies: httpx.Cookies) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.head = f"Host: {self.host}:{self.port}\r\nCookie: {cookie}\r\n\r\n".encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self.head)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = dict(line.lower().split(": ", 1) for line in head[1:] if line)
            body = await reader.readexactly(int(headers["content-length"]))
            if headers.get("connection") == "close":
                await self.close()
            return int(head[0].split()[1]), body
        except (OSError, asyncio.IncompleteReadError, KeyError, ValueError):
            await self.close()  # the next request opens a new connection
            raise

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _hammer(
    base: str,
    cookies: httpx.Cookies | list[httpx.Cookies],
    path: str,
    users: int,
    seconds: float,
    limit: int,
) -> tuple[list[float], int, float, float]:
    """Latencies of successful requests, errors, seconds taken and the generator's CPU seconds.

    Given several logins' cookies, user n takes login n modulo their number."""
    latencies: list[float] = []
    errors = 0
    logins = cookies if isinstance(cookies, list) else [cookies]
    # One connection per user, as browsers.
    connections = [_Connection(base, logins[n % len(logins)]) for n in range(users)]
    cpu = _own_cpu_seconds()
    started = time.perf_counter()
    deadline = started + seconds

    async def user(connection: _Connection) -> None:
        nonlocal errors
        while time.perf_counter() < deadline and len(latencies) + errors < limit:
            t = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(connection.get(path), 60)
                ok = status == 200 and bool(body)
            except (OSError, asyncio.IncompleteReadError, KeyError, ValueError, TimeoutError):
                await connection.close()  # a timed-out response may still arrive on it
                ok = False
            if ok:
                latencies.append(time.perf_counter() - t)
            else:
                errors += 1

    try:
        await asyncio.gather(*(user(connection) for connection in connections))
        return latencies, errors, time.perf_counter() - started, _own_cpu_seconds() - cpu
    finally:
        for connection in connections:
            await connection.close()


def _cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (the server's workers); Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else float("nan")


def run(kind: str, args: argparse.Namespace) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    with tempfile.TemporaryDirectory() as directory:
        url = _scratch_url(kind, directory)
        ensure_postgres_database(url)
        try:
            db = open_database(url)
            try:
                build_demo(db, conversations=args.conversations)
            finally:
                db.close()
            usernames = _add_admins(url, args.logins)
            pages = _pages(url)
            if args.pages:
                pages = {k: v for k, v in pages.items() if k in args.pages.split(",")}
            log = Path(directory) / "server.log"
            server = _start_server(url, args.port, args.workers, log)
            importer = Importer(url, directory)
            try:
                base = f"http://127.0.0.1:{args.port}"
                cookies = [_login(base, name) for name in usernames]
                importer.start()
                for users in args.users:
                    for page, path in pages.items():
                        # One warm-up round per page: the first request fills each worker's cache.
                        asyncio.run(_hammer(base, cookies, path, users, 1.0, users * 2))
                        server_cpu = _cpu_seconds(server.pid)
                        latencies, errors, elapsed, client_cpu = asyncio.run(
                            _hammer(base, cookies, path, users, args.seconds, args.max_requests)
                        )
                        server_cpu = _cpu_seconds(server.pid) - server_cpu
                        done = max(1, len(latencies) + errors)
                        rows.append(
                            (
                                kind,
                                users,
                                page,
                                len(latencies),
                                len(latencies) / elapsed,
                                statistics.median(latencies) * 1000 if latencies else float("nan"),
                                _p95(latencies) * 1000,
                                errors,
                                f"{server_cpu * 1000 / done:.1f}",
                                f"{client_cpu * 1000 / done:.1f}",
                            )
                        )
                        print("  ".join(str(_fmt(v)) for v in rows[-1]), flush=True)
            finally:
                importer.stop.set()
                server.terminate()
                server.wait(timeout=30)
                if importer.is_alive():
                    importer.join(timeout=120)
            print(f"  ({kind}: {importer.rounds} import rounds of {IMPORT_ROUND} ran meanwhile)")
            if any(row[7] for row in rows):  # say why requests failed
                errors = [line for line in log.read_text().splitlines() if "Error" in line]
                print("  server errors:", *sorted(set(errors))[:5], sep="\n    ")
        finally:
            if kind == "postgresql":
                drop_postgres_database(url)
    return rows


def _fmt(value: Any) -> str:
    return f"{value:.0f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--users", default="10,50")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--pages", default="", help="only these pages, comma-separated")
    parser.add_argument("--logins", type=int, default=1, help="admin logins the users share")
    args = parser.parse_args()
    args.users = [int(u) for u in args.users.split(",")]
    print(
        f"{os.cpu_count()} cores, {args.workers} server workers, {args.conversations} demo,"
        f" {args.logins} login(s)"
    )
    print("db  users  page  requests  req/s  p50_ms  p95_ms  errors  server_cpu_ms  client_cpu_ms")
    for kind in args.db or ["sqlite", "postgresql"]:
        print("  load average before:", _load_average(), flush=True)
        run(kind, args)
        print("  load average after:", _load_average(), flush=True)


if __name__ == "__main__":
    main()
