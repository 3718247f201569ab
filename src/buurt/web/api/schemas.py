"""Schemas shared by the routers: places, areas, pages, text and attribute types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import h3
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
)
from pydantic import Strict as PydanticStrict

from buurt.domain.places import Area, Boundary, Place
from buurt.domain.time import as_utc
from buurt.ports import Page as StorePage
from buurt.web.api.cells import cell_pattern

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# NUL characters are refused everywhere: PostgreSQL cannot store them in text.
Text = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]
# Patterns avoid `\s`: ECMA (what clients check against) and Rust regex disagree on it.
Name = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*[^\x00 \t\r\n][^\x00]*$")
]
Lat = Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False)]
Category = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}(/[a-z0-9][a-z0-9_-]{0,39}){0,4}$",
        examples=["food/bread"],
        description="A path in the category taxonomy; `food` covers `food/bread`.",
    ),
]


def _valid_cell(cell: str) -> str:
    if not h3.is_valid_cell(cell):
        raise ValueError(f"{cell!r} is not a valid H3 cell")
    return cell


H3Cell = Annotated[
    str,
    Field(
        pattern=cell_pattern(),
        examples=["881969a4a1fffff"],
        description="An H3 cell index (15 lowercase hex digits). The pattern holds every rule "
        "of an index but one: a pentagon cell's first non-zero digit may not be 1. The server "
        "checks every cell with h3 (`is_valid_cell`) and answers 422 for one that is not.",
    ),
    AfterValidator(_valid_cell),
]
AttributeName = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,63}$")]
# Smart union with strict members: `1` stays a number and `true` a boolean.
AttributeValue = Annotated[
    StrictBool | StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)] | Text | None,
    Field(union_mode="smart"),
]
# Pydantic states the key rule as patternProperties only; without additionalProperties the
# schema would admit any other key, which the validator refuses.
Attributes = Annotated[
    dict[AttributeName, AttributeValue],
    Field(max_length=100, json_schema_extra={"additionalProperties": False}),
]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 12.0 as an integer; booleans and numeric strings are not numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    return value


# Use as ``Annotated[int, Field(ge=..., le=...), WHOLE]``: bounds before the validator, or the
# JSON schema would not state them as minimum/maximum.
WHOLE = BeforeValidator(_whole_number)
BoundedInt = Annotated[int, Field(ge=0, le=1_000_000_000), WHOLE]


def _text_only(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError(
            "an instant is an ISO 8601 text with an offset, like 2026-11-24T08:00:00+01:00"
        )
    return value


def _in_utc(moment: datetime) -> datetime:
    # 9999-12-31T23:59-01:00 is past the last instant Python holds: a 422, not an overflow.
    return as_utc(moment, "the instant")


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    AfterValidator(_in_utc),
    Field(description="An instant with a timezone offset; answered in UTC."),
]


class Strict(BaseModel):
    """A request body: unknown fields are refused. Numbers and instants are strict types
    (``false`` is not a number, ``0`` not a time); enums and strings are read from JSON text."""

    model_config = ConfigDict(extra="forbid")


class PlaceModel(Strict):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    lat: Lat
    lon: Lon

    def to_domain(self) -> Place:
        return Place(self.lat, self.lon)


class CircleAreaModel(Strict):
    """A circle: centre and radius in metres."""

    lat: Lat
    lon: Lon
    radius_m: StrictFloat = Field(gt=0, le=Area.MAX_RADIUS_M, allow_inf_nan=False)


# Not strict, so a JSON array may stand for the (lat, lon) pair; the numbers stay strict.
Vertex = Annotated[tuple[Lat, Lon], PydanticStrict(strict=False)]


class PolygonModel(Strict):
    """A polygon: at least three (lat, lon) vertices."""

    polygon: list[Vertex] = Field(min_length=3, max_length=1000)


class CellsModel(Strict):
    """A set of H3 cells."""

    cells: list[H3Cell] = Field(min_length=1, max_length=5000)


def _as_json(value: Any) -> Any:
    return value.to_json() if isinstance(value, Area | Boundary) else value


def _shape(value: Any) -> str | None:
    """Which area shape a body is, by its keys, so errors speak of that shape only."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if not isinstance(value, dict):
        return None
    keys = value.keys()
    for tag in ("polygon", "cells"):
        if tag in keys:
            return tag
    return "circle" if "lat" in keys or "radius_m" in keys else None


AreaModel = Annotated[
    Annotated[CircleAreaModel, Tag("circle")]
    | Annotated[PolygonModel, Tag("polygon")]
    | Annotated[CellsModel, Tag("cells")],
    Discriminator(
        _shape,
        custom_error_type="area_shape",
        custom_error_message="an area is {lat, lon, radius_m}, {polygon} or {cells}",
    ),
    BeforeValidator(_as_json),
]
BoundaryModel = Annotated[
    Annotated[PolygonModel, Tag("polygon")] | Annotated[CellsModel, Tag("cells")],
    Discriminator(
        _shape,
        custom_error_type="boundary_shape",
        custom_error_message="a boundary is {polygon} or {cells}",
    ),
    BeforeValidator(_as_json),
]


def area_to_domain(model: CircleAreaModel | PolygonModel | CellsModel) -> Area:
    return Area.from_json(model.model_dump())


def boundary_to_domain(model: PolygonModel | CellsModel) -> Boundary:
    return Boundary.from_json(model.model_dump())


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


def page_of(model: type[M], page: StorePage[Any]) -> Page[M]:
    items = [model.model_validate(item) for item in page.items]
    return Page[model](items=items, next_cursor=page.next_cursor)  # type: ignore[valid-type]


def changes(
    update: BaseModel, nullable: Iterable[str] = (), convert: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The fields a PATCH body set; ``null`` clears a nullable field and is ignored elsewhere.

    ``convert`` maps a field name to a function turning the validated model into a domain value.
    """
    allowed_null = set(nullable)
    result: dict[str, Any] = {}
    for name in update.model_fields_set:
        value = getattr(update, name)
        if value is None and name not in allowed_null:
            continue
        if value is not None and convert and name in convert:
            value = convert[name](value)
        result[name] = value
    return result
