"""Reloads of the broker are spaced, and the last change is always followed by one."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from buurt.mqtt import broker_files
from buurt.mqtt.broker_files import _SpacedReloads


def test_a_burst_of_requests_gives_spaced_reloads_and_one_after_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(broker_files, "RELOAD_SPACING_S", 0.05)
    sent: list[float] = []
    reloads = _SpacedReloads(lambda: sent.append(time.monotonic()))
    requested: list[float] = []
    for _ in range(20):
        requested.append(time.monotonic())
        reloads.request()
        time.sleep(0.01)
    while reloads._worker is not None:  # the worker ends once nothing is wanted
        time.sleep(0.01)
    assert 2 <= len(sent) < 20  # the burst was coalesced ...
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert min(gaps) >= 0.05  # ... never two SIGHUPs within the broker's reload
    assert sent[-1] > requested[-1]  # and the last write was followed by a reload


def test_requests_from_many_threads_end_in_a_reload() -> None:
    sent: list[float] = []
    reloads = _SpacedReloads(lambda: sent.append(time.monotonic()))
    threads = [threading.Thread(target=reloads.request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while reloads._worker is not None:
        time.sleep(0.01)
    assert 1 <= len(sent) <= 2  # one at once, and at most one more for those that came after
