"""The mail port: sending a message to a person's address (confirmations, password resets)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message on (to an SMTP server, or to a folder); raise ``OSError`` when it
        cannot be handed on now."""
        ...
