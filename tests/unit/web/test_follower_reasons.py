"""A followed proposal's moments (a comment, a campaign opened, a campaign settled) read in
the page's language, from the code and arguments the co-creation use cases store."""

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
COMMENT = {"title": "Buurtbakfiets", "excerpt": "Goed idee!"}
OPENED = {"business": "Bakkerij Javaplein", "title": "Desem op zondag", "deadline": "2026-03-20"}


def _moment(code: ReasonCode, args: dict[str, Any]) -> Moment:
    return Moment(
        "mom_1", "cir_1", PartyKind.MEMBER, "mem_1", PublicationKind.COMMENT, "com_1",
        StandingKind.FOLLOW, "follow_1", "the English words", MomentStatus.DELIVERED, AT, AT,
        reason_code=code.value, reason_args=args,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", ["New comment on Buurtbakfiets: Goed idee!",
                "Bakkerij Javaplein opened a campaign for Desem op zondag: pledge before "
                "March 20, 2026",
                "The campaign for Desem op zondag goes ahead",
                "The campaign for Desem op zondag did not reach its threshold"]),
        ("nl", ["Nieuwe reactie op Buurtbakfiets: Goed idee!",
                "Bakkerij Javaplein is een campagne begonnen voor Desem op zondag: doe een "
                "toezegging vóór 20 maart 2026",
                "De campagne voor Desem op zondag gaat door",
                "De campagne voor Desem op zondag haalde de drempel niet"]),
    ],
)  # fmt: skip
def test_follower_reasons_are_said_in_the_page_language(language: str, said: list[str]) -> None:
    token = i18n.use(language)
    try:
        assert [
            reason_of(_moment(ReasonCode.PROPOSAL_COMMENTED, COMMENT), ZONE),
            reason_of(_moment(ReasonCode.CAMPAIGN_OPENED, OPENED), ZONE),
            reason_of(_moment(ReasonCode.CAMPAIGN_SETTLED, {"title": OPENED["title"],
                                                            "succeeded": True}), ZONE),
            reason_of(_moment(ReasonCode.CAMPAIGN_SETTLED, {"title": OPENED["title"],
                                                            "succeeded": False}), ZONE),
        ] == said  # fmt: skip
        # the control: without its code the moment keeps the English words it was stored with
        assert reason_of(_moment(ReasonCode.CAMPAIGN_OPENED, {}), ZONE) == "the English words"
    finally:
        i18n.reset(token)
