"""Media kept in memory."""

from __future__ import annotations

import threading
import time


class MemoryMedia:
    """A ``Media`` in a dictionary; ``fail_next_put`` makes the next ``put`` raise ``OSError``,
    as a full disk would."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.written: dict[str, float] = {}
        self.fail_next_put = False

    def put(self, name: str, data: bytes) -> None:
        with self._lock:
            if self.fail_next_put:
                self.fail_next_put = False
                raise OSError("no space left on the device")
            self.files[name] = bytes(data)
            self.written[name] = time.monotonic()

    def read(self, name: str) -> bytes:
        with self._lock:
            if name not in self.files:
                raise FileNotFoundError(name)
            return self.files[name]

    def delete(self, name: str) -> None:
        with self._lock:
            self.files.pop(name, None)
            self.written.pop(name, None)

    def stale(self, seconds: float) -> list[str]:
        with self._lock:
            before = time.monotonic() - seconds
            return sorted(n for n, at in self.written.items() if at <= before)
