"""``/docs`` in a real browser with no way off the server: Swagger UI, served from the
package, renders the API under the pages' Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Route, expect

from tests.e2e.browser.conftest import look, new_context

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def test_the_api_docs_render_offline(chromium: Browser, site: str) -> None:
    context = await new_context(chromium, width=1280)
    origin = urlsplit(site).netloc
    elsewhere: list[str] = []
    ours: list[str] = []

    async def offline(route: Route) -> None:
        # As on a machine without internet: only the server itself answers.
        url = route.request.url
        if urlsplit(url).netloc == origin:
            ours.append(url)
            await route.continue_()
        else:
            elsewhere.append(url)
            await route.abort()

    await context.route("**/*", offline)
    page = await context.new_page()
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            refused.append(message.text)

    page.on("console", console)
    await page.goto(f"{site}/docs")

    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Buurt API")
    await expect(page.locator(".opblock-tag").first).to_be_visible()
    # Every tag is listed, folded (the API has some 170 operations); a tap opens one.
    await expect(page.locator(".opblock-tag").nth(19)).to_be_visible()
    await page.locator(".opblock-tag").first.click()
    await expect(page.locator(".opblock").first).to_be_visible()
    operations = await page.locator(".opblock-tag").count()
    await page.locator(".opblock-summary").first.click()  # the UI answers, not just renders
    await expect(page.locator(".opblock-body").first).to_be_visible()
    await look(page, "api-docs")
    await context.close()

    assert operations > 20  # tags
    assert elsewhere == []
    assert any(url.endswith("/openapi.json") for url in ours)  # the positive control
    assert refused == [], refused  # no CSP refusal, no failed script
