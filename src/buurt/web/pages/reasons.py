"""A moment's reason in the page's language.

The store keeps each moment's reason as an English sentence (the API's ``reason``) and, for
moments made since codes existed, its code and arguments (``domain.moments.ReasonCode``).
Pages say the coded ones through gettext, with money, distances and times as the language
writes them; a moment without a code, or with arguments that do not fit, keeps its English.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from buurt.domain.moments import Moment, ReasonCode
from buurt.web.i18n import _, format_date, format_datetime, format_money, format_number
from buurt.web.pages.names import category_name


def _metres(value: Any) -> str:
    return format_number(float(value))


def _offer(args: dict[str, Any], zone: tzinfo) -> str:
    values = {
        "title": args["title"],
        "category": category_name(str(args["category"])),
        "price": format_money(args["price"]),
        "need": args["need"],
        "distance": _metres(args["distance_m"]),
    }
    if args.get("limit") is None:
        return _(
            "'%(title)s' (%(category)s, %(price)s) answers the need '%(need)s', "
            "%(distance)s m away",
            **values,
        )
    return _(
        "'%(title)s' (%(category)s, %(price)s, your limit %(limit)s) answers the need "
        "'%(need)s', %(distance)s m away",
        limit=format_money(args["limit"]),
        **values,
    )


def _subscription(args: dict[str, Any], zone: tzinfo) -> str:
    distance = args.get("distance_m")
    parts = [str(args["kind"])]
    if distance is None:
        parts.append(_("inside your area"))
    else:
        parts.append(_("%(distance)s m from the centre of your area", distance=_metres(distance)))
    parts += [str(p) for p in args.get("predicates", [])]
    if args.get("weekly_hours"):
        parts.append(_("in your chosen hours of the week"))
    if args.get("until"):
        until = format_datetime(datetime.fromisoformat(args["until"]), zone)
        parts.append(_("before %(at)s", at=until))
    return _(
        "matched your subscription '%(name)s': %(what)s", name=args["name"], what=", ".join(parts)
    )


def _ahead(args: dict[str, Any], zone: tzinfo) -> str:
    return _(
        "%(title)s goes ahead: your pledge of %(quantity)s is order %(order)s",
        title=args["title"],
        quantity=args["quantity"],
        order=args["order_id"],
    )


def _released(args: dict[str, Any], zone: tzinfo) -> str:
    return _("%(title)s did not reach its threshold: your pledge is released", title=args["title"])


def _booked(args: dict[str, Any], zone: tzinfo) -> str:
    starts = format_datetime(datetime.fromisoformat(args["starts_at"]), zone)
    ends = format_datetime(datetime.fromisoformat(args["ends_at"]), zone)
    if args.get("price") is None:
        return _(
            "%(thing)s is booked from %(start)s to %(end)s",
            thing=args["thing"],
            start=starts,
            end=ends,
        )
    return _(
        "%(thing)s is booked from %(start)s to %(end)s for %(price)s",
        thing=args["thing"],
        start=starts,
        end=ends,
        price=format_money(args["price"]),
    )


def _price_and_limit(args: dict[str, Any]) -> str:
    price = _("free") if args.get("price") is None else format_money(args["price"])
    if args.get("limit") is None:
        return price
    return _("%(price)s, your limit %(limit)s", price=price, limit=format_money(args["limit"]))


def _stock(args: dict[str, Any], zone: tzinfo) -> str:
    values = {
        "item": args["item"],
        "site": args["site"],
        "category": category_name(str(args["category"])),
        "price": _price_and_limit(args),
        "need": args["need"],
        "distance": _metres(args["distance_m"]),
        "available": format_number(int(args["available"])),
    }
    if args.get("available_from"):
        since = format_datetime(datetime.fromisoformat(args["available_from"]), zone)
        return _(
            "'%(item)s' at %(site)s (%(category)s, %(price)s, %(available)s from %(at)s) "
            "answers the need '%(need)s', %(distance)s m away",
            at=since,
            **values,
        )
    return _(
        "'%(item)s' at %(site)s (%(category)s, %(price)s, %(available)s available now) "
        "answers the need '%(need)s', %(distance)s m away",
        **values,
    )


def _bookable(args: dict[str, Any], zone: tzinfo) -> str:
    return _(
        "'%(thing)s' (%(category)s, %(price)s) is free from %(start)s to %(end)s for the need "
        "'%(need)s', %(distance)s m away",
        thing=args["thing"],
        category=category_name(str(args["category"])),
        price=_price_and_limit(args),
        start=format_datetime(datetime.fromisoformat(args["starts_at"]), zone),
        end=format_datetime(datetime.fromisoformat(args["ends_at"]), zone),
        need=args["need"],
        distance=_metres(args["distance_m"]),
    )


def _commented(args: dict[str, Any], zone: tzinfo) -> str:
    return _("New comment on %(title)s: %(excerpt)s", title=args["title"], excerpt=args["excerpt"])


def _opened(args: dict[str, Any], zone: tzinfo) -> str:
    return _(
        "%(business)s opened a campaign for %(title)s: pledge before %(deadline)s",
        business=args["business"],
        title=args["title"],
        deadline=format_date(date.fromisoformat(args["deadline"])),
    )


def _settled(args: dict[str, Any], zone: tzinfo) -> str:
    if args["succeeded"]:
        return _("The campaign for %(title)s goes ahead", title=args["title"])
    return _("The campaign for %(title)s did not reach its threshold", title=args["title"])


SAY: dict[str, Callable[[dict[str, Any], tzinfo], str]] = {
    ReasonCode.OFFER_ANSWERS_NEED.value: _offer,
    ReasonCode.SUBSCRIPTION.value: _subscription,
    ReasonCode.CAMPAIGN_AHEAD.value: _ahead,
    ReasonCode.CAMPAIGN_RELEASED.value: _released,
    ReasonCode.BOOKED.value: _booked,
    ReasonCode.STOCK_ANSWERS_NEED.value: _stock,
    ReasonCode.BOOKABLE_FREE.value: _bookable,
    ReasonCode.PROPOSAL_COMMENTED.value: _commented,
    ReasonCode.CAMPAIGN_OPENED.value: _opened,
    ReasonCode.CAMPAIGN_SETTLED.value: _settled,
}


def reason_of(moment: Moment, zone: tzinfo) -> str:
    """The moment's reason as the page's language says it."""
    say = SAY.get(moment.reason_code)
    if say is None:
        return moment.reason
    try:
        return say(moment.reason_args, zone)
    except (KeyError, TypeError, ValueError):  # arguments of another shape: keep the words
        return moment.reason
