"""A small organisation in a real database, and logged-in HTTP clients for each role."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from servicecraft.importers import sample_path
from servicecraft.service.auth import hash_password
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.store import Department, Person, Team, User, open_database

SECRET = "test-secret-key-0123456789abcdef"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

# The handwritten part of the bundled sample names its agents; these are our people.
PEOPLE = {
    "Support": {"Support A": ["Priya Nair", "Tom Reed", "Marco Silva", "Ana Costa", "Jo Baker"]},
    "IT": {"IT A": ["Luis Gomez", "Kim Lee", "Raj Iyer"]},
    "Logistics": {"Logistics A": ["Oscar Lund", "Nina Petrova"]},
    "Finance": {"Finance A": ["Ivy Chen", "Ben Okafor"]},
}


@dataclass
class Org:
    url: str
    departments: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, list[str]] = field(default_factory=dict)  # person name → ids


def close_db(db: object) -> None:
    """Release the database's pooled connections (unclosed ones are warnings, and errors here)."""
    for name in ("close", "dispose"):
        if callable(getattr(db, name, None)):
            getattr(db, name)()
            return
    db.engine.dispose()  # type: ignore[attr-defined]


def sample_lines() -> list[bytes]:
    """The handwritten conversations of the bundled sample (they have named agents)."""
    return [line for line in Path(sample_path()).read_bytes().splitlines() if b'"author"' in line]


def build_org(url: str) -> Org:
    db = open_database(url)
    org = Org(url)
    with db.session() as s:
        for dname, teams in PEOPLE.items():
            d = Department(name=dname)
            s.add(d)
            s.flush()
            org.departments[dname] = d.id
            for tname, names in teams.items():
                t = Team(name=tname, department_id=d.id)
                s.add(t)
                s.flush()
                org.teams[tname] = t.id
                for name in names:
                    p = Person(name=name, team_id=t.id)
                    s.add(p)
                    s.flush()
                    org.people[name] = p.id
        pw = hash_password(PASSWORD)
        s.add_all(
            [
                User(username="admin", password_hash=pw, role="admin"),
                User(username="reviewer", password_hash=pw, role="reviewer"),
                User(
                    username="lead",
                    password_hash=pw,
                    role="lead",
                    department_id=org.departments["Support"],
                ),
                User(
                    username="priya",
                    password_hash=pw,
                    role="agent",
                    person_id=org.people["Priya Nair"],
                ),
                User(
                    username="tom", password_hash=pw, role="agent", person_id=org.people["Tom Reed"]
                ),
            ]
        )
        s.commit()
    result = import_jsonl_bytes(db, b"\n".join(sample_lines()))
    assert not (result["rejections"] if isinstance(result, dict) else result.rejections)
    import orjson

    for line in sample_lines():
        d = orjson.loads(line)
        agent = next(m["author"] for m in d["messages"] if m["role"] == "agent")
        org.conversations.setdefault(agent, []).append(d["id"])
    close_db(db)
    return org


@pytest.fixture
def org(database_url: str) -> Org:
    return build_org(database_url)


class LiveServer:
    """The real app under uvicorn on a free local port, in a background thread.

    Tests talk HTTP to it (no ASGI shortcuts), as a browser or curl would.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        close_db(self.app.state.db)


def live(url: str, *, secure_cookies: bool = False) -> LiveServer:
    from servicecraft.web import create_app

    return LiveServer(create_app(url, SECRET, secure_cookies=secure_cookies))


@pytest.fixture
def server(org: Org) -> Iterator[LiveServer]:
    s = live(org.url)
    yield s
    s.stop()


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def client_for(server: LiveServer) -> Iterator:  # type: ignore[type-arg]
    clients: list[httpx.Client] = []

    def make(username: str | None = None) -> httpx.Client:
        c = httpx.Client(base_url=server.url, follow_redirects=True, timeout=30)
        clients.append(c)
        if username:
            r = login(c, username)
            assert r.status_code == 303, r.text
        return c

    yield make
    for c in clients:
        c.close()
