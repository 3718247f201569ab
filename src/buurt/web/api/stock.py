"""``/v1/stock``: an item at a site, its CSV import, and the nearest sites that have some."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, StrictFloat, StrictInt
from starlette.concurrency import run_in_threadpool

from buurt.domain.errors import InvalidInput
from buurt.domain.places import Place
from buurt.domain.stock import MAX_PRICE, MAX_QUANTITY, Stock
from buurt.services import resources as res
from buurt.services.commerce import stock
from buurt.services.commerce.nearest import MAX_LIMIT, StockFinder, StockQuery
from buurt.services.commerce.stock_import import import_stock
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Instant, Page, Strict, changes, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/stock", tags=["stock"], responses=responses(400, 401, 413, 422))
StockId = Annotated[str, Path(max_length=64)]
Quantity = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]
UnitPrice = Annotated[StrictFloat | StrictInt, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)]


class StockIn(Strict):
    item_id: str = Field(max_length=64)
    site_id: str = Field(max_length=64)
    quantity: Quantity
    price: UnitPrice
    available_from: Instant | None = None


class StockUpdate(Strict):
    quantity: Quantity | None = Field(
        default=None, description="Units on hand; never below what reservations hold (409)."
    )
    price: UnitPrice | None = None
    available_from: Instant | None = None


class StockOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    business_id: str
    item_id: str
    site_id: str
    category: str
    quantity: int = Field(description="Units on hand, held ones included.")
    held: int = Field(description="Units reservations hold now.")
    available: int = Field(description="Units free to reserve: quantity - held.")
    price: float
    available_from: datetime | None
    created_at: datetime
    updated_at: datetime


class RowProblemOut(BaseModel):
    model_config = {"from_attributes": True}

    line: int
    field: str
    reason: str


class ImportOut(BaseModel):
    model_config = {"from_attributes": True}

    rows: int
    created: int
    updated: int
    written: bool
    problems: list[RowProblemOut]


class NearStock(BaseModel):
    id: str
    item_id: str
    category: str
    available: int
    price: float


class NearSiteOut(BaseModel):
    site_id: str
    distance_m: float
    stock: list[NearStock]


class NearestOut(BaseModel):
    items: list[NearSiteOut]


def _finder(request: Request) -> StockFinder:
    finder: StockFinder = request.app.state.instance.stock_finder
    return finder


@router.get("/nearest")
def nearest(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    category: Annotated[str | None, Query(max_length=200)] = None,
    item: Annotated[str | None, Query(max_length=64, description="An item id.")] = None,
    radius: Annotated[float, Query(gt=0, le=50_000, description="Metres.")] = 2000,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    min_quantity: Annotated[int, Query(ge=1, le=MAX_QUANTITY)] = 1,
    max_price: Annotated[float | None, Query(ge=0, le=MAX_PRICE)] = None,
) -> NearestOut:
    """The nearest sites with stock of a ``category`` (sub-categories included) or an
    ``item``, at least ``min_quantity`` free to reserve, at most ``max_price`` a unit,
    available now; nearest first, with their distance in metres."""
    query = StockQuery(Place(lat, lon), radius, category, item, limit, min_quantity, max_price)
    finder = _finder(request)
    found = finder.nearest(query, services.clock.now())
    items = []
    for site in found:
        rows = [s for i in site.stock_ids if (s := finder.stock(i)) is not None]
        items.append(
            NearSiteOut(
                site_id=site.site_id,
                distance_m=round(site.distance_m, 1),
                stock=[
                    NearStock(
                        id=s.id,
                        item_id=s.item_id,
                        category=s.category,
                        available=s.available,
                        price=s.price,
                    )
                    for s in rows
                ],
            )
        )
    return NearestOut(items=items)


@router.post("", status_code=201, responses=responses(403, 404, 409))
def create(body: StockIn, services: ServicesDep, principal: PrincipalDep) -> StockOut:
    """Put an item at one of its business's sites (one stock per item and site)."""
    return StockOut.model_validate(stock.add_stock(services, principal, **body.model_dump()))


@router.post(
    "/import",
    responses=responses(403, 404, 409),
    # Any content type (text/csv as curl sends it, too) is read as UTF-8 CSV; the document
    # names the binary form, which generated clients can send (they know no text/csv).
    openapi_extra={
        "requestBody": {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
)
async def import_csv(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    business_id: Annotated[str, Query(max_length=64)],
    partial: Annotated[
        bool, Query(description="Write the good rows even when others are bad.")
    ] = False,
) -> ImportOut:
    """Import stock from CSV (``site_id,item,category,quantity,price[,available_from]``):
    every row is checked, and a bad one (422, each problem by line) means nothing is written
    unless ``partial`` is set."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", "body") from None
    report = await run_in_threadpool(
        import_stock, services, principal, business_id, text, partial=partial
    )
    return ImportOut.model_validate(report)


@router.get("")
def list_stock(
    services: ServicesDep,
    principal: PrincipalDep,
    business_id: Annotated[str | None, Query(max_length=64)] = None,
    site_id: Annotated[str | None, Query(max_length=64)] = None,
    item_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StockOut]:
    page = res.list_page(
        services,
        principal,
        Stock,
        stock.STOCK_POLICY,
        where={"business_id": business_id, "site_id": site_id, "item_id": item_id},
        after=cursor,
        limit=limit,
    )
    return page_of(StockOut, page)


@router.get("/{stock_id}", responses=responses(404))
def get(stock_id: StockId, services: ServicesDep, principal: PrincipalDep) -> StockOut:
    found = res.get(services, principal, Stock, stock.STOCK_POLICY, stock_id)
    return StockOut.model_validate(found)


@router.patch("/{stock_id}", responses=responses(403, 404, 409))
def update(
    stock_id: StockId, body: StockUpdate, services: ServicesDep, principal: PrincipalDep
) -> StockOut:
    update = changes(body, nullable={"available_from"})
    return StockOut.model_validate(stock.update_stock(services, principal, stock_id, update))


@router.delete("/{stock_id}", status_code=204, responses=responses(403, 404, 409))
def delete(stock_id: StockId, services: ServicesDep, principal: PrincipalDep) -> None:
    stock.delete_stock(services, principal, stock_id)
