"""Running a local Mosquitto on loopback: for ``buurt bench``, the simulator and the tests.

The configuration uses Buurt's generated password file and ACL (``broker_files``), keeps no
state on disk, and allows deep queues: a gateway that is away keeps its messages (persistent
session) up to ``max_queued_messages``. It ties every client id to its login
(``use_username_as_clientid``): a client that connects with another's client id would
otherwise close that client's connection and, starting clean, throw away its session with
whatever the broker had queued in it. Thing ids are not secret and the gateway's client id is
documented, so any valid login could knock the gateway off.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from buurt.mqtt.broker_files import ACL_FILE, PASSWORD_FILE, PID_FILE

QUEUED_MESSAGES = 1_000_000


def config(directory: Path, port: int, tls: TlsFiles | None = None) -> str:
    lines = [
        "per_listener_settings false",
        f"listener {port} 127.0.0.1",
        "use_username_as_clientid true",  # a listener's setting: repeat it after every listener
        "allow_anonymous false",
        f"password_file {directory / PASSWORD_FILE}",
        f"acl_file {directory / ACL_FILE}",
        f"pid_file {directory / PID_FILE}",
        "persistence false",
        f"max_queued_messages {QUEUED_MESSAGES}",
        "max_inflight_messages 0",  # for MQTT 3.1.1 clients; v5 clients state their own
        "log_dest stderr",  # stdout is block-buffered when redirected
    ]
    if tls is not None:  # these lines apply to the listener above
        lines += [f"cafile {tls.ca}", f"certfile {tls.cert}", f"keyfile {tls.key}"]
    if os.geteuid() == 0:
        # As root, Mosquitto otherwise drops to user `mosquitto` before reading the files.
        lines.append("user root")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of a TLS listener: the CA that signed the certificate, the certificate, its key."""

    ca: Path
    cert: Path
    key: Path


class Mosquitto:
    """A Mosquitto process on ``127.0.0.1:port`` reading its files from ``directory``."""

    def __init__(
        self, directory: Path, port: int, binary: str | None = None, tls: TlsFiles | None = None
    ) -> None:
        self.directory = directory
        self.port = port
        self.tls = tls
        self.binary = binary or shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.directory / "mosquitto.log"

    def config(self) -> str:
        """The configuration file's text (``mosquitto.conf`` in ``directory``)."""
        return config(self.directory, self.port, self.tls)

    def start(self, timeout: float = 10) -> None:
        conf = self.directory / "mosquitto.conf"
        conf.write_text(self.config())
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own binary and config
                [self.binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_file.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise TimeoutError(f"mosquitto did not listen on {self.port} within {timeout} s")

    def reload(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
