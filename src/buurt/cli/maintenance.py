"""``buurt maintenance``: apply each circle's retention rules, close due charter proposals and
settle campaigns past their deadline, sweep image files whose row never committed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from buurt.bootstrap import build
from buurt.cli.options import DatabaseOption, settings_with
from buurt.services.charter.retention import Upkeep, run_upkeep
from buurt.services.cocreation import images
from buurt.services.commerce.reservations import expire_due

console = Console()
NowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        metavar="ISO-8601",
        help="Act as if it were this instant (ISO 8601; UTC when no offset is given).",
    ),
]


def maintenance(db: DatabaseOption = None, now: NowOption = None) -> None:
    """Delete events and intents older than each circle's charter allows; close due proposals;
    let reservations whose time ran out expire."""
    at = None if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    instance = build(settings_with(db))
    try:
        expired = expire_due(instance.services, at)
        upkeep = run_upkeep(instance.services, at)
        images.sweep(instance.services, instance.media)
    finally:
        instance.close()
    render(upkeep)
    console.print(f"Expired {expired} reservations.")


def render(upkeep: Upkeep) -> None:
    table = Table(title=f"Retention at {upkeep.at.isoformat(timespec='seconds')}")
    table.add_column("circle", overflow="fold")
    for column in ("events deleted", "older than", "intents deleted", "older than"):
        table.add_column(column, justify="right")
    for purged in upkeep.purged:
        table.add_row(
            purged.circle_name,
            str(purged.events),
            purged.events_before.date().isoformat() if purged.events_before else "-",
            str(purged.intents),
            purged.intents_before.date().isoformat() if purged.intents_before else "-",
        )
    console.print(table)
    events = sum(p.events for p in upkeep.purged)
    intents = sum(p.intents for p in upkeep.purged)
    console.print(f"Deleted {events} events and {intents} intents in {len(upkeep.purged)} circles.")
    for settled in upkeep.settled:
        outcome = "succeeded" if settled.succeeded else "failed"
        console.print(
            f"Campaign {settled.id}: [bold]{outcome}[/bold] "
            f"({settled.pledges} pledges, {settled.units} units)"
        )
    for proposal in upkeep.closed:
        console.print(
            f"Proposal {proposal.id} in {proposal.circle_id}: [bold]{proposal.status}[/bold] "
            f"(yes {proposal.yes}, no {proposal.no}, abstain {proposal.abstain} "
            f"of {proposal.electorate})"
        )
    if not upkeep.closed:
        console.print("No charter proposals were due.")
