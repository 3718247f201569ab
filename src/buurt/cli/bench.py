"""``buurt bench``: measure on demand, with the peers side by side."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buurt.adapters.store import DatabaseError, check_reachable, create_database_engine, libpq_url
from buurt.cli.errors import from_database
from buurt.cli.options import command_group

app = command_group("Measure Buurt's speed on reproducible workloads, next to its peers.")


Step = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


def _progress(as_json: bool) -> tuple[Console, Progress, Step]:
    """The console, a progress display, and the ``step(description, total)`` the benchmarks
    report through. With --json the progress goes to stderr, so stdout holds the JSON alone."""
    console = Console(stderr=as_json)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=as_json,
    )  # fmt: skip

    @contextmanager
    def step(description: str, total: int) -> Iterator[Callable[[int], None]]:
        task = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task, advance)
        progress.update(task, completed=total)

    return console, progress, step


@app.callback()
def bench() -> None:
    """Measure Buurt's speed on reproducible workloads, next to its peers."""


@app.command()
def engine(
    subscriptions: Annotated[int, typer.Option(min=1, help="Standing subscriptions.")] = 100_000,
    events: Annotated[int, typer.Option(min=1, help="Events to match.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the generated city.")] = 42,
    postgis: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="PostgreSQL (postgresql://...) to run the PostGIS peer against."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cpu_clock: Annotated[
        bool,
        typer.Option(
            "--cpu-clock",
            help="Time by this thread's CPU time instead of the wall clock (shared machines; "
            "PostGIS stays on the wall clock).",
        ),
    ] = False,
) -> None:
    """Match events against subscriptions: the engine alone, through the relevance gate,
    while subscriptions change; then SQLite R*Tree, shapely STRtree and PostGIS."""
    from buurt.bench.engine_bench import run

    if postgis:
        postgis = _postgis_url(postgis)
    console, progress, step = _progress(as_json)
    with progress:
        figures = run(subscriptions, events, seed, postgis, step, cpu_clock=cpu_clock)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    console.print(_table(figures))


def _postgis_url(url: str) -> str:
    """``--postgis`` takes the URL forms ``--db`` takes; answers it as psycopg reads it, once
    the server has answered a connection."""
    option = "--postgis"
    try:
        engine = create_database_engine(url)
        try:
            check_reachable(engine)
        finally:
            engine.dispose()
        return libpq_url(url)
    except DatabaseError as error:
        raise from_database(error, option) from None


def _table(figures: dict[str, Any]) -> Table:
    engine = figures["engine"]
    table = Table(
        title=f"Engine: {figures['subscriptions']:,} subscriptions, {figures['events']:,} "
        f"events, {figures['matches_per_event']} matches per event"
    )
    for column in ("what", "events/s", "p50 µs", "p99 µs", "vs engine", "same answers"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for name, label in (("matching", "engine: matching"), ("end_to_end", "engine: end to end")):
        row = engine[name]
        table.add_row(label, f"{row['events_per_s']:,.0f}", f"{row['p50_us']:.0f}",
                      f"{row['p99_us']:.0f}", "", "")  # fmt: skip
    for name, peer in figures["peers"].items():
        table.add_row(name, f"{peer['events_per_s']:,.0f}", "", "", f"{peer['ratio']}x slower",
                      "yes" if peer["agrees"] else "NO")  # fmt: skip
    table.caption = (
        f"build {engine['build_s']} s · {engine['bytes_per_subscription']:,.0f} bytes per "
        f"subscription · {engine['changes_per_s']:,.0f} changes/s while matching"
    )
    return table


@app.command()
def delivery(
    events: Annotated[int, typer.Option(min=1, help="Events to publish.")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Publication over HTTP to moment over Server-Sent Events on the embedded default,
    next to a plain publish round trip on the same server."""
    from buurt.bench.delivery import run

    console, progress, step = _progress(as_json)
    with progress:
        figures = run(events, step)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    table = Table(title=f"Delivery: {figures['delivered']} of {figures['events']} moments")
    for column in ("path", "p50 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    rows = [("publication → moment (HTTP in, SSE out)", figures["end_to_end"])]
    rows.append(("peer: plain publish round trip", figures["peers"]["plain_publish"]))
    for name, f in rows:
        table.add_row(name, f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}", f"{f['mean_ms']:.2f}")
    console.print(table)


@app.command("ingest")
def ingest(
    events: Annotated[
        int, typer.Option("--events", min=100, help="Events per measurement.")
    ] = 20_000,
    things: Annotated[int, typer.Option("--things", min=1, max=100, help="Publishing things.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")] = False,
) -> None:
    """Events/s and latency from a thing to the store, over MQTT (clean, and with 1% poison
    payloads) and HTTP, beside a mosquitto_sub peer (a Mosquitto and SQLite are started for
    the run)."""
    from buurt.bench import ingest as bench

    with Console(stderr=as_json).status(
        f"Measuring {events} events over MQTT and HTTP…", spinner="dots"
    ):
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
    Console().print(table)
    for f in figures:
        if (ratio := bench.ratio_to_clean(figures, f)) is not None:
            cpu = bench.ratio_to_clean(figures, f, per_cpu=True)
            Console().print(
                f"{f.name}: {ratio:.2f}x the clean events/s of the same run (goal: at least "
                f"0.90x), {cpu or 0:.2f}x its events per CPU second"
            )
    Console().print(
        "[dim]events/s: a flood, first hand-off to last commit. latency: at 500 events/s, "
        "from hand-off to the publisher (or the HTTP request) to commit. events/CPU-s: per "
        "CPU second of this process, steadier than events/s on a busy machine.[/dim]"
    )
