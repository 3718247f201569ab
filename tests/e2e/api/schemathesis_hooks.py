"""Schemathesis hooks for the conformance run: log in as the test member for a bearer token,
and give each create a key of its own.

Loaded by ``st run`` through ``SCHEMATHESIS_HOOKS``. A token revoked during the run (the run
exercises ``DELETE /v1/auth/tokens/{id}`` too) is replaced by logging in again.
"""

from __future__ import annotations

import os
import re
import uuid

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


# A well-formed key the generator repeats (it often does: "0", "a") would, by the header's
# meaning, make the second request a reuse (422) or a replay. A real client makes a new key per
# request: so does the run. Malformed keys, from negative data, are sent as generated.
_WELL_FORMED_KEY = re.compile(r'^"?[\x21\x23-\x5b\x5d-\x7e]{1,255}"?$')


@schemathesis.hook
def before_call(ctx: schemathesis.HookContext, case: schemathesis.Case, **kwargs: object) -> None:
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and _WELL_FORMED_KEY.match(key):
        case.headers = {**(case.headers or {}), "Idempotency-Key": f'"{uuid.uuid4()}"'}
