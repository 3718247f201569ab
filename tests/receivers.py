"""A real HTTP server that receives webhooks in the tests, as a partner's would.

Each ``Receiver`` listens on its own free loopback port in a thread, records every request it
gets (in arrival order, numbered across all receivers), answers with the statuses it is told
(200 once they run out), and can hold its answers until the test releases them.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

_arrivals = itertools.count()
_arrivals_lock = threading.Lock()


@dataclass(frozen=True)
class Received:
    seq: int
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, statuses: Iterable[int] = (), *, hold: bool = False) -> None:
        self.statuses = list(statuses)
        self.received: list[Received] = []
        self.answered = 0
        self.released = threading.Event()
        if not hold:
            self.released.set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/buurt"

    def release(self) -> None:
        """Answer the held requests, and every later one at once."""
        self.released.set()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with _arrivals_lock:
                    seq = next(_arrivals)
                with receiver._lock:
                    receiver.received.append(
                        Received(seq, self.path, dict(self.headers.items()), body)
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.released.wait(timeout=60)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver._lock:
                    receiver.answered += 1

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output quiet

        return Handler


async def eventually(check: Callable[[], bool], what: str, within: float = 30) -> None:
    """Wait (without blocking the loop) until ``check()`` holds; fail after ``within`` s.

    The deadline only bounds a broken run; no test asserts on how long anything took.
    """
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)
