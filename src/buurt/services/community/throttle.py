"""Login throttling (ASVS L2 2.2.1): at most ``LIMIT`` failed logins in ``WINDOW`` (by
default; ``BUURT_LOGIN_FAILURES`` and ``BUURT_LOGIN_WINDOW_SECONDS`` set them), counted per
account and per client address, then ``TooManyAttempts`` until the oldest failure in the
window ages out.

It must slow a password guesser without letting them lock a member out for long, so:

- the windows are short and sliding: a lock ends at most ``WINDOW`` after the failure that
  set it, and attempts refused while locked are not counted (they cannot prolong it);
- a successful login clears its account's failures (not its address's: a guesser on one
  address cannot clear that address by logging in to an account of their own);
- the check comes before the password is verified, so a locked account costs no hashing.

The cost: someone who keeps failing for an account from many addresses keeps that account
locked while they do, for everyone. The member can still reset the password by mail, and
any one address is locked after ``LIMIT`` failures of its own. The counts are held in memory,
per process: a restart forgets them, and each replica counts its own.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

from buurt.domain.errors import AuthenticationFailed, TooManyAttempts
from buurt.domain.tokens import AccessToken
from buurt.ports import Clock
from buurt.services.community import auth
from buurt.services.context import Services

LIMIT = 10
WINDOW = timedelta(minutes=5)
# Past this many tracked keys, the ones with no failure left in the window are dropped.
_SWEEP_AT = 50_000


class LoginThrottle:
    """Failed logins of the last ``window``, per account and per client address. Safe to share
    between threads."""

    def __init__(self, clock: Clock, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._lock = threading.Lock()
        self._failures: dict[str, deque[datetime]] = {}

    def check(self, account: str, address: str) -> None:
        """``TooManyAttempts`` while the account or the address is over its limit."""
        now = self._clock.now()
        with self._lock:
            waits = [self._wait(key, now) for key in _keys(account, address)]
        wait = max(waits)
        if wait > 0:
            raise TooManyAttempts(
                "Too many failed logins; try again in "
                f"{wait} seconds, or reset your password by mail.",
                retry_after=wait,
            )

    def failed(self, account: str, address: str) -> None:
        now = self._clock.now()
        with self._lock:
            if len(self._failures) > _SWEEP_AT:
                self._sweep(now)
            for key in _keys(account, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(_account_key(account), None)

    def _wait(self, key: str, now: datetime) -> int:
        """Whole seconds until ``key`` is under its limit again (0: it is now)."""
        found = self._failures.get(key)
        if found is None:
            return 0
        while found and found[0] <= now - self._window:
            found.popleft()
        if not found:
            del self._failures[key]
            return 0
        if len(found) < self._limit:
            return 0
        # The (len - limit + 1)-th oldest failure must leave the window.
        frees_at = found[len(found) - self._limit] + self._window
        return max(1, math.ceil((frees_at - now).total_seconds()))

    def _sweep(self, now: datetime) -> None:
        for key in list(self._failures):
            self._wait(key, now)


def _account_key(account: str) -> str:
    return "account:" + account.strip().lower()


def _keys(account: str, address: str) -> tuple[str, str]:
    return _account_key(account), "address:" + address


def log_in(
    services: Services,
    throttle: LoginThrottle,
    address: str,
    email: str,
    password: str,
    label: str,
    lifetime: timedelta | None = None,
) -> tuple[AccessToken, str]:
    """``auth.log_in`` from a client ``address``, under the throttle."""
    throttle.check(email, address)
    try:
        found = auth.log_in(services, email, password, label, lifetime)
    except AuthenticationFailed:
        throttle.failed(email, address)
        raise
    throttle.succeeded(email)
    return found
