"""Fund batches sent over the API: ``POST /api/v1/funds/{code}/batches`` and the batch's report.

The gate is the one of ``statut ingest`` (:func:`statut.services.ingestion.ingest_batch`): this
module only adds what an upload needs around it.

- **Who**: the fund's own IT system (client credentials) or its agents, nobody else
  (:func:`statut.access.policy.decide_fund`, ``fund.batches.upload`` and ``fund.batches.read``).
- **Idempotence**: a batch id chosen by the fund is namespaced by the fund (``F101-<id>``), so one
  fund can never reach another's batch by guessing its id. Re-sending the same file (same batch id,
  or same content under any id) changes nothing and says so; the same batch id with a *different*
  file is a conflict (409), never a silent no-op that would let the fund believe its correction
  landed.
- **Refused files are kept**: a file the gate refuses as a whole (not UTF-8, binary, no header, not
  the JSON Lines it claims...) reaches no register table, but it is stored byte for byte with its
  problems and report (``upload_rejection``) in the caller's unit of work, which the entry point
  commits before it answers the problem: nothing a fund sent is lost. Re-sending the same bad file
  answers the same rejection.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from statut.access.enforce import require
from statut.access.identity import Actor
from statut.access.policy import Action, decide_fund
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.exchange.batch_reader import BatchFormat
from statut.quality.report import FundReport, ReportLine, render_csv, render_json
from statut.services.ingestion import BatchRejected, IngestResult, ingest_batch
from statut.store.batches import BatchRow
from statut.store.unit_of_work import UnitOfWork
from statut.store.uploads import RejectedUpload, UploadRejectionRepository

_BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
FORMATS = ("auto", "csv", "jsonl")


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """A batch that passed the gate, as the fund sees it."""

    batch_id: str
    fund_code: str
    file_name: str
    content_sha256: str
    format: str
    received_at: str
    status: str
    already_received: bool
    counts: dict[str, dict[str, int]]
    totals: dict[str, int]
    reconciled: bool
    released: int = 0


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What an upload did: a batch (new or already received), or a refused file kept for the record."""

    batch: BatchSummary | None = None
    rejection: RejectedUpload | None = None
    message: str = ""


