"""Both languages are complete: every string a page shows is wrapped for translation, and
every wrapped string has its Dutch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from buurt.web import i18n

TEMPLATES = i18n.WEB / "templates"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Attributes a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = re.compile(r'\b(?:alt|title|placeholder|aria-label)="([^"]*)"')


def _catalog() -> dict[str, str]:
    with (i18n.LOCALES_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="nl")
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else m.string[0]
        )
        for m in catalog
        if m.id and "fuzzy" not in m.flags
    }


def test_every_string_of_the_pages_has_its_dutch() -> None:
    catalog = _catalog()
    wanted = {m if isinstance(m, str) else m[0] for _, m, _ in i18n.extracted()}
    assert len(wanted) > 50, "the positive control: the pages' strings were found"
    missing = sorted(m for m in wanted if not catalog.get(m))
    assert missing == [], f"untranslated; run `python -m buurt.web.i18n` and translate: {missing}"


def test_translations_keep_their_placeholders() -> None:
    for message, translation in _catalog().items():
        if translation:
            assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(translation)), (
                message
            )


def _unwrapped(source: str) -> list[str]:
    """Text of a template that a person would read but that is not in ``_()``."""
    # A block of attributes (``main_attrs``) is markup, not text.
    text = re.sub(r"\{% block \w+_attrs %\}.*?\{% endblock %\}", "", source, flags=re.S)
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", "", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    found = [a for a in READ_ATTRIBUTES.findall(text) if re.search(r"[A-Za-z]", a)]
    without_tags = re.sub(r"<[^>]*>", "\n", text)
    for line in without_tags.splitlines():
        words = re.sub(r"&\w+;|&#\d+;", "", line).strip(" ·()|:,.\u2013-")
        if re.search(r"[A-Za-z]{2,}", words) and words != "Buurt":
            found.append(words)
    return found


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_a_template_shows_no_text_outside_translation(template: Path) -> None:
    assert _unwrapped(template.read_text()) == []


def test_the_lint_catches_bare_text() -> None:
    assert _unwrapped('<p>Hello <b>{{ name }}</b></p><img alt="A map">') == ["A map", "Hello"]
    assert _unwrapped('<p>{{ _("Hello") }}</p><img alt="{{ _(\'A map\') }}">') == []


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "nl"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.5,nl;q=0.8", "nl"),
        (None, "fr, en;q=0.1", "en"),
        ("en", "nl-NL", "en"),
        ("xx", "en", "en"),
        (None, "en;q=zero, nl", "nl"),
    ],
)
def test_the_language_is_the_choice_then_the_browsers_then_dutch(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.choose(cookie, header) == expected


def test_formats_follow_the_language() -> None:
    token = i18n.use("nl")
    try:
        assert i18n.format_money(4.95).replace("\xa0", " ") == "€ 4,95"
        assert i18n._("Log in") == "Inloggen"
        assert i18n.format_number(1234.5, 1).replace("\xa0", " ") == "1.234,5"
    finally:
        i18n.reset(token)
    token = i18n.use("en")
    try:
        assert i18n.format_money(4.95) == "€4.95"
        assert i18n._("Log in") == "Log in"
    finally:
        i18n.reset(token)
