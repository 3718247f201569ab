"""A real SMTP server for the tests (aiosmtpd on loopback), and reading what it received."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Inbox:
    """What the server received, in order."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str, timeout: float = 10) -> EmailMessage:
        """The latest mail to ``address`` (waiting for it to arrive)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.messages if address in str(m["To"])]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"no mail to {address} arrived")

    def count(self, address: str) -> int:
        with self._lock:
            return sum(1 for m in self.messages if address in str(m["To"]))


def link_in(message: EmailMessage, path: str) -> str:
    """The path and query of the link to ``path`` in a mail's text."""
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(rf"https?://[^\s/]+({re.escape(path)}\?token=\S+)", body.get_content())
    assert found is not None, f"no {path} link in the mail"
    return found[1]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
