"""How the demo's neighbours became verified: by the routes a real street would use.

Most got the address letter posted to their home; a second account at an address that has a
verified neighbour already came in on an invite from the admin; some picked up an in-person
code at the street meeting; and every fifth asked to be vouched for, and three neighbours who
were verified by letter vouched. The same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from buurt.domain.admission import AdmissionRoute
from buurt.domain.errors import Conflict
from buurt.services.community import admission, vouching
from buurt.services.context import Services
from buurt.services.principals import Principal

MEETING = "street meeting, Javaplein, 12 April"


def admit_all(
    services: Services,
    circle_id: str,
    admin: Principal,
    residents: Sequence[tuple[str, str]],
    principal: Callable[[str], Principal],
) -> dict[str, AdmissionRoute]:
    """Admit each ``(who, home address)``; returns the route each came by."""
    routes: dict[str, AdmissionRoute] = {}
    by_letter: list[str] = []
    for index, (who, home) in enumerate(residents):
        if index % 5 == 4 and len(by_letter) >= 3:
            request = admission.request_admission(services, principal(who), circle_id, None)
            for voucher in by_letter[-3:]:
                vouching.vouch(services, principal(voucher), circle_id, request.id)
            routes[who] = AdmissionRoute.VOUCHING
            continue
        route = AdmissionRoute.IN_PERSON if index % 7 == 3 else AdmissionRoute.LETTER
        try:
            issued = admission.issue_code(
                services,
                admin,
                circle_id,
                route,
                label=MEETING if route is AdmissionRoute.IN_PERSON else "",
                address=home if route is AdmissionRoute.LETTER else None,
            )
        except Conflict:  # a household's second account: the admin invites them
            route = AdmissionRoute.INVITE
            issued = admission.issue_code(services, admin, circle_id, route)
        admission.request_admission(services, principal(who), circle_id, issued.secret)
        routes[who] = route
        if route is AdmissionRoute.LETTER:
            by_letter.append(who)
    return routes
