"""Who takes part: the one name for every kind of party, whichever role it plays.

A member, a business, a thing, a circle or a named app can be a source of events, the owner of
a thing or an offer, the holder of a token, the recipient of a moment or of a consent grant.
Each role accepts some of these kinds (a thing is owned by a member, a business or the circle;
a grant goes to a business, a member, the circle or an app); the entity or use case of that
role says which. The HTTP API documents each field's kinds as its own enum.
"""

from __future__ import annotations

from enum import StrEnum


class PartyKind(StrEnum):
    MEMBER = "member"
    BUSINESS = "business"
    THING = "thing"
    CIRCLE = "circle"
    APP = "app"
