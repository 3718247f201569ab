"""Integers for string ids, as the engine wants them, held only while something needs them.

Two kinds, because the engine uses them differently:

- ``Keys``: a standing record's key in the indexes and in the gate's deduplication. A key is
  only ever compared, so keys need not be dense, and a number is never handed out twice: the
  gate remembers the keys it admitted for a publication for its dedup window (a day), so a
  reused number could be taken for its previous owner there and a new standing would miss
  its moment. Numbers count up instead (2**63 of them: centuries at a million a second) and
  an id's entries go when its record is withdrawn, so the registry holds the posted records
  and nothing more.
- ``Registry``: a recipient's slot in the gates, whose per-recipient state lives in arrays
  indexed by these numbers: small integers, handed out in order.
"""

from __future__ import annotations


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

    def ident(self, key: int) -> str:
        return self._ids[key]

    def release(self, ident: str) -> None:
        """Forget the id and its key (the key is not handed out again); unknown ids are fine."""
        key = self._keys.pop(ident, None)
        if key is not None:
            del self._ids[key]


class Registry:
    """Small integers for string ids, as the engine's columns want."""

    def __init__(self) -> None:
        self._ints: dict[str, int] = {}
        self._ids: list[str] = []

    def key(self, ident: str) -> int:
        found = self._ints.get(ident)
        if found is None:
            found = self._ints[ident] = len(self._ids)
            self._ids.append(ident)
        return found

    def ident(self, key: int) -> str:
        return self._ids[key]
