"""Integers for string ids, as the engine wants them, held only while something needs them.

Two kinds, because the engine uses them differently:

- ``Keys``: a standing record's key in the indexes and in the gate's deduplication. A key is
  only ever compared, so keys need not be dense, and a number is never handed out twice: the
  gate remembers the keys it admitted for a publication for its dedup window (a day), so a
  reused number could be taken for its previous owner there and a new standing would miss
  its moment. Numbers count up instead (2**63 of them: centuries at a million a second) and
  an id's entries go when its record is withdrawn, so the registry holds the posted records
  and nothing more.
- ``RecipientNumbers``: a recipient's slot in one circle's gate, whose per-recipient state
  lives in arrays indexed by these numbers. They must stay small, so a freed number is
  reused, but only once the gate can no longer tell it from a fresh one (see the class).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta


class Keys:
    """Engine keys for the ids of posted standing records; a number is never reused."""

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._keys)

    def key(self, ident: str) -> int:
        """The id's key: the one it holds, or a new one."""
        found = self._keys.get(ident)
        if found is None:
            found = self._keys[ident] = self._next
            self._ids[found] = ident
            self._next += 1
        return found

    def find(self, ident: str) -> int | None:
        """The id's key, if it holds one (no new key is handed out)."""
        return self._keys.get(ident)

    def ident(self, key: int) -> str:
        return self._ids[key]

    def release(self, ident: str) -> None:
        """Forget the id and its key (the key is not handed out again); unknown ids are fine."""
        key = self._keys.pop(ident, None)
        if key is not None:
            del self._ids[key]


class RecipientNumbers:
    """Small numbers for the recipients (``"kind:id"``) of one circle's gate, reused once free.

    A number is in use while its recipient ``owned`` a standing record in the circle (its
    settings then stay configured in the gate, ready for its next moment) or while the gate
    may still hold something of it: for ``hold`` after the number was last handed to the gate.
    With ``hold`` at least the gate's dedup window and an hour, that is safe: the gate's
    rate-limit slots count for an hour after an admission, and a publication's dedup state
    goes ``dedup_window`` after its first admission, which came no later than the number's
    last use; and the caller configures a number given to a new recipient from scratch, which
    resets its cap, its slots and its quiet hours.

    Freeing is lazy: when a recipient without a number comes and ``hold`` has passed since the
    last sweep, one pass frees every number not in use. So the numbers held are those of the
    recipients owning a standing in the circle or served within the last two ``hold``s, and the
    sweeps cost one pass per ``hold`` at most. ``at`` must not run backwards (as for the gate).
    """

    def __init__(self, hold: timedelta, owned: Callable[[str], bool]) -> None:
        self._hold = hold
        self._owned = owned
        self._numbers: dict[str, int] = {}
        self._names: list[str | None] = []  # by number; None: free
        self._used: list[datetime | None] = []  # by number: when last handed to the gate
        self._free: list[int] = []
        self._swept: datetime | None = None

    def __len__(self) -> int:
        """Numbers in use."""
        return len(self._numbers)

    @property
    def capacity(self) -> int:
        """Numbers ever handed out at once: the size of the gate's arrays."""
        return len(self._names)

    def find(self, name: str) -> int | None:
        return self._numbers.get(name)

    def number(self, name: str, at: datetime) -> tuple[int, list[int]]:
        """The recipient's number, used at ``at``, and the numbers freed to make room (their
        recipients' settings are gone with them; the caller forgets what it kept of them)."""
        found = self._numbers.get(name)
        freed: list[int] = []
        if found is None:
            if self._swept is None:
                self._swept = at
            elif at - self._swept >= self._hold:
                freed = self._sweep(at)
            if self._free:
                found = self._free.pop()
                self._names[found] = name
            else:
                found = len(self._names)
                self._names.append(name)
                self._used.append(None)
            self._numbers[name] = found
        self._used[found] = at
        return found, freed

    def _sweep(self, at: datetime) -> list[int]:
        self._swept = at
        horizon = at - self._hold
        freed = []
        for number, name in enumerate(self._names):
            used = self._used[number]
            if name is None or self._owned(name) or (used is not None and used >= horizon):
                continue
            del self._numbers[name]
            self._names[number] = None
            self._used[number] = None
            freed.append(number)
        # Reused lowest first (``pop`` takes from the end), keeping the gate's arrays short.
        self._free = sorted([*self._free, *freed], reverse=True)
        return freed
