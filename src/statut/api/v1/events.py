"""Events for fund systems: a Server-Sent Events stream that resumes from ``Last-Event-ID``, and
webhook subscriptions (the signing secret is shown once, at creation).

A fund system (an actor with a ``fund_code``) sees the events about its own members only, with the
pseudonymous subject; the national number is never in the stream (webhook subscriptions of entitled
institutions get it through the access policy, not through this route). Mounted by the API under
``/api/v1``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, HttpUrl

from statut.api.deps import CurrentActor, RuntimeDep
from statut.api.text import SafeText
from statut.api.v1.common import problems
from statut.domain.errors import PermissionDenied
from statut.events.cloudevents import to_cloudevent
from statut.services.events import events_after, subscribe_webhook

router = APIRouter(tags=["events"])
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0


class WebhookCreate(BaseModel):
    name: SafeText = Field(min_length=1, max_length=100)
    url: HttpUrl
    types: list[SafeText] = Field(default_factory=list, description="Event type prefixes, e.g. be.statut.decision.")


class WebhookRead(BaseModel):
    subscription_id: int
    name: str
    url: str
    fund_code: str | None
    types: list[str]
    secret: str = Field(description="HMAC-SHA256 key of the Statut-Signature header; shown once.")


def _fund_of(actor: CurrentActor) -> str:
    if not actor.fund_code:
        raise PermissionDenied("only a fund's system or agents subscribe to its events")
    return actor.fund_code


@router.post(
    "/events/webhooks",
    response_model=WebhookRead,
    status_code=201,
    summary="Subscribe a fund system by webhook",
    responses=problems(400, 403, 409),
)
def create_webhook(body: WebhookCreate, actor: CurrentActor, runtime: RuntimeDep) -> WebhookRead:
    fund = _fund_of(actor)
    with runtime.unit_of_work() as uow:
        created = subscribe_webhook(uow, f"{fund}:{body.name}", str(body.url), fund_code=fund, type_prefixes=body.types)
        uow.commit()
    return WebhookRead(
        subscription_id=created.subscription_id,
        name=created.name,
        url=created.target,
        fund_code=created.fund_code,
        types=list(created.type_prefixes),
        secret=created.secret,
    )


@router.get(
    "/events/stream",
    summary="Server-Sent Events: the fund's events, resumable with Last-Event-ID",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A stream of CloudEvents, one `data:` line each, with `id:` for resumption.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problems(400, 403),
    },
)
async def stream(
    *,
    actor: CurrentActor,
    runtime: RuntimeDep,
    last_event_id: Annotated[SafeText | None, Header(alias="Last-Event-ID", max_length=36)] = None,
    after: Annotated[
        SafeText | None, Query(max_length=36, description="Alternative to the Last-Event-ID header.")
    ] = None,
    types: Annotated[list[SafeText] | None, Query(description="Event type prefixes.")] = None,
    once: Annotated[bool, Query(description="Send what is there and close (for batch clients and tests).")] = False,
) -> StreamingResponse:
    fund = _fund_of(actor)

    def page(cursor: str | None) -> list[dict[str, object]]:
        with runtime.unit_of_work(read_only=True) as uow:
            records = events_after(uow, cursor, type_prefixes=types or ())
            members = _members(uow, fund, {r.person_id for r in records if r.person_id is not None})
        return [
            to_cloudevent(r)
            for r in records
            if r.data.get("fund_code") == fund or (r.person_id is not None and r.person_id in members)
        ] + ([{"id": records[-1].event_id, "type": "cursor"}] if records else [])

    async def body() -> AsyncIterator[bytes]:
        cursor = last_event_id or after
        idle = 0.0
        while True:
            events = await asyncio.to_thread(page, cursor)
            for event in events:
                cursor = str(event["id"])
                if event.get("type") == "cursor":  # moves the cursor past events of other funds
                    continue
                data = json.dumps(event, separators=(",", ":"))
                yield f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n".encode()
            if once and not events:
                return
            if not events:
                await asyncio.sleep(POLL_SECONDS)
                idle += POLL_SECONDS
                if idle >= HEARTBEAT_SECONDS:
                    idle = 0.0
                    yield b": keep-alive\n\n"

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def _members(uow: object, fund: str, people: set[int]) -> set[int]:
    from statut.services.events import fund_members

    return fund_members(uow, fund, people)  # type: ignore[arg-type]
