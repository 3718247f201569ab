"""Settlement is exactly once across a crash: ``buurt serve`` is SIGKILLed while it settles a
campaign whose deadline passed while no server ran, and the next start settles it, once.

On PostgreSQL the test holds a lock on ``orders``, so the server's settlement waits inside its
transaction (its claim made, its orders not yet written) until the test has killed it. On
SQLite, where one writer holds the whole database, the test kills the server as soon as it
sees it writing.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.campaign_world import due_campaign
from tests.servers import BuurtServer, running_buurt

SETTINGS = {"BUURT_PASSWORD_PROFILE": "CHEAPEST", "BUURT_MAINTENANCE_INTERVAL_SECONDS": "3600"}
PLEDGERS = 60


def _counts(database_url: str, campaign_id: str) -> tuple[str, int, int, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            status = db.execute(
                text("SELECT status FROM campaigns WHERE id = :c"), {"c": campaign_id}
            ).scalar_one()
            claims = db.execute(text("SELECT count(*) FROM settlements")).scalar_one()
            orders = db.execute(
                text("SELECT count(*) FROM orders WHERE source_kind = 'pledge'")
            ).scalar_one()
            moments = db.execute(
                text("SELECT count(*) FROM moments WHERE source_id = :c"), {"c": campaign_id}
            ).scalar_one()
    finally:
        engine.dispose()
    return str(status), int(claims), int(orders), int(moments)


def _wait(until: Callable[[], bool], what: str, server: BuurtServer) -> None:
    deadline = time.monotonic() + 60
    while not until():
        assert server.process.poll() is None, "the server exited"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.001)


def _kill_while_settling_on_postgres(database_url: str, log: Path) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as blocker, engine.connect() as watcher:
            blocker.execute(text("LOCK TABLE orders IN SHARE MODE"))  # held until rollback

            def settling_waits() -> bool:
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query ILIKE '%orders%' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                watcher.rollback()
                return bool(waiting)

            with running_buurt(database_url, log, env=SETTINGS) as server:
                _wait(settling_waits, "the settlement to wait on the orders lock", server)
                server.kill()
            blocker.rollback()
    finally:
        engine.dispose()


def _kill_while_settling_on_sqlite(database_url: str, log: Path, campaign_id: str) -> None:
    path = make_url(database_url).database
    assert path is not None
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)

    def someone_writes() -> bool:
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        probe.execute("ROLLBACK")
        return False

    try:
        with running_buurt(database_url, log, env=SETTINGS) as server:
            # SQLite cannot hold the settlement halfway from outside: kill at the first write
            # seen, or (on a fast start) after it settled already; either is all or nothing.
            def writing_or_done() -> bool:
                return someone_writes() or _counts(database_url, campaign_id)[0] != "open"

            _wait(writing_or_done, "the server to write", server)
            server.kill()
    finally:
        probe.close()


@pytest.mark.slow
def test_a_settlement_killed_halfway_is_done_once_at_the_next_start(
    database_url: str, tmp_path: Path
) -> None:
    due = due_campaign(database_url, pledgers=PLEDGERS)
    log = tmp_path / "serve.log"
    if database_url.startswith("postgresql"):
        _kill_while_settling_on_postgres(database_url, log)
        # Killed with its claim made and its orders waiting: nothing of it was committed.
        assert _counts(database_url, due.campaign_id) == ("open", 0, 0, 0)
    else:
        _kill_while_settling_on_sqlite(database_url, log, due.campaign_id)
        # All of the settlement, or none of it.
        assert _counts(database_url, due.campaign_id) in (
            ("open", 0, 0, 0),
            ("succeeded", 1, PLEDGERS, PLEDGERS),
        )

    with running_buurt(database_url, log, env=SETTINGS) as server:

        def settled() -> bool:
            return _counts(database_url, due.campaign_id)[0] != "open"

        _wait(settled, "the catch-up settlement at start", server)
        with httpx2.Client(base_url=server.base_url) as api:
            assert api.get("/healthz").status_code == 200
    # And a further start finds nothing left to do.
    with running_buurt(database_url, log, env=SETTINGS):
        pass
    assert _counts(database_url, due.campaign_id) == ("succeeded", 1, PLEDGERS, PLEDGERS)
