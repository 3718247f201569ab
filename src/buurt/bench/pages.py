"""``buurt bench pages``: how fast the main pages render on the demo's data, and how much a
first visit loads.

The demo neighbourhood is seeded into a fresh SQLite file, and each main page is asked for
by the identity that uses it (the demo member, a shopkeeper acting for their shop, the
circle's admin), in process through the ASGI app: the time is the server's render time,
without a network. Weight is the page with every asset it loads on a first visit (styles,
scripts, vendored libraries), uncompressed, as the server sends it. With a Lighthouse
binary, each page is also scored by Lighthouse's mobile profile against a real server.
"""

from __future__ import annotations

import json
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from buurt.bootstrap import build
from buurt.config import Settings
from buurt.demo import seed
from buurt.domain.community import Business, Thing
from buurt.services.community import auth
from buurt.web.app import create_app

TARGET_P99_MS = 30.0
TARGET_BYTES = 150 * 1024
ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+|/manifest\.webmanifest)"')
Step = Callable[[str, int], Any]


@dataclass
class PageFigures:
    path: str
    p50_ms: float
    p99_ms: float
    bytes: int
    lighthouse: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Visit:
    name: str
    path: str
    cookie: str


def run(requests: int, step: Step, lighthouse: Path | None = None) -> dict[str, PageFigures]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/pages.db",
            password_profile="CHEAPEST",  # noqa: S106 - a hashing profile's name, not a password
            mail_folder=Path(folder) / "mail",
            demo_life_seconds=0,
            maintenance_interval_seconds=0,
        )
        instance = build(settings)
        try:
            with step("seeding the demo neighbourhood", 1) as advance:
                summary = seed(instance.services)
                advance(1)
            visits = _visits(instance.services, summary)
            app = create_app(instance, workers=False)
            figures: dict[str, PageFigures] = {}
            with TestClient(app) as client, step("rendering pages", len(visits)) as advance:
                for visit in visits:
                    figures[visit.name] = _measure(client, visit, requests)
                    advance(1)
            if lighthouse is not None:
                with _served(app) as base, step("Lighthouse", len(visits)) as advance:
                    for visit in visits:
                        figures[visit.name].lighthouse = _lighthouse(lighthouse, base, visit)
                        advance(1)
            return figures
        finally:
            instance.close()


def _visits(services: Any, summary: Any) -> list[_Visit]:
    def cookie(email: str, password: str) -> str:
        _token, secret = auth.log_in(services, email, password, "bench pages")
        return secret

    demo = cookie(summary.demo_email, summary.demo_password)
    shopkeeper = cookie(summary.shopkeeper_email, summary.neighbour_password)
    admin = cookie(summary.admin_email, summary.admin_password)
    with services.uow() as uow:
        shop = uow.repo(Business).find(name=summary.shopkeeper_business)[0]
        thing = sorted(uow.repo(Thing).find(circle_id=summary.circle_id), key=lambda t: t.id)[0]
    return [
        _Visit("home", "/", demo),
        _Visit("need_new", "/needs/new", demo),
        _Visit("consent", "/consent", demo),
        _Visit("things", "/things", demo),
        _Visit("thing", f"/things/{thing.id}", demo),
        _Visit("map", "/map", demo),
        _Visit("circle", "/circle", demo),
        _Visit("settings", "/settings", demo),
        _Visit("shop", f"/shop/{shop.id}", shopkeeper),
        _Visit("demand", f"/shop/{shop.id}/demand", shopkeeper),
        _Visit("shop_public", f"/shops/{shop.id}", demo),
        _Visit("admin", "/admin", admin),
    ]


def _measure(client: TestClient, visit: _Visit, requests: int) -> PageFigures:
    client.cookies.set("buurt_session", visit.cookie)
    headers = {"Accept": "text/html", "Accept-Language": "nl"}
    first = client.get(visit.path, headers=headers)
    if first.status_code != 200:
        raise RuntimeError(f"{visit.path} answered {first.status_code}")
    weight = len(first.content)
    for asset in sorted(set(ASSETS.findall(first.text))):
        weight += len(client.get(asset).content)
    for _ in range(min(5, requests)):  # warm the caches the first requests fill
        client.get(visit.path, headers=headers)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(visit.path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
    return PageFigures(visit.path, statistics.median(timings), p99, weight)


@contextmanager
def _served(app: Any) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _lighthouse(binary: Path, base: str, visit: _Visit) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "lh.json"
        subprocess.run(  # noqa: S603 - the binary the operator named
            [
                str(binary),
                f"{base}{visit.path}",
                "--quiet",
                "--chrome-flags=--headless=new --no-sandbox",
                "--only-categories=performance,accessibility",
                f"--extra-headers={json.dumps({'Cookie': f'buurt_session={visit.cookie}'})}",
                "--output=json",
                f"--output-path={report}",
            ],
            check=True,
            env={"CHROME_PATH": "/usr/bin/chromium", "PATH": "/usr/bin:/bin"},
            timeout=180,
        )
        categories = json.loads(report.read_text())["categories"]
    return {name: round(100 * categories[name]["score"]) for name in categories}
