"""Pages speak the visitor's language, the switch remembers a choice, and a browser gets HTML
error pages where the API answers problem+json."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.pages.forms import submit

HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_the_browsers_language_decides_until_the_visitor_chooses(client: TestClient) -> None:
    dutch = client.get("/login", headers={**HTML, "Accept-Language": "nl-NL,nl;q=0.9"})
    assert '<html lang="nl">' in dutch.text
    assert "Inloggen" in dutch.text
    assert dutch.headers["content-language"] == "nl"
    english = client.get("/login", headers=HTML)  # the page tests' browser asks for English
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text

    chosen = submit(
        client, "/language", {"language": "nl", "next": "/login"}, follow_redirects=False
    )
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/login")
    assert "buurt_lang=nl" in chosen.headers["set-cookie"]
    assert "Inloggen" in client.get("/login").text  # the choice beats the browser's English
    submit(client, "/language", {"language": "en", "next": "/login"})
    assert "Log in" in client.get("/login").text


def test_a_language_switch_goes_back_only_to_this_site(client: TestClient) -> None:
    away = submit(
        client, "/language", {"language": "nl", "next": "https://evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert away.headers["location"] == "/"


def test_a_browser_gets_an_html_404_and_the_api_a_problem(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={**HTML, "Accept-Language": "nl"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Niet gevonden" in page.text
    api = client.get("/v1/no/such/thing", headers=HTML)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    plain = client.get("/no/such/page", headers={"Accept": "application/json"})  # no browser
    assert plain.headers["content-type"] == "application/problem+json"


def test_a_wrong_method_on_a_page_is_an_html_page(client: TestClient) -> None:
    page = client.delete("/login", headers=HTML)
    assert page.status_code == 405
    assert page.headers["content-type"].startswith("text/html")
    assert "Not possible here" in page.text
