"""Login throttling on the memory store: at most 10 failures in 5 minutes per account and per
address, then 429 until the oldest failure leaves the window; a success clears the account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.errors import AuthenticationFailed, TooManyAttempts
from buurt.services.community.throttle import LIMIT, WINDOW, LoginThrottle, log_in
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import PASSWORD, Neighbour

ADA = "ada@example.org"


def _fail(services: Services, guard: LoginThrottle, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            log_in(services, guard, address, ADA, "wrong password", "tests")


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(
    services: Services, clock: FrozenClock, ada: Neighbour
) -> None:
    guard = LoginThrottle(clock)
    _fail(services, guard, LIMIT - 1)
    guard.check(ADA, "10.0.0.1")  # positive control: nine failures are allowed
    _fail(services, guard, 1)

    with pytest.raises(TooManyAttempts) as refused:
        log_in(services, guard, "10.0.0.1", ADA, PASSWORD, "tests")

    assert refused.value.retry_after == int(WINDOW.total_seconds())


def test_the_lock_ends_when_the_oldest_failure_leaves_the_window(
    services: Services, clock: FrozenClock, ada: Neighbour
) -> None:
    guard = LoginThrottle(clock)
    _fail(services, guard, 1)
    clock.advance(timedelta(minutes=2))
    _fail(services, guard, LIMIT - 1)

    with pytest.raises(TooManyAttempts) as refused:
        guard.check(ADA, "10.0.0.1")
    assert refused.value.retry_after == 180
    # Refused attempts do not count: they cannot make the lock last longer.
    for _ in range(20):
        with pytest.raises(TooManyAttempts):
            log_in(services, guard, "10.0.0.1", ADA, PASSWORD, "tests")
    clock.advance(timedelta(minutes=3))

    log_in(services, guard, "10.0.0.1", ADA, PASSWORD, "tests")


def test_the_account_is_locked_from_every_address(
    services: Services, clock: FrozenClock, ada: Neighbour
) -> None:
    guard = LoginThrottle(clock)
    for n in range(LIMIT):
        _fail(services, guard, 1, address=f"10.0.0.{n}")

    with pytest.raises(TooManyAttempts):
        log_in(services, guard, "192.0.2.7", "ADA@example.org ", PASSWORD, "tests")
    guard.check("bob@example.org", "192.0.2.7")  # positive control: another account is free


def test_an_address_is_locked_for_every_account(
    services: Services, clock: FrozenClock, ada: Neighbour
) -> None:
    guard = LoginThrottle(clock)
    for n in range(LIMIT):
        with pytest.raises(AuthenticationFailed):
            log_in(services, guard, "10.0.0.1", f"nobody{n}@example.org", "x", "tests")

    with pytest.raises(TooManyAttempts):
        log_in(services, guard, "10.0.0.1", ADA, PASSWORD, "tests")
    log_in(services, guard, "10.0.0.2", ADA, PASSWORD, "tests")  # positive control


def test_a_success_clears_the_accounts_failures_but_not_the_addresss(
    services: Services, clock: FrozenClock, ada: Neighbour
) -> None:
    guard = LoginThrottle(clock)
    for n in range(5):
        _fail(services, guard, 1, address=f"10.0.1.{n}")
    _fail(services, guard, 4, address="10.0.0.1")
    log_in(services, guard, "10.0.0.9", ADA, PASSWORD, "tests")

    for n in range(LIMIT - 1):
        _fail(services, guard, 1, address=f"10.0.2.{n}")
    guard.check(ADA, "10.0.3.1")  # nine since the success: the success cleared the account
    for n in range(6):
        with pytest.raises(AuthenticationFailed):
            log_in(services, guard, "10.0.0.1", f"nobody{n}@example.org", "x", "tests")
    with pytest.raises(TooManyAttempts):
        guard.check("other@example.org", "10.0.0.1")  # the address kept its four
