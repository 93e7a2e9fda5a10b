"""Every request gives its database connection back, whatever the page answers.

The request's session is opened and closed on the event loop (``web.deps.db_session``)
while its queries run in the handler's thread; a session left open would hold its
connection, and past the pool's size every later request would wait for one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from servicecraft.store.database import POOL_OVERFLOW, POOL_SIZE


def test_requests_give_their_connections_back(client_for, server, org) -> None:
    lead, anonymous = client_for("admin"), client_for()
    pages = ["/", f"/departments/{org.departments['Support']}", "/search", "/people/999999"]
    rounds = POOL_SIZE + POOL_OVERFLOW + 5  # more requests than the pool holds connections

    def visit(k: int) -> int:
        client = lead if k % 5 else anonymous  # logged in, and redirected to the login form
        return client.get(pages[k % len(pages)], follow_redirects=False).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(visit, range(rounds * len(pages))))
    assert set(statuses) <= {200, 303, 404}, statuses
    assert 404 in statuses and 303 in statuses
    assert server.app.state.db.engine.pool.checkedout() == 0
