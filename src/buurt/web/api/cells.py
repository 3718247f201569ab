"""The schema's pattern for an H3 cell index, made from the index's bit layout.

An index is 15 hex digits (60 bits): ``8`` (cell mode, reserved bits zero), the resolution
``r``, a 7-bit base cell (0-121), then fifteen 3-bit digits: the first ``r`` are 0-6, the rest
7 (all bits set). The pattern says all of that, one alternative per resolution, so a client
that trusts the schema sends only what h3 accepts, but for one rule past what a pattern says
in a few kilobytes: a pentagon cell's first non-zero digit may not be 1. The server checks
every cell with h3 as well.

The digits straddle the hex digits, so the pattern is built by walking the bits: at each hex
digit the state is what the next bits depend on (whether the base cell so far equals 121's
leading bits; whether the bits so far of a used digit are all ones, which makes the next 7).
Where no state is carried (every 12 bits) the pattern is a plain concatenation.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

_BASE_CELLS = 122
_BASE_BITS = 7
_HEX_DIGITS = 13  # after the mode and the resolution
_ANY = "[0-9a-f]"
State = tuple[bool | None, bool | None]  # (tight on the base cell's bound, used digit all ones)
_START: State = (True, None)


def _bit(resolution: int, offset: int, bit: int, state: State) -> State | None:
    tight, ones = state
    if offset < _BASE_BITS:
        bound = ((_BASE_CELLS - 1) >> (_BASE_BITS - 1 - offset)) & 1
        if tight and bit > bound:
            return None
        tight = bool(tight) and bit == bound
        return (None if offset == _BASE_BITS - 1 else tight, None)
    digit, place = divmod(offset - _BASE_BITS, 3)
    if digit >= resolution:
        return (None, None) if bit else None
    ones = (place == 0 or bool(ones)) and bit == 1
    if place == 2:
        return None if ones else (None, None)
    return (None, ones)


def _hex(resolution: int, index: int, value: int, state: State) -> State | None:
    for b in range(4):
        found = _bit(resolution, 4 * index + b, (value >> (3 - b)) & 1, state)
        if found is None:
            return None
        state = found
    return state


def _class(values: list[int]) -> str:
    if len(values) == 16:
        return _ANY
    if len(values) == 1:
        return f"{values[0]:x}"
    return "[" + "".join(f"{v:x}" for v in values) + "]"


def _resolution(resolution: int) -> str:
    reach: list[set[State]] = [{_START}]
    for index in range(_HEX_DIGITS):
        reach.append(
            {
                found
                for state in reach[-1]
                for value in range(16)
                if (found := _hex(resolution, index, value, state)) is not None
            }
        )

    def tree(index: int, state: State, stop: int) -> str:
        if index == stop:
            return ""
        groups: dict[State, list[int]] = {}
        for value in range(16):
            found = _hex(resolution, index, value, state)
            if found is not None:
                groups.setdefault(found, []).append(value)
        parts = [_class(values) + tree(index + 1, to, stop) for to, values in groups.items()]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    resets = [i for i, states in enumerate(reach) if len(states) == 1]
    text = "".join(
        tree(start, next(iter(reach[start])), stop) for start, stop in itertools.pairwise(resets)
    )
    text = re.sub(r"(?:\[0-9a-f\]){2,}", lambda m: f"{_ANY}{{{len(m[0]) // len(_ANY)}}}", text)
    return f"{resolution:x}" + re.sub(r"f{2,}", lambda m: f"f{{{len(m[0])}}}", text)


@cache
def cell_pattern() -> str:
    return "^8(?:" + "|".join(_resolution(r) for r in range(16)) + ")$"
