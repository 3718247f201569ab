"""Changing an entity: each kind names the fields any caller may change, and nothing else moves.

What may change is a rule of the domain, not of an edge: the HTTP API, the CLI, the pages and
any future caller go through ``change``, so none of them can set an owner, an id or a creation
time by passing it along. A lifecycle field (``status``) is changed through the entity's own
transition rules, never by assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from buurt.domain.errors import InvalidInput


class Changeable:
    """A base for entities: ``CHANGEABLE`` names the fields ``change`` may set."""

    CHANGEABLE: ClassVar[frozenset[str]] = frozenset()

    def change(self, changes: Mapping[str, Any]) -> None:
        """Set the given fields; ``InvalidInput`` (naming the field) if one may not be changed,
        in which case nothing is changed."""
        refused = sorted(set(changes) - self.CHANGEABLE)
        if refused:
            raise InvalidInput(f"{', '.join(refused)} cannot be changed", refused[0])
        for name, value in changes.items():
            setattr(self, name, value)
