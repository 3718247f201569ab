"""``buurt admin``: set up an instance from the shell (first circle and admin, tokens, lists).

Thin: each command builds the instance (migrating a fresh database first), calls one use case
of ``services.community.operators`` and prints the result, as a Rich table or, with
``--json``, as JSON. ``--quiet`` prints the new id alone, for ``ID=$(buurt admin ...)``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import available_timezones

import h3
import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table

from buurt.bootstrap import build
from buurt.cli.admin_letters import letters_command
from buurt.cli.options import DatabaseOption, command_group, settings_with
from buurt.domain.community import Business, Circle, Member, Thing
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place
from buurt.domain.tokens import AccessToken
from buurt.services.community import operators
from buurt.services.context import Services

app = command_group("Set up an instance: its first circle and admin, tokens, and what exists.")
circle_app = command_group("Create circles.")
member_app = command_group("Create members and make them admins.")
token_app = command_group("Issue and revoke bearer tokens.")
app.add_typer(circle_app, name="circle")
app.add_typer(member_app, name="member")
app.add_typer(token_app, name="token")
app.command("letters")(letters_command)
console = Console()


def _checked(kind: str, rule: str) -> Callable[[str | None], str | None]:
    """A callback that holds an option to the rule the API holds the same field to (``kind``
    names the API's type); ``rule`` says it in words (the API's patterns are no help at a
    shell). The API's types are imported when a value is checked, not when the CLI starts:
    they bring the whole web app, a second's start for ``buurt --help``."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        from buurt.web.api import members, schemas

        types = {"Name": schemas.Name, "Text": schemas.Text, "Email": members.Email}
        adapter: TypeAdapter[str] = TypeAdapter(types[kind])
        try:
            return adapter.validate_python(value)
        except ValidationError:
            raise typer.BadParameter(f"{value!r}: {rule}") from None

    return check


NAME = _checked("Name", "a name has 1 to 200 characters, not only spaces")
TEXT = _checked("Text", "at most 2000 characters")
EMAIL = _checked("Email", "an email address looks like ada@example.org")


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the new id (the secret, for a token).")
]


class Listing(StrEnum):
    circles = "circles"
    members = "members"
    businesses = "businesses"
    things = "things"
    tokens = "tokens"


@contextmanager
def _services(db: str | None) -> Iterator[Services]:
    instance = build(settings_with(db))
    try:
        yield instance.services
    finally:
        instance.close()


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


# What ``list`` shows of each kind: (column, value) pairs; never a password hash or digest.
Row = Callable[[Any], dict[str, Any]]
ROWS: dict[type, Row] = {
    Circle: lambda c: {
        "id": c.id,
        "name": c.name,
        "timezone": c.timezone,
        "boundary": f"vertices: {len(c.boundary.polygon)}"
        if c.boundary.polygon
        else f"H3 cells: {len(c.boundary.cells)}",
        "created_at": _when(c.created_at),
    },
    Member: lambda m: {
        "id": m.id,
        "name": m.name,
        "email": m.email,
        "created_at": _when(m.created_at),
    },
    Business: lambda b: {
        "id": b.id,
        "name": b.name,
        "circle_id": b.circle_id,
        "owner_member_id": b.owner_member_id,
        "created_at": _when(b.created_at),
    },
    Thing: lambda t: {
        "id": t.id,
        "name": t.name,
        "kind": t.kind.value,
        "circle_id": t.circle_id,
        "owner": f"{t.owner_kind.value} {t.owner_id}",
        "created_at": _when(t.created_at),
    },
    AccessToken: lambda t: {
        "id": t.id,
        "for": f"{t.principal_kind.value} {t.principal_id}",
        "label": t.label,
        "created_at": _when(t.created_at),
        "expires_at": _when(t.expires_at),
        "revoked_at": _when(t.revoked_at),
    },
}


def _rows(entities: Sequence[Any]) -> list[dict[str, Any]]:
    return [ROWS[type(entity)](entity) for entity in entities]


def _print(title: str, rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ("id",):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("-" if value is None else str(value) for value in row.values()))
    console.print(table)


def _created(what: str, row: dict[str, Any], as_json: bool, quiet: bool) -> None:
    if quiet:
        typer.echo(row["id"])
    elif as_json:
        typer.echo(json.dumps(row, indent=2))
    else:
        _card(f"Created {what}", row)


def _card(title: str, row: dict[str, Any]) -> None:
    """One entity as field/value lines: a wide row would wrap its ids mid-word."""
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for column, value in row.items():
        table.add_row(column, "-" if value is None else str(value))
    console.print(table)


