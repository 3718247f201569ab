"""``/automations``: a member's rules, "when this happens nearby, command my thing".

An automation is a subscription with a command to one of the member's own things. The page
asks for the subscription in the words of the need form (what, how far away, at least how
much where the kind of reading has a number) and for the command, and makes both in one step
(``automations.automate``). Each rule shows when it last fired and the moment's reason; it is
paused, resumed or deleted in one tap. Whether a neighbour's reading may reach a rule is the
matcher's and the consent decision's, as for every subscription.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.activity import Subscription
from buurt.domain.automations import Automation
from buurt.domain.community import Circle, Thing
from buurt.domain.errors import InvalidInput
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area
from buurt.services import resources
from buurt.services.principals import Principal
from buurt.services.sharing import automations as service
from buurt.services.things import registry
from buurt.services.things.kinds import EVENT_KINDS, SCHEMAS
from buurt.web.i18n import _
from buurt.web.pages.fields import label_of, unit_of
from buurt.web.pages.forms import read_form, signed_form
from buurt.web.pages.names import category_name
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
Ident = Annotated[str, Path(max_length=64)]
RADII = (300, 800, 2000)  # the need form's
CATEGORIES = sorted(set(EVENT_KINDS.values()))  # what things report: what a rule waits for
AT_LEAST = re.compile(r"^([a-z_][a-z0-9_]*) >= (-?\d+(?:\.\d+)?)$")
COMMAND = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def minimum_field(category: str) -> str | None:
    """The first number a thing reporting ``category`` sends (a solar roof's power), which a
    rule may ask a minimum of; ``None`` when its readings hold no number."""
    for kind, reported in EVENT_KINDS.items():
        if reported != category:
            continue
        for name, info in SCHEMAS[kind].model_fields.items():
            inner = typing.get_args(info.annotation) or (info.annotation,)
            base = typing.get_args(inner[0])[:1] or (inner[0],)
            if base[0] is float:
                return name
    return None


def _to_login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


def _words(subscription: Subscription | None) -> str:
    """A rule's subscription as the need form would say it."""
    if subscription is None:
        return ""
    what = ", ".join(category_name(c) for c in subscription.categories)
    radius = subscription.area.radius_m
    parts = [
        what if radius is None else _("%(what)s within %(metres)s m", what=what, metres=int(radius))
    ]
    for predicate in subscription.predicates:
        found = AT_LEAST.match(predicate)
        if found is None:
            parts.append(predicate)
            continue
        unit = unit_of(found[1])
        amount = f"{found[2]} {unit}".strip()
        parts.append(_("%(field)s at least %(amount)s", field=label_of(found[1]), amount=amount))
    return " · ".join(parts)


def _page(request: Request, who: Principal) -> dict[str, Any]:
    services = services_of(request)
    found = resources.list_page(services, who, Automation, service.POLICY, limit=100).items
    with services.uow() as uow:
        subscriptions = uow.repo(Subscription)
        things = uow.repo(Thing)
        rules = [
            (a, _words(subscriptions.get(a.subscription_id)), things.get(a.thing_id)) for a in found
        ]
    return {"rules": rules, "categories": CATEGORIES}


def _zone(request: Request, who: Principal) -> str:
    with services_of(request).uow() as uow:
        circle = uow.repo(Circle).get(min(who.circles)) if who.circles else None
    return circle.timezone if circle else "UTC"


@router.get("/automations", response_class=HTMLResponse)
async def mine(request: Request, who: Viewer) -> Response:
    if who is None or not who.is_member:
        return _to_login("/automations")
    context = await run_in_threadpool(_page, request, who)
    context["zone"] = ZoneInfo(await run_in_threadpool(_zone, request, who))
    return render(request, "automations.html", context, who)


def _my_things(request: Request, who: Principal) -> list[Thing]:
    mine = {"owner_kind": PartyKind.MEMBER, "owner_id": who.id}
    page = resources.list_page(services_of(request), who, Thing, registry.POLICY, where=mine,
                               limit=200)  # fmt: skip
    return sorted(page.items, key=lambda t: t.name.lower())


@router.get("/automations/new", response_class=HTMLResponse)
async def new(
    request: Request, who: Viewer, category: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    if who is None or not who.is_member:
        return _to_login("/automations")
    if category not in CATEGORIES:
        return RedirectResponse("/automations#new", status_code=303)
    return await _form(request, who, category, {}, "")


async def _form(
    request: Request,
    who: Principal,
    category: str,
    values: dict[str, str],
    error: str,
    status: int = 200,
) -> HTMLResponse:
    field = minimum_field(category)
    context = {
        "category": category,
        "field": field,
        "things": await run_in_threadpool(_my_things, request, who),
        "radii": RADII,
        "values": values,
        "error": error,
    }
    return render(request, "automation_new.html", context, who, status_code=status)


@router.post("/automations")
async def create(request: Request, who: Viewer) -> Response:
    form, who = await signed_form(request, who, member=True)
    category = form.get("category", "")
    if category not in CATEGORIES:
        return RedirectResponse("/automations#new", status_code=303)
    try:
        rule = await run_in_threadpool(_read, request, who, form, category)
        await run_in_threadpool(lambda: service.automate(services_of(request), who, **rule))
    except InvalidInput as bad:
        return await _form(request, who, category, form, _refused(bad), 422)
    return RedirectResponse("/automations", status_code=303)


def _refused(error: InvalidInput) -> str:
    if error.field == "command":
        return _("A command is one lower-case word, like start_charging.")
    return error.detail


def _read(request: Request, who: Principal, form: dict[str, str], category: str) -> dict[str, Any]:
    """The subscription and the command of the form; the rule stands around the thing."""
    things = {t.id: t for t in _my_things(request, who)}
    thing = things.get(form.get("thing", ""))
    if thing is None:
        raise InvalidInput(_("Pick one of your things to command."), "thing")
    radius = int(form.get("radius", "0")) if form.get("radius", "").isdigit() else 0
    if radius not in RADII:
        raise InvalidInput(_("Pick how far away it may be."), "radius")
    command = form.get("command", "").strip()
    if not COMMAND.match(command):
        raise InvalidInput(_("A command is one lower-case word, like start_charging."), "command")
    predicates = []
    field = minimum_field(category)
    least = form.get("at_least", "").strip().replace(",", ".")
    if field and least:
        try:
            amount = float(least[:20])
        except ValueError:
            raise InvalidInput(_("At least is a number, like 2000."), "at_least") from None
        predicates.append(f"{field} >= {amount:g}")
    minutes = form.get("minutes", "").strip()
    if minutes and (not minutes.isdigit() or not 1 <= int(minutes) <= 1440):
        raise InvalidInput(_("For how long is a number of minutes, 1 to 1440."), "minutes")
    name = form.get("name", "").strip()[:200] or _(
        "%(what)s within %(metres)s m", what=category_name(category), metres=radius
    )
    return {
        "circle_id": thing.circle_id,
        "name": name,
        "categories": [category],
        "area": Area(center=thing.place, radius_m=radius),
        "predicates": predicates,
        "thing_id": thing.id,
        "command": command,
        "args": {"minutes": int(minutes)} if minutes else {},
    }


@router.post("/automations/{automation_id}/{step}")
async def step(request: Request, automation_id: Ident, step: str, who: Viewer) -> Response:
    """Pause, resume or delete a rule."""
    form = await read_form(request)
    if form is None or who is None or step not in ("pause", "resume", "delete"):
        return render(request, "refused.html", {}, who, status_code=403)
    services = services_of(request)
    # Someone else's rule, or none: NotFound, which the edge answers with the HTML 404 page.
    if step == "delete":
        await run_in_threadpool(service.remove_with_subscription, services, who, automation_id)
        return RedirectResponse("/automations", status_code=303)
    changes = {"paused": step == "pause"}
    await run_in_threadpool(service.change_automation, services, who, automation_id, changes)
    return RedirectResponse(f"/automations#automation-{automation_id}", status_code=303)
