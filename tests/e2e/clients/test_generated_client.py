"""A client generated from the OpenAPI document with openapi-python-client's defaults works:
the document generates without warnings, and the client logs in, publishes a need and reads
its moments on a real server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from tests.servers import running_buurt

FLOW = Path(__file__).with_name("flow.py")
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.mark.slow
def test_a_generated_client_logs_in_publishes_a_need_and_reads_its_moments(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path}/buurt.db"
    env = {"BUURT_PASSWORD_PROFILE": "CHEAPEST"}
    with running_buurt(database, tmp_path / "server.log", env=env) as server:
        document = httpx2.get(f"{server.base_url}/openapi.json").text
        (tmp_path / "openapi.json").write_text(document)
        # The generator's post-hooks run ruff: find it beside this Python.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        generated = subprocess.run(
            [str(GENERATOR), "generate", "--path", "openapi.json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": path},
            timeout=300,
            check=False,
        )
        assert generated.returncode == 0, generated.stdout + generated.stderr
        # One operation answers images (image/jpeg, png, webp), which the generator cannot
        # type; everything else must generate without a warning.
        warned = set(re.findall(r"WARNING parsing (\S+ \S+) within", generated.stdout))
        assert warned <= {"GET /v1/proposals/{proposal_id}/images/{image_id}"}, generated.stdout
        flow = subprocess.run(
            [sys.executable, str(FLOW), server.base_url],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(tmp_path / "buurt-api-client")},
            timeout=120,
            check=False,
        )

    assert flow.returncode == 0, flow.stdout + flow.stderr
    found = json.loads(flow.stdout)
    assert [m["source_id"] for m in found["moments"]] == [found["need"]]
    assert found["moments"][0]["standing_kind"] == "offer"
