"""Dossiers: ``GET /api/v1/persons/{national_number}/dossier`` and ``GET /api/v1/me/dossier``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from statut.access.errors import AccessDenied
from statut.api.deps import CurrentActor, Purpose, RequestId, RuntimeDep
from statut.api.text import SafeText
from statut.api.v1.common import problems
from statut.api.v1.schemas import DossierRead
from statut.services.dossier import read_dossier

router = APIRouter(tags=["dossiers"])

Lang = Annotated[
    Literal["fr", "nl", "de", "en"] | None, Query(description="Language of the explanations (default: the person's)")
]
Explain = Annotated[
    Literal["latest", "all", "none"],
    Query(description="Explain the regularisation of the latest year, every year, or none"),
]
NationalNumber = Annotated[SafeText, Path(max_length=20, description="INSZ/NISS or BIS number (separators allowed)")]


@router.get(
    "/persons/{national_number}/dossier",
    response_model=DossierRead,
    summary="A person's dossier, as your access allows",
    responses=problems(400, 403, 404),
)
def get_dossier(
    *,
    national_number: NationalNumber,
    actor: CurrentActor,
    runtime: RuntimeDep,
    purpose: Purpose,
    request_id: RequestId,
    lang: Lang = None,
    explain: Explain = "latest",
) -> DossierRead:
    """Every read is logged in the ledger with your role, the purpose and the legal basis; the person
    sees it in their access log. Institution agents must state a purpose (X-Statut-Purpose)."""
    with runtime.unit_of_work() as uow:
        dossier = read_dossier(
            uow, actor, national_number, purpose=purpose, lang=lang, request_id=request_id, explain=explain
        )
        uow.commit()
    return DossierRead.model_validate(dossier)


@router.get("/me/dossier", response_model=DossierRead, summary="Your own dossier", responses=problems(403, 404))
def get_my_dossier(
    actor: CurrentActor, runtime: RuntimeDep, request_id: RequestId, lang: Lang = None, explain: Explain = "latest"
) -> DossierRead:
    if actor.national_number is None:
        raise AccessDenied("citizens_only", "this route is for a person's own data")
    with runtime.unit_of_work() as uow:
        dossier = read_dossier(uow, actor, actor.national_number, lang=lang, request_id=request_id, explain=explain)
        uow.commit()
    return DossierRead.model_validate(dossier)
