"""Dossiers: ``GET /api/v1/persons/{national_number}/dossier`` and ``GET /api/v1/me/dossier``.

The hottest read of the platform (a fund's IT system reads its members' dossiers in bulk), so the
answer is written to JSON straight from the service's frozen dataclasses by pydantic's serialiser
(:func:`dossier_response`). Returning a :class:`DossierRead` instead would make FastAPI dump it to a
dict, validate that dict against the response model again, encode it to plain data and only then to
JSON: the same document, built four times. The dataclasses mirror :class:`DossierRead` field for
field (same names, order and types), which ``response_model`` still documents; a test checks that
both give the same bytes (tests/api/test_dossier_json.py).

The routes are ``async def`` and run the read (blocking database I/O) in a worker thread themselves,
under the application's limit of reads at once (:func:`statut.api.app.reads_at_once`), so that
reads never outnumber the engine's kept connections.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import TypeAdapter

from statut.access.errors import AccessDenied
from statut.access.identity import Actor
from statut.api.deps import CurrentActor, Purpose, request_id_of
from statut.api.health import runtime_of
from statut.api.text import SafeText
from statut.api.v1.common import problems
from statut.api.v1.schemas import DossierRead
from statut.services.dossier import Dossier, read_dossier
from statut.services.dossier import Explain as ExplainChoice

router = APIRouter(tags=["dossiers"])

Lang = Annotated[
    Literal["fr", "nl", "de", "en"] | None, Query(description="Language of the explanations (default: the person's)")
]
Explain = Annotated[
    Literal["latest", "all", "none"],
    Query(description="Explain the regularisation of the latest year, every year, or none"),
]
NationalNumber = Annotated[SafeText, Path(max_length=20, description="INSZ/NISS or BIS number (separators allowed)")]


_DOSSIER_JSON = TypeAdapter(Dossier)


def dossier_response(dossier: Dossier) -> Response:
    """The dossier as ``application/json``, in the shape of :class:`DossierRead` (module docstring)."""
    return Response(_DOSSIER_JSON.dump_json(dossier), media_type="application/json")


def _read(
    request: Request, actor: Actor, number: str, *, purpose: str | None, lang: str | None, explain: ExplainChoice
) -> Response:
    """One logged read in its own unit of work, committed before the answer leaves (in a worker thread)."""
    with runtime_of(request).unit_of_work() as uow:
        dossier = read_dossier(
            uow, actor, number, purpose=purpose, lang=lang, request_id=request_id_of(request), explain=explain
        )
        uow.commit()
    return dossier_response(dossier)


async def _read_in_thread(
    request: Request, actor: Actor, number: str, *, purpose: str | None, lang: str | None, explain: ExplainChoice
) -> Response:
    limiter: anyio.CapacityLimiter = request.app.state.dossier_reads
    read = partial(_read, request, actor, number, purpose=purpose, lang=lang, explain=explain)
    return await anyio.to_thread.run_sync(read, limiter=limiter)


@router.get(
    "/persons/{national_number}/dossier",
    response_model=DossierRead,
    summary="A person's dossier, as your access allows",
    responses=problems(400, 403, 404),
)
async def get_dossier(
    *,
    request: Request,
    national_number: NationalNumber,
    actor: CurrentActor,
    purpose: Purpose,
    lang: Lang = None,
    explain: Explain = "latest",
) -> Response:
    """Every read is logged in the ledger with your role, the purpose and the legal basis; the person
    sees it in their access log. Institution agents must state a purpose (X-Statut-Purpose)."""
    # The runtime and the request id from the request itself: two dependencies fewer (statut.api.deps).
    return await _read_in_thread(request, actor, national_number, purpose=purpose, lang=lang, explain=explain)


@router.get("/me/dossier", response_model=DossierRead, summary="Your own dossier", responses=problems(403, 404))
async def get_my_dossier(
    request: Request, actor: CurrentActor, lang: Lang = None, explain: Explain = "latest"
) -> Response:
    if actor.national_number is None:
        raise AccessDenied("citizens_only", "this route is for a person's own data")
    return await _read_in_thread(request, actor, actor.national_number, purpose=None, lang=lang, explain=explain)
