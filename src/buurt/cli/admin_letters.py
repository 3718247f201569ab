"""``buurt admin letters``: address letters for a circle, issued and printed as a PDF to post."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from buurt.adapters import letters
from buurt.bootstrap import build
from buurt.cli.options import DatabaseOption, settings_with
from buurt.domain.admission import grouped
from buurt.domain.community import Circle
from buurt.domain.errors import InvalidInput
from buurt.services.community import admission

console = Console()


def _addresses(path: Path) -> list[str]:
    """One postal address a line (its parts separated by commas); ``#`` starts a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read {path}: {error}") from error
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line]


def letters_command(
    circle: Annotated[str, typer.Option("--circle", help="The circle's id.")],
    addresses: Annotated[
        Path, typer.Option("--addresses", help="A text file: one postal address a line.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")] = Path(
        "letters.pdf"
    ),
    db: DatabaseOption = None,
) -> None:
    """Issue one address letter code per address and print the letters as a PDF to post.

    Addresses with a verified neighbour, or a letter still on its way, are skipped. The codes
    exist only once the PDF is written.
    """
    wanted = _addresses(addresses)
    if not wanted:
        raise InvalidInput(f"{addresses} holds no addresses")
    settings = settings_with(db)
    instance = build(settings)
    base = settings.base_url

    def deliver(found: Circle, issued: list[admission.Issued]) -> None:
        redeem_at = f"{base}/v1/circles/{found.id}/admission-requests"
        pages = [
            letters.Letter(i.code.address or "", grouped(i.secret), i.code.expires_at)
            for i in issued
        ]
        if pages:
            try:
                out.write_bytes(letters.render(found.name, redeem_at, pages))
            except OSError as error:
                raise InvalidInput(f"cannot write {out}: {error}") from error

    try:
        issued, skipped = admission.issue_letters(instance.services, circle, wanted, deliver)
    finally:
        instance.close()
    table = Table(title=f"Address letters for {circle}")
    table.add_column("address", overflow="fold")
    table.add_column("letter")
    for item in issued:
        table.add_row(item.code.address or "", f"until {item.code.expires_at.date()}")
    for address, why in skipped:
        table.add_row(address, f"[yellow]skipped: {why}[/yellow]")
    console.print(table)
    if issued:
        console.print(f"Wrote {len(issued)} letters to {out}.")
    else:
        console.print("No letters to print.")
