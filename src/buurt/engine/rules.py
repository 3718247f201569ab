"""The relevance gate: which matches become moments, applied before anything is recorded.

The gate applies relevance rules only. Consent is decided before it, in one place outside the
engine: the caller passes only the (standing key, recipient) pairs that may be delivered, and
a pair it leaves out counts for nothing here. Rules run in this order on those pairs:

1. **deduplication** - a (standing key, publication) pair and a (recipient, publication) pair
   each yield at most one moment, within one call and across calls (for ``dedup_window``);
2. **rate limit** - at most N moments per recipient in any rolling hour (N per recipient,
   ``default_cap`` otherwise; a new N counts the moments of the last hour too);
3. **quiet hours** - no moment in a recipient's quiet hours of the day (index timezone).

Only admitted pairs count toward later deduplication and rate limits. Time is passed in and
must not run backwards; nothing here reads a clock. Recipient ids are small non-negative
integers: per-recipient state lives in arrays indexed by them. Standing keys are any integers
and are only compared; the gate remembers the keys and recipients it admitted for a
publication until ``dedup_window`` after it first saw that publication.

A publication's pairs number a few dozen, where each numpy call costs about as much as
handling a whole pair in Python, so the gate keeps its numpy calls per publication few and
fixed: the common case (fresh publication, no duplicate pairs) takes no per-pair Python loop
and no index array.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from buurt.engine.postings import to_microseconds

PublicationId = int | str
"""Any id of a publication; the gate forgets it with the publication, after the window."""

HOUR_US = 3_600_000_000
MAX_RECIPIENT = 2**31 - 1
_NEVER = np.iinfo(np.int64).min
_FOREVER = np.iinfo(np.int64).max


class RelevanceGate:
    """Deduplication, per-recipient rate limit and quiet hours, vectorised."""

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
        self._window = dedup_window
        self._window_us = dedup_window // timedelta(microseconds=1)
        # Rate limit: each recipient owns a block of ``cap`` slots, chained into a cycle, in
        # one flat ring. A slot is two entries: when its admission stops counting (admitted +
        # 1 hour), then the ring index of the next slot. ``_oldest`` holds the ring index of
        # the slot to be reused next, so "has the recipient had ``cap`` moments in the last
        # hour?" is one read and one comparison, and a slot's successor shares its cache line.
        self._ring = np.empty(0, dtype=np.int64)
        self._after = self._ring[1:]  # the ring shifted by one entry: slot -> its successor
        self._used = 0  # slots handed out to blocks
        self._oldest = np.zeros(0, dtype=np.int64)  # per recipient
        self._start = np.zeros(0, dtype=np.int64)  # per recipient: its block's first slot
        self._size = np.zeros(0, dtype=np.int64)  # per recipient: its block's slots
        self._quiet = np.zeros(0, dtype=np.int32)  # bit h set: quiet in hour h
        self._any_quiet = False
        self._parked: dict[int, list[int]] = {}  # admissions of recipients with a cap of 0
        self._admitted: dict[
            PublicationId, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
        ] = {}
        self._expiry: deque[tuple[int, PublicationId]] = deque()

    @property
    def dedup_window(self) -> timedelta:
        """How long after first seeing a publication the gate remembers what it admitted."""
        return self._window

    # -- per-recipient settings ------------------------------------------------------------

    def set_cap(self, recipient: int, cap: int) -> None:
        """At most ``cap`` moments per rolling hour for this recipient, counting the moments
        it was admitted in the last hour: a new cap is no fresh start."""
        if cap < 0:
            raise ValueError(f"cap must be >= 0, got {cap}")
        self._grow(recipient)
        admitted = self._parked.pop(recipient, None)
        if admitted is None:
            admitted = self._admissions(recipient)
        # A cap of 0 is one slot whose hour never ends, so the hot path needs no branch; the
        # recipient's admissions wait beside it for a cap that counts them.
        length = max(1, cap)
        if cap == 0:
            self._parked[recipient] = admitted
        if length > self._size[recipient]:
            # Blocks only grow (at least doubling), so abandoned slots stay fewer than live.
            size = max(length, 2 * int(self._size[recipient]))
            self._start[recipient] = self._allocate(size)
            self._size[recipient] = size
        start = int(self._start[recipient])
        self._cycle(start, 1, length, _NEVER if cap > 0 else _FOREVER)
        self._oldest[recipient] = 2 * start
        if cap > 0 and admitted:
            # The newest ``cap`` admissions, oldest first, end the cycle: the slots before
            # them are free, and the next admission takes the first.
            kept = admitted[-length:]
            first = 2 * (start + length - len(kept))
            self._ring[first : 2 * (start + length) : 2] = kept

    def _admissions(self, recipient: int) -> list[int]:
        """When the recipient's remembered admissions stop counting, oldest first."""
        times = []
        slot = first = int(self._oldest[recipient])
        while True:
            until = int(self._ring[slot])
            if until not in (_NEVER, _FOREVER):
                times.append(until)
            slot = int(self._after[slot])
            if slot == first:
                return times

    def set_quiet_hours(self, recipient: int, hours: Iterable[int]) -> None:
        """Hours of the day (0..23, index timezone) in which this recipient gets no moments."""
        mask = 0
        for hour in hours:
            if not 0 <= hour <= 23:
                raise ValueError(f"quiet hours are 0..23, got {hour}")
            mask |= 1 << hour
        self._grow(recipient)
        self._quiet[recipient] = mask
        self._any_quiet = self._any_quiet or mask != 0

    def _grow(self, high: int) -> None:
        """Make room for recipients up to ``high``; new ones get a block of the default cap."""
        if not 0 <= high <= MAX_RECIPIENT:
            raise ValueError(f"recipient ids must be within 0..{MAX_RECIPIENT}")
        size = self._oldest.shape[0]
        if high < size:
            return
        new = max(high + 1, size * 2, 1024) - size
        length = max(1, self._default_cap)
        first = self._allocate(new * length)
        self._cycle(first, new, length, _NEVER if self._default_cap > 0 else _FOREVER)
        starts = np.arange(first, first + new * length, length)
        self._oldest = np.concatenate([self._oldest, 2 * starts])
        self._start = np.concatenate([self._start, starts])
        self._size = np.concatenate([self._size, np.full(new, length, dtype=np.int64)])
        self._quiet = np.concatenate([self._quiet, np.zeros(new, dtype=np.int32)])

    def _allocate(self, slots: int) -> int:
        """Hand out ``slots`` consecutive slots of the ring; the first one."""
        first = self._used
        self._used += slots
        if 2 * self._used > self._ring.shape[0]:
            ring = np.empty(max(2 * self._used, 2 * self._ring.shape[0]), dtype=np.int64)
            ring[: 2 * first] = self._ring[: 2 * first]
            self._ring, self._after = ring, ring[1:]
        return first

    def _cycle(self, first: int, blocks: int, length: int, until: int) -> None:
        """Turn ``blocks`` runs of ``length`` slots, from slot ``first`` on, into cycles whose
        slots all hold ``until``."""
        entries = self._ring[2 * first : 2 * (first + blocks * length)]
        entries[0::2] = until
        following = entries[1::2]
        following[:] = np.arange(2 * first + 2, 2 * (first + blocks * length) + 2, 2)
        following[length - 1 :: length] -= 2 * length

    # -- the gate --------------------------------------------------------------------------

    def admit(
        self,
        publication_id: PublicationId,
        at: datetime,
        keys: npt.NDArray[np.int64],
        recipients: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Which of the matched (key, recipient) pairs become moments; they are recorded.

        Every pair passed in has consent already: the gate only applies relevance rules.
        """
        n = keys.shape[0]
        if recipients.shape != keys.shape:
            raise ValueError("keys and recipients must have the same length")
        at_us = to_microseconds(at)
        self._forget(at_us)
        if n == 0:
            self._record(publication_id, at_us, keys, recipients)
            return np.zeros(0, dtype=np.bool_)
        # Sorting the recipients gives their range and their duplicates in one numpy call
        # (a copy sorted in place: ``np.sort``'s wrapper costs as much again).
        ordered = recipients.copy()
        ordered.sort()
        if ordered[0] < 0:
            raise ValueError(f"recipient ids must be within 0..{MAX_RECIPIENT}")
        self._grow(int(ordered[-1]))
        before = self._admitted.get(publication_id)
        rows: npt.NDArray[np.intp] | None = None  # None: every pair, in order
        if (
            before is not None
            or np.count_nonzero(ordered[1:] == ordered[:-1])
            or np.count_nonzero(keys[1:] <= keys[:-1])  # keys come sorted from the index
        ):
            rows = _deduplicate(keys.tolist(), recipients.tolist(), before)
            keys, slots = keys[rows], recipients[rows]
        else:
            slots = recipients
        # Rate limit: the recipient's oldest of its last ``cap`` admissions must have expired.
        oldest = self._oldest[slots]
        blocked = self._ring[oldest] > at_us
        if self._any_quiet:
            bit = 1 << at.astimezone(self._zone).hour
            blocked |= (self._quiet[slots] & bit) != 0
        if np.count_nonzero(blocked):
            passing = ~blocked
            rows = passing.nonzero()[0] if rows is None else rows[passing]
            keys, slots, oldest = keys[passing], slots[passing], oldest[passing]
        # Slots are unique here (one pair per recipient), so these writes never collide.
        self._ring[oldest] = at_us + HOUR_US
        self._oldest[slots] = self._after[oldest]
        if rows is None:
            # Every pair passed. What is recorded must not change with the caller's arrays:
            # the keys are copied and the sorted copy stands for the recipients (deduplication
            # reads the recipients of a publication as a set).
            self._record(publication_id, at_us, keys.copy(), ordered)
            # ``blocked`` is all false and ours: inverted in place it is the answer, cheaper
            # than a new array of ones.
            return np.logical_not(blocked, out=blocked)
        self._record(publication_id, at_us, keys, slots)
        mask = np.zeros(n, dtype=np.bool_)
        mask[rows] = True
        return mask

    def restore(
        self,
        publication_ids: Sequence[PublicationId],
        ats: Sequence[datetime],
        keys: Sequence[int],
        recipients: Sequence[int],
    ) -> None:
        """Count pairs admitted earlier (by a process before this one) as admitted, without
        applying the rules: they were applied then, and the moments exist. One entry per
        pair: its publication, when it was admitted, its key and its recipient.

        Call it once the recipients' caps are set (``set_cap`` starts a recipient's hour
        afresh) and before ``admit``, with the pairs in order of time; every pair counts, even
        two of one recipient for one publication.
        """
        if not len(publication_ids) == len(ats) == len(keys) == len(recipients):
            raise ValueError("publication_ids, ats, keys and recipients must have one length")
        if not recipients:
            return
        if min(recipients) < 0:
            raise ValueError(f"recipient ids must be within 0..{MAX_RECIPIENT}")
        self._grow(max(recipients))
        # Plain Python over lists: start-up restores an hour at most, a few pairs per
        # recipient, and numpy's per-call cost would be most of it.
        ring = self._ring.tolist()
        oldest = self._oldest.tolist()
        start = 0
        stamps = [to_microseconds(at) for at in ats]
        for row, recipient in enumerate(recipients):
            slot = oldest[recipient]
            if ring[slot] != _FOREVER:  # a cap of 0 stays closed
                ring[slot] = stamps[row] + HOUR_US
                oldest[recipient] = ring[slot + 1]
            last = row + 1 == len(recipients)
            if last or (publication_ids[row + 1], stamps[row + 1]) != (
                publication_ids[row],
                stamps[row],
            ):
                self._forget(stamps[row])
                self._record(
                    publication_ids[row],
                    stamps[row],
                    np.array(keys[start : row + 1], dtype=np.int64),
                    np.array(recipients[start : row + 1], dtype=np.int64),
                )
                start = row + 1
        self._ring[:] = ring
        self._oldest[:] = oldest

    def _record(
        self,
        publication_id: PublicationId,
        at_us: int,
        keys: npt.NDArray[np.int64],
        slots: npt.NDArray[np.int64],
    ) -> None:
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


def _deduplicate(
    keys: list[int],
    recipients: list[int],
    before: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None,
) -> npt.NDArray[np.intp]:
    """The rows left once a key or recipient already admitted for the publication is dropped
    and, within the call, the first pair (in the given order) of a key and then of a
    recipient wins. A key's first pair counts as seen even if its recipient then drops it."""
    old_keys: set[int] = set() if before is None else set(before[0].tolist())
    old_recipients: set[int] = set() if before is None else set(before[1].tolist())
    seen_keys: set[int] = set()
    seen_recipients: set[int] = set()
    kept: list[int] = []
    for row, (key, recipient) in enumerate(zip(keys, recipients, strict=True)):
        if key in old_keys or recipient in old_recipients or key in seen_keys:
            continue
        seen_keys.add(key)
        if recipient in seen_recipients:
            continue
        seen_recipients.add(recipient)
        kept.append(row)
    return np.array(kept, dtype=np.intp)
