"""The crash check of the embedded default: SIGKILL ``buurt serve`` under load, again and again,
and count what it had acknowledged against what is stored.

One SQLite file, one ``buurt serve`` process. Four client threads publish a thing's events as
fast as the server answers, each keeping a log of the ids the server acknowledged (a 201). At a
random instant of each round the process is killed with SIGKILL (no shutdown, no flush), then
started again on the same file. After the last round every acknowledged id is looked up among
the stored events: ``lost`` must be 0. Requests the kill cut off (no answer) were never
acknowledged and may or may not be stored; they are counted apart.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from buurt.bench.delivery import publish, set_up
from buurt.bench.network import free_port
from buurt.bench.processes import wait_for

Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
WRITERS = 4
ROUND_SECONDS = (0.3, 1.2)  # how long the load runs before the kill, drawn per round


class _Server:
    """One ``buurt serve`` on the file; started, killed and started again."""

    def __init__(self, scratch: Path) -> None:
        self.url = f"sqlite:///{scratch / 'crash.db'}"
        self.log = scratch / "server.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; the seconds until it answered its health check."""
        env = {**os.environ, "BUURT_PASSWORD_PROFILE": "CHEAPEST", "BUURT_LOG_LEVEL": "warning"}
        command = [sys.executable, "-m", "buurt", "serve", "--port", str(self.port)]
        command += ["--db", self.url]
        began = time.monotonic()
        with self.log.open("ab") as log:
            # The command is this interpreter and fixed arguments: nothing from outside.
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_for(self.base, self.process)
        return time.monotonic() - began

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()  # SIGKILL: no chance to flush or shut down
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _writer(
    base: str, thing: dict[str, str], acknowledged: list[str], cut: list[int], stop: threading.Event
) -> None:
    with httpx.Client(base_url=base, timeout=10) as http:
        while not stop.is_set():
            try:
                acknowledged.append(publish(http, thing, 2500))
            except (httpx.TransportError, KeyError, ValueError):
                cut.append(1)  # no answer (the kill) or no id in it: not acknowledged
                return


def _stored(base: str, member: dict[str, str]) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    with httpx.Client(base_url=base, timeout=30) as http:
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = http.get("/v1/events", params=params, headers=member).json()
            ids.update(e["id"] for e in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return ids


def run(rounds: int, step: Step, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - when to kill, not a secret
    with tempfile.TemporaryDirectory() as scratch:
        server = _Server(Path(scratch))
        restarts = [server.start()]
        with httpx.Client(base_url=server.base, timeout=30) as http:
            member, thing = set_up(http)
        acknowledged: list[str] = []
        cut: list[int] = []
        try:
            with step(f"SIGKILL under load, {WRITERS} writers", rounds) as advance:
                for _ in range(rounds):
                    stop = threading.Event()
                    writers = [
                        threading.Thread(
                            target=_writer, args=(server.base, thing, acknowledged, cut, stop)
                        )
                        for _ in range(WRITERS)
                    ]
                    for writer in writers:
                        writer.start()
                    time.sleep(rng.uniform(*ROUND_SECONDS))
                    server.kill()
                    stop.set()
                    for writer in writers:
                        writer.join(timeout=15)
                    restarts.append(server.start())
                    advance(1)
            stored = _stored(server.base, member)
        finally:
            server.stop()
    lost = [i for i in acknowledged if i not in stored]
    restart = np.array(restarts[1:] or restarts)
    return {
        "rounds": rounds,
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "unanswered": len(cut),
        "restart_s": {
            "p50": round(float(np.percentile(restart, 50)), 2),
            "max": round(float(restart.max()), 2),
        },
    }
