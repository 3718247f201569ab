"""``buurt simulate``: drive a simulated fleet of things over MQTT."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select

from buurt.cli.options import DatabaseOption, settings_with

if TYPE_CHECKING:
    from buurt.bootstrap import Buurt
    from buurt.simulator.devices import Counts

console = Console()


class Scenario(StrEnum):
    FLEET = "fleet"
    SUNNY_NOON = "sunny-noon"


def simulate(
    mqtt: Annotated[str, typer.Option("--mqtt", help="The broker: mqtt://host:port.")],
    things: Annotated[int, typer.Option("--things", min=1, max=2000, help="Fleet size.")] = 20,
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="Events per second.")] = 50.0,
    duration: Annotated[
        float | None, typer.Option("--duration", min=0.1, help="Seconds (default: until Ctrl-C).")
    ] = None,
    speed: Annotated[
        float, typer.Option("--speed", min=1, help="Simulated seconds per real second.")
    ] = 60.0,
    faulty: Annotated[
        float, typer.Option("--faulty", min=0, max=1, help="Share of out-of-range readings.")
    ] = 0.0,
    mqtt_config_dir: Annotated[
        Path | None,
        typer.Option("--mqtt-config-dir", help="The broker's files, to add the things' logins."),
    ] = None,
    db: DatabaseOption = None,
    scenario: Annotated[
        Scenario,
        typer.Option(
            "--scenario",
            help="fleet: the fleet's readings. sunny-noon: a neighbour's solar surplus starts a "
            "charger, through a gateway of this process (--mqtt then needs the gateway's "
            "login: mqtt://user:password@host).",
        ),
    ] = Scenario.FLEET,
    revoked: Annotated[
        bool,
        typer.Option("--revoked", help="sunny-noon: with the neighbour's grant revoked first."),
    ] = False,
) -> None:
    """Provision a fleet (or reuse the simulator's things) and publish its readings; or play
    a scenario."""
    from buurt.bootstrap import build
    from buurt.mqtt.broker_files import BrokerFiles
    from buurt.mqtt.url import BrokerUrl
    from buurt.simulator import devices, fleet

    if scenario is Scenario.SUNNY_NOON:
        # The scene's own gateway, as `buurt serve --mqtt` would run it: the process that
        # made the rule is the one whose matcher holds it.
        url = BrokerUrl.parse(mqtt)
        instance = build(settings_with(db, mqtt_url=mqtt, mqtt_config_dir=mqtt_config_dir))
        try:
            _sunny_noon(instance, url.host, url.port, speed, revoked)
        finally:
            instance.close()
        return
    url = BrokerUrl.parse(mqtt, login=False)
    instance = build(settings_with(db))
    try:
        with console.status(f"Provisioning {things} things…"):
            sims = fleet.provision(instance.services, things)
            if mqtt_config_dir is not None:
                files = BrokerFiles(instance.services.uow_factory, mqtt_config_dir)
                files.write()
                files.reload()
        counts = devices.Counts()
        connections = devices.connect_fleet(sims, url.host, url.port, counts)
        since = datetime.now(UTC)
        with Progress(
            TextColumn("[bold]simulating[/bold]"),
            BarColumn(),
            TextColumn("{task.fields[line]}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("fleet", total=duration, line="")

            def tick() -> None:
                elapsed = time.monotonic() - counts.started
                line = f"sent {counts.sent} · acknowledged {counts.acknowledged}"
                progress.update(
                    task,
                    completed=elapsed,
                    line=f"{line} · {counts.sent / max(elapsed, 1e-9):.0f}/s",
                )

            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the run, with a summary
                devices.drive(
                    connections, counts, rate=rate, duration=duration, speed=speed,
                    faulty=faulty, tick=tick,
                )  # fmt: skip
            tick()
        elapsed = time.monotonic() - counts.started
        _settle(counts)
        for connection in connections:
            connection.close()
        ids = [s.thing.id for s in sims]
        assert instance.database is not None  # build() always makes the SQL store
        stored, rejected = _outcome(instance.database, ids, since)
        table = Table(title=f"{things} things over {elapsed:.1f} s")
        for name in ("sent", "acknowledged", "stored", "rejected", "events/s"):
            table.add_column(name, justify="right")
        table.add_row(
            str(counts.sent), str(counts.acknowledged), str(stored), str(rejected),
            f"{counts.sent / elapsed:.0f}",
        )  # fmt: skip
        console.print(table)
        console.print(
            "[dim]acknowledged: by the broker (QoS 1). stored/rejected: what a gateway on this "
            "database has stored or dead-lettered so far.[/dim]"
        )
    finally:
        instance.close()


def _sunny_noon(instance: Buurt, host: str, port: int, speed: float, revoked: bool) -> None:
    """Play the sunny-noon scene, reading by reading, and show what the charger received."""
    from buurt.simulator import sunny_noon

    with console.status("Provisioning the inverter, the charger, the rule and the grant…"):
        scene = sunny_noon.provision(instance.services, revoked=revoked)
        instance.start_mqtt()  # the broker's files with the scene's logins, and the gateway
    threshold = sunny_noon.THRESHOLD_W
    console.print(
        f"[bold]Sunny noon[/bold]: {scene.inverter.thing.name} → {scene.charger.thing.name}, "
        f"rule power_w >= {threshold}, the neighbour's grant "
        + ("[yellow]revoked[/yellow]" if revoked else "[green]live[/green]")
    )

    def reading(at: datetime, watts: int) -> None:
        mark = "[green]above the rule[/green]" if watts >= threshold else "[dim]below[/dim]"
        console.print(f"  {at:%H:%M} UTC  {watts:>5} W  {mark}", highlight=False)

    played = sunny_noon.play(scene, host, port, speed=speed, on_reading=reading)
    started = [c for c in played.commands if c.get("command") == "start_charging"]
    table = Table(title="What the charger received")
    for name in ("readings sent", f"at or above {threshold} W", "start_charging commands"):
        table.add_column(name, justify="right")
    above = sum(1 for _, watts in played.readings if watts >= threshold)
    table.add_row(str(len(played.readings)), str(above), str(len(started)))
    console.print(table)
    if started:
        because = started[0].get("args", {}).get("because", {}).get("reason", "")
        console.print(f"[green]The charger started charging[/green], because: {because}")
    elif revoked:
        console.print("The charger received nothing, as it should: the grant is revoked.")
    else:
        console.print(
            "[yellow]The charger received nothing.[/yellow] Does the broker let the gateway "
            "log in (--mqtt-config-dir)?"
        )


def _settle(counts: Counts, within: float = 5) -> None:
    """Give the broker a moment to acknowledge what is in flight."""
    deadline = time.monotonic() + within
    while counts.acknowledged < counts.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # and the gateway a moment to commit the last batch


def _outcome(engine: Engine, thing_ids: list[str], since: datetime) -> tuple[int, int]:
    from buurt.adapters.store.tables import events
    from buurt.adapters.store.tables_ingest import rejected_events

    with engine.connect() as connection:
        stored = connection.scalar(
            select(func.count())
            .select_from(events)
            .where(events.c.source_id.in_(thing_ids), events.c.received_at >= since)
        )
        rejected = connection.scalar(
            select(func.count())
            .select_from(rejected_events)
            .where(
                rejected_events.c.thing_id.in_(thing_ids), rejected_events.c.received_at >= since
            )
        )
    return int(stored or 0), int(rejected or 0)
