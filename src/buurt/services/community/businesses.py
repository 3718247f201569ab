"""Businesses and their sites: owned by a member, visible to everyone, changed by the owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from buurt.domain.community import Business, Site
from buurt.domain.errors import NotFound, PermissionDenied
from buurt.domain.events import SiteSaved
from buurt.domain.ids import new_id
from buurt.domain.places import Place
from buurt.ports import UnitOfWork
from buurt.ports.store import Filter
from buurt.services import resources
from buurt.services.context import Services
from buurt.services.principals import Principal


class BusinessPolicy:
    name = "business"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Business) -> bool:
        return True

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Business) -> bool:
        return principal.acts_for("business", entity.id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return None


class SitePolicy:
    name = "site"

    def visible(self, uow: UnitOfWork, principal: Principal, entity: Site) -> bool:
        return True

    def changeable(self, uow: UnitOfWork, principal: Principal, entity: Site) -> bool:
        return principal.acts_for("business", entity.business_id)

    def scope(self, uow: UnitOfWork, principal: Principal) -> Sequence[Filter] | None:
        return None


POLICY = BusinessPolicy()
SITE_POLICY = SitePolicy()


def create_business(
    services: Services,
    principal: Principal,
    *,
    circle_id: str,
    name: str,
    kind: str,
    description: str = "",
) -> Business:
    if not principal.is_member or circle_id not in principal.circles:
        raise PermissionDenied("only a member of the circle can register a business in it")
    business = Business(
        new_id("business"), circle_id, principal.id, name, kind, services.clock.now(), description
    )
    with services.uow() as uow:
        uow.repo(Business).add(business)
        uow.commit()
    return business


def update_business(
    services: Services, principal: Principal, ident: str, changes: Mapping[str, Any]
) -> Business:
    with services.uow() as uow:
        business = resources.fetch_for_change(uow, principal, Business, POLICY, ident)
        business.change(changes)
        uow.commit()
    return business


def delete_business(services: Services, principal: Principal, ident: str) -> None:
    with services.uow() as uow:
        business = resources.fetch_for_change(uow, principal, Business, POLICY, ident)
        if not principal.owns(ident):
            raise PermissionDenied("only the owner deletes the business")
        for site in uow.repo(Site).find(business_id=ident):
            uow.repo(Site).delete(site)
        uow.flush()
        uow.repo(Business).delete(business)
        uow.commit()


def add_site(
    services: Services,
    principal: Principal,
    business_id: str,
    *,
    name: str,
    place: Place,
    address: str = "",
) -> Site:
    site = Site(new_id("site"), business_id, name, place, services.clock.now(), address)
    with services.uow() as uow:
        resources.fetch_for_change(uow, principal, Business, POLICY, business_id)
        uow.repo(Site).add(site)
        services.commit(uow, SiteSaved(site))
    return site


def fetch_site(uow: UnitOfWork, principal: Principal, business_id: str, site_id: str) -> Site:
    site = resources.fetch(uow, principal, Site, SITE_POLICY, site_id)
    if site.business_id != business_id:
        raise NotFound("site", site_id)
    return site


def update_site(
    services: Services,
    principal: Principal,
    business_id: str,
    site_id: str,
    changes: Mapping[str, Any],
) -> Site:
    with services.uow() as uow:
        site = fetch_site(uow, principal, business_id, site_id)
        if not SITE_POLICY.changeable(uow, principal, site):
            raise PermissionDenied("you may not change this site")
        site.change(changes)
        services.commit(uow, SiteSaved(site))
    return site


def delete_site(services: Services, principal: Principal, business_id: str, site_id: str) -> None:
    with services.uow() as uow:
        site = fetch_site(uow, principal, business_id, site_id)
        if not SITE_POLICY.changeable(uow, principal, site):
            raise PermissionDenied("you may not change this site")
        uow.repo(Site).delete(site)
        uow.commit()
