"""The relevance gate: which matches become moments, applied before anything is recorded.

Rules run in this order on the (standing key, recipient) pairs a publication matched:

1. **consent** - the caller's check, "may this recipient use this member's data for matching
   now?", called exactly once per publication, even with no pairs; the gate never decides
   consent itself and never skips the call;
2. **deduplication** - a (standing key, publication) pair and a (recipient, publication) pair
   each yield at most one moment, within one call and across calls (for ``dedup_window``);
3. **rate limit** - at most N moments per recipient in any rolling hour (N per recipient,
   ``default_cap`` otherwise);
4. **quiet hours** - no moment in a recipient's quiet hours of the day (index timezone).

Only admitted pairs count toward later deduplication and rate limits. Time is passed in and
must not run backwards; nothing here reads a clock. Recipient ids are small non-negative
integers (database ids): per-recipient state lives in arrays indexed by them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from buurt.engine.rows import to_microseconds

ConsentCheck = Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.ArrayLike]
"""``(keys, recipients) -> bool per pair``: may the recipient use the member's data now?"""

HOUR_US = 3_600_000_000
MAX_RECIPIENT = 2**31 - 1
_NEVER = np.iinfo(np.int64).min
_FOREVER = np.iinfo(np.int64).max


class RelevanceGate:
    """Consent, deduplication, per-recipient rate limit and quiet hours, vectorised."""

    def __init__(
        self,
        timezone: str = "UTC",
        default_cap: int = 10,
        dedup_window: timedelta = timedelta(days=1),
    ) -> None:
        if default_cap < 0:
            raise ValueError(f"default_cap must be >= 0, got {default_cap}")
        self._zone = ZoneInfo(timezone)
        self._default_cap = default_cap
        self._window_us = dedup_window // timedelta(microseconds=1)
        width = max(1, default_cap)
        self._ring = np.full((0, width), _NEVER, dtype=np.int64)  # last admissions per slot
        self._head = np.zeros(0, dtype=np.int32)
        self._cap = np.zeros(0, dtype=np.int32)
        self._quiet = np.zeros(0, dtype=np.int32)  # bit h set: quiet in hour h
        self._any_quiet = False
        self._admitted: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        self._expiry: deque[tuple[int, int]] = deque()

    # -- per-recipient settings ------------------------------------------------------------

    def set_cap(self, recipient: int, cap: int) -> None:
        """At most ``cap`` moments per rolling hour for this recipient."""
        if cap < 0:
            raise ValueError(f"cap must be >= 0, got {cap}")
        self._grow(np.array([recipient], dtype=np.int64))
        if cap > self._ring.shape[1]:
            extra = np.full((self._ring.shape[0], cap - self._ring.shape[1]), _NEVER, np.int64)
            self._ring = np.concatenate([self._ring, extra], axis=1)
        self._cap[recipient] = cap
        self._head[recipient] = 0
        # A cap of 0 looks like a full hour that never ends, so the hot path needs no branch.
        self._ring[recipient, :] = _NEVER if cap > 0 else _FOREVER

    def set_quiet_hours(self, recipient: int, hours: Iterable[int]) -> None:
        """Hours of the day (0..23, index timezone) in which this recipient gets no moments."""
        mask = 0
        for hour in hours:
            if not 0 <= hour <= 23:
                raise ValueError(f"quiet hours are 0..23, got {hour}")
            mask |= 1 << hour
        self._grow(np.array([recipient], dtype=np.int64))
        self._quiet[recipient] = mask
        self._any_quiet = self._any_quiet or mask != 0

    def _grow(self, recipients: npt.NDArray[np.int64]) -> None:
        if recipients.shape[0] == 0:
            return
        low, high = recipients.min(), recipients.max()
        if low < 0 or high > MAX_RECIPIENT:
            raise ValueError(f"recipient ids must be within 0..{MAX_RECIPIENT}")
        size = self._cap.shape[0]
        if high < size:
            return
        new = max(high + 1, size * 2, 1024) - size
        fill = _NEVER if self._default_cap > 0 else _FOREVER
        self._ring = np.concatenate(
            [self._ring, np.full((new, self._ring.shape[1]), fill, dtype=np.int64)]
        )
        self._head = np.concatenate([self._head, np.zeros(new, dtype=np.int32)])
        self._cap = np.concatenate([self._cap, np.full(new, self._default_cap, dtype=np.int32)])
        self._quiet = np.concatenate([self._quiet, np.zeros(new, dtype=np.int32)])

    # -- the gate --------------------------------------------------------------------------

    def admit(
        self,
        publication_id: int,
        at: datetime,
        keys: npt.NDArray[np.int64],
        recipients: npt.NDArray[np.int64],
        consent: ConsentCheck | npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.bool_]:
        """Which of the matched (key, recipient) pairs become moments; they are recorded."""
        if keys.shape != recipients.shape:
            raise ValueError("keys and recipients must have the same length")
        allowed = np.asarray(consent(keys, recipients) if callable(consent) else consent)
        if allowed.size == 0:
            allowed = allowed.astype(np.bool_)
        if allowed.shape != keys.shape or allowed.dtype != np.bool_:
            raise ValueError("consent must give one bool per (key, recipient) pair")
        self._grow(recipients)
        at_us = to_microseconds(at)
        self._forget(at_us)
        rows = allowed.nonzero()[0]
        rows = self._deduplicate(publication_id, keys, recipients, rows)
        slots = recipients[rows]
        # Rate limit: the oldest of the recipient's last N admissions must be an hour old.
        head = self._head[slots]
        passing = self._ring[slots, head] <= at_us - HOUR_US
        if self._any_quiet:
            hour = at.astimezone(self._zone).hour
            passing &= (self._quiet[slots] >> hour) & 1 == 0
        rows, slots, head = rows[passing], slots[passing], head[passing]
        self._record(publication_id, at_us, keys[rows], slots, head)
        mask = np.zeros(keys.shape[0], dtype=np.bool_)
        mask[rows] = True
        return mask

    def _deduplicate(
        self,
        publication_id: int,
        keys: npt.NDArray[np.int64],
        recipients: npt.NDArray[np.int64],
        rows: npt.NDArray[np.intp],
    ) -> npt.NDArray[np.intp]:
        before = self._admitted.get(publication_id)
        if before is not None:
            fresh = ~np.isin(keys[rows], before[0]) & ~np.isin(recipients[rows], before[1])
            rows = rows[fresh]
        # Within the call the first pair (in the given order) of a key or recipient wins.
        n = keys.shape[0]
        if len(set(keys.tolist())) == n and len(set(recipients.tolist())) == n:
            return rows
        for column in (keys, recipients):
            values = column[rows]
            if len(set(values.tolist())) < values.shape[0]:
                _, first = np.unique(values, return_index=True)
                rows = rows[np.sort(first)]
        return rows

    def _record(
        self,
        publication_id: int,
        at_us: int,
        keys: npt.NDArray[np.int64],
        slots: npt.NDArray[np.int64],
        head: npt.NDArray[np.int32],
    ) -> None:
        if slots.shape[0]:
            self._ring[slots, head] = at_us
            self._head[slots] = (head + 1) % self._cap[slots]
        before = self._admitted.get(publication_id)
        if before is None:
            self._admitted[publication_id] = (keys, slots)
            self._expiry.append((at_us, publication_id))
        elif keys.shape[0]:
            self._admitted[publication_id] = (
                np.concatenate([before[0], keys]),
                np.concatenate([before[1], slots]),
            )

    def _forget(self, now_us: int) -> None:
        """Drop deduplication state of publications older than the window."""
        expiry = self._expiry
        while expiry and expiry[0][0] < now_us - self._window_us:
            _, publication_id = expiry.popleft()
            self._admitted.pop(publication_id, None)
