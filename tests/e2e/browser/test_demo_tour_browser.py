"""Every main page, in the demo, in a real browser: the demo member's, the shopkeeper's and the
admin's pages open on the demo's data, pass axe-core, and are looked at at 375 px and 1280 px.

The flows have their own tests; this one holds that no page is left out of a browser, and that
each works on the neighbourhood a visitor of ``buurt demo`` sees."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from buurt.demo.people import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    NEIGHBOUR_PASSWORD,
)
from tests.e2e.browser.conftest import look, new_context, serious_violations, summary
from tests.servers import running_buurt

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
SHOPKEEPER = re.compile(r"([\w.+-]+@example\.org) \(owns")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``buurt demo`` on a SQLite file of its own, its life switched off; its URL and the
    shopkeeper its banner names."""
    root = tmp_path_factory.mktemp("demo")
    env = {"BUURT_LOG_LEVEL": "warning", "BUURT_DEMO_LIFE_SECONDS": "0"}
    log = root / "demo.log"
    with running_buurt(f"sqlite:///{root}/demo.db", log, env=env, command="demo") as server:
        found = SHOPKEEPER.search(" ".join(log.read_text().split()))
        assert found is not None, log.read_text()[-2000:]
        yield server.base_url, found[1]


# The login form's words in each language the tour uses.
WORDS = {
    "en": ("Email", "Password", "Log in", "Log out"),
    "nl": ("E-mail", "Wachtwoord", "Inloggen", "Uitloggen"),
}


async def _log_in(page: Page, site: str, email: str, password: str, language: str = "en") -> None:
    email_label, password_label, log_in, log_out = WORDS[language]
    await page.goto(f"{site}/login")
    await page.get_by_label(email_label, exact=True).fill(email)
    await page.get_by_label(password_label, exact=True).fill(password)
    await page.get_by_role("button", name=log_in).click()
    await expect(page.get_by_role("button", name=log_out)).to_be_visible()


async def _visit(page: Page, site: str, path: str, name: str) -> None:
    answer = await page.goto(f"{site}{path}")
    assert answer is not None
    assert answer.status == 200, (path, answer.status)
    assert not (found := await serious_violations(page)), (path, summary(found))
    await look(page, f"demo-{name}")


def _first(site: str, path: str, token: str, key: str = "items") -> str:
    with httpx.Client(base_url=site, headers={"Authorization": f"Bearer {token}"}) as http:
        ident: str = http.get(path).json()[key][0]["id"]
    return ident


def _token(site: str, email: str, password: str) -> str:
    login = httpx.post(f"{site}/v1/auth/tokens", json={"email": email, "password": password})
    token: str = login.json()["token"]
    return token


async def test_every_main_page_of_the_demo_opens_and_passes_axe(
    demo: tuple[str, str], chromium: Browser
) -> None:
    site, shopkeeper = demo
    member = _token(site, DEMO_EMAIL, DEMO_PASSWORD)
    thing = _first(site, "/v1/things", member)
    proposal = _first(site, "/v1/proposals", member)
    bakery = _first(site, "/v1/businesses", member)
    errors: list[str] = []

    context = await new_context(chromium)
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _log_in(page, site, DEMO_EMAIL, DEMO_PASSWORD)
    for path, name in [
        ("/", "home"), ("/needs/new", "need-where"), ("/stock?category=food/bread", "stock"),
        ("/reservations", "reservations"), ("/consent", "consent"), ("/settings", "settings"),
        ("/things", "things"), (f"/things/{thing}", "thing"), ("/map", "map"),
        ("/circle", "circle"), ("/proposals", "proposals"), (f"/proposals/{proposal}", "proposal"),
        (f"/shops/{bakery}", "shop-public"),
    ]:  # fmt: skip
        await _visit(page, site, path, name)
    await context.close()

    context = await new_context(chromium)
    page = await context.new_page()
    await _log_in(page, site, shopkeeper, NEIGHBOUR_PASSWORD)
    await page.get_by_role("link", name="My shop").click()
    await expect(page.locator("h1")).to_be_visible()
    shop = page.url.rsplit("/", 1)[-1]
    for path, name in [(f"/shop/{shop}", "shop"), (f"/shop/{shop}/demand", "shop-demand")]:
        await _visit(page, site, path, name)
    await context.close()

    context = await new_context(chromium)
    page = await context.new_page()
    await _log_in(page, site, ADMIN_EMAIL, ADMIN_PASSWORD)
    await _visit(page, site, "/admin", "admin")
    await context.close()

    # Dutch words are longer: the admin's tables and the resident's home, in Dutch.
    context = await new_context(chromium, locale="nl-NL")
    page = await context.new_page()
    await _log_in(page, site, ADMIN_EMAIL, ADMIN_PASSWORD, "nl")
    for path, name in [("/admin", "admin-nl"), ("/", "home-nl"), ("/consent", "consent-nl")]:
        await _visit(page, site, path, name)
    await context.close()
    assert errors == []
