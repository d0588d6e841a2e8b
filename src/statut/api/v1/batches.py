"""Fund batches over the API (issue 3): upload a CSV or JSON Lines file through the gate, read the
batch and its report (JSON or CSV).

- ``POST /api/v1/funds/{code}/batches`` (multipart: ``file``, optional ``batch_id`` and ``format``):
  201 with ``Location`` for a new batch; 200 with the same ``Location`` when the batch (same batch id,
  or same content) was already received, nothing changed; 409 when a batch id is re-used for another
  file; 413 above the size limit (``STATUT_MAX_UPLOAD_BYTES``); 422 ``statut.ingestion.rejected`` for a
  file refused as a whole, which is kept (``rejection_id``) and whose problems are named.
- ``GET /api/v1/funds/{code}/batches/{batch_id}``: counts and reconciliation.
- ``GET /api/v1/funds/{code}/batches/{batch_id}/report``: the fund's report in its language, JSON by
  default, CSV with ``Accept: text/csv`` or ``?format=csv``.

Only the fund's own IT system or agents, for their fund. The work is statut.services.uploads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse

from statut.api.deps import CurrentActor, RuntimeDep, WriteActor
from statut.api.problems import problem
from statut.api.text import SafeText
from statut.api.v1.common import problems
from statut.api.v1.schemas import BatchRead, BatchReportRead
from statut.services.uploads import BatchSummary, batch_report_document, read_batch, upload_batch

router = APIRouter(tags=["funds"])

FundCode = Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9_-]+$", description="Code of the fund")]
BatchId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="The batch id")]
CSV_MEDIA_TYPE = "text/csv"


def _location(summary: BatchSummary) -> str:
    return f"/api/v1/funds/{summary.fund_code}/batches/{summary.batch_id}"


def _read(summary: BatchSummary, message: str = "") -> BatchRead:
    return BatchRead(
        **{name: getattr(summary, name) for name in BatchSummary.__slots__},
        message=message,
        links={"self": _location(summary), "report": _location(summary) + "/report"},
    )


@router.post(
    "/funds/{code}/batches",
    response_model=BatchRead,
    status_code=status.HTTP_201_CREATED,
    summary="Send a batch (CSV or JSON Lines) through the quality gate",
    responses={
        200: {"description": "Already received (same batch id or same content): nothing changed", "model": BatchRead},
        **problems(400, 403, 404, 409, 413),
    },
)
def upload(
    *,
    request: Request,
    code: FundCode,
    actor: WriteActor,
    runtime: RuntimeDep,
    response: Response,
    file: Annotated[UploadFile, File(description="The fund file, as in docs/exchange-format.md")],
    batch_id: Annotated[
        SafeText | None,
        Form(max_length=40, description="Your id of this batch (re-sending it changes nothing)"),
    ] = None,
    format: Annotated[Literal["auto", "csv", "jsonl"], Form(description="What the file is")] = "auto",
) -> Any:
    content = file.file.read()
    with runtime.unit_of_work() as uow:
        outcome = upload_batch(
            uow, actor, code, content, file_name=file.filename or "upload", declared_format=format, batch_id=batch_id
        )
        uow.commit()
    if outcome.rejection is not None:
        rejection = outcome.rejection
        return problem(
            request,
            422,
            "statut.ingestion.rejected",
            "BatchRejected",
            f"{outcome.message}; the file is kept as {rejection.rejection_id}",
            rejection_id=rejection.rejection_id,
            file_problems=rejection.problems,
        )
    assert outcome.batch is not None
    response.headers["Location"] = _location(outcome.batch)
    if outcome.batch.already_received:
        response.status_code = status.HTTP_200_OK
    return _read(outcome.batch, outcome.message)


@router.get(
    "/funds/{code}/batches/{batch_id}",
    response_model=BatchRead,
    summary="A batch your fund sent: counts and reconciliation",
    responses=problems(403, 404),
)
def get_batch(code: FundCode, batch_id: BatchId, actor: CurrentActor, runtime: RuntimeDep) -> BatchRead:
    with runtime.unit_of_work(read_only=True) as uow:
        summary = read_batch(uow, actor, code, batch_id)
    return _read(summary)


@router.get(
    "/funds/{code}/batches/{batch_id}/report",
    response_model=BatchReportRead,
    summary="The batch's report, in the fund's language (JSON, or CSV with Accept: text/csv or ?format=csv)",
    responses={
        200: {
            "description": "The report",
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problems(403, 404),
    },
)
def get_report(
    *,
    code: FundCode,
    batch_id: BatchId,
    actor: CurrentActor,
    runtime: RuntimeDep,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    as_csv = format == "csv" or (format is None and CSV_MEDIA_TYPE in (accept or "").lower())
    with runtime.unit_of_work(read_only=True) as uow:
        document = batch_report_document(uow, actor, code, batch_id, as_csv=as_csv)
    if isinstance(document, bytes):
        return Response(
            document,
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{batch_id}.csv"', "Vary": "Accept"},
        )
    return JSONResponse(document, headers={"Vary": "Accept"})
