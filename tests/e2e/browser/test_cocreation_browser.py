"""Co-creation in a real browser: a neighbour pledges to a shop's campaign on the proposal's
page, with the keyboard, changes the pledge, and sees it counted; the page passes axe-core and
is looked at at 375 px and 1280 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.actors import BOUNDARY, HOME
from tests.e2e.browser.conftest import look, new_context, serious_violations, summary
from tests.e2e.browser.test_resident_browser import _member, log_in
from tests.e2e.browser.test_shop_browser import _admit

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def test_a_neighbour_pledges_to_a_campaign_and_changes_the_pledge(
    site: str, chromium: Browser
) -> None:
    with httpx.Client(base_url=site) as http:
        admin = _member(http, "Adriana")
        circle = http.post("/v1/circles", json={"name": "Javaplein", "boundary": BOUNDARY},
                           headers=admin["headers"]).json()  # fmt: skip
        owner = _member(http, "Reshma", circle["id"])
        _admit(http, admin, owner, circle["id"])
        bakery = {"circle_id": circle["id"], "name": "Bakkerij Javaplein", "kind": "bakery"}
        shop = http.post("/v1/businesses", headers=owner["headers"], json=bakery).json()
        http.post(f"/v1/businesses/{shop['id']}/sites", headers=owner["headers"],
                  json={"name": "Javaplein 21", "place": HOME})  # fmt: skip
        resident = _member(http, "Bram", circle["id"])
        _admit(http, admin, resident, circle["id"])  # verified neighbours pledge
        proposal = http.post("/v1/proposals", headers=resident["headers"], json={
            "circle_id": circle["id"], "title": "Rye bread on Sundays",
            "description": "A dark rye, baked on Sunday mornings.", "category": "food/bread",
            "price_idea": 4.5})  # fmt: skip
        assert proposal.status_code == 201, proposal.text
        deadline = (datetime.now(UTC) + timedelta(days=10)).isoformat()
        campaign = http.post("/v1/campaigns", headers=owner["headers"], json={
            "proposal_id": proposal.json()["id"], "business_id": shop["id"], "unit_price": 4.75,
            "threshold_kind": "pledges", "threshold": 10, "deadline": deadline})  # fmt: skip
        assert campaign.status_code == 201, campaign.text

    context = await new_context(chromium)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await log_in(page, site, resident["email"])
    await page.get_by_role("link", name="Rye bread on Sundays").click()  # home's campaigns
    await expect(page.locator("h1")).to_have_text("Rye bread on Sundays")
    units = page.get_by_label("Units")
    await units.fill("3")
    await units.press("Enter")  # the keyboard alone submits the pledge
    await expect(page.get_by_role("button", name="Change my pledge")).to_be_visible()
    await expect(page.get_by_text("1 of 10 so far")).to_be_visible()
    await look(page, "pledged")
    assert not (found := await serious_violations(page)), summary(found)

    await page.get_by_label("Units").fill("5")
    await page.get_by_role("button", name="Change my pledge").click()
    await expect(page.get_by_label("Units")).to_have_value("5")
    with httpx.Client(base_url=site) as http:
        got = http.get(f"/v1/campaigns/{campaign.json()['id']}", headers=resident["headers"])
    assert (got.json()["pledges"], got.json()["units"]) == (1, 5)

    await page.get_by_role("button", name="Withdraw my pledge").click()
    await expect(page.get_by_role("button", name="Pledge", exact=True)).to_be_visible()
    assert errors == []
    await context.close()
