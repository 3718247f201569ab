"""Request dependencies: the wired services, the authenticated principal, paging parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from buurt.domain.errors import AuthenticationFailed
from buurt.ports.things import ThingLink
from buurt.services.community.auth import authenticate
from buurt.services.context import Services
from buurt.services.principals import Principal

bearer = HTTPBearer(
    auto_error=False,
    description="A token from `POST /v1/auth/tokens` (members) or issued to a business or thing.",
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_thing_link(request: Request) -> ThingLink:
    link: ThingLink = request.app.state.instance.thing_link
    return link


ThingLinkDep = Annotated[ThingLink, Depends(get_thing_link)]


def current_principal(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise AuthenticationFailed("this needs a bearer token (Authorization: Bearer ...)")
    return authenticate(services, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=64, description="`next_cursor` of the previous page."),
]
