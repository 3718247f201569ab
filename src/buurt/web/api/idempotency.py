"""The ``Idempotency-Key`` header of every create (IETF httpapi idempotency-key draft).

A create route takes ``OnceDep`` and runs its use case on ``once.services(Kind, KindOut)``.
Without the header nothing changes. With it, the first request's answer (status and body) is
stored in the transaction of the create; a retry with the same key and the same request gets
that answer again (with ``Idempotency-Replayed: true``) and creates nothing. The same key with a
different request is a 422 problem, a retry while the first is still being answered a 409
problem. Keys belong to the principal that sent them and are remembered for
``BUURT_IDEMPOTENCY_KEY_HOURS``; only answers that created something are remembered, so a
refused request may be sent again with its key.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from buurt.domain.errors import InvalidInput
from buurt.domain.idempotency import IdempotentRequest
from buurt.services import idempotency
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.web.api.deps import PrincipalDep, ServicesDep
from buurt.web.problems import responses

E = TypeVar("E")
HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
# An sf-string as the draft asks ("..."), or the same characters bare, as many clients send.
_KEY = re.compile(r'^"?([\x21\x23-\x5b\x5d-\x7e]{1,255})"?$')
IDEMPOTENT = (409, 422)
"""The problem answers the header adds to a create's documented ones."""


class Replay(Exception):
    """The remembered answer to give instead of running the create again."""

    def __init__(self, record: IdempotentRequest) -> None:
        super().__init__(record.id)
        self.record = record


class Once:
    """How one create request runs: once per key, when it carries one."""

    def __init__(
        self,
        request: Request,
        services: Services,
        principal: Principal,
        key: str | None,
        fingerprint: str,
    ) -> None:
        self._request = request
        self._services = services
        self._principal = principal
        self._key = key
        self._fingerprint = fingerprint

    def services(self, kind: type[E], out: type[BaseModel]) -> Services:
        """The services to run the create on: with a key, their commit of the first new
        ``kind`` record also stores its answer, ``out`` of the record."""
        if self._key is None:
            return self._services
        settings = self._request.app.state.instance.settings
        return idempotency.remembering(
            self._services,
            self._principal,
            self._key,
            self._fingerprint,
            kind=kind,
            render=lambda record: out.model_validate(record).model_dump_json(by_alias=True),
            lifetime=timedelta(hours=settings.idempotency_key_hours),
            after_commit=_crash if settings.crash_after_idempotent_commit else _nothing,
        )


def _nothing() -> None:
    return None


def _crash() -> None:
    # Fault injection for crash tests: die between the commit and the answer.
    os.kill(os.getpid(), signal.SIGKILL)


async def fingerprint(request: Request) -> str:
    """A digest of the request: method, path and body (as canonical JSON when it is JSON, so
    a retry that orders its fields differently is still the same request). Only a request
    with a key needs one."""
    if HEADER not in request.headers:
        return ""
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = raw
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def once(
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
    digest: Annotated[str, Depends(fingerprint)],
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            max_length=257,
            pattern=_KEY.pattern,
            description="A unique key (1 to 255 visible ASCII characters, as a structured-field "
            "string) that makes a retry of this create return the first answer instead of "
            "creating again.",
            examples=['"0b7e7b2e-4f55-4c47-9a39-4f5b5d1b2c3a"'],
        ),
    ] = None,
) -> Iterator[Once]:
    if key is None:
        yield Once(request, services, principal, None, digest)
        return
    match = _KEY.match(key)
    if match is None:
        raise InvalidInput(
            "Idempotency-Key must be a string of 1 to 255 visible ASCII characters, "
            'such as "0b7e7b2e-4f55-4c47-9a39-4f5b5d1b2c3a".',
            field=f"header.{HEADER}",
        )
    key = match.group(1)
    in_flight: idempotency.InFlight = request.app.state.in_flight
    with in_flight.holding(principal, key):
        found = idempotency.recall(services, principal, key, digest)
        if found is not None:
            raise Replay(found)
        yield Once(request, services, principal, key, digest)


OnceDep = Annotated[Once, Depends(once)]


def install(app: FastAPI) -> None:
    """Keep the in-flight keys of this process and answer replays."""
    app.state.in_flight = idempotency.InFlight()

    @app.exception_handler(Replay)
    async def _replay(request: Request, replay: Replay) -> Response:
        record = replay.record
        return Response(
            content=record.body.encode(),
            status_code=record.status,
            media_type="application/json",
            headers={REPLAYED: "true"},
        )


def idempotent_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A create's documented problem answers, with the header's own."""
    return responses(*statuses, *IDEMPOTENT)
