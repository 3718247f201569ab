"""Schemathesis hooks for the conformance run: log in as the test member for a bearer token.

Loaded by ``st run`` through ``SCHEMATHESIS_HOOKS``. A token revoked during the run (the run
exercises ``DELETE /v1/auth/tokens/{id}`` too) is replaced by logging in again.
"""

from __future__ import annotations

import os

import httpx
import schemathesis


@schemathesis.auth(refresh_interval=60, retry_on=[401])
class MemberLogin:
    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        response = httpx.post(
            f"{os.environ['BUURT_ST_BASE_URL']}/v1/auth/tokens",
            json={
                "email": os.environ["BUURT_ST_EMAIL"],
                "password": os.environ["BUURT_ST_PASSWORD"],
            },
        )
        response.raise_for_status()
        token: str = response.json()["token"]
        return token

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
