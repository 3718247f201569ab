"""The tables ``buurt bench load`` prints from the figures of ``bench.load.run``."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

_NAMES = {
    "throughput_2_over_1_worker": "2 workers' events/s over 1 worker's",
    "per_worker_events_per_cpu_s_2_over_1": "events per CPU-second per worker, 2 over 1",
    "embedded_idle_p50_over_bench_delivery": "embedded idle p50 over bench delivery's p50",
}


def _configurations(figures: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [("embedded", figures["embedded"])]
    for name, row in figures.get("distributed", {}).items():
        count = int(name.removeprefix("workers_"))
        rows.append((f"distributed, {count} worker{'s' if count > 1 else ''}", row))
    return rows


def tables(figures: dict[str, Any]) -> list[RenderableType]:
    main = Table(
        title=f"Load: {figures['events']:,} events over {figures['circles']} circles, HTTP and "
        "MQTT in, stored, matched, delivered over SSE"
    )
    columns = ("configuration", "events/s", "p50 ms", "p99 ms", "at /s", "flood p99",
               "idle p50", "delivered", "ev/CPU-s")  # fmt: skip
    for column in columns:
        main.add_column(column, justify="left" if column == "configuration" else "right")
    processes = Table(title="CPU per process over the flood")
    for column in ("configuration", "process", "CPU s", "events", "events/CPU-s"):
        processes.add_column(column, justify="left" if column in columns[:1] else "right")
    for label, row in _configurations(figures):
        main.add_row(
            label, f"{row['events_per_s']:,.0f}", f"{row['p50_ms']:.1f}", f"{row['p99_ms']:.1f}",
            f"{row['paced']['events_per_s']:,.0f}", f"{row['flood_p99_ms']:,.0f}",
            f"{row['idle_p50_ms']:.1f}", f"{row['delivered']:,} of {row['published']:,}",
            f"{row['events_per_cpu_s']:,.0f}",
        )  # fmt: skip
        for name, p in row["processes"].items():
            processes.add_row(label, name, f"{p['cpu_s']:.2f}", f"{p['events']:,}",
                              f"{p['events_per_cpu_s']:,.0f}")  # fmt: skip
    main.caption = (
        "events/s: a flood, as fast as the server answers. p50, p99 (ms): at half that rate "
        "(at /s). flood p99, idle p50 (ms): in the flood, and one event at a time. "
        "ev/CPU-s: events per CPU-second per worker (their mean) where workers match, else "
        "per buurt serve. embedded: one buurt serve, SQLite, in-process bus; "
        "distributed: one buurt serve, PostgreSQL, NATS JetStream, engine workers."
    )
    paths = Table(title="Latency by the way in, at half the flood's rate")
    for column in ("configuration", "way in", "delivered", "p50 ms", "p99 ms"):
        paths.add_column(
            column, justify="left" if column in ("configuration", "way in") else "right"
        )
    for label, row in _configurations(figures):
        for way in ("http", "mqtt"):
            f = row[way]
            if f["published"]:
                paths.add_row(label, way.upper(), f"{f['delivered']:,} of {f['published']:,}",
                              f"{f['p50_ms']:.1f}", f"{f['p99_ms']:.1f}")  # fmt: skip
    out: list[RenderableType] = [main, paths, processes]
    for note in figures.get("notes", []):
        out.append(Text(note, style="yellow"))
    if "skipped" in figures:
        out.append(Text(f"Skipped {figures['skipped']}.", style="yellow"))
    out += _baselines(figures.get("baselines"))
    if figures["targets"]:
        marks = Table(title="Targets (marks, not assertions)")
        for column in ("target", "ratio", "goal", "mark"):
            marks.add_column(column, justify="left" if column == "target" else "right")
        for key, mark in figures["targets"].items():
            marks.add_row(_NAMES.get(key, key), f"{mark['ratio']:.2f}", mark["target"],
                          "[green]pass[/green]" if mark["pass"] else "[red]FAIL[/red]")  # fmt: skip
        out.append(marks)
    out += _projection(figures.get("projection"))
    return out


def _projection(projected: dict[str, Any] | None) -> list[RenderableType]:
    if not projected:
        return []
    table = Table(title="Projection of the matching tier, a core per worker (docs/operations.md)")
    for column in ("workers", "stream events/s", "events/CPU-s per worker", "speedup over 1"):
        table.add_column(column, justify="right")
    for name, row in projected.items():
        if name.startswith("workers_"):
            table.add_row(name.removeprefix("workers_"), f"{row['events_per_s']:,.0f}",
                          f"{row['events_per_cpu_s']:,.0f}", f"{row['speedup']:.2f}x")  # fmt: skip
    ceiling = projected["ceiling_events_per_s"]
    table.caption = (
        f"a = {projected['a_ms']} ms per event matched, b = {projected['b_ms']} ms per event "
        f"of the stream followed; ceiling 1/b = {f'{ceiling:,.0f}' if ceiling else '-'} events/s"
    )
    return [table]


def _baselines(baselines: dict[str, Any] | None) -> list[RenderableType]:
    if not baselines:
        return []
    table = Table(title="The same sitting: bench delivery and bench ingest (small runs)")
    for column in ("bench", "path", "events/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="left" if column in ("bench", "path") else "right")
    end_to_end = baselines["delivery"]["end_to_end"]
    table.add_row("delivery", "publication → moment, one at a time", "",
                  f"{end_to_end['p50_ms']:.1f}", f"{end_to_end['p99_ms']:.1f}")  # fmt: skip
    ingest = baselines.get("ingest", {})
    if "skipped" in ingest:
        table.add_row("ingest", f"skipped: {ingest['skipped']}", "", "", "")
    for path, f in ingest.items():
        if path != "skipped":
            table.add_row("ingest", path, f"{f['events_per_s']:,.0f}", f"{f['p50_ms']:.1f}",
                          f"{f['p99_ms']:.1f}")  # fmt: skip
    return [table]