def stored_batch_id(fund_code: str, batch_id: str | None) -> str | None:
    """The fund's batch id, namespaced by the fund; None when the fund sends none (the gate derives one
    from the content hash)."""
    if batch_id is None or batch_id == "":
        return None
    if not _BATCH_ID.match(batch_id):
        raise DomainValidationError(
            "batch_id", batch_id, "1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    prefix = f"{fund_code}-"
    return batch_id if batch_id.startswith(prefix) else prefix + batch_id


def upload_batch(
    uow: UnitOfWork,
    actor: Actor,
    fund_code: str,
    content: bytes,
    *,
    file_name: str,
    declared_format: str = "auto",
    batch_id: str | None = None,
) -> UploadOutcome:
    """Send ``content`` through the gate for ``fund_code`` in ``uow`` (the entry point commits, in every
    outcome: a refused file is kept too)."""
    require(decide_fund(actor, Action.UPLOAD_FUND_BATCH, fund_code))
    if declared_format not in FORMATS:
        raise DomainValidationError("format", declared_format, f"one of {', '.join(FORMATS)}")
    wanted = stored_batch_id(fund_code, batch_id)
    digest = hashlib.sha256(content).hexdigest()
    if wanted is not None:
        earlier = uow.batches.get(wanted)
        if earlier is not None and earlier.content_sha256 != digest:
            raise Conflict(
                f"batch {wanted} was already received with another file (sha256 {earlier.content_sha256[:12]}...): "
                "nothing changed; send a corrected file under a new batch id",
                code="statut.ingestion.batch_id_reused",
            )
    name = _safe_name(file_name)
    try:
        result = ingest_batch(
            uow,
            content,
            fund_code=fund_code,
            file_name=name,
            declared_format=BatchFormat(declared_format),
            actor=actor.key,
            today=uow.clock().date(),
            batch_id=wanted,
        )
    except BatchRejected as refused:
        rejection = _keep_rejected(uow, actor, fund_code, name, content, digest, refused)
        return UploadOutcome(rejection=rejection, message=refused.message)
    row = uow.batches.get(result.batch_id)
    assert row is not None
    summary = _summary(row, already_received=result.already_received, released=result.released)
    message = (
        f"batch {result.batch_id} was already received on {summary.received_at}: nothing changed"
        if result.already_received
        else f"batch {result.batch_id} went through the gate: {_totals_text(summary.totals)}"
    )
    return UploadOutcome(batch=summary, message=message)


def read_batch(uow: UnitOfWork, actor: Actor, fund_code: str, batch_id: str) -> BatchSummary:
    return _summary(_own_batch(uow, actor, fund_code, batch_id), already_received=False)


def batch_report_document(
    uow: UnitOfWork, actor: Actor, fund_code: str, batch_id: str, *, as_csv: bool
) -> bytes | dict[str, Any]:
    """The batch's report in the fund's language: the ``statut ingest --report-out`` JSON, or its CSV."""
    row = _own_batch(uow, actor, fund_code, batch_id)
    report = _fund_report(row.report)
    if as_csv:
        return render_csv(report)
    document: dict[str, Any] = json.loads(render_json(report))
    return document


def _own_batch(uow: UnitOfWork, actor: Actor, fund_code: str, batch_id: str) -> BatchRow:
    require(decide_fund(actor, Action.READ_FUND_BATCHES, fund_code))
    row = uow.batches.get(batch_id)
    if row is None or row.fund_code != fund_code:  # another fund's batch is "not found", like none at all
        raise NotFound(f"no batch {batch_id!r} of fund {fund_code}", code="statut.not_found.batch")
    return row


def _keep_rejected(  # noqa: PLR0917 - a private step of upload_batch, called once
    uow: UnitOfWork, actor: Actor, fund_code: str, name: str, content: bytes, digest: str, refused: BatchRejected
) -> RejectedUpload:
    repository = UploadRejectionRepository(uow.connection)
    earlier = repository.find(fund_code, digest)
    if earlier is not None:
        return earlier
    report = dataclasses.asdict(refused.report)
    rejection = RejectedUpload(
        rejection_id=f"{fund_code}-rejected-{secrets.token_hex(8)}",
        fund_code=fund_code,
        file_name=name,
        content_sha256=digest,
        size_bytes=len(content),
        problems=list(report.get("file_problems", [])),
        report=report,
        received_at=uow.clock(),
        actor=actor.key,
    )
    repository.add(rejection, content)
    return rejection


def _summary(row: BatchRow, *, already_received: bool, released: int = 0) -> BatchSummary:
    counts = row.report.get("counts", {})
    return BatchSummary(
        batch_id=row.batch_id,
        fund_code=row.fund_code,
        file_name=row.file_name,
        content_sha256=row.content_sha256,
        format=row.format,
        received_at=row.received_at.isoformat(timespec="seconds"),
        status=row.status,
        already_received=already_received,
        counts=counts,
        totals=_totals(row, counts),
        reconciled=bool(row.reconciliation.get("balanced", True)),
        released=released,
    )


def _totals(row: BatchRow, counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Totals over the record types of every count the gate reports (received = accepted +
    quarantined + already held, and whatever outcome the gate adds), the batch row's when known."""
    names = list(dict.fromkeys(name for per_type in counts.values() for name in per_type))
    totals = {name: sum(per_type.get(name, 0) for per_type in counts.values()) for name in names}
    for name in ("received", "accepted", "quarantined", "already_held"):
        totals[name] = int(getattr(row, name))
    return totals


def _fund_report(data: dict[str, Any]) -> FundReport:
    """The stored report (a dict) as the report type its renderers take, as `statut ingest` does."""
    line_fields = {f.name for f in dataclasses.fields(ReportLine)}
    values = {f.name: data[f.name] for f in dataclasses.fields(FundReport) if f.name in data}
    values["lines"] = [
        ReportLine(**{k: v for k, v in line.items() if k in line_fields}) for line in data.get("lines", [])
    ]
    return FundReport(**values)


def _totals_text(totals: dict[str, int]) -> str:
    return ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in totals.items())


def _safe_name(file_name: str) -> str:
    """The file's base name only, printable, at most 200 characters (it is shown in reports)."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable())[:200]
    return cleaned or "upload"


__all__ = [
    "BatchSummary",
    "IngestResult",
    "UploadOutcome",
    "batch_report_document",
    "read_batch",
    "stored_batch_id",
    "upload_batch",
]
