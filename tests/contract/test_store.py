"""The store port's contract, held by the in-memory fake (``buurt.testing``) and by the SQL
adapter on SQLite and on PostgreSQL: one suite, run on each (ids ``memory``, ``sqlite``,
``postgresql``).

What services rely on: a unit of work is one transaction (commit, or nothing happened),
repositories give back what was put in (aware UTC datetimes, places, areas, enums, JSON), lists
page in id order, and a clash with stored data is a domain ``Conflict``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from buurt.domain.activity import Intent, IntentStatus
from buurt.domain.community import Circle, Member, Membership, Role, Thing, ThingKind, Visibility
from buurt.domain.errors import Conflict
from buurt.domain.ids import new_id
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Boundary, Place
from buurt.ports import UnitOfWorkFactory
from tests.records import CELLS, NOW, SQUARE, a_circle, a_member, add_all


def test_what_is_committed_is_read_back_by_a_later_unit_of_work(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    add_all(uow, member)

    with uow() as work:
        found = work.repo(Member).get(member.id)

    assert found == member
    assert found is not member


def test_get_of_an_unknown_id_is_none(uow: UnitOfWorkFactory) -> None:
    with uow() as work:
        assert work.repo(Member).get("mem_unknown") is None


def test_leaving_the_block_without_commit_rolls_back(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    with uow() as work:
        work.repo(Member).add(member)

    with uow() as work:
        assert work.repo(Member).get(member.id) is None


def test_an_exception_in_the_block_rolls_back(uow: UnitOfWorkFactory) -> None:
    member = a_member()

    def failing_use_case() -> None:
        with uow() as work:
            work.repo(Member).add(member)
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        failing_use_case()

    with uow() as work:
        assert work.repo(Member).get(member.id) is None


def test_rollback_discards_the_changes_since_the_last_commit(uow: UnitOfWorkFactory) -> None:
    kept, dropped = a_member("Kept"), a_member("Dropped")
    # Ids taken first: a rollback may expire the entities it saw (SQLAlchemy does).
    kept_id, dropped_id = kept.id, dropped.id
    with uow() as work:
        work.repo(Member).add(kept)
        work.commit()
        work.repo(Member).add(dropped)
        work.rollback()
        work.commit()

    with uow() as work:
        assert work.repo(Member).get(kept_id) is not None
        assert work.repo(Member).get(dropped_id) is None


def test_changes_to_a_loaded_entity_are_saved_by_commit(uow: UnitOfWorkFactory) -> None:
    member = a_member("Anna")
    add_all(uow, member)

    with uow() as work:
        loaded = work.repo(Member).get(member.id)
        assert loaded is not None
        loaded.name = "Anna de Vries"
        loaded.quiet_from_hour = 22
        work.commit()

    with uow() as work:
        again = work.repo(Member).get(member.id)
    assert again is not None
    assert (again.name, again.quiet_from_hour) == ("Anna de Vries", 22)


def test_entities_stay_readable_after_the_block(uow: UnitOfWorkFactory) -> None:
    # Services return what they loaded inside the block; it must not be expired or detached.
    member = a_member("Anna")
    add_all(uow, member)

    with uow() as work:
        loaded = work.repo(Member).get(member.id)

    assert loaded is not None
    assert loaded.name == "Anna"


def test_delete_removes_the_entity(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    add_all(uow, member)

    with uow() as work:
        loaded = work.repo(Member).get(member.id)
        assert loaded is not None
        work.repo(Member).delete(loaded)
        work.commit()

    with uow() as work:
        assert work.repo(Member).get(member.id) is None


def test_find_returns_every_match_in_id_order(uow: UnitOfWorkFactory) -> None:
    circle, other = a_circle("A"), a_circle("B")
    members = [a_member(f"M{i}") for i in range(3)]
    memberships = [
        Membership(new_id("membership"), circle.id, m.id, Role.MEMBER, NOW) for m in members
    ]
    admin = Membership(new_id("membership"), other.id, members[0].id, Role.ADMIN, NOW)
    add_all(uow, circle, other, *members)
    add_all(uow, *memberships, admin)

    with uow() as work:
        in_circle = work.repo(Membership).find(circle_id=circle.id)
        one = work.repo(Membership).find(circle_id=other.id, member_id=members[0].id)
        by_enum = work.repo(Membership).find(role=Role.ADMIN)
        none = work.repo(Membership).find(circle_id=circle.id, role=Role.ADMIN)

    assert [m.id for m in in_circle] == sorted(m.id for m in memberships)
    assert one == [admin]
    assert by_enum == [admin]
    assert none == []


def test_count_counts_what_find_would_return(uow: UnitOfWorkFactory) -> None:
    circle, other = a_circle("A"), a_circle("B")
    members = [a_member(f"M{i}") for i in range(3)]
    add_all(uow, circle, other, *members)
    add_all(uow, *(Membership(new_id("membership"), circle.id, m.id, Role.MEMBER, NOW)
                   for m in members))  # fmt: skip
    add_all(uow, Membership(new_id("membership"), other.id, members[0].id, Role.ADMIN, NOW))

    with uow() as work:
        repo = work.repo(Membership)
        assert repo.count() == 4
        assert repo.count(circle_id=circle.id) == 3
        assert repo.count(circle_id=other.id, role=Role.ADMIN) == 1
        assert repo.count(circle_id=circle.id, role=Role.ADMIN) == 0
        assert repo.count(circle_id=circle.id) == len(repo.find(circle_id=circle.id))


def test_a_list_value_in_where_means_one_of(uow: UnitOfWorkFactory) -> None:
    members = [a_member(name) for name in ("Anna", "Bram", "Cor", "Dewi")]
    add_all(uow, *members)

    with uow() as work:
        page = work.repo(Member).page(where={"name": ["Anna", "Cor", "Nobody"]})
        tupled = work.repo(Member).page(where={"name": ("Bram",), "id": {members[1].id}})
        empty = work.repo(Member).page(where={"name": []})

    assert sorted(m.name for m in page.items) == ["Anna", "Cor"]
    assert [m.name for m in tupled.items] == ["Bram"]
    assert empty.items == []


def test_any_of_matches_at_least_one_filter(uow: UnitOfWorkFactory) -> None:
    members = [a_member(name) for name in ("Anna", "Bram", "Cor")]
    members[2].quiet_from_hour = 22
    add_all(uow, *members)

    with uow() as work:
        repo = work.repo(Member)
        either = repo.page(any_of=[{"name": "Anna"}, {"quiet_from_hour": 22}])
        both = repo.page(where={"name": ["Anna", "Bram"]}, any_of=[{"id": members[1].id}])
        no_filters = repo.page(any_of=[])

    assert sorted(m.name for m in either.items) == ["Anna", "Cor"]
    assert [m.name for m in both.items] == ["Bram"]
    # An empty any_of is "none of no filters": nothing, never everything (policies rely on it).
    assert no_filters.items == []


def test_paging_walks_every_entity_once_in_id_order(uow: UnitOfWorkFactory) -> None:
    members = [a_member(f"M{i}") for i in range(8)]
    add_all(uow, *members)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        with uow() as work:
            page = work.repo(Member).page(after=cursor, limit=3)
        seen.extend(m.id for m in page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == sorted(m.id for m in members)
    assert pages == 3


def test_a_page_that_fills_exactly_has_no_next_cursor(uow: UnitOfWorkFactory) -> None:
    add_all(uow, *(a_member() for _ in range(3)))

    with uow() as work:
        page = work.repo(Member).page(limit=3)

    assert len(page.items) == 3
    assert page.next_cursor is None


def test_paging_applies_the_filter_on_every_page(uow: UnitOfWorkFactory) -> None:
    wanted = [a_member("Wanted") for _ in range(5)]
    add_all(uow, *wanted, *(a_member("Other") for _ in range(5)))

    with uow() as work:
        first = work.repo(Member).page(where={"name": "Wanted"}, limit=3)
        second = work.repo(Member).page(where={"name": "Wanted"}, after=first.next_cursor, limit=3)

    assert [m.id for m in [*first.items, *second.items]] == sorted(m.id for m in wanted)
    assert second.next_cursor is None


def test_a_duplicate_unique_value_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    add_all(uow, a_member(email="anna@example.org"))

    with uow() as work:
        work.repo(Member).add(a_member(email="anna@example.org"))
        with pytest.raises(Conflict, match="unique"):
            work.commit()

    with uow() as work:
        assert len(work.repo(Member).find(email="anna@example.org")) == 1


def test_a_reference_to_a_missing_record_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    add_all(uow, member)
    orphan = Membership(new_id("membership"), "cir_missing", member.id, Role.MEMBER, NOW)

    with uow() as work:
        work.repo(Membership).add(orphan)
        with pytest.raises(Conflict, match="refers to"):
            work.commit()


def test_the_unit_of_work_is_usable_after_a_conflict(uow: UnitOfWorkFactory) -> None:
    add_all(uow, a_member(email="anna@example.org"))
    other = a_member(email="bram@example.org")

    with uow() as work:
        work.repo(Member).add(a_member(email="anna@example.org"))
        with pytest.raises(Conflict):
            work.commit()
        work.repo(Member).add(other)
        work.commit()

    with uow() as work:
        assert work.repo(Member).get(other.id) == other


@pytest.mark.parametrize(
    "written",
    [
        NOW,
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["utc", "plus-two", "minus-five"],
)
def test_datetimes_come_back_as_the_same_instant_in_utc(
    uow: UnitOfWorkFactory, written: datetime
) -> None:
    member = a_member()
    member.created_at = written
    add_all(uow, member)

    with uow() as work:
        found = work.repo(Member).get(member.id)

    assert found is not None
    assert found.created_at == written
    assert found.created_at.utcoffset() == timedelta(0)
    assert found.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    "boundary",
    [Boundary(polygon=SQUARE), Boundary(cells=CELLS)],
    ids=["polygon", "cells"],
)
def test_a_circle_round_trips_with_its_boundary(uow: UnitOfWorkFactory, boundary: Boundary) -> None:
    circle = a_circle(boundary=boundary)
    circle.description = "Grachten, hofjes en de Noordermarkt ☕"
    add_all(uow, circle)

    with uow() as work:
        assert work.repo(Circle).get(circle.id) == circle


def test_a_thing_round_trips_with_place_enums_and_json_state(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    state = {
        "power_w": 3120.5,
        "online": True,
        "phases": [1, 2, 3],
        "meta": {"vendor": "Zonnig", "note": "dak zuid — €0,00", "missing": None},
    }
    thing = Thing(
        new_id("thing"),
        circle.id,
        PartyKind.CIRCLE,
        circle.id,
        ThingKind.SOLAR_INVERTER,
        "Omvormer dak",
        Place(52.3731, 4.8922),
        Visibility.CIRCLE,
        NOW,
        state=state,
        last_seen_at=NOW + timedelta(minutes=5),
    )
    add_all(uow, circle)
    add_all(uow, thing)

    with uow() as work:
        found = work.repo(Thing).get(thing.id)
        by_enum = work.repo(Thing).find(kind=ThingKind.SOLAR_INVERTER)

    assert found == thing
    assert found is not None
    assert isinstance(found.kind, ThingKind)
    assert isinstance(found.visibility, Visibility)
    assert by_enum == [thing]


@pytest.mark.parametrize(
    "area",
    [
        Area(center=Place(52.3731, 4.8922), radius_m=750.0),
        Area(polygon=SQUARE),
        Area(cells=CELLS),
    ],
    ids=["centre-radius", "polygon", "cells"],
)
def test_an_intent_round_trips_with_its_area(uow: UnitOfWorkFactory, area: Area) -> None:
    circle, member = a_circle(), a_member()
    intent = Intent(
        new_id("intent"),
        circle.id,
        member.id,
        "food/bread",
        area,
        NOW,
        text="Zuurdesem, vanavond",
        window_start=NOW,
        window_end=NOW + timedelta(hours=3),
        max_price=4.5,
        attributes={"organic": True, "slices": 12},
        status=IntentStatus.OPEN,
    )
    add_all(uow, circle, member)
    add_all(uow, intent)

    with uow() as work:
        found = work.repo(Intent).get(intent.id)

    assert found == intent
    assert found is not None
    assert found.status is IntentStatus.OPEN
