"""The relevance gate agrees with a plain model of its rules, whatever the calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from buurt.engine import RelevanceGate

START = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # a DST change in Amsterdam that night
HOUR = timedelta(hours=1)
MINUTES_LATER = [0, 1, 7, 25, 59, 60, 61]  # 60: a moment leaves the rolling hour exactly


@dataclass
class ModelGate:
    """The module docstring of ``engine.rules``, written as directly as possible."""

    zone: ZoneInfo
    default_cap: int
    window: timedelta
    caps: dict[int, int] = field(default_factory=dict)
    quiet: dict[int, set[int]] = field(default_factory=dict)
    moments: dict[int, list[datetime]] = field(default_factory=dict)
    seen: dict[int, tuple[datetime, set[int], set[int]]] = field(default_factory=dict)

    def set_cap(self, recipient: int, cap: int) -> None:
        self.caps[recipient] = cap  # the moments of the last hour still count

    def admit(self, publication: int, at: datetime, pairs: list[tuple[int, int]]) -> list[bool]:
        self.seen = {p: s for p, s in self.seen.items() if s[0] >= at - self.window}
        _, keys, recipients = self.seen.setdefault(publication, (at, set(), set()))
        call_keys: set[int] = set()
        call_recipients: set[int] = set()
        out = []
        for key, recipient in pairs:
            ok = key not in keys and recipient not in recipients
            ok = ok and key not in call_keys
            if ok:
                call_keys.add(key)
                ok = recipient not in call_recipients
                call_recipients.add(recipient)
            recent = [t for t in self.moments.get(recipient, []) if t > at - HOUR]
            ok = ok and len(recent) < self.caps.get(recipient, self.default_cap)
            ok = ok and at.astimezone(self.zone).hour not in self.quiet.get(recipient, set())
            if ok:
                self.moments.setdefault(recipient, []).append(at)
            out.append(ok)
        keys.update(k for (k, _), ok in zip(pairs, out, strict=True) if ok)
        recipients.update(r for (_, r), ok in zip(pairs, out, strict=True) if ok)
        return out


pairs = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5) | st.integers(0, 3000)), max_size=8)
calls = st.one_of(
    st.tuples(st.just("cap"), st.integers(0, 8), st.integers(0, 4)),
    st.tuples(st.just("quiet"), st.integers(0, 8), st.sets(st.integers(0, 23), max_size=6)),
    st.tuples(st.just("admit"), st.integers(0, 4), st.sampled_from(MINUTES_LATER), pairs),
)


@settings(max_examples=300, deadline=None)
@given(
    timezone=st.sampled_from(["UTC", "Europe/Amsterdam", "Asia/Kathmandu"]),
    default_cap=st.integers(0, 3),
    window_minutes=st.sampled_from([1, 30, 600]),
    operations=st.lists(calls, min_size=1, max_size=40),
)
def test_gate_agrees_with_the_model(
    timezone: str, default_cap: int, window_minutes: int, operations: list[tuple[object, ...]]
) -> None:
    window = timedelta(minutes=window_minutes)
    gate = RelevanceGate(timezone, default_cap, window)
    model = ModelGate(ZoneInfo(timezone), default_cap, window)
    at = START
    for operation in operations:
        match operation:
            case ("cap", int(recipient), int(cap)):
                gate.set_cap(recipient, cap)
                model.set_cap(recipient, cap)
            case ("quiet", int(recipient), set() as hours):
                gate.set_quiet_hours(recipient, sorted(hours))
                model.quiet[recipient] = hours
            case ("admit", int(publication), int(minutes), list() as chosen):
                at += timedelta(minutes=minutes)
                keys = np.array([k for k, _ in chosen], dtype=np.int64)
                recipients = np.array([r for _, r in chosen], dtype=np.int64)
                got = gate.admit(publication, at, keys, recipients)
                assert got.tolist() == model.admit(publication, at, chosen)
