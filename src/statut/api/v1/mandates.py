"""Consent and mandates: grant, read, limit, revoke; registration at a fund's counter.

Changes need ``If-Match`` with the ETag of the version read (428 without it, 412 when stale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Response, status

from statut.api.deps import (
    Access,
    CurrentActor,
    IfMatch,
    RuntimeDep,
    WriteActor,
    decode_after,
    etag_of,
    expected_version,
)
from statut.api.text import SafeText
from statut.api.v1.common import DEFAULT_LIMIT, MAX_LIMIT, problems
from statut.api.v1.schemas import (
    CounterMandateCreate,
    MandateCreate,
    MandatePage,
    MandateRead,
    MandateUpdate,
)
from statut.services import mandates as service
from statut.services.mandates import CounterEvidence, MandateChange, MandateTerms

if TYPE_CHECKING:
    from statut.store.mandates import MandateRecord
    from statut.store.unit_of_work import UnitOfWork

router = APIRouter(tags=["mandates"])

MandateId = Annotated[SafeText, Path(max_length=64, description="Opaque mandate id")]
Cursor = Annotated[SafeText | None, Query(max_length=512, description="Opaque cursor from the previous page")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _read(uow: UnitOfWork, record: MandateRecord) -> MandateRead:
    return MandateRead.model_validate(service.describe(uow, record))


def _terms(body: MandateCreate) -> MandateTerms:
    return MandateTerms(
        body.mandatary_number,
        body.mandatary_name,
        body.relationship,
        frozenset(body.scopes),
        body.valid_from,
        body.valid_to,
    )


@router.get("/me/mandates", response_model=MandatePage, summary="Mandates you gave", responses=problems(400, 403, 404))
def list_given(
    actor: CurrentActor, runtime: RuntimeDep, access: Access, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> MandatePage:
    scope = f"mandates.given:{actor.key}"
    after = decode_after(access, scope, cursor, "after", str)
    with runtime.unit_of_work(read_only=True) as uow:
        records = service.mandates_given(uow, actor, after=after, limit=limit + 1)
        items = [_read(uow, record) for record in records[:limit]]
    following = access.cursors.encode(scope, {"after": records[limit - 1].mandate_id}) if len(records) > limit else None
    return MandatePage(items=items, next_cursor=following)


@router.get(
    "/me/mandates/received", response_model=MandatePage, summary="Mandates given to you", responses=problems(400, 403)
)
def list_received(
    actor: CurrentActor, runtime: RuntimeDep, access: Access, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> MandatePage:
    scope = f"mandates.received:{actor.key}"
    after = decode_after(access, scope, cursor, "after", str)
    with runtime.unit_of_work(read_only=True) as uow:
        records = service.mandates_received(uow, actor, after=after, limit=limit + 1)
        items = [_read(uow, record) for record in records[:limit]]
    following = access.cursors.encode(scope, {"after": records[limit - 1].mandate_id}) if len(records) > limit else None
    return MandatePage(items=items, next_cursor=following)


@router.post(
    "/me/mandates",
    response_model=MandateRead,
    status_code=status.HTTP_201_CREATED,
    summary="Give a mandate on your dossier",
    responses=problems(400, 403, 404),
)
def grant(body: MandateCreate, actor: WriteActor, runtime: RuntimeDep, response: Response) -> MandateRead:
    with runtime.unit_of_work() as uow:
        record = service.grant_mandate(uow, actor, _terms(body))
        result = _read(uow, record)
        uow.commit()
    response.headers["ETag"] = etag_of(record.version_id)
    response.headers["Location"] = f"/api/v1/mandates/{record.mandate_id}"
    return result


@router.get(
    "/mandates/{mandate_id}",
    response_model=MandateRead,
    summary="A mandate you gave or received",
    responses=problems(404),
)
def read(mandate_id: MandateId, actor: CurrentActor, runtime: RuntimeDep, response: Response) -> MandateRead:
    with runtime.unit_of_work(read_only=True) as uow:
        record = service.read_mandate(uow, actor, mandate_id)
        result = _read(uow, record)
    response.headers["ETag"] = etag_of(record.version_id)
    return result


@router.patch(
    "/mandates/{mandate_id}",
    response_model=MandateRead,
    summary="Limit or extend a mandate you gave (If-Match required)",
    responses=problems(400, 403, 404, 409, 412, 428),
)
def change(
    *,
    mandate_id: MandateId,
    body: MandateUpdate,
    actor: WriteActor,
    runtime: RuntimeDep,
    if_match: IfMatch,
    response: Response,
) -> MandateRead:
    terms = MandateChange(
        scopes=None if body.scopes is None else frozenset(body.scopes),
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        clear_valid_to=body.clear_valid_to,
    )
    with runtime.unit_of_work() as uow:
        record = service.change_mandate(uow, actor, mandate_id, expected_version(if_match), terms)
        result = _read(uow, record)
        uow.commit()
    response.headers["ETag"] = etag_of(record.version_id)
    return result


@router.post(
    "/mandates/{mandate_id}/revoke",
    response_model=MandateRead,
    summary="Revoke a mandate you gave (If-Match required); effective at once",
    responses=problems(403, 404, 412, 428),
)
def revoke(
    mandate_id: MandateId, actor: WriteActor, runtime: RuntimeDep, if_match: IfMatch, response: Response
) -> MandateRead:
    with runtime.unit_of_work() as uow:
        record = service.revoke_mandate(uow, actor, mandate_id, expected_version(if_match))
        result = _read(uow, record)
        uow.commit()
    response.headers["ETag"] = etag_of(record.version_id)
    return result


@router.post(
    "/funds/{code}/counter-mandates",
    response_model=MandateRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a mandate signed on paper at the fund's counter (fund agents)",
    responses=problems(400, 403, 404),
)
def register_at_counter(
    code: Annotated[SafeText, Path(max_length=16)],
    body: CounterMandateCreate,
    actor: WriteActor,
    runtime: RuntimeDep,
    response: Response,
) -> MandateRead:
    """The fund in the path must be the agent's own; the person must be a current member of it."""
    with runtime.unit_of_work() as uow:
        record = service.register_at_counter(
            uow,
            actor,
            code,
            person_number=body.person_number,
            terms=_terms(body),
            evidence=CounterEvidence(body.evidence.sha256, body.evidence.reference),
        )
        result = _read(uow, record)
        uow.commit()
    response.headers["ETag"] = etag_of(record.version_id)
    response.headers["Location"] = f"/api/v1/mandates/{record.mandate_id}"
    return result
