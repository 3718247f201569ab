"""``buurt admin letters`` as the operator runs it: a real process writes a PDF whose codes
admit their readers, skips households that have a letter or a verified neighbour, and issues
nothing when the PDF cannot be written."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

from tests.actors import World, register
from tests.e2e.test_cli import _environment
from tests.servers import buurt_command

STREETS = """# the first round
Javastraat 12-2, 1094 HC Amsterdam
javastraat 12 2, 1094 hc amsterdam
Sumatrastraat 5, 1094 KA Amsterdam
Balistraat 40, 1094 JN Amsterdam
"""


def _letters(url: str, circle: str, addresses: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *buurt_command(),
            *("admin", "letters", "--db", url, "--circle", circle),
            *("--addresses", str(addresses), "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**_environment(), "COLUMNS": "200", "NO_COLOR": "1"},
    )


def _codes_in(pdf: bytes) -> list[str]:
    """The codes printed in the PDF (its page streams are deflated)."""
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            text += stream
    return re.findall(r"\(([A-Z2-9]{5}-[A-Z2-9]{5})\)", text.decode("latin-1"))


def _letter_codes(world: World) -> list[dict[str, object]]:
    base = f"/v1/circles/{world.circle['id']}/admission-codes?route=letter&limit=500"
    items: list[dict[str, object]] = world.admin.get(base).json()["items"]
    return items


def test_letters_print_working_codes_and_skip_known_households(
    world: World, database_url: str, tmp_path: Path
) -> None:
    circle = world.circle["id"]
    base = f"/v1/circles/{circle}"
    taken = world.admin.created(
        f"{base}/admission-codes", {"route": "letter", "address": "balistraat 40 1094 JN amsterdam"}
    )
    dirk = register(world.admin.client, "Dirk")
    dirk.created(f"{base}/admission-requests", {"code": taken["code"]})  # Balistraat: verified
    addresses = tmp_path / "streets.txt"
    addresses.write_text(STREETS, encoding="utf-8")
    out = tmp_path / "letters.pdf"

    result = _letters(database_url, circle, addresses, out)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Wrote 2 letters" in result.stdout
    assert result.stdout.count("skipped") == 2  # the same household twice, and Dirk's
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    codes = _codes_in(pdf)
    assert len(codes) == 2
    cleo = register(world.admin.client, "Cleo")
    admitted = cleo.created(f"{base}/admission-requests", {"code": codes[0]})
    assert admitted["route"] == "letter"
    assert admitted["status"] == "admitted"
    assert len(_letter_codes(world)) == 3


def test_no_letter_is_issued_when_the_pdf_cannot_be_written(
    world: World, database_url: str, tmp_path: Path
) -> None:
    addresses = tmp_path / "streets.txt"
    addresses.write_text(STREETS, encoding="utf-8")

    failed = _letters(database_url, world.circle["id"], addresses, tmp_path / "no" / "x.pdf")
    unknown = _letters(database_url, "cir_missing", addresses, tmp_path / "x.pdf")

    assert failed.returncode == 1
    assert "cannot write" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert _letter_codes(world) == []
    assert unknown.returncode == 1
    assert "No circle" in unknown.stderr
