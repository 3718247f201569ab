"""A small neighbourhood built through the API, and helpers to act as its principals."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
BOUNDARY = {"polygon": [[52.355, 4.925], [52.370, 4.925], [52.370, 4.950], [52.355, 4.950]]}
HOME = {"lat": 52.362, "lon": 4.938}
_emails = itertools.count()


@dataclass
class Actor:
    """A principal with its bearer token, and its id."""

    client: TestClient
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.patch(path, json=body, headers=self.headers, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.put(path, json=body, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kwargs)

    def created(self, path: str, body: Any) -> dict[str, Any]:
        response = self.post(path, body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def register(client: TestClient, name: str, circle_id: str | None = None) -> Actor:
    email = f"{name.lower().replace(' ', '.')}.{next(_emails)}@example.org"
    body = {"name": name, "email": email, "password": PASSWORD, "circle_id": circle_id}
    response = client.post("/v1/members", json=body)
    assert response.status_code == 201, response.text
    login = client.post("/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert login.status_code == 201, login.text
    return Actor(client, response.json()["id"], login.json()["token"])


def admit(admin: Actor, member: Actor, circle_id: str) -> dict[str, Any]:
    """Make ``member`` a verified neighbour: ``admin`` issues an invite code, they redeem it."""
    base = f"/v1/circles/{circle_id}"
    code = admin.created(f"{base}/admission-codes", {"route": "invite"})["code"]
    return member.created(f"{base}/admission-requests", {"code": code})


def neighbour(admin: Actor, name: str, circle_id: str) -> Actor:
    """A new member of the circle, admitted as a verified neighbour by ``admin``'s invite."""
    member = register(admin.client, name, circle_id)
    admit(admin, member, circle_id)
    return member


def issue(owner: Actor, kind: str, ident: str) -> Actor:
    body = {"principal_kind": kind, "principal_id": ident}
    token = owner.created("/v1/auth/tokens/issue", body)["token"]
    return Actor(owner.client, ident, token)


@dataclass
class World:
    """One circle with an admin, two verified members (Ann and Bob), and Ann's bakery."""

    circle: dict[str, Any]
    admin: Actor
    ann: Actor
    bob: Actor
    bakery: dict[str, Any]
    bakery_actor: Actor


def make_world(client: TestClient) -> World:
    admin = register(client, "Ada Admin")
    circle = admin.created("/v1/circles", {"name": "Indische Buurt", "boundary": BOUNDARY})
    ann = neighbour(admin, "Ann", circle["id"])
    bob = neighbour(admin, "Bob", circle["id"])
    bakery = ann.created(
        "/v1/businesses", {"circle_id": circle["id"], "name": "Bakkerij Ann", "kind": "bakery"}
    )
    return World(circle, admin, ann, bob, bakery, issue(ann, "business", bakery["id"]))
