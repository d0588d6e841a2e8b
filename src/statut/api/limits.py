"""The size limit of fund uploads (``STATUT_MAX_UPLOAD_BYTES``), enforced while the body arrives.

A route-level limit would be fixed at import time; this one comes from the settings. A declared
``Content-Length`` above the limit is refused before a byte is read; a chunked body is counted as it
arrives and refused as soon as it passes the limit, so a 200 MB file is never spooled to disk. Both
answer a 413 problem ``statut.request.too_large`` that names the limit.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statut.api.problems import problem

UPLOAD_PATH = re.compile(r"^/api/v1/funds/[^/]+/batches/?$")
TOO_LARGE = 413


def too_large_detail(limit: int) -> str:
    return (
        f"the request body is larger than the limit of {limit:,} bytes; nothing was kept: "
        "split the batch into smaller files"
    )


class UploadSizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not UPLOAD_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = problem(
                Request(scope), TOO_LARGE, "statut.request.too_large", "HTTP error", too_large_detail(self.max_bytes)
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Re-raised by FastAPI's body parsing, answered by the problem handlers.
                    raise HTTPException(TOO_LARGE, detail=too_large_detail(self.max_bytes))
            return message

        await self.app(scope, counted, send)
