"""The reasons of a need's stock and shared-thing moments read in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from buurt.domain.moments import Moment, MomentStatus, PublicationKind, ReasonCode, StandingKind
from buurt.domain.parties import PartyKind
from buurt.web import i18n
from buurt.web.pages.reasons import reason_of

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")
NBSP = "\N{NO-BREAK SPACE}"  # Dutch money: the euro sign and the amount stay together
STOCK = {"item": "Desem", "site": "Javaplein", "category": "food/bread", "price": 4.95,
         "limit": 6.0, "available": 3, "available_from": None, "need": "two loaves",
         "distance_m": 60.0}  # fmt: skip
BIKE = {"thing": "Bakfiets", "category": "mobility/cargo-bike", "price": None, "limit": None,
        "starts_at": "2026-03-02T13:00:00+00:00", "ends_at": "2026-03-02T15:00:00+00:00",
        "need": "cargo bike", "distance_m": 300.0}  # fmt: skip


def _moment(code: ReasonCode, args: dict[str, Any]) -> Moment:
    return Moment(
        "mom_1", "cir_1", PartyKind.MEMBER, "mem_1", PublicationKind.INTENT, "int_1",
        StandingKind.STOCK, "stk_1", "the English words", MomentStatus.DELIVERED, AT, AT,
        reason_code=code.value, reason_args=args,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "stock", "bike"),
    [
        ("en", "'Desem' at Javaplein (bread, €4.95, your limit €6.00, 3 available now)",
         "'Bakfiets' (a cargo bike, free) is free from"),
        ("nl", f"'Desem' bij Javaplein (brood, €{NBSP}4,95, jouw grens €{NBSP}6,00, nu 3",
         "'Bakfiets' (een bakfiets, gratis) is vrij van"),
    ],
)  # fmt: skip
def test_stock_and_bookable_reasons_are_said_in_the_page_language(
    language: str, stock: str, bike: str
) -> None:
    token = i18n.use(language)
    try:
        assert reason_of(_moment(ReasonCode.STOCK_ANSWERS_NEED, STOCK), ZONE).startswith(stock)
        assert reason_of(_moment(ReasonCode.BOOKABLE_FREE, BIKE), ZONE).startswith(bike)
        # without its code a moment keeps its English words
        assert reason_of(_moment(ReasonCode.BOOKABLE_FREE, {}), ZONE) == "the English words"
    finally:
        i18n.reset(token)
