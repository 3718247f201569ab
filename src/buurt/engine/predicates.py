"""Attribute predicates: the small text syntax, and how one predicate is evaluated.

Types never mix: a number only compares with a number, a string with a string and a bool with a
bool (a bool is not a number). A missing attribute or a type mismatch makes a predicate false.
Strings order by code point; bools support ``==`` and ``!=`` only.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from buurt.engine.model import OPS, Op, Predicate, Scalar

Kind = Literal["number", "string", "bool"]

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_FIELD = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_SHAPE = re.compile(rf"^\s*(?P<field>{_FIELD})\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.*?)\s*$")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


def kind_of(value: object) -> Kind | None:
    """The comparison kind of an attribute or predicate value, or ``None`` if unsupported."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def predicate_holds(predicate: Predicate, attributes: Mapping[str, Scalar]) -> bool:
    """Evaluate one predicate against a publication's attributes."""
    if predicate.field not in attributes:
        return False
    actual = attributes[predicate.field]
    kind = kind_of(actual)
    if kind is None or kind != kind_of(predicate.value):
        return False
    if kind == "bool" and predicate.op not in ("==", "!="):
        return False
    return bool(COMPARE[predicate.op](actual, predicate.value))


def all_hold(predicates: tuple[Predicate, ...], attributes: Mapping[str, Scalar]) -> bool:
    """True if every predicate holds (an empty tuple holds)."""
    return all(predicate_holds(p, attributes) for p in predicates)


def parse_predicate(text: str) -> Predicate:
    """Parse ``field op value``: ``price <= 5``, ``kind == "solar"``, ``available == true``.

    Values are numbers (``5``, ``-2.5``, ``1e3``), quoted strings (``"solar"`` or ``'solar'``,
    with ``\\\\``, ``\\"``, ``\\'``, ``\\n``, ``\\t`` escapes) or ``true``/``false``.
    Raises ``ValueError`` saying what is wrong.
    """
    if not isinstance(text, str):
        raise TypeError(f"a predicate must be text, got {type(text).__name__}")
    match = _SHAPE.match(text)
    if match is None:
        raise ValueError(
            f"cannot read predicate {text!r}: expected 'field op value' with op one of "
            f"{', '.join(OPS)} (for example 'price <= 5' or 'kind == \"solar\"')"
        )
    field = match["field"]
    op: Op = match["op"]  # type: ignore[assignment]  # the regex only captures members of Op
    raw = match["value"]
    if not raw:
        raise ValueError(f"predicate {text!r} has no value after {op!r}")
    value = _parse_value(raw, text)
    if isinstance(value, bool) and op not in ("==", "!="):
        raise ValueError(f"predicate {text!r}: a true/false value only supports == and !=")
    return Predicate(field=field, op=op, value=value)


def _parse_value(raw: str, text: str) -> Scalar:
    if raw in ("true", "false"):
        return raw == "true"
    if raw[0] in "\"'":
        return _parse_string(raw, text)
    if _INT.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError(f"predicate {text!r}: the number {raw} is out of range")
        return number
    raise ValueError(
        f"predicate {text!r}: cannot read the value {raw!r}; use a number, a quoted string "
        "or true/false"
    )


def _parse_string(raw: str, text: str) -> str:
    quote = raw[0]
    out: list[str] = []
    i = 1
    while i < len(raw):
        char = raw[i]
        if char == "\\":
            if i + 1 >= len(raw) or raw[i + 1] not in _ESCAPES:
                raise ValueError(f"predicate {text!r}: unknown escape in string value {raw}")
            out.append(_ESCAPES[raw[i + 1]])
            i += 2
            continue
        if char == quote:
            if i != len(raw) - 1:
                raise ValueError(
                    f"predicate {text!r}: unexpected text after the closing quote: {raw[i + 1 :]!r}"
                )
            return "".join(out)
        out.append(char)
        i += 1
    raise ValueError(f"predicate {text!r}: the string value {raw} is missing its closing quote")
