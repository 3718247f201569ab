"""Small integers for string ids, as the engine's columns want."""

from __future__ import annotations


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
