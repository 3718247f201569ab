"""Posting a page's form as a browser would: first the page (for the CSRF cookie and field)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, page: str = "/login") -> str:
    found = CSRF.search(client.get(page).text)
    assert found is not None, f"{page} has no form with a CSRF field"
    return found[1]


def submit(
    client: TestClient, path: str, data: dict[str, str], page: str = "/login", **kw: Any
) -> Any:
    """Post ``data`` to ``path`` with the CSRF token of ``page``."""
    return client.post(path, data={**data, "csrf": csrf_of(client, page)}, **kw)
