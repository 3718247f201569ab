"""The tables the ``buurt bench`` commands print from their benchmarks' figures (``bench load``
has its own, in ``load_report``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

if TYPE_CHECKING:  # the pages benchmark imports the web app: only when it runs
    from buurt.bench.pages import PageFigures


def engine_table(figures: dict[str, Any]) -> Table:
    """``bench engine``: the engine's rows, then each peer's."""
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


def delivery_table(figures: dict[str, Any]) -> Table:
    """``bench delivery``: publication to moment, beside a plain publish round trip."""
    table = Table(title=f"Delivery: {figures['delivered']} of {figures['events']} moments")
    for column in ("path", "p50 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    rows = [("publication → moment (HTTP in, SSE out)", figures["end_to_end"])]
    rows.append(("peer: plain publish round trip", figures["peers"]["plain_publish"]))
    for name, f in rows:
        table.add_row(name, f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}", f"{f['mean_ms']:.2f}")
    return table


def crash_table(rounds: int, figures: dict[str, Any]) -> Table:
    """``bench crash``: what was acknowledged, stored and lost over the kills."""
    table = Table(title=f"{rounds} SIGKILLs of buurt serve under load (SQLite)")
    for column in ("acknowledged", "stored", "lost", "cut off unanswered", "restart p50 s"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{figures['acknowledged']:,}", f"{figures['stored']:,}", str(figures["lost"]),
        str(figures["unanswered"]), f"{figures['restart_s']['p50']:.2f}",
    )  # fmt: skip
    return table


def stock_table(figures: dict[str, Any]) -> Table:
    """``bench stock``: Buurt's nearest-stock queries, then each peer's, with the answers."""
    table = Table(
        title=f"Nearest stock: {figures['rows']:,} rows at {figures['sites']:,} sites, "
        f"{figures['found_per_query']} of {figures['limit']} sites found per query"
    )
    for column in ("what", "queries/s", "p50 µs", "p99 µs", "Buurt is", "same answers"):
        table.add_column(column, justify="left" if column == "what" else "right")
    mine = figures["buurt"]
    table.add_row("buurt", f"{mine['queries_per_s']:,.0f}", f"{mine['p50_us']:.0f}",
                  f"{mine['p99_us']:.0f}", "", "")  # fmt: skip
    for name, peer in figures["peers"].items():
        table.add_row(name, f"{peer['queries_per_s']:,.0f}", f"{peer['p50_us']:.0f}",
                      f"{peer['p99_us']:.0f}", f"{peer['ratio']}x faster",
                      "yes" if peer["agrees"] else f"NO ({peer['agreement']:.1%})")  # fmt: skip
    table.caption = f"index built in {mine['build_s']} s"
    return table


def reserve_table(units: int, attempts: int, figures: dict[str, Any]) -> Table:
    """``bench reserve``: reservations per second for each store, and whether it oversold."""
    table = Table(title=f"Reservations under contention: {attempts:,} tries at {units:,} units")
    for column in ("store", "tries/s", "made/s", "made", "p50 ms", "p99 ms", "oversold"):
        table.add_column(column, justify="left" if column == "store" else "right")
    for name, f in figures["stores"].items():
        table.add_row(name, f"{f['attempts_per_s']:,.0f}", f"{f['reservations_per_s']:,.0f}",
                      f"{f['made']:,}", f"{f['p50_ms']:.1f}", f"{f['p99_ms']:.1f}",
                      "YES" if f["oversold"] else "no")  # fmt: skip
    return table


def pages_json(figures: dict[str, PageFigures]) -> dict[str, Any]:
    """``bench pages --json``: each page's figures, and the targets."""
    from buurt.bench.pages import TARGET_BYTES, TARGET_P99_MS

    return {"pages": {name: {"path": f.path, "p50_ms": round(f.p50_ms, 2),
                             "p99_ms": round(f.p99_ms, 2), "bytes": f.bytes, **(
                                 {"lighthouse": f.lighthouse} if f.lighthouse else {})}
                      for name, f in figures.items()},
            "targets": {"p99_ms": TARGET_P99_MS, "bytes": TARGET_BYTES}}  # fmt: skip


def pages_table(requests: int, figures: dict[str, PageFigures], scored: bool) -> Table:
    """``bench pages``: each page's render time and weight against the targets; ``scored``
    adds its Lighthouse scores."""
    from buurt.bench.pages import TARGET_BYTES, TARGET_P99_MS

    table = Table(title=f"Pages on the demo's data, {requests} requests each")
    columns = ["page", "p50 ms", "p99 ms", "vs 30 ms", "KB", "vs 150 KB"]
    if scored:
        columns += ["performance", "accessibility"]
    for column in columns:
        table.add_column(column, justify="left" if column == "page" else "right")
    for f in figures.values():
        row = [f.path, f"{f.p50_ms:.1f}", f"{f.p99_ms:.1f}", f"{f.p99_ms / TARGET_P99_MS:.2f}x",
               f"{f.bytes / 1024:.0f}", f"{f.bytes / TARGET_BYTES:.2f}x"]  # fmt: skip
        if scored:
            row += [str(f.lighthouse.get("performance", "")),
                    str(f.lighthouse.get("accessibility", ""))]  # fmt: skip
        table.add_row(*row)
    return table
