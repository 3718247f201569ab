"""Moments as they happen, as Server-Sent Events of list items for htmx's SSE extension.

Each new or changed moment the principal is party to (and ``keep`` accepts) is sent as the
HTML of its list item: a new one for the top of the list (event ``moment``), a changed one in
place of the old (event ``moment-<id>``). The token is checked again at every heartbeat, so a
revoked session ends the stream. A stream that falls behind is closed; the browser reconnects
and the page, read from the store, is complete again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from buurt.adapters.streams import OVERFLOW, LiveMoments
from buurt.domain.errors import DomainError
from buurt.domain.events import DomainEvent, MomentChanged, MomentCreated
from buurt.domain.moments import Moment
from buurt.services.community.auth import authenticate
from buurt.services.principals import Principal
from buurt.services.publishing import home as home_view
from buurt.services.publishing import moments
from buurt.web.pages.forms import csrf_field
from buurt.web.pages.rendering import env
from buurt.web.pages.session import services_of, token_of

HEARTBEAT_SECONDS = 15


def moment_item(request: Request, who: Principal, moment: Moment) -> str:
    """A moment's list item, as the pages draw it."""
    template = env.get_template("_moment.html")
    zone = ZoneInfo(home_view.timezone_of(services_of(request), moment.circle_id))
    return template.render(moment=moment, who=who, csrf_field=csrf_field(request), zone=zone)


def moment_stream(
    request: Request, who: Principal, keep: Callable[[Moment], bool] = lambda m: True
) -> StreamingResponse:
    live: LiveMoments = request.app.state.instance.live_moments
    return StreamingResponse(
        _moments(request, live, who, token_of(request) or "", keep),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _moments(
    request: Request,
    live: LiveMoments,
    who: Principal,
    token: str,
    keep: Callable[[Moment], bool],
) -> AsyncIterator[str]:
    services = services_of(request)

    def accepts(event: DomainEvent) -> bool:
        return (
            isinstance(event, MomentCreated | MomentChanged)
            and moments.is_party(who, event.moment)
            and keep(event.moment)
        )

    def still_valid() -> bool:
        try:
            authenticate(services, token)
        except DomainError:
            return False
        return True

    async with live.follow(moments.parties_of(who), accepts) as queue:
        yield ": connected\n\n"
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                if not await run_in_threadpool(still_valid):
                    return
                yield ": heartbeat\n\n"
                continue
            if item is OVERFLOW:
                return
            html = moment_item(request, who, item.moment).replace("\n", "")
            name = "moment" if isinstance(item, MomentCreated) else f"moment-{item.moment.id}"
            yield f"event: {name}\ndata: {html}\n\n"
