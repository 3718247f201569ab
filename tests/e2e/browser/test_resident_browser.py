"""A resident's pages in a real browser: a moment arrives live on the open home page and is
accepted there; a need is published with the keyboard alone; the pages pass axe-core."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.actors import BOUNDARY, HOME
from tests.e2e.browser.conftest import look, new_context, serious_violations, summary

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
PASSWORD = "a browser's password"
_counter = itertools.count()


def _member(http: httpx.Client, name: str, circle_id: str | None = None) -> dict[str, Any]:
    email = f"{name.lower()}.{next(_counter)}@example.org"
    made = http.post("/v1/members", json={"name": name, "email": email, "password": PASSWORD,
                                         "circle_id": circle_id})  # fmt: skip
    assert made.status_code == 201, made.text
    token = http.post("/v1/auth/tokens", json={"email": email, "password": PASSWORD}).json()
    return {"id": made.json()["id"], "email": email, "headers": {
        "Authorization": f"Bearer {token['token']}"}}  # fmt: skip


def a_neighbourhood(site: str) -> dict[str, Any]:
    """Through the API: a circle, a member with an open need, and a shop's token."""
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post(
            "/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY},
            headers=admin["headers"],
        ).json()  # fmt: skip
        shopkeeper = _member(http, "Reshma", circle["id"])
        business = http.post(
            "/v1/businesses",
            json={"circle_id": circle["id"], "name": "Bakkerij Javaplein", "kind": "bakery"},
            headers=shopkeeper["headers"],
        ).json()
        issue = {"principal_kind": "business", "principal_id": business["id"]}
        shop = http.post("/v1/auth/tokens/issue", json=issue, headers=shopkeeper["headers"]).json()
        resident = _member(http, "Bram", circle["id"])
        need = http.post(
            "/v1/intents",
            json={"circle_id": circle["id"], "category": "food/bread", "text": "two loaves",
                  "area": {**HOME, "radius_m": 800}},
            headers=resident["headers"],
        )  # fmt: skip
        assert need.status_code == 201, need.text
    return {
        "circle": circle,
        "resident": resident,
        "shop": {"Authorization": f"Bearer {shop['token']}"},
    }


async def log_in(page: Page, site: str, email: str) -> None:
    await page.goto(f"{site}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


async def test_a_moment_arrives_live_and_is_accepted_on_the_page(
    site: str, chromium: Browser
) -> None:
    world = a_neighbourhood(site)
    context = await new_context(chromium)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await log_in(page, site, world["resident"]["email"])
    await expect(page.locator("#moments-live")).to_be_visible()  # the stream is open
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await page.evaluate("window.notReloaded = true")

    offer = httpx.post(
        f"{site}/v1/offers",
        json={"circle_id": world["circle"]["id"], "category": "food/bread",
              "title": "Sourdough, fresh from 7:00", "area": {**HOME, "radius_m": 800},
              "price": 4.95},
        headers=world["shop"],
    )  # fmt: skip
    assert offer.status_code == 201, offer.text

    arrived = page.locator(".moment").filter(has_text="Sourdough, fresh from 7:00")
    await expect(arrived).to_be_visible()
    assert await page.evaluate("window.notReloaded") is True
    await look(page, "home-moment")
    await arrived.get_by_role("button", name="Accept").click()
    await expect(arrived.get_by_role("button", name="Done")).to_be_visible()
    assert await page.evaluate("window.notReloaded") is True  # accepted in place
    assert errors == []
    await context.close()


async def test_a_need_is_published_with_the_keyboard_alone(site: str, chromium: Browser) -> None:
    world = a_neighbourhood(site)
    context = await new_context(chromium, width=1280)
    page = await context.new_page()
    await log_in(page, site, world["resident"]["email"])
    await page.get_by_role("link", name="Publish a need").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Publish a need")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "need-where")
    await page.locator("svg.map a").nth(20).focus()  # a hexagon, reached as a link
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("What do you need?")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await page.get_by_label("What do you need?").focus()
    await page.keyboard.press("Tab")  # something else
    await page.keyboard.press("Tab")
    await page.keyboard.type("a ladder for an afternoon")
    await page.get_by_role("button", name="Publish").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="a ladder for an afternoon")).to_be_visible()
    await look(page, "need")
    await context.close()
