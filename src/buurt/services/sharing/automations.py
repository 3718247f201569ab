"""Automations: when one of a member's subscriptions yields a moment, command their thing.

Nothing here decides whether a neighbour's event may reach the rule: the subscription goes
through the matcher like any other, so the event becomes a moment only under the neighbour's
``thing_data`` grant for ``matching`` to this member (revoked: no moment, no command), within
the member's caps and quiet hours, and with the neighbour's access-log entry. ``fire`` runs
after that moment is committed (a ``MomentCreated`` handler) and sends the command over the
``ThingLink`` (MQTT), the same command path an owner uses by hand.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from buurt.domain.activity import Subscription
from buurt.domain.automations import Automation
from buurt.domain.community import Thing
from buurt.domain.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    ThingLinkDown,
    Unavailable,
)
from buurt.domain.events import MomentCreated
from buurt.domain.ids import new_id
from buurt.domain.moments import StandingKind
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area
from buurt.ports import UnitOfWork, UnitOfWorkFactory
from buurt.ports.clock import Clock
from buurt.ports.store import Filter
from buurt.ports.things import NoThingLink, ThingLink
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import subscriptions
from buurt.services.things.link import Command

log = logging.getLogger(__name__)


class AutomationPolicy:
    """An automation is its member's alone."""

    name = "automation"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Automation) -> bool:
        return principal.is_member and entity.member_id == principal.id

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Automation) -> bool:
        return self.visible(uow, principal, entity)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return [{"member_id": principal.id}] if principal.is_member else []


POLICY = AutomationPolicy()


def create_automation(
    services: Services,
    principal: Principal,
    *,
    subscription_id: str,
    thing_id: str,
    command: str,
    args: Mapping[str, Any],
) -> Automation:
    """Pair one of the member's subscriptions with a command to one of their own things."""
    if not principal.is_member:
        raise PermissionDenied("only a member automates their own things")
    now = services.clock.now()
    with services.uow() as uow:
        subscription = uow.repo(Subscription).get(subscription_id)
        mine = PartyKind.MEMBER, principal.id
        if subscription is None or (subscription.owner_kind, subscription.owner_id) != mine:
            raise NotFound("subscription", subscription_id)
        thing = uow.repo(Thing).get(thing_id)
        if thing is None or (thing.owner_kind, thing.owner_id) != mine:
            raise NotFound("thing", thing_id)
        automation = Automation(
            id=new_id("automation"),
            member_id=principal.id,
            circle_id=subscription.circle_id,
            subscription_id=subscription.id,
            thing_id=thing.id,
            command=command,
            created_at=now,
            updated_at=now,
            args=dict(args),
        )
        uow.repo(Automation).add(automation)
        uow.commit()
    return automation


def change_automation(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Automation:
    """Pause or resume it (``paused``), or change its ``command`` and ``args``."""
    with services.uow() as uow:
        automation = resources.fetch_for_change(uow, principal, Automation, POLICY, ident)
        automation.change(changes)
        automation.updated_at = services.clock.now()
        uow.commit()
    return automation


def automate(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    name: str,
    categories: list[str],
    area: Area,
    predicates: list[str],
    thing_id: str,
    command: str,
    args: Mapping[str, Any],
) -> Automation:
    """A new subscription of the member and its automation, in one step (the pages' rule):
    when the second part is refused, the subscription is taken back."""
    subscription = subscriptions.subscribe(
        services,
        principal,
        circle_id=circle_id,
        name=name,
        categories=categories,
        area=area,
        predicates=predicates,
    )
    try:
        return create_automation(
            services,
            principal,
            subscription_id=subscription.id,
            thing_id=thing_id,
            command=command,
            args=args,
        )
    except DomainError:
        subscriptions.delete_subscription(services, principal, subscription.id)
        raise


def remove_with_subscription(services: Services, principal: Principal, ident: str) -> None:
    """Delete the automation and the subscription it fires on: the whole rule goes."""
    automation = resources.get(services, principal, Automation, POLICY, ident)
    resources.delete(services, principal, Automation, POLICY, ident)
    with contextlib.suppress(NotFound):  # deleted already, through the API
        subscriptions.delete_subscription(services, principal, automation.subscription_id)


Claim = Callable[[str], bool]
"""Whether this process is the first to claim a key, of every process that hears the events."""


def firing_handler(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    link: Callable[[], ThingLink],
    claim: Claim | None = None,
) -> Callable[[MomentCreated], None]:
    """The ``MomentCreated`` handler that fires the automation of the moment's subscription."""

    def handle(event: MomentCreated) -> None:
        fire(uow_factory, clock, link(), event, claim)

    return handle


def fire(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    link: ThingLink,
    event: MomentCreated,
    claim: Claim | None = None,
) -> None:
    """Command the thing of the moment's automation. Where several processes hear every
    moment (the NATS bus), ``claim`` lets one of them fire: only a process with a link to
    things asks, with the automation and the moment as the key, and the first to ask sends the
    command (at most once: if its link then fails, the command is not sent)."""
    moment = event.moment
    if moment.standing_kind is not StandingKind.SUBSCRIPTION:
        return
    if moment.recipient_kind is not PartyKind.MEMBER:
        return
    if claim is not None and isinstance(link, NoThingLink):
        # A process that cannot command things (an engine worker, which hears every moment
        # it makes) leaves the moment to one that can, before reading anything for it.
        return
    with uow_factory() as uow:
        found = uow.repo(Automation).find(subscription_id=moment.standing_id)
        if not found or found[0].member_id != moment.recipient_id:
            return
        automation = found[0]
        if automation.paused:
            return  # its member paused it: the moment stays, nothing is sent
        thing = uow.repo(Thing).get(automation.thing_id)
        owner = PartyKind.MEMBER, automation.member_id
        if thing is None or (thing.owner_kind, thing.owner_id) != owner:
            return  # the thing changed hands: it is no longer theirs to command
        if claim is not None:
            try:
                if not claim(f"automation.{automation.id}.{moment.id}"):
                    return  # another process fires it
            except Unavailable as error:
                log.warning("automation %s not fired: no claim (%s)", automation.id, error)
                return
        now = clock.now()
        because = {"moment_id": moment.id, "reason": moment.reason}
        command = Command(
            new_id("command"),
            thing.id,
            "",
            automation.command,
            {**automation.args, "because": because},
            automation.member_id,
            now,
        )
        try:
            link.send_command(thing.circle_id, thing.id, command.payload())
        except ThingLinkDown as error:
            # The moment stays (the member sees why the rule would have fired); the command
            # is not retried: a surplus an hour late starts nothing useful.
            log.warning("automation %s could not command %s: %s", automation.id, thing.id, error)
            return
        automation.fired(now, moment.id, moment.reason)
        uow.commit()
