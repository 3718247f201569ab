"""The broker's password file and ACL, generated from the store, and the broker's reload.

The password file holds the gateway's login and every thing's (``<thing id>:<$7$ hash>``, the
format ``mosquitto_passwd`` writes); the ACL comes from ``topics.acl``. Both are replaced
atomically, then the broker re-reads them on SIGHUP: its pid is read from ``mosquitto.pid`` in
the same directory (set ``pid_file`` to it in the broker's configuration).

Several gateways (a shared subscription, each with a login of its own) may write the same
files: each adds its own login and keeps the gateway rights the ACL gives other users who
still have a line in the password file, so no gateway's start takes another's rights away.

Mosquitto forgets a SIGHUP that arrives while it is still reloading, and that reload may have
read the files before the last write: so reloads are sent from one thread, at most one per
``RELOAD_SPACING_S``, and a write during the pause is followed by one more reload after it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from buurt.domain.ids import PREFIXES
from buurt.domain.ingestion import MqttCredential
from buurt.mqtt.topics import acl, gateway_users
from buurt.ports import UnitOfWorkFactory
from buurt.services.things.link import broker_password_hash

log = logging.getLogger("buurt.mqtt")
PASSWORD_FILE = "passwd"  # noqa: S105 - a file name
ACL_FILE = "acl"
PID_FILE = "mosquitto.pid"
THING_PREFIX = PREFIXES["thing"] + "_"
RELOAD_SPACING_S = 1.0  # far longer than Mosquitto takes to re-read its files, even when busy


class BrokerFiles:
    """Keeps ``directory/passwd`` and ``directory/acl`` in step with the store.

    Buurt owns the things' lines of the password file (usernames starting ``thg_``) and, when
    given the gateway's login, the gateway's line and the ACL. Other users' lines are kept, so
    a broker's own users (and the gateway's, for ``buurt simulate``) survive a rewrite.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        directory: Path,
        gateway_user: str | None = None,
        password: str | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self.directory = directory
        self.gateway_user = gateway_user
        self._gateway_hash = broker_password_hash(password) if password is not None else None
        self._reloads = _SpacedReloads(self._signal)

    @property
    def password_file(self) -> Path:
        return self.directory / PASSWORD_FILE

    @property
    def acl_file(self) -> Path:
        return self.directory / ACL_FILE

    def write(self) -> None:
        """Write both files from the store (atomically: the broker never reads half a file)."""
        with self._uow_factory() as uow:
            credentials = uow.repo(MqttCredential).find()
        lines = [line for line in self._existing() if not self._ours(line)]
        if self._gateway_hash is not None:
            lines.append(f"{self.gateway_user}:{self._gateway_hash}")
        lines += [f"{c.id}:{c.password_hash}" for c in credentials]
        self.directory.mkdir(parents=True, exist_ok=True)
        _replace(self.password_file, "\n".join(lines) + "\n", 0o600)
        if self.gateway_user is not None:
            logins = {line.split(":", 1)[0] for line in lines}
            others = [user for user in self._acl_gateways() if user in logins]
            _replace(self.acl_file, acl(*others, self.gateway_user), 0o644)

    def _acl_gateways(self) -> list[str]:
        try:
            return gateway_users(self.acl_file.read_text())
        except FileNotFoundError:
            return []

    def _existing(self) -> list[str]:
        try:
            text = self.password_file.read_text()
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    def _ours(self, line: str) -> bool:
        user = line.split(":", 1)[0]
        mine = self._gateway_hash is not None and user == self.gateway_user
        return mine or user.startswith(THING_PREFIX)

    def reload(self) -> None:
        """Have the broker re-read the files: at once, or right after the pause that follows
        the previous reload (from another thread; returns at once)."""
        self._reloads.request()

    def _signal(self) -> None:
        """Send SIGHUP to the broker whose pid is in ``mosquitto.pid``."""
        try:
            pid = int((self.directory / PID_FILE).read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError) as error:
            log.warning("could not reload the MQTT broker (%s); reload it yourself", error)

    def rewrite(self) -> None:
        """A thing's credentials changed, or the thing went: rewrite the files and reload."""
        self.write()
        self.reload()


def _replace(path: Path, text: str, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.chmod(mode)
    temporary.replace(path)


class _SpacedReloads:
    """Calls ``send`` from a worker thread, at most once per ``RELOAD_SPACING_S``; requests
    made meanwhile are served by one call after the pause. The worker ends when idle."""

    def __init__(self, send: Callable[[], None]) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._wanted = False
        self._worker: threading.Thread | None = None

    def request(self) -> None:
        with self._lock:
            self._wanted = True
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="mqtt-broker-reload", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._worker = None
                    return
                self._wanted = False
            self._send()
            time.sleep(RELOAD_SPACING_S)
