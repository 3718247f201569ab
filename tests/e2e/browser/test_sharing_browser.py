"""A neighbour books a shared cargo bike from its page on a phone (375 px), in a real browser:
found under "Shared things nearby", booked for tomorrow morning, then listed under "My
bookings" and cancelled there; a slot someone has taken is refused with the reason on the
page. Every page passes axe-core.

``buurt serve`` runs on the system clock, so the slots are tomorrow's, in hours the bike is
always open: nothing depends on the hour the test runs at."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.actors import BOUNDARY, HOME
from tests.e2e.browser.conftest import look, new_context, serious_violations, summary
from tests.e2e.browser.test_resident_browser import _member, log_in
from tests.e2e.browser.test_shop_browser import _admit

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def test_a_neighbour_books_a_shared_bike_from_its_page(site: str, chromium: Browser) -> None:
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post("/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY},
                           headers=admin["headers"]).json()  # fmt: skip
        owner = _member(http, "Reshma", circle["id"])
        neighbour = _member(http, "Bram", circle["id"])
        _admit(http, admin, neighbour, circle["id"])  # a verified neighbour may book
        bike = http.post("/v1/things", headers=owner["headers"], json={
            "circle_id": circle["id"], "kind": "cargo_bike", "name": "Bakfiets Javaplein",
            "place": HOME, "visibility": "circle"}).json()  # fmt: skip
        shared = http.post("/v1/bookables", headers=owner["headers"], json={
            "thing_id": bike["id"], "price_per_hour": 2.5, "max_minutes": 240})  # fmt: skip
        assert shared.status_code == 201, shared.text

    context = await new_context(chromium, width=375)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await log_in(page, site, neighbour["email"])
    await page.get_by_role("link", name="Shared things nearby").first.click()
    await page.locator("li[id^=bookable-]").get_by_role("link", name="Bakfiets Javaplein").click()
    booking = page.locator("form#book")
    await expect(booking).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))

    await booking.get_by_label("Day").select_option(index=1)  # tomorrow
    await booking.get_by_label("From").fill("10:00")
    await booking.get_by_label("Until").fill("12:00")
    await booking.get_by_role("button", name="Book").click()
    await expect(page.get_by_role("heading", name="My bookings")).to_be_visible()
    booked = page.locator(".booking").filter(has_text="Bakfiets Javaplein")
    await expect(booked).to_contain_text("€5.00")
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "my-bookings")

    await booked.get_by_role("link", name="Bakfiets Javaplein").click()
    await expect(page.locator("#sharing")).to_contain_text("booked by you")
    booking = page.locator("form#book")
    await booking.get_by_label("Day").select_option(index=1)
    await booking.get_by_label("From").fill("11:00")
    await booking.get_by_label("Until").fill("13:00")
    await booking.get_by_role("button", name="Book").click()
    await expect(page.get_by_role("alert")).to_contain_text("Someone has booked it")
    await look(page, "thing-sharing")

    await page.goto(f"{site}/bookings")
    await page.get_by_role("button", name="Cancel the booking").click()
    await expect(page.get_by_text("Nothing booked.")).to_be_visible()
    assert errors == []
    await context.close()
