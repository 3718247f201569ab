"""One delivery attempt: check where the URL points now, sign the body, POST it, judge the answer.

The host is resolved again before every attempt and every address checked (a DNS answer that
was public at registration may have turned private since: DNS rebinding). The request then goes
to the address that was checked, not to a second lookup: the URL's host is replaced by the IP
address, while the ``Host`` header and, for https, the TLS server name (SNI, which is also what
the certificate is verified against) keep the registered host name. Redirects are not followed,
since a redirect could point anywhere.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
from datetime import datetime

import httpx

import buurt
from buurt.domain.errors import InvalidInput
from buurt.domain.webhooks import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    Target,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookRules,
    check_addresses,
    parse_url,
    sign,
)

USER_AGENT = f"Buurt-Webhooks/{buurt.__version__}"


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the HTTP status, if any answer came, and what went wrong."""

    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """The partner said the endpoint no longer exists: stop sending to it."""
        return self.status_code == 410


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


async def resolve(target: Target, timeout: float) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM), timeout
        )
    except (OSError, UnicodeError, TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def pinned(target: Target, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL with the checked address as host, the Host header and the request extensions."""
    url = httpx.URL(target.url)
    name = url.raw_host.decode("ascii")  # IDNA-encoded, as it goes on the wire
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{name}]" if ":" in name else name
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    extensions = {"sni_hostname": name} if target.scheme == "https" else {}
    return url.copy_with(host=address), {"Host": host_header}, extensions


async def send(
    client: httpx.AsyncClient,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    rules: WebhookRules,
    now: datetime,
) -> Outcome:
    """Make one attempt of ``delivery`` to ``endpoint``; never raises for network trouble."""
    try:
        target = parse_url(endpoint.url)
        addresses = check_addresses(target, await resolve(target, rules.timeout_seconds), rules)
    except InvalidInput as refused:
        return Outcome(error=f"not sent: {refused.detail}")
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(endpoint.secret, int(now.timestamp()), body),
        IDEMPOTENCY_HEADER: delivery.id,
        TOPIC_HEADER: delivery.topic,
    }
    outcome = Outcome(error="no address answered")
    for address in addresses:
        url, host, extensions = pinned(target, address)
        try:
            # Streamed so the answer's body is never read: partners' bodies are not our business.
            async with client.stream(
                "POST", url, content=body, headers={**headers, **host}, extensions=extensions
            ) as response:
                code = response.status_code
            return Outcome(code, None if 200 <= code < 300 else f"answered {code}")
        except httpx.ConnectError as error:
            outcome = Outcome(error=f"could not connect to {address}: {error}")
        except httpx.TimeoutException:
            return Outcome(error=f"no answer within {rules.timeout_seconds:g} s")
        except httpx.HTTPError as error:
            return Outcome(error=f"{type(error).__name__}: {error}")
    return outcome
