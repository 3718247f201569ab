"""How a thing's attributes read on a page: the unit of a field and a value with its unit.

Attributes are free-form, so units come from naming conventions the things follow
(``power_w``, ``energy_wh``, ``battery_pct``) and a few well-known names (``pm25``).
"""

from __future__ import annotations

from typing import Any

from buurt.web.i18n import N_, _
from buurt.web.pages.charts import format_number

_NAMED = {
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "no2": "µg/m³",
    "o3": "µg/m³",
    "co2": "ppm",
    "humidity": "%",
    "level": "%",
    "temperature": "°C",
}
_SUFFIXES = {
    "_kwh": "kWh",
    "_wh": "Wh",
    "_kw": "kW",
    "_w": "W",
    "_pct": "%",
    "_c": "°C",
    "_v": "V",
    "_a": "A",
    "_km": "km",
    "_m": "m",
    "_s": "s",
    "_l": "L",
    "_ppm": "ppm",
}


def unit_of(field: str) -> str:
    """The unit of a field by its name, or ``""`` when the name does not say."""
    name = field.lower()
    if name in _NAMED:
        return _NAMED[name]
    return next((unit for suffix, unit in _SUFFIXES.items() if name.endswith(suffix)), "")


# The words for the fields things of Buurt's kinds report; others read by their names.
_LABELS = {
    "power_w": N_("power"),
    "energy_wh": N_("energy"),
    "occupied": N_("occupied"),
    "available": N_("available"),
    "charging": N_("charging"),
    "battery_pct": N_("battery"),
    "level": N_("fill level"),
    "item": N_("item"),
    "action": N_("last action"),
    "pm25": N_("fine dust (PM2.5)"),
    "pm10": N_("dust (PM10)"),
    "no2": N_("nitrogen dioxide (NO₂)"),
    "o3": N_("ozone (O₃)"),
    "co2": N_("CO₂"),
    "temperature": N_("temperature"),
    "humidity": N_("humidity"),
}


def label_of(field: str) -> str:
    """A field as words in the page's language: ``battery_pct`` reads "battery"."""
    if field.lower() in _LABELS:
        return _(_LABELS[field.lower()])
    name = field
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ").strip() or field


def show(value: Any, unit: str = "") -> str:
    """A value as a person reads it: yes/no, numbers with their unit, text as is."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        number = format_number(float(value))
        return f"{number}\u202f{unit}" if unit and unit != "%" else f"{number}{unit}"
    if value is None:
        return "\u2013"  # an en dash: no value
    return str(value)
