"""``buurt bench``: measurements on demand, each with a peer measured in the same run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Benchmarks, each with a peer side by side.", no_args_is_help=True)
console = Console()


@app.command("ingest")
def ingest(
    events: Annotated[
        int, typer.Option("--events", min=100, help="Events per measurement.")
    ] = 20_000,
    things: Annotated[int, typer.Option("--things", min=1, max=100, help="Publishing things.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")] = False,
) -> None:
    """Events/s and latency from a thing to the store, over MQTT and HTTP, beside a
    mosquitto_sub peer (a Mosquitto and SQLite are started for the run)."""
    from buurt.simulator import bench

    with console.status(f"Measuring {events} events over MQTT and HTTP…", spinner="dots"):
        figures = bench.run(events, things)
    if as_json:
        typer.echo(bench.as_json(figures))
        return
    peer = figures[0].per_second
    table = Table(title=f"Ingestion of {events} events ({things} things, SQLite synchronous=FULL)")
    for column in ("path", "events/s", "vs peer", "events/CPU-s", "p50 ms", "p99 ms", "seconds"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for f in figures:
        table.add_row(
            f.name, f"{f.per_second:,.0f}", f"{f.per_second / peer:.2f}",
            f"{f.per_cpu_second:,.0f}" if f.per_cpu_second else "-",
            f"{f.p50_ms:.1f}", f"{f.p99_ms:.1f}", f"{f.seconds:.2f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "[dim]events/s: a flood, first hand-off to last commit. latency: at 500 events/s, "
        "from hand-off to the publisher (or the HTTP request) to commit. events/CPU-s: per "
        "CPU second of this process, steadier than events/s on a busy machine.[/dim]"
    )
