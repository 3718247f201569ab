"""The API answers on both databases (resource tests live in ``tests/e2e/api``)."""

from fastapi.testclient import TestClient

import buurt


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": buurt.__version__}