@app.command("list")
def list_command(
    what: Annotated[Listing, typer.Argument(help="What to list.")],
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the circles, members, businesses, things or tokens of the instance."""
    with _services(db) as services:
        entities = operators.inventory(services, what.value)
    _print(f"{len(entities)} {what.value}", _rows(entities), as_json)


def _boundary(geojson: Path | None, cells: list[str]) -> Boundary:
    if (geojson is None) == (not cells):
        raise typer.BadParameter(
            "give either --geojson FILE or one or more --cell", param_hint="'--geojson' / '--cell'"
        )
    if cells:
        for cell in cells:
            if not h3.is_valid_cell(cell):
                raise typer.BadParameter(f"{cell!r} is not an H3 cell", param_hint="--cell")
        return Boundary(cells=frozenset(cells))
    assert geojson is not None
    return Boundary(polygon=_polygon(geojson))


def _polygon(path: Path) -> tuple[Place, ...]:
    """The outer ring of the one Polygon in a GeoJSON file (a geometry, a Feature, or a
    FeatureCollection of one Feature), as places; GeoJSON writes ``[lon, lat]``."""
    hint = "--geojson"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise typer.BadParameter(f"cannot read {path}: {error}", param_hint=hint) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise typer.BadParameter("a FeatureCollection of exactly one Feature", param_hint=hint)
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") != "Polygon":
        raise typer.BadParameter("the file holds no GeoJSON Polygon", param_hint=hint)
    try:
        ring = [(float(lat), float(lon)) for lon, lat, *_ in data["coordinates"][0]]
    except (KeyError, IndexError, TypeError, ValueError):
        raise typer.BadParameter(
            "a Polygon's coordinates are rings of [lon, lat]", param_hint=hint
        ) from None
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()  # GeoJSON closes its rings; a boundary's ring is closed implicitly
    return tuple(Place(lat, lon) for lat, lon in ring)


def _timezone(value: str) -> str:
    if value not in available_timezones():
        raise typer.BadParameter(f"{value!r} is not an IANA timezone name like Europe/Amsterdam")
    return value


@circle_app.command("create")
def create_circle(
    name: Annotated[str, typer.Option(callback=NAME, help="The circle's name.")],
    admin: Annotated[str, typer.Option(help="Email or id of the member who administers it.")],
    geojson: Annotated[
        Path | None, typer.Option(help="Boundary: a GeoJSON file with one Polygon.")
    ] = None,
    cell: Annotated[
        list[str] | None, typer.Option(help="Boundary: an H3 cell (repeat for more).")
    ] = None,
    timezone: Annotated[
        str, typer.Option(callback=_timezone, help="IANA timezone of its hours.")
    ] = "Europe/Amsterdam",
    description: Annotated[str, typer.Option(callback=TEXT, help="What the circle is.")] = "",
    db: DatabaseOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Create a circle; --admin (an existing member) administers it."""
    boundary = _boundary(geojson, cell or [])
    with _services(db) as services:
        circle = operators.create_circle(
            services,
            admin=admin,
            name=name,
            boundary=boundary,
            timezone=timezone,
            description=description,
        )
    _created("circle", ROWS[Circle](circle), as_json, quiet)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@member_app.command("create")
def create_member(
    name: Annotated[str, typer.Option(callback=NAME, help="The member's name.")],
    email: Annotated[str, typer.Option(callback=EMAIL, help="Their email address (their login).")],
    admin_of: Annotated[
        str | None, typer.Option("--admin-of", help="Make them admin of this circle (its id).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input."),
    ] = False,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Create a member (the password is asked for, or read with --password-stdin)."""
    password = _password(password_stdin)
    with _services(db) as services:
        member = operators.create_member(
            services, name=name, email=email, password=password, admin_of=admin_of
        )
    _created("member", ROWS[Member](member), as_json, quiet)


@member_app.command("make-admin")
def make_admin(
    circle: Annotated[str, typer.Argument(help="The circle's id.")],
    member: Annotated[str, typer.Argument(help="The member's email or id.")],
    db: DatabaseOption = None,
) -> None:
    """Make a member an admin of a circle (joining it when they are not in it)."""
    with _services(db) as services:
        membership = operators.make_admin(services, circle, member)
    console.print(f"{membership.member_id} administers {membership.circle_id}.")


@token_app.command("issue")
def issue_token(
    member: Annotated[str | None, typer.Option(help="For this member (email or id).")] = None,
    business: Annotated[str | None, typer.Option(help="For this business (id).")] = None,
    thing: Annotated[str | None, typer.Option(help="For this thing (id).")] = None,
    label: Annotated[
        str, typer.Option(callback=NAME, help="What the token is for.")
    ] = "issued by an operator",
    expires: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
            metavar="ISO-8601",
            help="When it stops working (ISO 8601; UTC without an offset). Default: never.",
        ),
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Issue a bearer token for a member, business or thing; its secret is shown only now."""
    chosen = [(k, v) for k, v in ((PartyKind.MEMBER, member), (PartyKind.BUSINESS, business),
              (PartyKind.THING, thing)) if v is not None]  # fmt: skip
    if len(chosen) != 1:
        raise typer.BadParameter(
            "give exactly one of them", param_hint="'--member' / '--business' / '--thing'"
        )
    kind, ref = chosen[0]
    expires_at = (
        None if expires is None else (expires if expires.tzinfo else expires.replace(tzinfo=UTC))
    )
    with _services(db) as services:
        token, secret = operators.issue_token(services, kind, ref, label, expires_at)
    if quiet:
        typer.echo(secret)
        return
    row = {**ROWS[AccessToken](token), "secret": secret}
    if as_json:
        typer.echo(json.dumps(row, indent=2))
        return
    _card("Issued token", row)
    console.print("[bold]The secret is shown only now[/bold]: it goes in `Authorization: Bearer`.")


@token_app.command("revoke")
def revoke_token(
    token: Annotated[str, typer.Argument(help="The token's id (tok_...) or its secret (bu_...).")],
    db: DatabaseOption = None,
) -> None:
    """Revoke a token: the next request with it is refused."""
    with _services(db) as services:
        revoked = operators.revoke_token(services, token)
    console.print(f"Token {revoked.id} revoked at {_when(revoked.revoked_at)}.")
