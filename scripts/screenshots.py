"""Screenshots of the main pages, from the demo organisation, into docs/screenshots/.

    python scripts/screenshots.py [--db servicecraft-demo.db]

Builds the demo database if needed, serves it on a free local port, logs in through the
form in headless Chromium (Debian's /usr/bin/chromium) and saves one PNG per page.
"""

from __future__ import annotations

import argparse
import re
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from servicecraft.service.demo import DEMO_PASSWORD, build_demo, demo_exists
from servicecraft.store import Conversation, Person, User, database_url, open_database
from servicecraft.web import create_app

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="servicecraft-demo.db")
    args = parser.parse_args()
    url = database_url(args.db)
    db = open_database(url)
    if not demo_exists(db):
        build_demo(db)
    with db.session() as s:
        agent = s.execute(select(User).where(User.username == "agent")).scalar_one()
        person = s.get(Person, agent.person_id)
        assert person is not None
        worst = s.execute(
            select(Conversation.id)
            .where(Conversation.person_id != agent.person_id)
            .order_by(Conversation.score)
            .limit(1)
        ).scalar_one()
        other = s.execute(
            select(Person.id).where(Person.id != agent.person_id).limit(1)
        ).scalar_one()
    db.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(url, "screenshots-secret-key-0123456789", secure_cookies=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})

        def login(username: str) -> None:
            page.goto(f"{base}/logout") if "logout" in page.url else None
            page.context.clear_cookies()
            page.goto(f"{base}/login")
            page.fill("#username", username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]")

        def shot(name: str, path: str) -> None:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
            print(f"docs/screenshots/{name}.png  {path}")

        page.goto(f"{base}/login")
        page.screenshot(path=str(OUT / "login.png"))
        login("admin")
        shot("organisation", "/")
        department = re.search(r'href="(/departments/\d+)"', page.content())
        if department:
            shot("department", department.group(1))
        shot("person", f"/people/{person.id}")
        shot("conversation", f"/conversations/{worst}")
        shot("hindrances", "/hindrances")
        shot("search", "/search?metric=chased")
        login("agent")
        shot("refused", f"/people/{other}")
        browser.close()
    server.should_exit = True
    thread.join()


if __name__ == "__main__":
    main()
