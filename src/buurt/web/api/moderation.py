"""Moderation: reports of proposals, comments and reviews; the circle's queue of open reports
(its moderators only), their decisions, and the moderation log the circle reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from buurt.domain.moderation import ModerationAction, TargetKind
from buurt.services.cocreation import moderation
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(tags=["moderation"], responses=responses(400, 401, 413, 422))
Ident = Annotated[str, Path(max_length=64)]
Reason = Annotated[
    str,
    Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$", description="Why, in words."),
]


class ReportIn(Strict):
    reason: Reason


class ReportOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    target_kind: TargetKind
    target_id: str
    reporter_id: str | None
    reason: str
    created_at: datetime


class DecisionIn(Strict):
    target_kind: TargetKind
    target_id: str = Field(max_length=64)
    action: ModerationAction = Field(
        description="`hidden` hides the item, `restored` shows it again, `dismissed` keeps it "
        "and closes its reports."
    )
    reason: Reason


class EntryOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    target_kind: TargetKind
    target_id: str
    action: ModerationAction
    reason: str
    moderator_id: str | None
    created_at: datetime


REPORTED = responses(403, 404, 409)


@router.post("/v1/proposals/{proposal_id}/reports", status_code=201, responses=REPORTED)
def report_proposal(
    proposal_id: Ident, body: ReportIn, services: ServicesDep, principal: PrincipalDep
) -> ReportOut:
    """Report a proposal to the circle's moderators (once)."""
    made = moderation.report(services, principal, TargetKind.PROPOSAL, proposal_id, body.reason)
    return ReportOut.model_validate(made)


@router.post(
    "/v1/proposals/{proposal_id}/comments/{comment_id}/reports",
    status_code=201,
    responses=REPORTED,
)
def report_comment(
    proposal_id: Ident,
    comment_id: Ident,
    body: ReportIn,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ReportOut:
    """Report a comment to the circle's moderators (once)."""
    made = moderation.report(
        services, principal, TargetKind.COMMENT, comment_id, body.reason, proposal_id=proposal_id
    )
    return ReportOut.model_validate(made)


@router.post("/v1/reviews/{review_id}/reports", status_code=201, responses=REPORTED)
def report_review(
    review_id: Ident, body: ReportIn, services: ServicesDep, principal: PrincipalDep
) -> ReportOut:
    """Report a review to the circle's moderators (once)."""
    made = moderation.report(services, principal, TargetKind.REVIEW, review_id, body.reason)
    return ReportOut.model_validate(made)


@router.get("/v1/circles/{circle_id}/reports", responses=responses(403, 404))
def open_reports(
    circle_id: Ident,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportOut]:
    """The circle's open reports, oldest first (its moderators only)."""
    return page_of(ReportOut, moderation.queue(services, principal, circle_id, cursor, limit))


@router.post(
    "/v1/circles/{circle_id}/moderation", status_code=201, responses=responses(403, 404, 409)
)
def decide(
    circle_id: Ident, body: DecisionIn, services: ServicesDep, principal: PrincipalDep
) -> EntryOut:
    """Hide an item, show it again, or dismiss its reports (the circle's moderators)."""
    entry = moderation.decide(
        services,
        principal,
        circle_id,
        kind=body.target_kind,
        ident=body.target_id,
        action=body.action,
        reason=body.reason,
    )
    return EntryOut.model_validate(entry)


@router.get("/v1/circles/{circle_id}/moderation", responses=responses(404))
def moderation_log(
    circle_id: Ident,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EntryOut]:
    """The circle's moderation log, oldest first: every decision and its reason."""
    return page_of(EntryOut, moderation.log(services, principal, circle_id, cursor, limit))
