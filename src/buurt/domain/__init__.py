"""The domain model of Buurt: entities, value objects, lifecycle rules and errors.

Pure Python, standard library only, no I/O. Every other layer may import it; it imports nothing
of Buurt outside itself. Names follow the glossary in DESIGN.md: circle, member, business, site,
thing, event, intent, offer, subscription, moment, consent grant.
"""

from buurt.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ThingLinkDown,
    Unavailable,
)
from buurt.domain.places import Boundary, Place

__all__ = [
    "AuthenticationFailed",
    "Boundary",
    "Conflict",
    "DomainError",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "PermissionDenied",
    "Place",
    "ThingLinkDown",
    "Unavailable",
]
