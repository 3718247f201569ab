"""``buurt bench reserve``: reservations per second under contention, on SQLite and PostgreSQL.

A whole instance (``bootstrap.build``) on each store: one stock of ``units`` units, and
``threads`` threads, each with its own database connection, reserving one unit at a time as
fast as they can until ``attempts`` were made. Every attempt is a use case as the API runs
it (``reservations.reserve``: the summing UPDATE, the reservation's row, the commit, the
index told). The figures are attempts per second (made and refused alike), made ones per
second, and latencies; ``oversold`` says whether more were made than there were units (it
must be false). The peer is the same run on the other store.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from buurt.bootstrap import Buurt, build
from buurt.config import Settings
from buurt.domain.errors import Conflict
from buurt.domain.places import Boundary, Place
from buurt.services.commerce import reservations, stock
from buurt.services.community import auth, businesses, circles, members
from buurt.services.principals import Principal

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
PASSWORD = secrets.token_urlsafe(16)  # the bench's own throwaway accounts
HERE = Place(52.37, 4.90)
SQUARE = Boundary(
    polygon=(Place(52.36, 4.89), Place(52.38, 4.89), Place(52.38, 4.91), Place(52.36, 4.91))
)


def _secret(instance: Buurt, name: str, circle_id: str | None) -> str:
    services = instance.services
    email = f"{name}@bench.example.org"
    members.register_member(
        services, name=name, email=email, password=PASSWORD, circle_id=circle_id
    )
    return auth.log_in(services, email, PASSWORD, "bench")[1]


def _shop(instance: Buurt, units: int) -> tuple[str, list[Principal]]:
    services = instance.services
    tag = str(time.time_ns())
    secret = _secret(instance, f"owner{tag}", None)
    circle = circles.create_circle(
        services,
        auth.authenticate(services, secret),
        name="Bench",
        boundary=SQUARE,
        timezone="Europe/Amsterdam",
    )
    # A principal holds the circles and businesses of when it was resolved: resolve anew.
    owner = auth.authenticate(services, secret)
    shop = businesses.create_business(
        services, owner, circle_id=circle.id, name="Shop", kind="shop"
    )
    owner = auth.authenticate(services, secret)
    site = businesses.add_site(services, owner, shop.id, name="Shop", place=HERE)
    item = stock.create_item(
        services, owner, business_id=shop.id, name="Loaf", category="food/bread"
    )
    row = stock.add_stock(
        services, owner, item_id=item.id, site_id=site.id, quantity=units, price=3.0
    )
    buyers = [
        auth.authenticate(services, _secret(instance, f"buyer{i}x{tag}", circle.id))
        for i in range(8)
    ]
    return row.id, buyers


def _one_store(
    name: str, url: str, units: int, attempts: int, threads: int, step: Step
) -> dict[str, Any]:
    settings = Settings(
        # Hashing has nothing to do with reserving: the cheap profile keeps set-up quick.
        database_url=url,
        password_profile="CHEAPEST",  # noqa: S106 - a profile's name, not a password
        maintenance_interval_seconds=0,
    )
    instance = build(settings)
    try:
        stock_id, buyers = _shop(instance, units)
        latencies: list[int] = []
        made = refused = 0
        left = attempts
        lock = threading.Lock()
        start = threading.Barrier(threads + 1)

        def work(i: int) -> None:
            nonlocal made, refused, left
            buyer = buyers[i % len(buyers)]
            start.wait()
            while True:
                with lock:
                    if left == 0:
                        return
                    left -= 1
                began = time.perf_counter_ns()
                try:
                    reservations.reserve(instance.services, buyer, stock_id=stock_id, quantity=1)
                    outcome = "made"
                except Conflict:
                    outcome = "refused"
                spent = time.perf_counter_ns() - began
                with lock:
                    latencies.append(spent)
                    if outcome == "made":
                        made += 1
                    else:
                        refused += 1

        pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        with step(f"{name}: {attempts} reservations at {units} units", 1) as advance:
            start.wait()
            began = time.perf_counter()
            for thread in pool:
                thread.join()
            seconds = time.perf_counter() - began
            advance(1)
        ms = np.array(latencies) / 1e6
        return {
            "attempts": attempts, "units": units, "threads": threads, "made": made,
            "refused": refused, "oversold": made > units, "seconds": round(seconds, 2),
            "attempts_per_s": round(attempts / seconds, 1),
            "reservations_per_s": round(made / seconds, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
        }  # fmt: skip
    finally:
        instance.close()


def run(
    units: int, attempts: int, threads: int, postgresql: str | None, step: Step
) -> dict[str, Any]:
    """Both stores (SQLite in a scratch folder, PostgreSQL at ``postgresql`` when given: a
    scratch database, which the run migrates and leaves its rows in)."""
    folder = Path(tempfile.mkdtemp(prefix="buurt-bench-"))
    try:
        stores = {
            "sqlite": _one_store(
                "SQLite", f"sqlite:///{folder / 'bench.db'}", units, attempts, threads, step
            )
        }
        if postgresql:
            stores["postgresql"] = _one_store(
                "PostgreSQL", postgresql, units, attempts, threads, step
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"stores": stores}
