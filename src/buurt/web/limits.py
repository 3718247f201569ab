"""Refusing request bodies over the limit with a problem+json 413.

A declared Content-Length over the limit is answered before any of the body is read; a
streamed body is counted as it arrives and refused once it passes the limit. (FastAPI's own
``max_body_size`` answers the declared case in plain text, hence this middleware.)

Uploads (a path ``uploads`` matches) may be as large as ``upload_bytes``: an image is larger
than any JSON body, and its own limit is checked again where it is read.
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        uploads: re.Pattern[str] | None = None,
        upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads
        self.upload_bytes = upload_bytes

    def _limit(self, scope: Scope) -> int:
        if self.uploads is not None and self.uploads.match(scope.get("path", "")):
            return max(self.max_bytes, self.upload_bytes)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit(scope) if scope["type"] == "http" else self.max_bytes
        if scope["type"] == "http":
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                await self._refuse(send, limit)
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the body read, it reaches the problem handlers as a 413.
                    raise HTTPException(413)
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Request body too large",
                "status": 413,
                "detail": f"Request bodies are limited to {limit} bytes.",
            }
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
