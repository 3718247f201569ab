"""``buurt bench``: measure on demand, with the peers side by side."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from buurt.adapters.store import DatabaseError, check_reachable, create_database_engine, libpq_url
from buurt.bench import reports
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
    console.print(reports.engine_table(figures))


def _postgis_url(url: str) -> str:
    """``--postgis`` takes the URL forms ``--db`` takes; answers it as psycopg reads it, once
    the server has answered a connection."""
    reachable = _reachable(url, "--postgis")
    try:
        return libpq_url(reachable)
    except DatabaseError as error:  # a URL of another database: the option is named
        raise from_database(error, "--postgis") from None


def _reachable(url: str, option: str) -> str:
    """``url``, once the database behind it has answered a connection."""
    try:
        engine = create_database_engine(url)
        try:
            check_reachable(engine)
        finally:
            engine.dispose()
        return url
    except DatabaseError as error:
        raise from_database(error, option) from None


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
    console.print(reports.delivery_table(figures))


@app.command()
def crash(
    rounds: Annotated[int, typer.Option(min=1, max=1000, help="Kills, one a round.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """SIGKILL the embedded default under load, round after round, and count the events it
    had acknowledged that are not stored (must be 0)."""
    from buurt.bench.crash import run

    console, progress, step = _progress(as_json)
    with progress:
        figures = run(rounds, step)
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        console.print(reports.crash_table(rounds, figures))
    if figures["lost"]:
        raise typer.Exit(1)


@app.command()
def stock(
    rows: Annotated[int, typer.Option(min=1, help="Stock rows.")] = 1_000_000,
    sites: Annotated[int, typer.Option(min=1, help="Sites they are spread over.")] = 10_000,
    queries: Annotated[int, typer.Option(min=10, help="Nearest-stock queries.")] = 5_000,
    seed: Annotated[int, typer.Option(help="Seed of the generated city.")] = 42,
    postgis: Annotated[
        str | None, typer.Option(help="PostgreSQL URL to run the PostGIS peer against.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cpu_clock: Annotated[
        bool,
        typer.Option(
            "--cpu-clock",
            help="Time Buurt and SQLite by this thread's CPU time (shared machines; "
            "PostGIS stays on the wall clock).",
        ),
    ] = False,
) -> None:
    """Nearest sites with stock: Buurt's index beside SQLite R*Tree and PostGIS KNN, with
    the answers compared."""
    from buurt.bench.stock_bench import run

    console, progress, step = _progress(as_json)
    with progress:
        figures = run(rows, sites, queries, seed, postgis, step, cpu_clock=cpu_clock)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    console.print(reports.stock_table(figures))


@app.command()
def reserve(
    units: Annotated[int, typer.Option(min=1, help="Units of the one stock.")] = 500,
    attempts: Annotated[int, typer.Option(min=1, help="Reservations tried, 1 unit each.")] = 2_000,
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Threads reserving at once, each its own connection.")
    ] = 8,
    postgresql: Annotated[
        str | None,
        typer.Option(help="URL of a scratch PostgreSQL database for the second store."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Reservations per second under contention for one stock, on SQLite and PostgreSQL,
    checking that exactly as many were made as there were units."""
    from buurt.bench.reserve_bench import run

    console, progress, step = _progress(as_json)
    with progress:
        figures = run(units, attempts, threads, postgresql, step)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    console.print(reports.reserve_table(units, attempts, figures))


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


@app.command()
def pages(
    requests: Annotated[int, typer.Option(min=5, help="Timed requests per page.")] = 200,
    lighthouse: Annotated[
        Path | None,
        typer.Option(
            help="A Lighthouse 12.2.3 binary (node_modules/.bin/lighthouse) to score "
            "each page with, in Debian's Chromium."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Each main page's server render time on the demo's data and its weight on a first
    visit, against the targets (p99 30 ms, 150 KB); with --lighthouse, its scores."""
    from buurt.bench.pages import run

    console, progress, step = _progress(as_json)
    with progress:
        figures = run(requests, step, lighthouse)
    if as_json:
        out = reports.pages_json(figures)
        typer.echo(json.dumps(out))
        return
    console.print(reports.pages_table(requests, figures, scored=lighthouse is not None))


@app.command()
def load(
    events: Annotated[int, typer.Option(min=10, help="Events per configuration.")] = 2_000,
    circles: Annotated[
        int, typer.Option(min=2, help="Circles, a reader and a publisher each (made even).")
    ] = 4,
    postgresql: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="A scratch PostgreSQL + PostGIS database for the distributed runs (without "
            "it only the embedded default runs).",
        ),
    ] = None,
    nats: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="NATS JetStream to use (default: start the wheel's nats-server)."
        ),
    ] = None,
    mqtt_share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of the events sent over MQTT (a Mosquitto is started)."
        ),
    ] = 0.25,
    baselines: Annotated[
        bool,
        typer.Option(help="Also run small `bench delivery` and `bench ingest` for the ratios."),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """HTTP and MQTT in, stored, matched, delivered over SSE: the embedded default, and
    PostgreSQL + NATS JetStream with 1 and 2 engine workers, with events per CPU-second per
    process."""
    from buurt.bench.load import run
    from buurt.bench.load_report import tables

    if postgresql:
        postgresql = _reachable(postgresql, "--postgresql")
    console, progress, step = _progress(as_json)
    try:
        with progress:
            figures = run(
                events, circles, postgresql, nats, step, baselines=baselines, mqtt_share=mqtt_share
            )
    except (RuntimeError, TimeoutError) as error:  # a process it started did not come up
        console.print(f"[red]bench load: {error}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for table in tables(figures):
        console.print(table)
