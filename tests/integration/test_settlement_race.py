"""Two processes never settle the same campaign twice: two instances on one database settle
at the same time, and only one of them does; the orders and moments are there once."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, text

from buurt.bootstrap import build
from buurt.domain.campaigns import Settlement
from buurt.services.cocreation import settlement
from tests.campaign_world import due_campaign
from tests.instances import settings_for


def _count(database_url: str, query: str, **params: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query), params).scalar_one())
    finally:
        engine.dispose()


def test_two_instances_settling_at_once_settle_once(database_url: str) -> None:
    due = due_campaign(database_url, pledgers=12)
    instances = [build(settings_for(database_url)) for _ in range(2)]
    results: list[list[Settlement]] = [[], []]
    start = threading.Barrier(2)

    def run(n: int) -> None:
        start.wait()
        results[n] = settlement.settle_due(instances[n].services)

    try:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # A later run, as a restarted server's first upkeep would be, finds nothing to do.
        assert settlement.settle_due(instances[0].services) == []
    finally:
        for instance in instances:
            instance.close()
    settled = [s.id for run in results for s in run]
    assert settled == [due.campaign_id]
    assert _count(database_url, "SELECT count(*) FROM settlements") == 1
    orders = "SELECT count(*) FROM orders WHERE source_kind = 'pledge'"
    assert _count(database_url, orders) == 12
    moments = "SELECT count(*) FROM moments WHERE source_id = :c"
    assert _count(database_url, moments, c=due.campaign_id) == 12
