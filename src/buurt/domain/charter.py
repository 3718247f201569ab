"""The circle charter: a circle's data rules, versioned, changed only by a vote of its members.

A charter version holds every rule at once (k for aggregates, retention, what businesses may
see in aggregate, quiet hours, quorum and majority, the voting window, differential privacy,
and the admission policy: the routes by which members become verified neighbours, how many
vouches a newcomer needs, how long an admission code lasts).
A member opens a proposal with changes; members vote ``yes``, ``no`` or ``abstain`` until the
window closes; then the proposal passes (a new version) or is rejected, by the quorum and
majority of the version in force when it was opened.

    open ──> passed    (a new charter version records the proposal id)
      └────> rejected  (the tally is kept)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from buurt.domain.admission import AdmissionRoute
from buurt.domain.errors import InvalidInput


class AggregateKind(StrEnum):
    """What businesses may count in aggregate, if the charter allows it."""

    INTENTS = "intents"
    MOMENTS = "moments"


class CharterProposalStatus(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    REJECTED = "rejected"


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@dataclass
class CharterVersion:
    """One version of a circle's charter; version 1 holds the defaults."""

    id: str
    circle_id: str
    version: int
    created_at: datetime
    k: int = 10
    event_retention_days: int = 365
    intent_retention_days: int = 90
    aggregate_kinds: list[str] = field(default_factory=lambda: [k.value for k in AggregateKind])
    quiet_from_hour: int | None = None
    quiet_until_hour: int | None = None
    quorum: float = 0.3
    majority: float = 0.5
    voting_days: int = 7
    dp_epsilon: float | None = None
    dp_budget: float = 10.0
    admission_routes: list[str] = field(default_factory=lambda: [r.value for r in AdmissionRoute])
    vouches_needed: int = 3
    code_valid_days: int = 30
    proposal_id: str | None = None

    def rules(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in RULES}

    def allows(self, kind: AggregateKind) -> bool:
        return kind.value in self.aggregate_kinds

    def successor(
        self, ident: str, changes: Mapping[str, Any], proposal_id: str, at: datetime
    ) -> CharterVersion:
        """The next version: these rules with ``changes`` applied, made by ``proposal_id``."""
        return dataclasses.replace(
            self,
            id=ident,
            version=self.version + 1,
            created_at=at,
            proposal_id=proposal_id,
            **check_changes(changes),
        )


RULES = (
    "k",
    "event_retention_days",
    "intent_retention_days",
    "aggregate_kinds",
    "quiet_from_hour",
    "quiet_until_hour",
    "quorum",
    "majority",
    "voting_days",
    "dp_epsilon",
    "dp_budget",
    "admission_routes",
    "vouches_needed",
    "code_valid_days",
)


def _number(name: str, value: Any, low: float, high: float, *, whole: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{name} must be a number", f"changes.{name}")
    if whole and value != int(value):
        raise InvalidInput(f"{name} must be a whole number", f"changes.{name}")
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low:g} and {high:g}", f"changes.{name}")
    return int(value) if whole else float(value)


# name -> (low, high, whole number, may be null)
_BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "k": (2, 1000, True, False),
    "event_retention_days": (1, 3650, True, False),
    "intent_retention_days": (1, 3650, True, False),
    "quiet_from_hour": (0, 23, True, True),
    "quiet_until_hour": (0, 23, True, True),
    "quorum": (0.01, 1, False, False),
    "majority": (0.5, 0.99, False, False),
    "voting_days": (1, 90, True, False),
    "dp_epsilon": (0.01, 10, False, True),
    "dp_budget": (0.1, 1000, False, False),
    "vouches_needed": (1, 20, True, False),
    "code_valid_days": (1, 365, True, False),
}


def check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validated rule changes; unknown rules and out-of-range values are refused."""
    if not changes:
        raise InvalidInput("a proposal changes at least one rule", "changes")
    result: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "aggregate_kinds":
            result[name] = _kinds(value)
            continue
        if name == "admission_routes":
            result[name] = _routes(value)
            continue
        if name not in _BOUNDS:
            raise InvalidInput(f"{name!r} is not a charter rule", "changes")
        low, high, whole, nullable = _BOUNDS[name]
        if value is None and nullable:
            result[name] = None
        else:
            result[name] = _number(name, value, low, high, whole=whole)
    quiet = ("quiet_from_hour", "quiet_until_hour")
    if any(n in result for n in quiet) and not all(n in result for n in quiet):
        raise InvalidInput("quiet hours change as a pair: quiet_from_hour and quiet_until_hour")
    if (result.get("quiet_from_hour") is None) != (result.get("quiet_until_hour") is None):
        raise InvalidInput("quiet hours are both set or both null")
    return result


def _kinds(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("aggregate_kinds is a list of kinds", "changes.aggregate_kinds")
    allowed = {k.value for k in AggregateKind}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(f"unknown aggregate kinds: {unknown}", "changes.aggregate_kinds")
    return sorted(set(value))


def _routes(value: Any) -> list[str]:
    """The admission routes on offer; an empty list closes the circle to newcomers."""
    where = "changes.admission_routes"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("admission_routes is a list of routes", where)
    unknown = sorted(set(value) - {r.value for r in AdmissionRoute})
    if unknown:
        raise InvalidInput(f"unknown admission routes: {unknown}", where)
    order = [r.value for r in AdmissionRoute]
    return sorted(set(value), key=order.index)


@dataclass
class CharterProposal:
    """A proposed charter change, open for votes until ``closes_at``."""

    id: str
    circle_id: str
    member_id: str | None  # None once the proposer is erased
    changes: dict[str, Any]
    rationale: str
    base_version: int
    quorum: float
    majority: float
    opened_at: datetime
    closes_at: datetime
    status: CharterProposalStatus = CharterProposalStatus.OPEN
    yes: int = 0
    no: int = 0
    abstain: int = 0
    electorate: int = 0
    closed_at: datetime | None = None
    result_version: int | None = None

    @classmethod
    def open(
        cls,
        ident: str,
        charter: CharterVersion,
        member_id: str,
        changes: Mapping[str, Any],
        rationale: str,
        at: datetime,
    ) -> CharterProposal:
        return cls(
            ident,
            charter.circle_id,
            member_id,
            check_changes(changes),
            rationale,
            charter.version,
            charter.quorum,
            charter.majority,
            at,
            at + timedelta(days=charter.voting_days),
        )

    def is_due(self, at: datetime) -> bool:
        return self.status is CharterProposalStatus.OPEN and at >= self.closes_at

    def close(self, choices: Iterable[VoteChoice], electorate: int, at: datetime) -> bool:
        """Count the votes against the quorum and majority fixed at opening; True if passed.

        Quorum: votes cast (abstentions included) over the electorate: the circle's verified
        neighbours at closing time.
        Majority: ``yes`` must be more than ``majority`` of ``yes + no``.
        """
        cast = list(choices)
        self.yes = cast.count(VoteChoice.YES)
        self.no = cast.count(VoteChoice.NO)
        self.abstain = cast.count(VoteChoice.ABSTAIN)
        self.electorate = electorate
        self.closed_at = at
        turnout_ok = electorate > 0 and len(cast) >= self.quorum * electorate
        decided = self.yes + self.no
        passed = turnout_ok and decided > 0 and self.yes > self.majority * decided
        self.status = CharterProposalStatus.PASSED if passed else CharterProposalStatus.REJECTED
        return passed


@dataclass
class CharterVote:
    """One member's vote on one proposal; changed in place until the window closes."""

    id: str
    proposal_id: str
    member_id: str
    choice: VoteChoice
    cast_at: datetime
