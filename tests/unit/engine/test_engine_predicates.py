"""Predicate syntax and evaluation, and the category hierarchy."""

from __future__ import annotations

import math

import pytest

from buurt.engine import Predicate, parse_predicate
from buurt.engine.model import category_ancestors, category_matches, check_category
from buurt.engine.predicates import predicate_holds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("price <= 5", Predicate("price", "<=", 5)),
        ("price<=5", Predicate("price", "<=", 5)),
        ('kind == "solar"', Predicate("kind", "==", "solar")),
        ("kind != 'wind'", Predicate("kind", "!=", "wind")),
        ("available == true", Predicate("available", "==", True)),
        ("available != false", Predicate("available", "!=", False)),
        ("power_w > 2000", Predicate("power_w", ">", 2000)),
        ("temp >= -2.5", Predicate("temp", ">=", -2.5)),
        ("ratio < 1e-3", Predicate("ratio", "<", 0.001)),
        ("seats.free > .5", Predicate("seats.free", ">", 0.5)),
        (r'note == "say \"hi\""', Predicate("note", "==", 'say "hi"')),
        ('name == ""', Predicate("name", "==", "")),
    ],
)
def test_parse_good_predicates(text: str, expected: Predicate) -> None:
    parsed = parse_predicate(text)
    assert parsed == expected
    assert type(parsed.value) is type(expected.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected 'field op value'"),
        ("price", "expected 'field op value'"),
        ("price =< 5", "expected 'field op value'"),
        ("price = 5", "expected 'field op value'"),
        ("price <=", "has no value"),
        ("5 <= price", "expected 'field op value'"),
        ("price <= five", "cannot read the value 'five'"),
        ('kind == "solar', "missing its closing quote"),
        ('kind == "so"lar"', "unexpected text after the closing quote"),
        (r'kind == "a\q"', "unknown escape"),
        ("available < true", "only supports == and !="),
        ("price <= 1e999", "out of range"),
        ("price <= True", "cannot read the value"),
    ],
)
def test_parse_bad_predicates_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="predicate") as caught:
        parse_predicate(text)
    assert message in str(caught.value)


def test_predicate_values_never_mix_types() -> None:
    assert predicate_holds(Predicate("price", "<=", 5), {"price": 5})
    assert predicate_holds(Predicate("price", "<=", 5), {"price": 4.5})
    assert not predicate_holds(Predicate("price", "<=", 5), {})
    assert not predicate_holds(Predicate("price", "<=", 5), {"price": "4"})
    assert not predicate_holds(Predicate("price", "<=", 5), {"price": True})
    assert not predicate_holds(Predicate("on", "==", True), {"on": 1})
    assert not predicate_holds(Predicate("n", "==", 1), {"n": True})
    assert predicate_holds(Predicate("kind", "!=", "solar"), {"kind": "wind"})
    assert not predicate_holds(Predicate("kind", "!=", "solar"), {"kind": 3})
    assert not predicate_holds(Predicate("price", "<=", 5), {"price": math.nan})
    assert predicate_holds(Predicate("n", ">", 2**53), {"n": 2**53 + 1})


def test_category_hierarchy() -> None:
    assert category_matches("food", "food")
    assert category_matches("food", "food/bread")
    assert category_matches("food", "food/bread/rye")
    assert not category_matches("food/bread", "food")
    assert not category_matches("foo", "food")
    assert not category_matches("food/bread", "food/breadcrumbs")
    assert category_ancestors("food/bread/rye") == ("food/bread/rye", "food/bread", "food")


@pytest.mark.parametrize("bad", ["", "/food", "food/", "food//bread"])
def test_bad_categories_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="category"):
        check_category(bad)
