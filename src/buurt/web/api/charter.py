"""``/v1/circles/{id}/charter``: a circle's charter, its history, proposals and votes.

Any principal reads a charter; verified neighbours of the circle propose changes and vote.
There is no endpoint that changes a charter directly: a new version only comes from a passed
proposal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator
from pydantic.json_schema import SkipJsonSchema

from buurt.domain.admission import AdmissionRoute
from buurt.domain.charter import (
    AggregateKind,
    CharterProposal,
    CharterProposalStatus,
    CharterVersion,
    VoteChoice,
)
from buurt.services.charter import proposals
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import WHOLE, Page, Strict, Text
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/circles/{circle_id}/charter",
    tags=["charter"],
    responses=responses(400, 401, 404, 413, 422),
)
CircleId = Annotated[str, Path(max_length=64)]
ProposalId = Annotated[str, Path(max_length=64)]
Hour = Annotated[int, Field(ge=0, le=23), WHOLE]


K = Annotated[int, Field(ge=2, le=1000), WHOLE]
Days = Annotated[int, Field(ge=1, le=3650), WHOLE]
VotingDays = Annotated[int, Field(ge=1, le=90), WHOLE]
Quorum = Annotated[StrictFloat, Field(ge=0.01, le=1, allow_inf_nan=False)]
Majority = Annotated[StrictFloat, Field(ge=0.5, le=0.99, allow_inf_nan=False)]
Epsilon = Annotated[StrictFloat, Field(ge=0.01, le=10, allow_inf_nan=False)]
Budget = Annotated[StrictFloat, Field(ge=0.1, le=1000, allow_inf_nan=False)]
Kinds = Annotated[list[AggregateKind], Field(max_length=2, json_schema_extra={"uniqueItems": True})]
Routes = Annotated[
    list[AdmissionRoute], Field(max_length=4, json_schema_extra={"uniqueItems": True})
]
Vouches = Annotated[int, Field(ge=1, le=20), WHOLE]
CodeDays = Annotated[int, Field(ge=1, le=365), WHOLE]


class QuietHours(Strict):
    """No moments are delivered from ``from_hour`` until ``until_hour`` (circle's local time)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    from_hour: Hour
    until_hour: Hour


class Rules(BaseModel):
    k: int = Field(description="Smallest number of distinct members a released bucket counts.")
    event_retention_days: int
    intent_retention_days: int
    aggregate_kinds: list[AggregateKind] = Field(description="What businesses may count.")
    quiet_hours: QuietHours | None
    quorum: float = Field(description="Share of members who must vote (abstaining counts).")
    majority: float = Field(description="`yes` must be more than this share of yes + no.")
    voting_days: int
    dp_epsilon: float | None = Field(description="Laplace noise per answer; null is off.")
    dp_budget: float = Field(description="Epsilon a business may spend per 30 days.")
    admission_routes: list[AdmissionRoute] = Field(
        description="How members become verified neighbours; empty admits nobody new."
    )
    vouches_needed: int = Field(description="Verified members who must vouch for a newcomer.")
    code_valid_days: int = Field(description="How long an admission code can be redeemed.")


class CharterOut(Rules):
    circle_id: str
    version: int
    proposal_id: str | None = Field(description="The proposal that made this version.")
    created_at: datetime


# Optional rules never admit null, except those where null means "off"; SkipJsonSchema keeps
# the Python default out of the published schema, and the validator refuses an explicit null.
_NOT_NULL = (
    "k",
    "event_retention_days",
    "intent_retention_days",
    "aggregate_kinds",
    "quorum",
    "majority",
    "voting_days",
    "dp_budget",
    "admission_routes",
    "vouches_needed",
    "code_valid_days",
)


class ChangesIn(Strict):
    """The rules to change (at least one); the others stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    k: K | SkipJsonSchema[None] = None
    event_retention_days: Days | SkipJsonSchema[None] = None
    intent_retention_days: Days | SkipJsonSchema[None] = None
    aggregate_kinds: Kinds | SkipJsonSchema[None] = None
    quiet_hours: QuietHours | None = None
    quorum: Quorum | SkipJsonSchema[None] = None
    majority: Majority | SkipJsonSchema[None] = None
    voting_days: VotingDays | SkipJsonSchema[None] = None
    dp_epsilon: Epsilon | None = None
    dp_budget: Budget | SkipJsonSchema[None] = None
    admission_routes: Routes | SkipJsonSchema[None] = None
    vouches_needed: Vouches | SkipJsonSchema[None] = None
    code_valid_days: CodeDays | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _present(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                raise ValueError("change at least one rule")
            nulls = sorted(n for n in _NOT_NULL if n in data and data[n] is None)
            if nulls:
                raise ValueError(f"these rules cannot be null: {', '.join(nulls)}")
            for name in ("aggregate_kinds", "admission_routes"):
                listed = data.get(name)
                if isinstance(listed, list) and len(set(map(str, listed))) != len(listed):
                    raise ValueError(f"{name} has no repeats")
        return data

    def to_domain(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "quiet_hours":
                result["quiet_from_hour"] = value.from_hour if value else None
                result["quiet_until_hour"] = value.until_hour if value else None
            elif name in ("aggregate_kinds", "admission_routes"):
                result[name] = [k.value for k in value]
            else:
                result[name] = value
        return result


class CharterProposalIn(Strict):
    changes: ChangesIn
    rationale: Annotated[Text, Field(min_length=1)]


class Tally(BaseModel):
    yes: int
    no: int
    abstain: int
    electorate: int = Field(description="Verified neighbours of the circle when the vote closed.")


class CharterProposalOut(BaseModel):
    id: str
    circle_id: str
    member_id: str | None = Field(description="The proposer; null once they have been erased.")
    changes: dict[str, Any]
    rationale: str
    base_version: int
    quorum: float
    majority: float
    opened_at: datetime
    closes_at: datetime
    status: CharterProposalStatus
    tally: Tally | None = Field(description="Set once the vote has closed.")
    closed_at: datetime | None
    result_version: int | None


class VoteIn(Strict):
    choice: VoteChoice


class VoteOut(BaseModel):
    model_config = {"from_attributes": True}

    proposal_id: str
    member_id: str
    choice: VoteChoice
    cast_at: datetime


def _quiet(c: CharterVersion) -> QuietHours | None:
    if c.quiet_from_hour is None or c.quiet_until_hour is None:
        return None
    return QuietHours(from_hour=c.quiet_from_hour, until_hour=c.quiet_until_hour)


def charter_out(c: CharterVersion) -> CharterOut:
    fields = {n: v for n, v in c.rules().items() if not n.startswith("quiet_")}
    return CharterOut(
        **fields,
        quiet_hours=_quiet(c),
        circle_id=c.circle_id,
        version=c.version,
        proposal_id=c.proposal_id,
        created_at=c.created_at,
    )


def proposal_out(p: CharterProposal) -> CharterProposalOut:
    changes = dict(p.changes)
    if "quiet_from_hour" in changes:
        start, end = changes.pop("quiet_from_hour"), changes.pop("quiet_until_hour")
        changes["quiet_hours"] = None if start is None else {"from_hour": start, "until_hour": end}
    closed = p.status is not CharterProposalStatus.OPEN
    return CharterProposalOut(
        id=p.id,
        circle_id=p.circle_id,
        member_id=p.member_id,
        changes=changes,
        rationale=p.rationale,
        base_version=p.base_version,
        quorum=p.quorum,
        majority=p.majority,
        opened_at=p.opened_at,
        closes_at=p.closes_at,
        status=p.status,
        tally=Tally(yes=p.yes, no=p.no, abstain=p.abstain, electorate=p.electorate)
        if closed
        else None,
        closed_at=p.closed_at,
        result_version=p.result_version,
    )


@router.get("")
def current(circle_id: CircleId, services: ServicesDep, principal: PrincipalDep) -> CharterOut:
    """The charter in force."""
    return charter_out(proposals.current(services, principal, circle_id))


@router.get("/versions")
def versions(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CharterOut]:
    """Every version, oldest first, each with the proposal that made it."""
    page = proposals.versions(services, principal, circle_id, cursor, limit)
    return Page[CharterOut](
        items=[charter_out(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.post("/proposals", status_code=201, responses=responses(403, 409))
def propose(
    circle_id: CircleId, body: CharterProposalIn, services: ServicesDep, principal: PrincipalDep
) -> CharterProposalOut:
    """Propose a charter change (verified neighbours of the circle); voting opens at once.

    409 when every proposed value is already the charter's.
    """
    proposal = proposals.propose(
        services, principal, circle_id, body.changes.to_domain(), body.rationale
    )
    return proposal_out(proposal)


@router.get("/proposals")
def list_proposals(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    status: Annotated[CharterProposalStatus | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CharterProposalOut]:
    page = proposals.list_proposals(services, principal, circle_id, status, cursor, limit)
    return Page[CharterProposalOut](
        items=[proposal_out(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.get("/proposals/{proposal_id}")
def get_proposal(
    circle_id: CircleId, proposal_id: ProposalId, services: ServicesDep, principal: PrincipalDep
) -> CharterProposalOut:
    """A proposal; after its window it shows the result, even before the upkeep job ran."""
    return proposal_out(proposals.get_proposal(services, principal, circle_id, proposal_id))


@router.post("/proposals/{proposal_id}/votes", responses=responses(403, 409))
def vote(
    circle_id: CircleId,
    proposal_id: ProposalId,
    body: VoteIn,
    services: ServicesDep,
    principal: PrincipalDep,
) -> VoteOut:
    """Cast your vote, or change it while the window is open (verified neighbours)."""
    cast = proposals.vote(services, principal, circle_id, proposal_id, body.choice)
    return VoteOut.model_validate(cast)
