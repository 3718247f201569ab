"""``buurt admin`` given what a careless operator or an attacker at the shell would give it:
a message and an exit code, never a traceback, and nothing half made."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from buurt.cli.errors import ExitCode
from tests.servers import buurt_command

PASSWORD = "a long pass phrase"


def admin(folder: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}
    environment.update(
        {"BUURT_PASSWORD_PROFILE": "CHEAPEST", "BUURT_DATABASE_URL": "sqlite:///buurt.db",
         "COLUMNS": "200", "NO_COLOR": "1"}
    )  # fmt: skip
    result = subprocess.run(
        [*buurt_command(), "admin", *args], cwd=folder, env=environment, input=stdin,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def listed(folder: Path, what: str) -> list[dict[str, object]]:
    code, output = admin(folder, "list", what, "--json")
    assert code == 0, output
    found: list[dict[str, object]] = json.loads(output)
    return found


def test_a_member_is_made_only_from_good_values(tmp_path: Path) -> None:
    create = ["member", "create", "--name", "Ada", "--password-stdin"]

    bad_email = admin(tmp_path, *create, "--email", "ada-at-example", stdin=PASSWORD)
    short = admin(tmp_path, *create, "--email", "ada@example.org", stdin="short\n")
    no_password = admin(tmp_path, "member", "create", "--name", "Ada", "--email", "a@b.org")
    assert listed(tmp_path, "members") == []
    good = admin(tmp_path, *create, "--email", "ada@example.org", stdin=PASSWORD + "\n")
    again = admin(tmp_path, *create, "--email", "ADA@example.org", stdin=PASSWORD + "\n")

    assert bad_email[0] == ExitCode.USAGE
    assert "--email" in bad_email[1]
    assert short[0] == ExitCode.REFUSED
    assert "8 to 200 characters" in short[1]
    assert no_password[0] != 0  # no terminal to ask on: it stops, it does not make one
    assert good[0] == 0, good[1]
    assert again[0] == ExitCode.REFUSED
    assert "already exists" in again[1]
    assert [m["email"] for m in listed(tmp_path, "members")] == ["ada@example.org"]


def test_a_circle_is_made_only_from_a_good_boundary_and_an_existing_admin(tmp_path: Path) -> None:
    (tmp_path / "broken.geojson").write_text('{"type": "Point", "coordinates": [4.9, 52.3]}')
    create = ["circle", "create", "--name", "Oud-Zuid"]

    no_admin = admin(
        tmp_path, *create, "--admin", "nobody@example.org", "--cell", "881969a4a1fffff"
    )
    admin(tmp_path, "member", "create", "--name", "Ada", "--email", "ada@example.org",
          "--password-stdin", stdin=PASSWORD)  # fmt: skip
    as_ada = [*create, "--admin", "ada@example.org"]
    not_polygon = admin(tmp_path, *as_ada, "--geojson", "broken.geojson")
    missing = admin(tmp_path, *as_ada, "--geojson", "nowhere.geojson")
    not_h3 = admin(tmp_path, *as_ada, "--cell", "881969a4a1ffff7")
    both = admin(tmp_path, *as_ada, "--cell", "881969a4a1fffff", "--geojson", "broken.geojson")
    assert listed(tmp_path, "circles") == []
    made = admin(tmp_path, *as_ada, "--cell", "881969a4a1fffff", "--quiet")

    assert no_admin[0] == ExitCode.REFUSED
    assert "nobody@example.org" in no_admin[1]
    for refused in (not_polygon, missing, not_h3, both):
        assert refused[0] == ExitCode.USAGE, refused[1]
    assert "Polygon" in not_polygon[1]
    assert "nowhere.geojson" in missing[1]
    assert "H3 cell" in not_h3[1]
    assert made[0] == 0, made[1]
    assert [c["id"] for c in listed(tmp_path, "circles")] == [made[1].strip()]


def test_revoking_an_unknown_secret_does_not_print_it(tmp_path: Path) -> None:
    secret = "bu_this-is-not-a-real-token-but-could-be-one"

    code, output = admin(tmp_path, "token", "revoke", secret)

    assert code == ExitCode.REFUSED
    assert "Not found" in output
    assert secret not in output
