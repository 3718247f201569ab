"""What each kind of thing may report: one schema of event attributes per ``ThingKind``.

An event from a thing is stored only when its attributes fit its thing's kind; otherwise it
becomes a dead letter with the reason. Schemas are strict (``true`` is not a number, ``"5"`` is
not a number) and closed (an unknown attribute is refused, so a device's typo is seen at once).
Units are in the names: watts, watt-hours, percent, micrograms per cubic metre.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from buurt.domain.community import ThingKind

Watts = Annotated[float, Field(ge=0, le=10_000_000, allow_inf_nan=False)]
WattHours = Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Concentration = Annotated[float, Field(ge=0, le=5000, allow_inf_nan=False)]


class KindSchema(BaseModel):
    """A reading may carry any of its kind's attributes (a meter may send only its power),
    but at least one, and none as ``null``."""

    # Strict: an int counts as a float; a boolean or a text does not.
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="after")
    def _something_said(self) -> Self:
        if not self.model_fields_set:
            names = ", ".join(type(self).model_fields)
            raise ValueError(f"an event needs at least one of: {names}")
        empty = sorted(n for n in self.model_fields_set if getattr(self, n) is None)
        if empty:
            raise ValueError(f"no null values: {', '.join(empty)}")
        return self


class SolarInverter(KindSchema):
    """``power_w``: what it produces now; ``energy_wh``: produced since installation."""

    power_w: Watts | None = None
    energy_wh: WattHours | None = None


class ParkingSensor(KindSchema):
    occupied: StrictBool | None = None


class Fridge(KindSchema):
    """A community fridge: an ``item`` was ``added`` or ``taken``; ``level`` is how full it
    is, in percent."""

    action: Literal["added", "taken"] | None = None
    item: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")] | None = None
    level: Percent | None = None


class CargoBike(KindSchema):
    available: StrictBool | None = None
    battery_pct: Percent | None = None


class AirQuality(KindSchema):
    """Concentrations in µg/m³ (the WHO daily guideline is 15 for PM2.5, 25 for NO2)."""

    pm25: Concentration | None = None
    no2: Concentration | None = None


class EvCharger(KindSchema):
    charging: StrictBool | None = None
    power_w: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None


class SmartMeter(KindSchema):
    """``power_w`` is negative when the home feeds the grid; ``energy_wh`` is the meter."""

    power_w: Annotated[float, Field(ge=-1_000_000, le=1_000_000, allow_inf_nan=False)] | None = None
    energy_wh: WattHours | None = None


SCHEMAS: dict[ThingKind, type[KindSchema]] = {
    ThingKind.SOLAR_INVERTER: SolarInverter,
    ThingKind.PARKING_SENSOR: ParkingSensor,
    ThingKind.FRIDGE: Fridge,
    ThingKind.CARGO_BIKE: CargoBike,
    ThingKind.AIR_QUALITY: AirQuality,
    ThingKind.EV_CHARGER: EvCharger,
    ThingKind.SMART_METER: SmartMeter,
}

# The event kind (a category) a thing's event gets when it does not name one.
EVENT_KINDS: dict[ThingKind, str] = {
    ThingKind.SOLAR_INVERTER: "energy/solar",
    ThingKind.PARKING_SENSOR: "mobility/parking",
    ThingKind.FRIDGE: "food/community-fridge",
    ThingKind.CARGO_BIKE: "mobility/cargo-bike",
    ThingKind.AIR_QUALITY: "environment/air-quality",
    ThingKind.EV_CHARGER: "energy/ev-charging",
    ThingKind.SMART_METER: "energy/meter",
}


def problem_with(kind: ThingKind, attributes: Any) -> str | None:
    """Why ``attributes`` do not fit a ``kind`` thing's schema, or ``None`` when they do."""
    try:
        SCHEMAS[kind].model_validate(attributes)
    except ValidationError as error:
        return describe(error, f"a {kind.value}'s attributes")
    return None


def describe(error: ValidationError, what: str) -> str:
    """One line naming every bad field, such as ``attributes.level: must be <= 100``."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "payload"
        parts.append(f"{where}: {item['msg']}")
    return f"{what} do not fit: " + "; ".join(parts)
