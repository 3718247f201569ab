"""Sending mail: through an SMTP server (operators), or into a folder (the embedded default).

``BUURT_MAIL_URL`` names the server as ``smtp://user:password@host:port`` (``smtps://`` for TLS
from the start; ``smtp://`` upgrades with STARTTLS when the server offers it). Without it, every
message is written as an ``.eml`` file into ``BUURT_MAIL_FOLDER``, which the demo banner names,
so a demo needs no mail server and every link can still be followed.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from buurt.domain.ids import new_id

TIMEOUT_S = 10


class SmtpMailer:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("a mail URL is smtp://user:password@host:port or smtps://...")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_S, context=context
            )
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
        with server:
            if not self.tls:
                server.ehlo()
                if server.has_extn("starttls"):
                    server.starttls(context=context)
                    server.ehlo()
            if self.username is not None:
                server.login(self.username, self.password or "")
            server.send_message(message)


class FolderMailer:
    """Writes each message to ``folder/<time-ordered id>.eml``, readable by any mail program."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = new_id("mail") + ".eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(bytes(message))
        temporary.replace(self.folder / name)
