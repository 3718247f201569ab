"""A thing's page in a real browser (Debian's Chromium through Playwright) on a real server.

A member logs in through the form, opens their thing's page, the thing publishes a reading
through the HTTP API, and the new value appears on the page without a reload: in the live
state, in the latest events and as one more point of the server-drawn chart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright, expect

from tests.actors import BOUNDARY, HOME, PASSWORD
from tests.servers import running_buurt

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL = "browser@example.org"
pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``buurt serve`` as a subprocess on a free port, on a SQLite file of its own."""
    root = tmp_path_factory.mktemp("browser")
    env = {"BUURT_PASSWORD_PROFILE": "CHEAPEST", "BUURT_LOG_LEVEL": "warning"}
    with running_buurt(f"sqlite:///{root}/buurt.db", root / "server.log", env=env) as buurt:
        yield buurt.base_url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


def a_member_with_a_thing(base: str) -> tuple[dict[str, Any], str]:
    """Through the API: a member, a circle, a solar inverter with a morning of readings, and
    the inverter's token."""
    with httpx.Client(base_url=base) as http:
        made = http.post("/v1/members", json={"name": "Bo", "email": EMAIL, "password": PASSWORD})
        assert made.status_code == 201, made.text
        login = http.post("/v1/auth/tokens", json={"email": EMAIL, "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        circle = http.post("/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY}).json()
        thing = http.post(
            "/v1/things",
            json={
                "circle_id": circle["id"],
                "kind": "solar_inverter",
                "name": "Zonnedak Javaplein 12",
                "place": HOME,
            },
        ).json()
        issued = http.post(
            "/v1/auth/tokens/issue", json={"principal_kind": "thing", "principal_id": thing["id"]}
        ).json()
    for power in (350, 1200, 2100):
        publish(base, issued["token"], power)
    return thing, issued["token"]


def publish(base: str, token: str, power_w: int) -> None:
    response = httpx.post(
        f"{base}/v1/events",
        json={"kind": "energy/solar", "attributes": {"power_w": power_w}, "place": HOME},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text


async def test_a_new_reading_appears_on_the_open_page_without_reload(
    server: str, browser: Browser, tmp_path: Path
) -> None:
    thing, token = a_member_with_a_thing(server)
    page = await browser.new_page(viewport={"width": 900, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    await page.goto(f"{server}/things/{thing['id']}")
    await expect(page).to_have_url(f"{server}/login?next=/things/{thing['id']}")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{server}/things/{thing['id']}")
    await expect(page.get_by_role("heading", name=thing["name"])).to_be_visible()
    await expect(page.locator("#live")).to_be_visible()  # the stream is open
    power = page.locator('#state tr[data-field="power_w"] td')
    await expect(power).to_have_text("2\u202f100\u202fW")
    line = page.locator('svg[data-field="power_w"] polyline')
    assert len((await line.get_attribute("points") or "").split()) == 3
    await page.evaluate("window.notReloaded = true")

    publish(server, token, 3456)

    await expect(power).to_have_text("3\u202f456\u202fW")
    await expect(page.locator("#events li").first).to_contain_text("3\u202f456\u202fW")
    await page.wait_for_function(
        """() => document.querySelector('svg[data-field="power_w"] polyline')
                   .getAttribute('points').trim().split(/\\s+/).length === 4"""
    )
    assert await page.evaluate("window.notReloaded") is True
    shot = tmp_path / "thing-page.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []
    await page.close()
