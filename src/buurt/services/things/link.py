"""A thing's link to the broker: its MQTT credentials, and commands sent to it.

A thing logs in to the MQTT broker with its id as username and a secret issued once by its
owner. Buurt keeps only a hash, in the PBKDF2-SHA512 format Mosquitto reads from its password
file (``$7$<iterations>$<salt>$<hash>``, what ``mosquitto_passwd`` writes), so the broker's
files are generated from the store. Changes are published (``ThingAccessChanged``) for the
MQTT adapter to rewrite those files and reload the broker.

``revoke_all_access`` is the one action for a thing that is lost, stolen or misbehaving: its
bearer tokens and its MQTT login go in one transaction, and the broker, on the reload that
follows, refuses the login and closes a session that is still connected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from buurt.domain.community import Thing
from buurt.domain.events import ThingAccessChanged
from buurt.domain.ids import new_id
from buurt.domain.ingestion import MqttCredential
from buurt.ports.things import ThingLink
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.things import registry

# The secrets are 256 random bits, so the iteration count guards little; it is kept modest
# because the broker runs it on every CONNECT.
ITERATIONS = 1000
SALT_BYTES = 12


def broker_password_hash(password: str, *, salt: bytes | None = None) -> str:
    """Mosquitto's ``$7$`` PBKDF2-SHA512 hash of ``password``."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, 64)
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$7${ITERATIONS}${encoded[0]}${encoded[1]}"


def password_matches(password: str, stored: str) -> bool:
    _, _, iterations, salt, digest = stored.split("$")
    computed = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(salt), int(iterations), 64
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


def issue_mqtt_credentials(
    services: Services, principal: Principal, thing_id: str
) -> tuple[MqttCredential, str]:
    """New MQTT credentials for a thing (replacing any it had); the secret is shown only now."""
    secret = secrets.token_urlsafe(32)
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
        credential = uow.repo(MqttCredential).get(thing_id)
        password_hash = broker_password_hash(secret)
        now = services.clock.now()
        if credential is None:
            credential = MqttCredential(thing_id, password_hash, now)
            uow.repo(MqttCredential).add(credential)
        else:
            credential.password_hash, credential.created_at = password_hash, now
        services.commit(uow, ThingAccessChanged(thing_id))
    return credential, secret


def revoke_mqtt_credentials(services: Services, principal: Principal, thing_id: str) -> None:
    """Remove a thing's MQTT login; a thing without one has nothing to revoke (no error)."""
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
        credential = uow.repo(MqttCredential).get(thing_id)
        if credential is None:
            return
        uow.repo(MqttCredential).delete(credential)
        services.commit(uow, ThingAccessChanged(thing_id))


@dataclass(frozen=True)
class RevokedAccess:
    """What ``revoke_all_access`` took away."""

    thing_id: str
    tokens: int  # bearer tokens that were live
    mqtt_login: bool  # whether the thing had an MQTT login
    revoked_at: datetime


def revoke_all_access(services: Services, principal: Principal, thing_id: str) -> RevokedAccess:
    """Revoke all of a thing's access, for its owner: every bearer token and its MQTT login.
    Doing it again revokes nothing new (no error); the thing keeps its events and commands."""
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
        now = services.clock.now()
        tokens = registry.revoke_tokens(uow, thing_id, now)
        credential = uow.repo(MqttCredential).get(thing_id)
        if credential is not None:
            uow.repo(MqttCredential).delete(credential)
        # Even with no login left to remove: the broker's files may still hold one it had.
        services.commit(uow, ThingAccessChanged(thing_id))
    return RevokedAccess(thing_id, tokens, credential is not None, now)


@dataclass(frozen=True)
class Command:
    """A command handed to the broker for a thing (``reserve``, ``unlock``, ...)."""

    id: str
    thing_id: str
    topic: str
    command: str
    args: dict[str, Any]
    sent_by: str
    sent_at: datetime

    def payload(self) -> bytes:
        body = {
            "id": self.id,
            "command": self.command,
            "args": self.args,
            "sent_by": self.sent_by,
            "sent_at": self.sent_at.isoformat(),
        }
        return json.dumps(body).encode()


def send_command(
    services: Services,
    link: ThingLink,
    principal: Principal,
    thing_id: str,
    command: str,
    args: dict[str, Any],
) -> Command:
    """Send a command over ``link`` to a thing its owner manages; ``ThingLinkDown`` when the
    link cannot take it now (no broker configured, or not reachable)."""
    with services.uow() as uow:
        thing = resources.fetch_for_change(uow, principal, Thing, registry.POLICY, thing_id)
    draft = Command(
        new_id("command"), thing.id, "", command, args, principal.id, services.clock.now()
    )
    topic = link.send_command(thing.circle_id, thing.id, draft.payload())
    return replace(draft, topic=topic)
