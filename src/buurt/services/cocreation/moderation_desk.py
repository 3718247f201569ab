"""The moderators' desk: what waits for a circle's moderators, item by item.

Each reported item once, with its reports, and each item still hidden (with the reason it
was hidden for), so a moderator can hide, show again or dismiss from one list. It reads
through ``moderation``'s rules: only the circle's moderators (its admins) see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from buurt.domain.cocreation import Comment, Proposal
from buurt.domain.errors import NotFound
from buurt.domain.moderation import ModerationAction, ModerationEntry, Report, TargetKind
from buurt.domain.reviews import Review
from buurt.services.cocreation import moderation
from buurt.services.context import Services
from buurt.services.principals import Principal

EXCERPT = 240  # characters of an item shown on the desk
CASES = 200  # the oldest open reports and hidden items a desk shows


@dataclass
class Case:
    """One item on the desk: what it is, a piece of its text, where it is read, and why it
    is there (its open reports, or the reason it is hidden for)."""

    kind: TargetKind
    id: str
    excerpt: str
    proposal_id: str | None  # where a proposal or comment is read
    business_id: str | None  # where a review is read
    hidden_reason: str | None
    reports: list[Report] = field(default_factory=list)


def _case(found: moderation.Found) -> Case:
    entity = found.entity
    if isinstance(entity, Proposal):
        text, proposal_id, business_id = entity.title, entity.id, None
    elif isinstance(entity, Comment):
        text, proposal_id, business_id = entity.text, entity.proposal_id, None
    else:
        assert isinstance(entity, Review)
        text, proposal_id, business_id = entity.text, None, entity.business_id
    cut = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
    return Case(found.kind, entity.id, cut, proposal_id, business_id, entity.hidden_reason)


def desk(services: Services, principal: Principal, circle_id: str) -> list[Case]:
    """The reported items (oldest report first), then the hidden ones not reported again."""
    reports = moderation.queue(services, principal, circle_id, None, CASES).items
    hidden = moderation.log(services, principal, circle_id, None, CASES).items
    cases: dict[tuple[TargetKind, str], Case] = {}
    with services.uow() as uow:
        wanted: list[tuple[TargetKind, str]] = [(r.target_kind, r.target_id) for r in reports]
        wanted += [(e.target_kind, e.target_id) for e in hidden if _hid(e)]
        for kind, ident in wanted:
            if (kind, ident) in cases:
                continue
            try:
                found = moderation.target(uow, principal, kind, ident)
            except NotFound:
                continue  # deleted since it was reported
            case = _case(found)
            if case.hidden_reason is not None or _reported(reports, kind, ident):
                cases[(kind, ident)] = case
    for report in reports:
        if (report.target_kind, report.target_id) in cases:
            cases[(report.target_kind, report.target_id)].reports.append(report)
    return list(cases.values())


def _hid(entry: ModerationEntry) -> bool:
    return entry.action is ModerationAction.HIDDEN


def _reported(reports: Sequence[Report], kind: TargetKind, ident: str) -> bool:
    return any(r.target_kind is kind and r.target_id == ident for r in reports)
