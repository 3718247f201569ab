"""A shop's stock on its dashboard: quantity and price edited in place, a new item at a
site, and an import of CSV text whose every bad row is reported with its line.

The import is the API's (``stock_import``): all or nothing unless "write the good rows" is
ticked. A pasted file is at most what a form carries (64 KB); larger files go through
``POST /v1/stock/import``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.errors import InvalidInput, InvalidRows
from buurt.services.commerce import stock, stock_import
from buurt.web.i18n import _
from buurt.web.pages.forms import money, signed_form, whole_number
from buurt.web.pages.session import Viewer, services_of
from buurt.web.pages.shop import BusinessId, ItemId, acting_for, dashboard_page

router = APIRouter(include_in_schema=False)


@router.post("/shop/{business_id}/stock/{stock_id}")
async def change_stock(
    request: Request, business_id: BusinessId, stock_id: ItemId, who: Viewer
) -> Response:
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    try:
        changes: dict[str, Any] = {
            "quantity": _required(whole_number(form.get("quantity", ""), "quantity"), "quantity"),
            "price": _required(money(form.get("price", ""), "price"), "price"),
        }
        await run_in_threadpool(stock.update_stock, services_of(request), acting, stock_id, changes)
    except InvalidInput as bad:
        return await dashboard_page(request, who, business_id, {}, bad.detail, status=422)
    return RedirectResponse(f"/shop/{business_id}#stock-{stock_id}", status_code=303)


@router.post("/shop/{business_id}/stock")
async def new_stock(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    """A new item at one of the shop's sites, with its quantity and price."""
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    services = services_of(request)
    try:
        quantity = _required(whole_number(form.get("quantity", ""), "quantity"), "quantity")
        price = _required(money(form.get("price", ""), "price"), "price")
        item = await run_in_threadpool(
            lambda: stock.create_item(
                services,
                acting,
                business_id=business_id,
                name=form.get("name", "").strip()[:200],
                category=form.get("category", ""),
            )
        )
        await run_in_threadpool(
            lambda: stock.add_stock(
                services,
                acting,
                item_id=item.id,
                site_id=form.get("site", ""),
                quantity=quantity,
                price=price,
            )
        )
    except InvalidInput as bad:
        return await dashboard_page(request, who, business_id, form, bad.detail, status=422)
    return RedirectResponse(f"/shop/{business_id}#stock", status_code=303)


@router.post("/shop/{business_id}/stock-import")
async def import_stock(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    try:
        report = await run_in_threadpool(
            lambda: stock_import.import_stock(
                services_of(request),
                acting,
                business_id,
                form.get("csv", ""),
                partial=form.get("partial") == "yes",
            )
        )
    except InvalidRows as bad:
        return await dashboard_page(
            request, who, business_id, form, bad.detail, status=422, problems=bad.problems
        )
    except InvalidInput as bad:
        return await dashboard_page(request, who, business_id, form, bad.detail, status=422)
    if report.problems:  # written in part, as asked: say what was left out
        problems = [(f"line {p.line}: {p.field}", p.reason) for p in report.problems]
        note = _("%(n)s rows written; these were left out:", n=report.created + report.updated)
        return await dashboard_page(request, who, business_id, {}, note, problems=problems)
    return RedirectResponse(f"/shop/{business_id}#stock", status_code=303)


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInput(_("Fill this in."), field)
    return value
