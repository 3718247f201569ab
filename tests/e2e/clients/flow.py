"""A short flow through a client generated from Buurt's OpenAPI document by
openapi-python-client: log in, publish a need, read its moments. Run as a script, with the
generated package importable: ``python flow.py BASE_URL``; prints the moments as JSON."""

from __future__ import annotations

import json
import sys

from buurt_api_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
from buurt_api_client.api.auth import log_in_v1_auth_tokens_post as log_in  # type: ignore[import-not-found]
from buurt_api_client.api.circles import create_v1_circles_post as create_circle  # type: ignore[import-not-found]
from buurt_api_client.api.intents import publish_v1_intents_post as publish_intent  # type: ignore[import-not-found]
from buurt_api_client.api.members import register_v1_members_post as register  # type: ignore[import-not-found]
from buurt_api_client.api.moments import list_moments_v1_moments_get as list_moments  # type: ignore[import-not-found]
from buurt_api_client.api.offers import publish_v1_offers_post as publish_offer  # type: ignore[import-not-found]
from buurt_api_client.models import (  # type: ignore[import-not-found]
    CircleAreaModel,
    CircleIn,
    IntentIn,
    IntentOut,
    LogIn,
    NewToken,
    OfferIn,
    PolygonModel,
    Registration,
)

PASSWORD = "correct horse battery"
SQUARE = [[52.355, 4.925], [52.370, 4.925], [52.370, 4.950], [52.355, 4.950]]
HOME = CircleAreaModel(lat=52.362, lon=4.938, radius_m=500)


def member(base_url: str, name: str, circle_id: str | None = None) -> AuthenticatedClient:
    anonymous = Client(base_url=base_url)
    email = f"{name.lower()}@example.org"
    body = Registration(name=name, email=email, password=PASSWORD)
    if circle_id is not None:
        body.circle_id = circle_id
    register.sync(client=anonymous, body=body)
    token = log_in.sync(client=anonymous, body=LogIn(email=email, password=PASSWORD))
    assert isinstance(token, NewToken), token
    return AuthenticatedClient(base_url=base_url, token=token.token)


def main(base_url: str) -> None:
    ada = member(base_url, "Ada")
    circle = create_circle.sync(
        client=ada, body=CircleIn(name="Oostpoort", boundary=PolygonModel(polygon=SQUARE))
    )
    publish_offer.sync(
        client=ada,
        body=OfferIn(circle_id=circle.id, category="tools", title="Drill to lend", area=HOME),
    )
    bob = member(base_url, "Bob", circle.id)
    need = publish_intent.sync(
        client=bob,
        body=IntentIn(circle_id=circle.id, category="tools", area=HOME),
        idempotency_key='"bob-needs-a-drill"',
    )
    assert isinstance(need, IntentOut), need
    moments = list_moments.sync(client=bob)
    print(json.dumps({"need": need.id, "moments": [m.to_dict() for m in moments.items]}))


if __name__ == "__main__":
    main(sys.argv[1])
