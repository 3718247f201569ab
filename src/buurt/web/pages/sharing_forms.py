"""The forms of sharing a thing: its terms as an owner sets them, a slot as a neighbour asks for
it, and what a refusal says in the page's language.

The rules are the domain's (``Bookable.check`` and ``check_interval``): a form only reads what
people pick (days as checkboxes, hours as a clock shows them) and, when the use case refuses,
says which rule it was in words, with the thing's own figures.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from buurt.domain.bookings import Audience, Bookable
from buurt.domain.errors import Conflict, DomainError, InvalidInput
from buurt.services.sharing.bookings import CALENDAR_DAYS
from buurt.web.i18n import _
from buurt.web.pages.forms import money
from buurt.web.pages.names import duration_name

DURATIONS = (15, 30, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 10080, 20160)
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def choices(bookable: Bookable | None, today: date) -> dict[str, Any]:
    """What the sharing forms offer: lengths, whole hours, and the days a slot may start on.
    A bookable's own figures stay in the lists when they are not round ones."""
    durations = set(DURATIONS)
    hours = set(range(0, 1441, 60))
    if bookable is not None:
        durations |= {bookable.min_minutes, bookable.max_minutes}
        hours |= {bookable.opens, bookable.closes}
    return {
        "durations": sorted(durations),
        "day_minutes": sorted(hours),
        "book_days": [today + timedelta(days=n) for n in range(CALENDAR_DAYS)],
    }


def terms(form: dict[str, str], current: Bookable | None) -> dict[str, Any]:
    """The ``Bookable`` fields an owner set in the form (``InvalidInput``, in words)."""
    try:
        audience = Audience(form.get("audience", Audience.VERIFIED.value))
    except ValueError:
        raise InvalidInput(_("Pick who may book it."), "audience") from None
    if audience is Audience.NAMED and not (current and current.named_members):
        raise InvalidInput(_("Pick who may book it."), "audience")
    days = [day for day in range(1, 8) if form.get(f"day{day}")]
    if not days:
        raise InvalidInput(_("Pick at least one day it may be booked on."), "days")
    return {
        "audience": audience,
        "price_per_hour": money(form.get("price", ""), "price_per_hour"),
        "min_minutes": _number(form, "min_minutes", _("Pick the shortest booking.")),
        "max_minutes": _number(form, "max_minutes", _("Pick the longest booking.")),
        "days": days,
        "opens": _number(form, "opens", _("Pick when it opens.")),
        "closes": _number(form, "closes", _("Pick when it closes.")),
    }


def _number(form: dict[str, str], name: str, message: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit() or len(text) > 5:
        raise InvalidInput(message, name)
    return int(text)


def terms_refused(error: InvalidInput) -> str:
    """Why the domain refused the terms, in words (a field the form cannot get wrong keeps
    the domain's own words)."""
    words = {
        "min_minutes": _("The shortest booking cannot be longer than the longest."),
        "max_minutes": _("A booking is at most 14 days."),
        "days": _("Pick at least one day it may be booked on."),
        "closes": _("It opens before it closes, within one day."),
        "opens": _("It opens before it closes, within one day."),
    }
    return words.get(error.field or "", error.detail)


def interval(form: dict[str, str], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The slot asked for: a day and the time from and until on it, on the circle's clock."""
    try:
        day = date.fromisoformat(form.get("day", "")[:10])
    except ValueError:
        raise InvalidInput(_("Pick a day."), "day") from None
    start, end = CLOCK.match(form.get("from", "")), CLOCK.match(form.get("until", ""))
    if start is None or end is None:
        raise InvalidInput(_("Give the time from and until, like 14:00."), "from")

    def at(found: re.Match[str]) -> datetime:
        local = datetime(day.year, day.month, day.day, int(found[1]), int(found[2]), tzinfo=zone)
        return local.astimezone(UTC)

    return at(start), at(end)


def booking_refused(
    error: DomainError, bookable: Bookable, starts_at: datetime, ends_at: datetime, now: datetime
) -> str:
    """Why a slot was refused, in words, with the thing's own figures. The domain decided
    (``Bookable.check_interval`` and the store's overlap rule); this names the rule it applied,
    checked in the same order."""
    if isinstance(error, Conflict):
        return _(
            "Someone has booked it for part of that time. Pick another time: the calendar "
            "shows what is taken."
        )
    length = ends_at - starts_at
    if ends_at <= starts_at:
        return _("A booking ends after it starts.")
    if starts_at < now:
        return _("That time has passed. Pick a time from now on.")
    if length < timedelta(minutes=bookable.min_minutes):
        return _(
            "A booking of it is at least %(length)s.", length=duration_name(bookable.min_minutes)
        )
    if length > timedelta(minutes=bookable.max_minutes):
        return _(
            "A booking of it is at most %(length)s.", length=duration_name(bookable.max_minutes)
        )
    return _("It cannot be booked for all of that time: see the days and hours it may be booked.")
