"""Domain dataclasses to JSON and back, driven by their type hints (standard library only).

Events cross processes (the NATS bus of a scaled-out instance), so the entities they carry must
survive a trip through JSON unchanged. Rather than a hand-written codec per class, ``encode`` and
``decode`` follow each dataclass's annotations:

- ``datetime`` as ISO 8601 (timezone kept), enums by value, ``frozenset``/``set``/``tuple`` as
  lists (sorted for sets, so equal values give equal JSON);
- a nested dataclass as an object; a field typed as a union of several dataclasses as an object
  with a ``"$type"`` key naming the class;
- ``dict[str, Any]`` and ``Any`` as they are (they hold JSON already: attributes, state).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
TYPE_KEY = "$type"


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def encode(value: Any, hint: Any = None) -> Any:
    """A JSON-ready form of a dataclass (or of any value such a dataclass holds); ``hint`` is
    the type it was declared as, which says whether a dataclass needs its ``"$type"``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        body = {
            f.name: encode(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value)
        }
        return {TYPE_KEY: type(value).__name__, **body} if _is_union(hint) else body
    args = typing.get_args(hint)
    item = args[0] if args else None
    if isinstance(value, set | frozenset):
        return sorted(encode(v, item) for v in value)
    if isinstance(value, list | tuple):
        return [encode(v, item) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v, args[1] if len(args) == 2 else None) for k, v in value.items()}
    raise TypeError(f"cannot encode a {type(value).__name__}")


def _is_union(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is not typing.Union and origin is not types.UnionType:
        return False
    return len([a for a in typing.get_args(hint) if a is not type(None)]) > 1


def decode(kind: type[T], data: Any) -> T:
    """Rebuild a dataclass of ``kind`` from ``encode``'s output."""
    return typing.cast(T, _decode(kind, data))


def _decode(hint: Any, data: Any) -> Any:
    if data is None or hint is Any:
        return data
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _decode_union(typing.get_args(hint), data)
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return origin(_decode(item, v) for v in data)
    if origin is dict:
        _, item = typing.get_args(hint) or (str, Any)
        return {k: _decode(item, v) for k, v in data.items()}
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            hints = _hints(hint)
            values = {
                f.name: _decode(hints[f.name], data[f.name])
                for f in dataclasses.fields(hint)
                if f.name in data
            }
            return hint(**values)
        if issubclass(hint, enum.Enum):
            return hint(data)
        if hint is datetime:
            return datetime.fromisoformat(data)
        if hint is float and isinstance(data, int):
            return float(data)
        if isinstance(data, hint):
            return data
    raise TypeError(f"cannot decode {data!r} as {hint}")


def _decode_union(options: tuple[Any, ...], data: Any) -> Any:
    present = [o for o in options if o is not type(None)]
    if len(present) == 1:
        return _decode(present[0], data)
    if isinstance(data, dict) and TYPE_KEY in data:
        name = data[TYPE_KEY]
        for option in present:
            if isinstance(option, type) and option.__name__ == name:
                return _decode(option, {k: v for k, v in data.items() if k != TYPE_KEY})
        raise TypeError(f"{name!r} is none of {present}")
    for option in present:  # plain values: the first type that takes them
        try:
            return _decode(option, data)
        except (TypeError, ValueError):
            continue
    raise TypeError(f"cannot decode {data!r} as any of {present}")
