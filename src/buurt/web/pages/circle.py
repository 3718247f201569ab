"""``/circle``: the life of the viewer's circle: its charter in plain words and how it came
to be, the proposals open for votes (voted on right here), and a form to propose a change.

Every step goes through the charter's use cases, so who may vote, the window, quorum and
majority are decided there, once, as for the API.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.admission import AdmissionRoute
from buurt.domain.charter import RULES, AggregateKind, VoteChoice
from buurt.domain.errors import InvalidInput
from buurt.services.charter import proposals
from buurt.services.charter.views import charter_page
from buurt.services.principals import Principal
from buurt.web.i18n import _
from buurt.web.pages.forms import signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
CircleId = Annotated[str, Path(max_length=64)]
ProposalId = Annotated[str, Path(max_length=64)]
QUIET = ("quiet_from_hour", "quiet_until_hour")
# The rules that are a choice of several values, and the values to choose from.
CHOICES: dict[str, tuple[str, ...]] = {
    "aggregate_kinds": tuple(k.value for k in AggregateKind),
    "admission_routes": tuple(r.value for r in AdmissionRoute),
}
# The rules a person changes with one number (quiet hours are a pair).
NUMERIC = tuple(r for r in RULES if r not in (*QUIET, *CHOICES))


@router.get("/circle", response_class=HTMLResponse)
async def circle_page(
    request: Request, who: Viewer, circle: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    if who is None or not who.is_member:
        return RedirectResponse("/login?next=/circle", status_code=303)
    chosen = circle if circle in who.circles else min(who.circles, default=None)
    if chosen is None:
        return render(request, "circle.html", {"page": None}, who)
    return await _page(request, who, chosen, {}, "")


async def _page(
    request: Request,
    who: Principal,
    circle_id: str,
    values: dict[str, str],
    error: str,
    status: int = 200,
) -> HTMLResponse:
    page = await run_in_threadpool(charter_page, services_of(request), who, circle_id)
    context = {
        "page": page,
        "zone": ZoneInfo(page.circle.timezone),
        "now": services_of(request).clock.now(),
        "choices": list(VoteChoice),
        "numeric": NUMERIC,
        "rule_choices": CHOICES,
        "values": values,
        "error": error,
    }
    return render(request, "circle.html", context, who, status_code=status)


@router.post("/circle/{circle_id}/charter/{proposal_id}/vote")
async def vote(
    request: Request, circle_id: CircleId, proposal_id: ProposalId, who: Viewer
) -> Response:
    form, who = await signed_form(request, who)
    try:
        choice = VoteChoice(form.get("choice", ""))
    except ValueError:
        raise InvalidInput(_("Vote yes, no or abstain."), "choice") from None
    # A refused vote (not a member, window closed) is a domain error: its HTML page.
    await run_in_threadpool(
        proposals.vote, services_of(request), who, circle_id, proposal_id, choice
    )
    return RedirectResponse(f"/circle?circle={circle_id}#proposal-{proposal_id}", status_code=303)


@router.post("/circle/{circle_id}/charter/proposals")
async def propose(request: Request, circle_id: CircleId, who: Viewer) -> Response:
    form, who = await signed_form(request, who)
    try:
        changes = _changes(form)
        rationale = form.get("rationale", "").strip()[:2000]
        await run_in_threadpool(
            proposals.propose, services_of(request), who, circle_id, changes, rationale
        )
    except InvalidInput as bad:
        return await _page(request, who, circle_id, form, bad.detail, status=422)
    return RedirectResponse(f"/circle?circle={circle_id}#open", status_code=303)


def _changes(form: dict[str, str]) -> dict[str, Any]:
    """One change from the form: a number for a rule, the quiet hours, or the counted kinds."""
    rule = form.get("rule", "")
    if rule in NUMERIC:
        return {rule: _number(form.get("value", ""))}
    if rule == "quiet_hours":
        if form.get("quiet") == "off":
            return dict.fromkeys(QUIET)
        return {name: _number(form.get(name, "")) for name in QUIET}
    if rule in CHOICES:
        return {rule: [v for v in CHOICES[rule] if form.get(f"{rule}.{v}")]}
    raise InvalidInput(_("Pick the rule to change."), "rule")


def _number(text: str) -> int | float:
    text = text.strip().replace(",", ".")
    if len(text) > 20:
        raise InvalidInput(_("The new value is a number."), "value")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(_("The new value is a number."), "value") from None
    if not value.is_finite():
        raise InvalidInput(_("The new value is a number."), "value")
    return int(value) if value == value.to_integral_value() else float(value)
