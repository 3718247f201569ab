"""Two languages for the pages: Dutch and English, through gettext catalogs (Babel).

Templates and page code are written in English and wrap every text a person reads in
``_()``; ``web/locales/nl/LC_MESSAGES/messages.po`` holds the Dutch. The language of a request
is the one the visitor chose (the ``buurt_lang`` cookie, set by the switch in the page header),
else the best match of the browser's ``Accept-Language``, else Dutch, the neighbourhood's
language. Dates, numbers and money are formatted the way that language writes them.

The catalogs are read from their ``.po`` files and compiled in memory once per process, so no
compiled files are kept in the repository. ``python -m buurt.web.i18n`` extracts the strings
of the templates and page code and merges them into the catalogs (new ones untranslated), and
``tests/unit/web/test_i18n.py`` fails while any is untranslated.
"""

from __future__ import annotations

import contextvars
import functools
import io
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

WEB = Path(__file__).resolve().parent
LOCALES_DIR = WEB / "locales"
LANGUAGES = ("nl", "en")
DEFAULT = "nl"
NAMES = {"nl": "Nederlands", "en": "English"}
COOKIE = "buurt_lang"
CURRENCY = "EUR"
# Where the strings are: page code (``_("...")``) and templates (``{{ _("...") }}``).
METHODS = [
    ("pages/**.py", "python"),
    ("*.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("buurt_language", default=DEFAULT)


def _po(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (English is the source: it translates nothing)."""
    if language == "en" or not _po(language).exists():
        return Translations()
    with _po(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def current() -> str:
    return _language.get()


def use(language: str) -> contextvars.Token[str]:
    """Make ``language`` the current one (for this request, or this block of code)."""
    return _language.set(language if language in LANGUAGES else DEFAULT)


def reset(token: contextvars.Token[str]) -> None:
    _language.reset(token)


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The visitor's choice, else the browser's best match, else Dutch."""
    if cookie in LANGUAGES:
        return cookie
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _sep, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag:
            wanted.append((weight, tag.strip().replace("_", "-")))
    for _weight, tag in sorted(wanted, key=lambda w: -w[0]):
        found = Locale.negotiate([tag], list(LANGUAGES), sep="-")
        if found is not None:
            return str(found)
    return DEFAULT


def _(message: str, **values: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled in."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: Any) -> str:
    text = translations(current()).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark a string for extraction where it is defined, to be translated where it is shown."""
    return message


# -- formats -------------------------------------------------------------------------------------


def format_datetime(at: datetime | None, zone: tzinfo, style: str = "medium") -> str:
    """An instant on the circle's clock, as the language writes it ("3 dec. 2026 14:05")."""
    if at is None:
        return _("never")
    local = at.astimezone(zone)
    if style == "time":
        return dates.format_time(local, "short", locale=current())
    if style == "day":
        return dates.format_date(local, "medium", locale=current())
    # Day, month and time to the minute ("3 dec., 14:05"): what pages show is recent; "day"
    # writes the year.
    return dates.format_datetime(local, "d MMM, HH:mm", tzinfo=zone, locale=current())


def format_date(day: date) -> str:
    return dates.format_date(day, "long", locale=current())


def weekday_name(iso_day: int) -> str:
    """An ISO weekday (1 = Monday) as the language abbreviates it ("ma", "Mon")."""
    return str(dates.get_day_names("abbreviated", locale=current())[iso_day - 1])


def format_weekdays(iso_days: list[int]) -> str:
    """ISO weekdays as the language lists them: "ma, di, wo"."""
    return ", ".join(weekday_name(day) for day in sorted(iso_days))


def format_number(value: float, digits: int = 0) -> str:
    return numbers.format_decimal(round(value, digits), locale=current())


def format_money(amount: float | None) -> str:
    if not amount:
        return _("free")
    return numbers.format_currency(amount, CURRENCY, locale=current())


# -- keeping the catalogs current ------------------------------------------------------------


def extracted() -> Iterator[tuple[str, str | tuple[str, ...], int]]:
    """Every translatable string of the pages: (file, message id or its singular and plural,
    line)."""
    for filename, line, message, _comments, _context in extract_from_dir(
        WEB, METHODS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        yield filename, message, line
    # The names of the category taxonomy live with the domain, marked with its own N_.
    taxonomy = WEB.parent / "domain"
    for filename, line, message, _comments, _context in extract_from_dir(
        taxonomy, [("taxonomy.py", "python"), ("**.py", "ignore")], keywords={"N_": None}
    ):
        yield f"domain/{filename}", message, line


def update() -> dict[str, int]:
    """Merge the extracted strings into every catalog; how many each still lacks."""
    template = Catalog(project="Buurt")
    for filename, message, line in extracted():
        template.add(message, locations=[(filename, line)])
    missing: dict[str, int] = {}
    for language in LANGUAGES:
        if language == "en":
            continue
        path = _po(language)
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=language)
        else:
            catalog = Catalog(locale=language, project="Buurt")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalog, width=100, omit_header=False, sort_output=True)
        missing[language] = sum(1 for m in catalog if m.id and not m.string)
    return missing


if __name__ == "__main__":
    for language, count in update().items():
        print(f"{language}: {count} strings to translate in {_po(language)}")
