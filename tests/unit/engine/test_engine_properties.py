"""The index agrees with the brute-force reference, whatever the standings and changes."""

from __future__ import annotations

from engine_strategies import publications, standings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buurt.engine import CircleArea, MatchIndex, PolygonArea, Standing, reference_match

TIMEZONES = ["UTC", "Europe/Amsterdam", "America/New_York"]


def _near(live: dict[int, Standing]) -> list[tuple[float, float]]:
    places: list[tuple[float, float]] = []
    for s in live.values():
        if isinstance(s.area, CircleArea):
            places.append((s.area.lat, s.area.lon))
        elif isinstance(s.area, PolygonArea):
            places.extend(s.area.ring[:2])
    return places


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    timezone=st.sampled_from(TIMEZONES),
    initial=st.lists(standings(st.integers(0, 25)), max_size=20),
    operations=st.lists(
        st.one_of(
            standings(st.integers(0, 25)),
            st.integers(0, 25),
            st.lists(standings(st.integers(0, 25)), min_size=1, max_size=6),  # a bulk add
        ),
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_index_matches_reference_after_changes(
    timezone: str,
    initial: list[Standing],
    operations: list[Standing | int | list[Standing]],
    data: st.DataObject,
) -> None:
    index = MatchIndex(timezone=timezone)
    index.extend(initial)
    live: dict[int, Standing] = {s.key: s for s in initial}
    for step, operation in enumerate(operations):
        if isinstance(operation, Standing):
            index.add(operation)
            live[operation.key] = operation
        elif isinstance(operation, list):  # into lists that may hold rows already
            index.extend(operation)
            live.update((s.key, s) for s in operation)
        else:
            index.remove(operation)
            live.pop(operation, None)
        if step % 8 == 7 or step == len(operations) - 1:
            assert len(index) == len(live)
            assert all(key in index for key in live)
            for publication in data.draw(st.lists(publications(_near(live)), max_size=6)):
                got = index.match(publication)
                assert got.tolist() == sorted(reference_match(live.values(), publication, timezone))
