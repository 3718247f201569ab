"""Use cases on the public fakes: a memory store and a frozen clock, no I/O.

``instance`` and ``services`` here replace the root's (an instance on a real database) for the
tests in this folder: the same wiring (``bootstrap.assemble``) on a ``MemoryStore``.
``Neighbour`` makes people the way the use cases do (register, log in, authenticate), so a test
acts as a real principal would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from buurt.bootstrap import Buurt, assemble
from buurt.config import Settings
from buurt.domain.admission import AdmissionRoute
from buurt.domain.community import Membership, Role
from buurt.domain.parties import PartyKind
from buurt.domain.places import Boundary, Place
from buurt.services.community import admission, auth, circles, members
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.testing import FrozenClock, MemoryStore

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
BOUNDARY = Boundary(
    polygon=(Place(52.355, 4.925), Place(52.370, 4.925), Place(52.370, 4.950), Place(52.355, 4.950))
)
HOME = Place(52.362, 4.938)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def instance(clock: FrozenClock) -> Buurt:
    """The whole instance, as ``build`` wires it (matcher, consent mirror, bus and handlers),
    on the memory store instead of SQL."""
    return assemble(Settings(password_profile="CHEAPEST"), MemoryStore(), clock)


@pytest.fixture
def services(instance: Buurt) -> Services:
    return instance.services


@dataclass
class Neighbour:
    """A registered member and their bearer token."""

    services: Services
    id: str
    secret: str

    @classmethod
    def register(cls, services: Services, name: str) -> Neighbour:
        email = f"{name.lower()}@example.org"
        member = members.register_member(
            services, name=name, email=email, password=PASSWORD, circle_id=None
        )
        _token, secret = auth.log_in(services, email, PASSWORD, "tests")
        return cls(services, member.id, secret)

    @property
    def principal(self) -> Principal:
        """Resolved anew, as each request is: it holds the circles of this moment."""
        return auth.authenticate(self.services, self.secret)


@pytest.fixture
def ada(services: Services) -> Neighbour:
    return Neighbour.register(services, "Ada")


@pytest.fixture
def bob(services: Services) -> Neighbour:
    return Neighbour.register(services, "Bob")


@pytest.fixture
def circle_id(services: Services, ada: Neighbour) -> str:
    """The Oostpoort circle, which Ada created (and so administers)."""
    circle = circles.create_circle(
        services, ada.principal, name="Oostpoort", boundary=BOUNDARY, timezone="Europe/Amsterdam"
    )
    return circle.id


def admit(services: Services, who: Neighbour, circle_id: str) -> None:
    """Make ``who`` a verified neighbour of the circle the usual way: an invite code from one
    of its admins, redeemed."""
    with services.uow() as uow:
        admin_id = uow.repo(Membership).find(circle_id=circle_id, role=Role.ADMIN)[0].member_id
    admin = auth.acting_party(services, PartyKind.MEMBER, admin_id, "test admin")
    issued = admission.issue_code(services, admin, circle_id, AdmissionRoute.INVITE)
    admission.request_admission(services, who.principal, circle_id, issued.secret)
