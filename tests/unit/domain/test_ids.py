"""Ids sort in creation order, even many within one millisecond."""

from buurt.domain.ids import new_id


def test_ids_are_strictly_increasing_and_prefixed() -> None:
    ids = [new_id("moment") for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("mom_") and len(i) == 30 for i in ids)
