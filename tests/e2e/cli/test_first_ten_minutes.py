"""docs/operations.md's "first ten minutes of a new instance", run as written with the real
``buurt`` against a fresh SQLite file; then a server on that file shows the result."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx2

from tests.servers import buurt_command, running_buurt

OPERATIONS = Path(__file__).parents[3] / "docs" / "operations.md"
PASSWORD = "a long pass phrase"


def walkthrough() -> str:
    """The shell block under the section's heading."""
    text = OPERATIONS.read_text()
    section = text.split("## The first ten minutes of a new instance", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, "the section has no sh block"
    return found.group(1)


def _environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURT_")}
    # The block calls `buurt` as an operator would: the one installed beside this Python.
    env["PATH"] = f"{Path(buurt_command()[0]).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "BUURT_PASSWORD_PROFILE": "CHEAPEST", "COLUMNS": "200", "NO_COLOR": "1"}


def _buurt(folder: Path, *args: str) -> str:
    result = subprocess.run(
        [*buurt_command(), *args], cwd=folder, env=_environment(folder),
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_first_ten_minutes_set_up_a_usable_instance(tmp_path: Path) -> None:
    # What the block leaves in its variables is kept for the checks below.
    script = walkthrough() + 'printf "%s\\n" "$CIRCLE" "$SECRET" > kept.txt\n'
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=_environment(tmp_path),
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    circle, revoked_secret = (tmp_path / "kept.txt").read_text().split()
    circles = json.loads(_buurt(tmp_path, "admin", "list", "circles", "--json"))
    assert {c["name"]: c["boundary"] for c in circles} == {
        "Oud-Zuid": "vertices: 4",
        "Centrum": "H3 cells: 1",
    }
    tokens = json.loads(_buurt(tmp_path, "admin", "list", "tokens", "--json"))
    assert [t["revoked_at"] is not None for t in tokens] == [True]
    assert "secret" not in tokens[0]
    assert "digest" not in tokens[0]

    with running_buurt(f"sqlite:///{tmp_path / 'buurt.db'}", tmp_path / "serve.log",
                       env={"BUURT_PASSWORD_PROFILE": "CHEAPEST"}) as server:  # fmt: skip
        ada = _signed_in(server.base_url, "ada@example.org", PASSWORD)
        bo = _signed_in(server.base_url, "bo@example.org", "another pass phrase")
        refused = httpx2.get(
            f"{server.base_url}/v1/members/me",
            headers={"Authorization": f"Bearer {revoked_secret}"},
        )

    assert refused.status_code == 401
    assert ada == {
        circle: "admin",
        next(c["id"] for c in circles if c["name"] == "Centrum"): "admin",
    }
    assert bo == {circle: "admin"}


def _signed_in(base: str, email: str, password: str) -> dict[str, str]:
    """Sign in with the password the operator set; answers the member's role per circle."""
    login = httpx2.post(f"{base}/v1/auth/tokens", json={"email": email, "password": password})
    assert login.status_code == 201, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    me = httpx2.get(f"{base}/v1/members/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    found = httpx2.get(f"{base}/v1/members/{me.json()['id']}/memberships", headers=headers)
    assert found.status_code == 200, found.text
    return {m["circle_id"]: m["role"] for m in found.json()}
