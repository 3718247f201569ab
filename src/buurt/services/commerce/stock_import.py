"""Importing a business's stock from CSV: every row checked, all or nothing unless asked.

The header names the columns: ``site_id``, ``item``, ``category``, ``quantity`` and
``price`` are required, ``available_from`` (ISO 8601 with an offset) is optional. An item is
found by its name within the business, or made; a stock row is found by item and site, or
made. Each row's problems are reported with its line number (the header is line 1). With
``partial`` off (the default) one bad row means nothing is written; with it on, the good rows
are written and the bad ones reported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from buurt.domain.community import Site
from buurt.domain.errors import DomainError, InvalidInput, InvalidRows
from buurt.domain.ids import new_id
from buurt.domain.stock import Item, Stock, check_category, check_price, check_quantity
from buurt.services.commerce.stock import announce, commit_checked, own_business
from buurt.services.context import Services
from buurt.services.principals import Principal

REQUIRED = ("site_id", "item", "category", "quantity", "price")
OPTIONAL = ("available_from",)
MAX_ROWS = 10_000


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    """What an import did: rows read, stock made and changed, and each bad row's problem."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False


@dataclass(frozen=True)
class _Row:
    line: int
    site_id: str
    item: str
    category: str
    quantity: int
    price: float
    available_from: datetime | None


def import_stock(
    services: Services, principal: Principal, business_id: str, text: str, *, partial: bool = False
) -> ImportReport:
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"the header lacks {', '.join(missing)}", "header")
    unknown = [c for c in reader.fieldnames or [] if c not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise InvalidInput(f"unknown columns: {', '.join(unknown)}", "header")
    with services.uow() as uow:
        own_business(uow, principal, business_id)
        sites = {s.id for s in uow.repo(Site).find(business_id=business_id)}
        rows = _parse(reader, sites, report)
        if report.problems and not partial:
            raise InvalidRows(
                f"{len(report.problems)} problems in the file; nothing was imported",
                [(f"line {p.line}: {p.field}", p.reason) for p in report.problems],
            )
        items = {i.name: i for i in uow.repo(Item).find(business_id=business_id)}
        stock = {(s.item_id, s.site_id): s for s in uow.repo(Stock).find(business_id=business_id)}
        now = services.clock.now()
        touched: list[str] = []
        for row in rows:
            item = items.get(row.item)
            if item is None:
                item = items[row.item] = Item(
                    new_id("item"), business_id, row.item, row.category, now
                )
                uow.repo(Item).add(item)
            current = stock.get((item.id, row.site_id))
            if current is None:
                current = stock[item.id, row.site_id] = Stock(
                    new_id("stock"), business_id, item.id, row.site_id, item.category,
                    row.quantity, row.price, now, now, available_from=row.available_from,
                )  # fmt: skip
                uow.repo(Stock).add(current)
                report.created += 1
            elif current.held > row.quantity:
                report.problems.append(
                    RowProblem(row.line, "quantity", f"{current.held} units are held")
                )
                continue
            else:
                current.change(
                    {
                        "quantity": row.quantity,
                        "price": row.price,
                        "available_from": row.available_from,
                    }
                )
                current.updated_at = now
                report.updated += 1
            touched.append(current.id)
        if report.problems and not partial:
            raise InvalidRows(
                f"{len(report.problems)} problems in the file; nothing was imported",
                [(f"line {p.line}: {p.field}", p.reason) for p in report.problems],
            )
        commit_checked(uow)
    report.written = True
    announce(services, touched)
    return report


def _parse(reader: csv.DictReader[str], sites: set[str], report: ImportReport) -> list[_Row]:
    rows: list[_Row] = []
    for values in reader:
        report.rows += 1
        line = reader.line_num
        if report.rows > MAX_ROWS:
            report.problems.append(RowProblem(line, "file", f"at most {MAX_ROWS} rows"))
            break
        if None in values:  # more cells than the header names
            report.problems.append(RowProblem(line, "row", "more cells than columns"))
            continue
        before = len(report.problems)
        cells = {k: (v or "").strip() for k, v in values.items()}

        def problem(name: str, reason: str, line: int = line) -> None:
            report.problems.append(RowProblem(line, name, reason))

        if cells["site_id"] not in sites:
            problem("site_id", f"the business has no site {cells['site_id']!r}")
        if not cells["item"] or len(cells["item"]) > 200 or "\x00" in cells["item"]:
            problem("item", "an item name has 1 to 200 characters")
        parsed: dict[str, object] = {}
        for name, parse in (
            ("category", check_category),
            ("quantity", lambda v: check_quantity(_whole(v))),
            ("price", lambda v: check_price(_number(v))),
            ("available_from", _instant),
        ):
            try:
                parsed[name] = parse(cells.get(name, ""))
            except (DomainError, ValueError) as error:
                problem(name, getattr(error, "detail", str(error)))
        if len(report.problems) == before:
            since = parsed["available_from"]
            rows.append(
                _Row(
                    line,
                    cells["site_id"],
                    cells["item"],
                    str(parsed["category"]),
                    int(str(parsed["quantity"])),
                    float(str(parsed["price"])),
                    since if isinstance(since, datetime) else None,
                )
            )
    return rows


def _whole(text: str) -> int:
    if not text.lstrip("-").isdigit():
        raise ValueError("quantity must be a whole number")
    return int(text)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("price must be a number") from None


def _instant(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("available_from is an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise ValueError("available_from needs a timezone offset")
    return moment.astimezone(UTC)
