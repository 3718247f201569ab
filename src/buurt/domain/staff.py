"""Staff: members who work for a business, beside its owner.

One login, several roles: a member who works for a shop switches to acting for it and then
does the shop's daily work under the business's name: answers its moments, edits its offers
and stock, moves its orders and answers its reviews. Two things stay the owner's alone:
who works for the shop (adding and removing staff), and deleting the shop. The owner never
appears in the staff list: owning a business is more than working for it.

A member works for a business of a circle they belong to, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A shop is human-sized: a bakery with a few people behind the counter, not a chain.
MAX_STAFF = 50


@dataclass
class Staff:
    """That ``member_id`` works for ``business_id``, since ``added_at``."""

    id: str
    business_id: str
    member_id: str
    added_at: datetime
