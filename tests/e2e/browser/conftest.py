"""Browser tests: Debian's Chromium driven by Playwright against a real ``buurt serve`` on a
free loopback port, with its mail going to a real SMTP server on loopback.

``look(page, name)`` saves the page at 375 px and at 1280 px under ``test-artifacts/``
(git-ignored), and ``serious_violations(page)`` runs axe-core (vendored under tests/assets)
on it and returns the serious and critical violations.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.mail import Inbox, smtp_server
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
ROOT = Path(__file__).parents[3]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "assets" / "axe-4.10.2.min.js"
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[str]:
    """``buurt serve`` on a SQLite file of its own, mailing through ``inbox``."""
    root = tmp_path_factory.mktemp("site")
    env = {
        "BUURT_PASSWORD_PROFILE": "CHEAPEST",
        "BUURT_LOG_LEVEL": "warning",
        "BUURT_MAIL_URL": inbox.url,
    }
    with running_buurt(f"sqlite:///{root}/buurt.db", root / "server.log", env=env) as buurt:
        yield buurt.base_url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


async def new_context(
    browser: Browser, *, locale: str = "en-GB", width: int = 375
) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": width, "height": 900}, locale=locale, service_workers="block"
    )


async def look(page: Page, name: str) -> None:
    """Save the page as it is at 375 px and at 1280 px wide, then put the width back; at
    each width nothing may stick out sideways (a page read on a phone scrolls down only)."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size or {"width": WIDTHS[0], "height": 900}
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px: {await _widest(page)}"
    await page.set_viewport_size(before)


async def _widest(page: Page) -> str:
    """The element that sticks out furthest on the right, to name it in a failure."""
    found: str = await page.evaluate(
        """() => {
            let worst = null, right = 0;
            for (const el of document.body.querySelectorAll("*")) {
                const r = el.getBoundingClientRect().right;
                if (r > right) { right = r; worst = el; }
            }
            if (!worst) return "";
            return `${worst.tagName.toLowerCase()}.${worst.className} ends at ${right}`;
        }"""
    )
    return found


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.evaluate(AXE.read_text())  # evaluated by the driver: the page's CSP stays on
    result = await page.evaluate("async () => JSON.stringify(await axe.run())")
    violations: list[dict[str, Any]] = json.loads(result)["violations"]
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def summary(violations: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in violations
    )
