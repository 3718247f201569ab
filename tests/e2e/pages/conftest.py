"""Page tests read English pages unless a test asks for Dutch (the browser's language decides,
``buurt.web.i18n``), and post forms the way a browser does: with the CSRF token of a page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def english(client: TestClient) -> None:
    """The test client asks as a browser would: HTML first, in English."""
    client.headers["Accept-Language"] = "en"
    client.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
