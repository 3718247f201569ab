"""``/shop/{id}/demand``: what the neighbourhood asked for, as the charter lets a shop see it.

Aggregates only: the shop asks the same question the API answers (needs per H3 cell of
resolution 8, over the default window of whole past days), so the same minimum group size
``k``, differencing checks, privacy budget and access-log entries apply. A cell with no count
released is drawn hatched, and the page says why: the charter withholds every count of fewer
than ``k`` members. Released and empty are never told apart from withheld, so the map itself
gives nothing away.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.charter import AggregateKind
from buurt.domain.community import Circle
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.services.aggregates import counts
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages import maps
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of
from buurt.web.pages.shop import BusinessId, acting_for

router = APIRouter(include_in_schema=False)
RESOLUTION = 8


@router.get("/shop/{business_id}/demand", response_class=HTMLResponse)
async def demand(request: Request, business_id: BusinessId, who: Viewer) -> Response:
    if who is None:
        return RedirectResponse(f"/login?next=/shop/{business_id}/demand", status_code=303)
    acting = await run_in_threadpool(acting_for, request, who, business_id)
    context = await run_in_threadpool(demand_map, services_of(request), acting)
    return render(request, "shop_demand.html", context, who)


def demand_map(services: Services, acting: Principal) -> dict[str, Any]:
    circle_id = min(acting.circles)
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
    if circle is None:
        raise NotFound("circle", circle_id)
    try:
        answer = counts.answer(
            services, acting, circle_id, kind=AggregateKind.INTENTS, resolution=RESOLUTION
        )
    except (PermissionDenied, Conflict) as refused:
        return {"circle": circle, "svg": None, "refused": refused.detail, "rows": []}
    per_cell: dict[str, float] = defaultdict(float)
    per_category: dict[str, float] = defaultdict(float)
    for bucket in answer.query.answer:
        per_cell[bucket["cell"]] += bucket["count"]
        per_category[bucket["category"]] += bucket["count"]
    cells = maps.cells_of(circle.boundary, RESOLUTION)
    withheld = frozenset(cells - per_cell.keys())
    reason = _("Withheld: fewer than %(k)s members (or none) asked here", k=answer.k)
    svg = maps.hex_map(
        cells,
        title=_("Needs in %(circle)s per area", circle=circle.name),
        shade=maps.Shade(per_cell, withheld, reason, _("needs")),
    )
    rows = sorted(per_category.items(), key=lambda item: (-item[1], item[0]))
    return {
        "circle": circle,
        "svg": svg,
        "refused": "",
        "rows": rows,
        "k": answer.k,
        "query": answer.query,
        "budget_left": answer.budget_left,
        "withheld": len(withheld),
        "cells": len(cells),
    }
