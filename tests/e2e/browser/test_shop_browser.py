"""A shop owner in a real browser: the same login acts for the shop, a neighbour's need
arrives live on the dashboard and is answered in one tap; the circle's page is voted on.
Every page passes axe-core, and is looked at at 375 px and 1280 px."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.actors import BOUNDARY, HOME
from tests.e2e.browser.conftest import look, new_context, serious_violations, summary
from tests.e2e.browser.test_resident_browser import PASSWORD, _member, log_in
from tests.mail import Inbox, link_in

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


def _admit(http: httpx.Client, admin: dict[str, Any], member: dict[str, Any], circle: str) -> None:
    """An admin's invite code, redeemed: the member becomes a verified neighbour."""
    base = f"/v1/circles/{circle}"
    code = http.post(f"{base}/admission-codes", json={"route": "invite"}, headers=admin["headers"])
    redeemed = http.post(f"{base}/admission-requests", json={"code": code.json()["code"]},
                         headers=member["headers"])  # fmt: skip
    assert redeemed.status_code == 201, redeemed.text


async def test_a_need_arrives_live_on_the_dashboard_and_is_answered_in_one_tap(
    site: str, chromium: Browser
) -> None:
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post("/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY},
                           headers=admin["headers"]).json()  # fmt: skip
        owner = _member(http, "Reshma", circle["id"])
        _admit(http, admin, owner, circle["id"])  # a verified neighbour: she proposes and votes
        bakery = {"circle_id": circle["id"], "name": "Bakkerij Javaplein", "kind": "bakery"}
        shop = http.post("/v1/businesses", headers=owner["headers"], json=bakery).json()
        site_made = http.post(f"/v1/businesses/{shop['id']}/sites", headers=owner["headers"],
                              json={"name": "Javaplein 21", "place": HOME})  # fmt: skip
        assert site_made.status_code == 201, site_made.text
        resident = _member(http, "Bram", circle["id"])
        granted = http.post("/v1/consents", headers=resident["headers"], json={
            "recipient_kind": "business", "recipient_id": shop["id"], "category": "intents",
            "purpose": "matching"})  # fmt: skip
        assert granted.status_code == 201, granted.text

    context = await new_context(chromium)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await log_in(page, site, owner["email"])
    await page.get_by_role("link", name="My shop").click()
    await expect(page.get_by_role("heading", name="Bakkerij Javaplein")).to_be_visible()
    await page.get_by_text("New offer").click()
    new_offer = page.locator(f'form[action="/shop/{shop["id"]}/offers"]')
    await new_offer.get_by_label("Title").fill("Sourdough, fresh from 7:00")
    await new_offer.get_by_label("Category").select_option("food/bread")
    await new_offer.get_by_label("Price (euro)").fill("4,95")
    await new_offer.get_by_role("button", name="Offer it").click()
    await expect(page.locator("#moments-live")).to_be_visible()  # the stream is open
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await page.evaluate("window.notReloaded = true")

    need = httpx.post(f"{site}/v1/intents", headers=resident["headers"], json={
        "circle_id": circle["id"], "category": "food/bread", "text": "two loaves",
        "area": {**HOME, "radius_m": 800}})  # fmt: skip
    assert need.status_code == 201, need.text
    arrived = page.locator(".moment").filter(has_text="two loaves")
    await expect(arrived).to_be_visible()
    await look(page, "shop-dashboard")
    await arrived.get_by_role("button", name="Accept").click()
    await expect(arrived.get_by_role("button", name="Done")).to_be_visible()
    assert await page.evaluate("window.notReloaded") is True  # answered in place

    await page.get_by_role("link", name="Public page").click()
    await expect(page.get_by_text("Sourdough, fresh from 7:00")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "shop-public")
    await page.goto(f"{site}/shop/{shop['id']}/demand")
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "shop-demand")

    await page.get_by_role("link", name="Our circle").click()
    await page.get_by_text("Propose a change").click()
    await page.get_by_label("New value (for a number)").fill("12")
    await page.get_by_role("button", name="Propose").click()
    await page.get_by_role("button", name="Yes").click()
    await expect(page.get_by_text("You voted: Yes")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "circle")
    assert errors == []
    await context.close()


