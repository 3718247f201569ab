"""``/v1/auth``: log in, list and revoke tokens, issue tokens for businesses and things."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from buurt.domain.parties import PartyKind
from buurt.domain.tokens import AccessToken
from buurt.services.community import auth, throttle
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.kinds import PrincipalKind
from buurt.web.api.schemas import Instant, Name, Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=responses(400, 401, 413, 422))


class LogIn(Strict):
    email: str = Field(max_length=320, pattern=r"^[^\x00]*$")
    password: str = Field(max_length=200, pattern=r"^[^\x00]*$")
    label: Name = "api"


class IssueToken(Strict):
    principal_kind: Literal[PrincipalKind.BUSINESS, PrincipalKind.THING] = Field(
        description="`business` or `thing`: members log in with their password instead."
    )
    principal_id: str = Field(max_length=32)
    label: Name = "api"
    expires_at: Instant | None = None


class TokenOut(BaseModel):
    id: str
    principal_kind: PrincipalKind
    principal_id: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    model_config = {"from_attributes": True}


class NewToken(TokenOut):
    token: str = Field(description="The bearer secret. Shown once; store it now.")


def _new(token: AccessToken, secret: str) -> NewToken:
    return NewToken.model_validate({**TokenOut.model_validate(token).model_dump(), "token": secret})


def client_address(request: Request) -> str:
    """The client's address (the proxy's forwarded one when uvicorn trusts the proxy)."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/tokens",
    status_code=201,
    responses=responses(400, 429),
    openapi_extra={"security": []},
)
def log_in(body: LogIn, services: ServicesDep, request: Request) -> NewToken:
    """Log a member in with email and password; answers a new bearer token. After 10 failed
    logins in 5 minutes for one account or from one address, answers 429 with `Retry-After`."""
    guard = request.app.state.instance.login_throttle
    return _new(
        *throttle.log_in(
            services, guard, client_address(request), body.email, body.password, body.label
        )
    )


@router.post("/tokens/issue", status_code=201, responses=responses(403, 404))
def issue(body: IssueToken, services: ServicesDep, principal: PrincipalDep) -> NewToken:
    """Issue a token for a business you own or a thing you own (the thing's MQTT/HTTP key)."""
    token, secret = auth.issue_principal_token(
        services,
        principal,
        PartyKind(body.principal_kind),
        body.principal_id,
        body.label,
        body.expires_at,
    )
    return _new(token, secret)


@router.get("/tokens")
def list_tokens(
    services: ServicesDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TokenOut]:
    """Your own tokens (never their secrets)."""
    return page_of(TokenOut, auth.list_tokens(services, principal, cursor, limit))


@router.delete("/tokens/{token_id}", status_code=204, responses=responses(404))
def revoke(
    token_id: Annotated[str, Path(max_length=64)], services: ServicesDep, principal: PrincipalDep
) -> None:
    """Revoke a token; it stops working at once."""
    auth.revoke_token(services, principal, token_id)
