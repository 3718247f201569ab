"""A resident signs up in a real browser, confirms the address from the mail the SMTP server
received, logs in and finds the map; the pages pass axe-core in both languages, and work with
the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.browser.conftest import look, new_context, serious_violations, summary
from tests.mail import Inbox, link_in

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]
PASSWORD = "een goed lang wachtwoord"


async def test_a_resident_signs_up_confirms_and_logs_in(
    site: str, chromium: Browser, inbox: Inbox
) -> None:
    context = await new_context(chromium, locale="nl-NL")
    page = await context.new_page()
    await page.goto(f"{site}/signup")
    await expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "signup-nl")
    await page.get_by_label("Je naam").fill("Fatima")
    await page.get_by_label("E-mail").fill("fatima.browser@example.org")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.get_by_role("heading", name="Kijk in je mail")).to_be_visible()

    link = link_in(inbox.to("fatima.browser@example.org"), "/confirm")
    await page.goto(f"{site}{link}")
    await expect(page.get_by_role("heading", name="Je adres is bevestigd")).to_be_visible()
    await page.get_by_role("link", name="Inloggen").first.click()
    await page.get_by_label("E-mail").fill("fatima.browser@example.org")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    await context.close()


async def test_the_login_page_works_by_keyboard_and_switches_language(
    site: str, chromium: Browser
) -> None:
    context = await new_context(chromium, locale="en-GB", width=1280)
    page = await context.new_page()
    await page.goto(f"{site}/login")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await page.get_by_role("button", name="Nederlands").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "login-nl")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert await serious_violations(page) == [], summary(await serious_violations(page))
    await look(page, "login-en")
    await context.close()
