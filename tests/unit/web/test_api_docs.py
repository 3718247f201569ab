"""``/docs`` is Swagger UI from the package: every asset it names is local and served, under
a Content-Security-Policy that allows no inline script. (In a browser: tests/e2e/browser.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurt.bootstrap import assemble
from buurt.config import Settings
from buurt.testing import MemoryStore
from buurt.web import api_docs
from buurt.web.app import create_app

VENDOR = Path(api_docs.__file__).parent / "static" / "vendor"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(assemble(Settings(), MemoryStore()), workers=False)) as client:
        yield client


def test_the_docs_page_names_only_assets_of_this_server(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3  # a stylesheet and two scripts, at least
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "<script>" not in page.text  # every script is a file
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset
    assert client.get("/openapi.json").json()["info"]["title"] == "Buurt API"


def test_the_vendored_swagger_ui_is_the_version_named_with_its_licence() -> None:
    folder = VENDOR / f"swagger-ui-{api_docs.SWAGGER_UI_VERSION}"
    bundle = (folder / "swagger-ui-bundle.js").read_text()

    assert "Apache License" in (folder / "LICENSE").read_text()
    assert api_docs.SWAGGER_UI_VERSION in (VENDOR / "LICENSES.md").read_text()
    assert "SwaggerUIBundle" in bundle
    # No CDN left behind: a stray versioned URL would make the page depend on the internet.
    assert "cdn.jsdelivr.net" not in bundle
    assert "unpkg.com" not in bundle


def test_no_other_viewer_is_left_on_a_cdn(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
