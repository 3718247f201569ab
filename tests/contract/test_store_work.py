"""What a unit of work shows and saves: its changes to itself before commit and to no one
else, one object per id, changes saved field by field (so two units of work changing
different fields of one entity both count), filters' handling of NULL, and page sizes."""

from __future__ import annotations

from buurt.domain.activity import Event
from buurt.domain.community import Member, Thing
from buurt.ports import UnitOfWorkFactory
from buurt.ports.store import Between
from tests.records import a_circle, a_member, a_thing, add_all, an_event


def test_nothing_is_visible_to_another_unit_of_work_before_commit(
    uow: UnitOfWorkFactory,
) -> None:
    member = a_member(email="anna@example.org")
    with uow() as writer:
        writer.repo(Member).add(member)
        writer.flush()
        with uow() as reader:
            assert reader.repo(Member).get(member.id) is None
            assert reader.repo(Member).find(email="anna@example.org") == []
        writer.commit()
        with uow() as reader:
            assert reader.repo(Member).get(member.id) == member


def test_a_unit_of_work_sees_its_own_changes_before_commit(uow: UnitOfWorkFactory) -> None:
    kept, renamed, deleted = a_member("Kept"), a_member("Bram"), a_member("Cor")
    add_all(uow, renamed, deleted)

    with uow() as work:
        repo = work.repo(Member)
        repo.add(kept)
        loaded = repo.get(renamed.id)
        gone = repo.get(deleted.id)
        assert loaded is not None
        assert gone is not None
        loaded.name = "Bram de Boer"
        repo.delete(gone)

        assert repo.find(name="Kept") == [kept]
        assert repo.find(name="Bram de Boer") == [loaded]
        assert repo.find(name="Bram") == []
        assert repo.page(where={"name": "Cor"}).items == []
        assert repo.get(deleted.id) is None


def test_a_unit_of_work_holds_one_object_per_id(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    add_all(uow, member)

    with uow() as work:
        repo = work.repo(Member)
        first = repo.get(member.id)
        assert first is not None
        assert repo.get(member.id) is first
        assert repo.find(id=member.id)[0] is first
        assert repo.page().items[0] is first

    added = a_member()
    with uow() as work:
        work.repo(Member).add(added)
        assert work.repo(Member).get(added.id) is added


def test_changes_of_two_units_of_work_to_different_fields_are_both_kept(
    uow: UnitOfWorkFactory,
) -> None:
    member = a_member("Anna")
    add_all(uow, member)

    with uow() as first, uow() as second:
        one, other = first.repo(Member).get(member.id), second.repo(Member).get(member.id)
        assert one is not None
        assert other is not None
        one.name = "Anna de Vries"
        first.commit()
        other.quiet_from_hour = 22
        second.commit()

    with uow() as work:
        found = work.repo(Member).get(member.id)
    assert found is not None
    assert (found.name, found.quiet_from_hour) == ("Anna de Vries", 22)


def test_a_json_value_changed_in_place_is_not_saved_a_new_one_is(uow: UnitOfWorkFactory) -> None:
    # The mapping tracks assignments, not what happens inside a dict: services assign anew
    # (``thing.state = {**thing.state, ...}``).
    circle = a_circle()
    thing = a_thing(circle)
    add_all(uow, circle)
    add_all(uow, thing)

    with uow() as work:
        loaded = work.repo(Thing).get(thing.id)
        assert loaded is not None
        loaded.state["door"] = "open"
        work.commit()
    with uow() as work:
        found = work.repo(Thing).get(thing.id)
        assert found is not None
        assert found.state["door"] == "closed"
        found.state = {**found.state, "door": "open"}
        work.commit()
    with uow() as work:
        found = work.repo(Thing).get(thing.id)
    assert found is not None
    assert found.state == {"door": "open", "items": ["melk"]}


def test_what_is_stored_does_not_share_values_with_the_caller(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    thing = a_thing(circle)
    add_all(uow, circle)
    add_all(uow, thing)
    thing.state["items"].append("kaas")

    with uow() as work:
        found = work.repo(Thing).get(thing.id)
        assert found is not None
        assert found.state["items"] == ["melk"]
        found.state["items"].append("brood")
    with uow() as work:
        again = work.repo(Thing).get(thing.id)
    assert again is not None
    assert again.state["items"] == ["melk"]


def test_after_rollback_loaded_entities_read_as_stored(uow: UnitOfWorkFactory) -> None:
    changed, deleted = a_member("Anna"), a_member("Bram")
    add_all(uow, changed, deleted)

    with uow() as work:
        repo = work.repo(Member)
        renamed, gone = repo.get(changed.id), repo.get(deleted.id)
        assert renamed is not None
        assert gone is not None
        renamed.name = "Not saved"
        repo.delete(gone)
        work.flush()
        work.rollback()
        assert renamed.name == "Anna"
        assert repo.get(changed.id) is renamed
        assert repo.get(deleted.id) is gone


def test_filters_treat_an_empty_value_as_sql_null(uow: UnitOfWorkFactory) -> None:
    hours = {"none": None, "five": 5, "ten": 10, "late": 22}
    members = {name: a_member(name) for name in hours}
    for name, member in members.items():
        member.quiet_from_hour = hours[name]
    add_all(uow, *members.values())

    def names(**where: object) -> list[str]:
        with uow() as work:
            return sorted(m.name for m in work.repo(Member).page(where=where).items)

    # None alone is IS NULL; in a list, and as a bound, it matches nothing (an open range
    # without bounds compares nothing, so it keeps NULLs).
    assert names(quiet_from_hour=None) == ["none"]
    assert names(quiet_from_hour=[None, 5]) == ["five"]
    assert names(quiet_from_hour=Between(5, 22)) == ["five", "ten"]
    assert names(quiet_from_hour=Between(end=10)) == ["five"]
    assert names(quiet_from_hour=Between(start=10)) == ["late", "ten"]
    assert names(quiet_from_hour=Between()) == ["five", "late", "none", "ten"]


def test_a_place_is_filtered_on_by_its_columns(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    event = an_event(circle, "thg_a")
    add_all(uow, circle)
    add_all(uow, event)

    with uow() as work:
        repo = work.repo(Event)
        assert repo.find(place=event.place) == [event]
        assert repo.page(where={"lat": event.place.lat, "lon": event.place.lon}).items == [event]
        assert repo.page(where={"lat": Between(end=event.place.lat)}).items == []


def test_a_page_holds_at_least_one_and_at_most_500(uow: UnitOfWorkFactory) -> None:
    members = [a_member() for _ in range(501)]
    with uow() as work:
        work.insert_many(Member, members)
        work.commit()

    with uow() as work:
        least = work.repo(Member).page(limit=0)
        most = work.repo(Member).page(limit=1000)

    assert [m.id for m in least.items] == [members[0].id]
    assert len(most.items) == 500
    assert most.next_cursor == members[499].id
