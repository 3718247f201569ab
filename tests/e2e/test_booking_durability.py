"""An acknowledged booking survives a crash: after a 201 the ``buurt serve`` process is
SIGKILLed, started again on the same database, and the booking is there and still holds its
slot (a second booking of it is refused)."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.servers import running_buurt

SQUARE = [[52.37, 4.89], [52.38, 4.89], [52.38, 4.90], [52.37, 4.90]]
SETTINGS = {"BUURT_PASSWORD_PROFILE": "CHEAPEST"}
# Far enough ahead to be in the future whenever the test runs, and on no clock of the day.
SLOT = {"starts_at": "2030-06-03T10:00:00Z", "ends_at": "2030-06-03T11:00:00Z"}


@pytest.mark.slow
def test_an_acknowledged_booking_survives_a_killed_server(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        person = {"name": "Anna", "email": "anna@example.org", "password": "correct horse"}
        assert api.post("/v1/members", json=person).status_code == 201
        login = api.post("/v1/auth/tokens", json={k: person[k] for k in ("email", "password")})
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        circle = api.post(
            "/v1/circles", headers=auth, json={"name": "Jordaan", "boundary": {"polygon": SQUARE}}
        ).json()
        thing = api.post(
            "/v1/things",
            headers=auth,
            json={
                "circle_id": circle["id"],
                "kind": "cargo_bike",
                "name": "Bakfiets",
                "place": {"lat": 52.375, "lon": 4.895},
            },
        ).json()
        bookable = api.post("/v1/bookables", headers=auth, json={"thing_id": thing["id"]}).json()
        booked = api.post(f"/v1/bookables/{bookable['id']}/bookings", headers=auth, json=SLOT)
        assert booked.status_code == 201, booked.text
        server.kill()

    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        kept = api.get(f"/v1/bookings/{booked.json()['id']}", headers=auth)
        again = api.post(f"/v1/bookables/{bookable['id']}/bookings", headers=auth, json=SLOT)

    assert kept.status_code == 200, kept.text
    assert kept.json() == booked.json()
    assert again.status_code == 409, again.text