async def test_the_shop_answers_a_need_live_the_resident_sees_it_and_a_revoked_grant_stops_it(
    site: str, chromium: Browser
) -> None:
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post("/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY},
                           headers=admin["headers"]).json()  # fmt: skip
        owner = _member(http, "Reshma", circle["id"])
        bakery = {"circle_id": circle["id"], "name": "Bakkerij Oost", "kind": "bakery"}
        shop = http.post("/v1/businesses", headers=owner["headers"], json=bakery).json()
        area = {**HOME, "radius_m": 800}
        rye = {"circle_id": circle["id"], "business_id": shop["id"], "category": "food/bread",
               "title": "Rye, baked at dawn", "area": area, "price": 4}  # fmt: skip
        offer = http.post("/v1/offers", headers=owner["headers"], json=rye)
        assert offer.status_code == 201, offer.text
        resident = _member(http, "Bram", circle["id"])
        granted = http.post("/v1/consents", headers=resident["headers"], json={
            "recipient_kind": "business", "recipient_id": shop["id"], "category": "intents",
            "purpose": "matching"})  # fmt: skip
        assert granted.status_code == 201, granted.text

    shop_context = await new_context(chromium, width=1280)
    shop_page = await shop_context.new_page()
    await log_in(shop_page, site, owner["email"])
    await shop_page.goto(f"{site}/shop/{shop['id']}")
    await expect(shop_page.locator("#moments-live")).to_be_visible()

    home_context = await new_context(chromium)
    home = await home_context.new_page()
    await log_in(home, site, resident["email"])
    await expect(home.locator("#moments-live")).to_be_visible()

    def need(text: str) -> None:
        made = httpx.post(f"{site}/v1/intents", headers=resident["headers"], json={
            "circle_id": circle["id"], "category": "food/bread", "text": text,
            "area": {**HOME, "radius_m": 800}})  # fmt: skip
        assert made.status_code == 201, made.text

    need("a loaf for Sunday")
    at_shop = shop_page.locator(".moment").filter(has_text="a loaf for Sunday")
    await expect(at_shop).to_be_visible()  # live on the shop's dashboard
    await at_shop.get_by_role("button", name="Accept").click()
    at_home = home.locator(".moment").filter(has_text="a loaf for Sunday")
    await expect(at_home.get_by_text("accepted")).to_be_visible()  # live at the resident's
    await at_home.get_by_role("button", name="Done").click()
    await expect(at_home.get_by_text("fulfilled")).to_be_visible()
    await look(home, "resident-answered")

    await home.goto(f"{site}/consent")
    await home.get_by_role("button", name="Revoke").first.click()
    await expect(home.get_by_text("Revoked on")).to_be_visible()
    need("a loaf for Monday")
    await shop_page.wait_for_timeout(2000)  # time enough for a moment to have arrived live
    assert await shop_page.locator(".moment").filter(has_text="a loaf for Monday").count() == 0
    await shop_page.reload()  # nor was it made: the page, read from the store, agrees
    assert await shop_page.locator(".moment").filter(has_text="a loaf for Monday").count() == 0
    await shop_context.close()
    await home_context.close()


async def test_a_newcomer_signs_up_joins_with_a_code_publishes_a_need_and_hears_an_offer(
    site: str, chromium: Browser, inbox: Inbox
) -> None:
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post("/v1/circles", json={"name": "Dapperbuurt", "boundary": BOUNDARY},
                           headers=admin["headers"]).json()  # fmt: skip
        code = http.post(f"/v1/circles/{circle['id']}/admission-codes", json={"route": "invite"},
                         headers=admin["headers"]).json()["code"]  # fmt: skip
        owner = _member(http, "Reshma", circle["id"])
        bakery = {"circle_id": circle["id"], "name": "Bakkerij Dapper", "kind": "bakery"}
        shop = http.post("/v1/businesses", headers=owner["headers"], json=bakery).json()

    context = await new_context(chromium)
    page = await context.new_page()
    email = "noor.browser@example.org"
    await page.goto(f"{site}/signup")
    await page.get_by_label("Your name").fill("Noor")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.goto(f"{site}{link_in(inbox.to(email), '/confirm')}")
    await log_in(page, site, email)
    await page.get_by_role("link", name="Join a circle").first.click()
    ours = page.locator("li.card", has_text="Dapperbuurt")  # the test site holds other circles
    await ours.get_by_label("Your code").fill(code)
    await ours.get_by_role("button", name="Join with this code").click()
    await expect(page.get_by_text("verified neighbour", exact=True)).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "join")

    await page.goto(f"{site}/needs/new?circle={circle['id']}&lat={HOME['lat']}&lon={HOME['lon']}")
    await page.get_by_label("What do you need?").select_option("food/bread")
    await page.get_by_label("In your own words (optional)").fill("a loaf of rye")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_text("a loaf of rye").first).to_be_visible()
    await page.goto(f"{site}/")
    await expect(page.locator("#moments-live")).to_be_visible()
    area = {**HOME, "radius_m": 800}
    rye = {"circle_id": circle["id"], "business_id": shop["id"], "category": "food/bread",
           "title": "Rye from the wood oven", "area": area, "price": 4}  # fmt: skip
    offered = httpx.post(f"{site}/v1/offers", headers=owner["headers"], json=rye)
    assert offered.status_code == 201, offered.text
    await expect(page.locator(".moment").filter(has_text="Rye from the wood oven")).to_be_visible()
    await context.close()
