"""The pages install as an app: a manifest with icons that are served, a service worker that
may look after every page, an offline page; logging out leaves nothing of the pages behind."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.actors import World
from tests.e2e.pages.forms import submit


def test_the_manifest_names_icons_that_are_served(client: TestClient) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert (body["start_url"], body["display"]) == ("/", "standalone")
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert 'rel="manifest"' in client.get("/login").text


def test_the_service_worker_is_served_for_the_whole_site(client: TestClient) -> None:
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    for cached in ("/static/buurt.css", "/static/app.js", "/offline"):
        assert cached in worker.text
        assert client.get(cached).status_code == 200


def test_logging_out_clears_what_the_browser_kept(client: TestClient, world: World) -> None:
    client.cookies.set("buurt_session", world.bob.token)
    out = submit(client, "/logout", {}, page="/", follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["clear-site-data"] == '"cache", "storage"'
