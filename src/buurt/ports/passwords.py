"""The passwords port: hashing members' passwords, and checking one against its hash."""

from __future__ import annotations

from typing import Protocol


class Passwords(Protocol):
    @property
    def unknown(self) -> str:
        """A hash of nothing anyone knows: verifying against it when an account does not
        exist takes as long as a real check, so timing does not tell which accounts exist."""
        ...

    def hash(self, password: str) -> str: ...

    def verify(self, stored: str, password: str) -> bool:
        """Does ``password`` match the ``stored`` hash? ``False`` also for a malformed hash."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """Was ``stored`` made with weaker parameters than new hashes get?"""
        ...
