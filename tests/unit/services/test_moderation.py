"""Moderation on the fakes: one report per member and item; only the circle's admins decide;
a decision closes the item's reports and is logged; what was hidden is shown to its author and
the admins only."""

from __future__ import annotations

import pytest

from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from buurt.domain.moderation import ModerationAction, TargetKind
from buurt.services.cocreation import discussion, moderation, proposals
from buurt.services.community import circles
from buurt.services.context import Services
from tests.unit.services.conftest import Neighbour


def _propose(services: Services, who: Neighbour, circle_id: str) -> str:
    return proposals.propose(
        services,
        who.principal,
        circle_id=circle_id,
        title="Oat milk",
        description="In returnable bottles.",
        category="food/dairy",
    ).id


def test_a_report_is_one_per_member_and_closed_by_a_decision(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    proposal_id = _propose(services, ada, circle_id)
    with pytest.raises(NotFound):  # Bob is no member yet: he sees nothing to report
        moderation.report(services, bob.principal, TargetKind.PROPOSAL, proposal_id, "Spam")
    circles.join_circle(services, bob.principal, circle_id)
    moderation.report(services, bob.principal, TargetKind.PROPOSAL, proposal_id, "Spam")
    with pytest.raises(Conflict):
        moderation.report(services, bob.principal, TargetKind.PROPOSAL, proposal_id, "Spam!")
    with pytest.raises(InvalidInput):
        moderation.report(services, ada.principal, TargetKind.PROPOSAL, proposal_id, " ")
    with pytest.raises(PermissionDenied):
        moderation.queue(services, bob.principal, circle_id, None, 50)
    assert len(moderation.queue(services, ada.principal, circle_id, None, 50).items) == 1

    def hide(who: Neighbour) -> None:
        moderation.decide(
            services,
            who.principal,
            circle_id,
            kind=TargetKind.PROPOSAL,
            ident=proposal_id,
            action=ModerationAction.HIDDEN,
            reason="Adverts go elsewhere",
        )

    with pytest.raises(PermissionDenied):
        hide(bob)
    hide(ada)
    assert moderation.queue(services, ada.principal, circle_id, None, 50).items == []
    with pytest.raises(NotFound):
        discussion.support(services, bob.principal, proposal_id)
    [entry] = moderation.log(services, bob.principal, circle_id, None, 50).items
    assert (entry.action, entry.reason, entry.moderator_id) == (
        ModerationAction.HIDDEN,
        "Adverts go elsewhere",
        ada.id,
    )


def test_dismissing_needs_open_reports(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    proposal_id = _propose(services, ada, circle_id)
    said = discussion.comment(services, ada.principal, proposal_id, "Glass, please")

    def dismiss() -> None:
        moderation.decide(
            services,
            ada.principal,
            circle_id,
            kind=TargetKind.COMMENT,
            ident=said.id,
            action=ModerationAction.DISMISSED,
            reason="Within the rules",
        )

    with pytest.raises(Conflict):
        dismiss()
    moderation.report(services, bob.principal, TargetKind.COMMENT, said.id, "Off topic")
    dismiss()  # the control
    assert moderation.queue(services, ada.principal, circle_id, None, 50).items == []
