"""Time rules: every instant in Buurt is timezone-aware and kept in UTC."""

from datetime import UTC, datetime

from buurt.domain.errors import InvalidInput


def as_utc(moment: datetime, field: str = "time") -> datetime:
    """The same instant in UTC; naive datetimes are refused, not guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must carry a timezone offset", field=field)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last instant Python holds
        raise InvalidInput(f"{field} is outside the years 1 to 9999 in UTC", field=field) from None


def check_window(start: datetime | None, end: datetime | None, field: str = "window") -> None:
    if start is not None and end is not None and end <= start:
        raise InvalidInput(f"{field} must end after it starts", field=field)
