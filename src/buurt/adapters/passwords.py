"""Argon2id password hashing (argon2-cffi), behind the ``Passwords`` port."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Passwords:
    """Argon2id with one of argon2's named profiles (RFC 9106's low-memory one by default)."""

    def __init__(self, profile: str = "RFC_9106_LOW_MEMORY") -> None:
        p = getattr(profiles, profile)
        self._hasher = PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost,
            parallelism=p.parallelism,
            hash_len=p.hash_len,
            salt_len=p.salt_len,
            type=p.type,
        )

    @functools.cached_property
    def unknown(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
