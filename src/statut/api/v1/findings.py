"""Data quality (issue 4): a fund's findings, and the duplicate-persons review queue.

- ``/funds/{code}/findings``: the fund's own agents and IT system list (cursor pages, filters),
  export (CSV or JSON) and handle (acknowledge, dismiss with a reason) the defects the gate and the
  scan found in the fund's records (policy: ``decide_findings``).
- ``/quality/review``: INASTI's data stewards list the candidate duplicate pairs, confirm (the two
  persons are merged, reversibly) or reject them, and undo a merge (policy: ``decide_duplicate_review``).

Thin: parse, call statut.services.findings / statut.services.merges, render.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from statut.access.identity import Actor
from statut.api.deps import Access, CurrentActor, RuntimeDep, WriteActor, decode_after
from statut.api.text import SafeText
from statut.api.v1.common import DEFAULT_LIMIT, MAX_LIMIT, problems
from statut.api.v1.schemas import BodyModel, Page
from statut.services import findings as service
from statut.services import merges
from statut.services.findings import FindingFilter
from statut.services.runtime import Runtime

router = APIRouter(tags=["data quality"])

FundCode = Annotated[SafeText, Path(max_length=16, description="Code of the fund")]
FindingId = Annotated[int, Path(ge=1, le=2**62, description="Id of the finding")]
PairId = Annotated[int, Path(ge=1, le=2**62, description="Id of the candidate pair")]
State = Literal["open", "acknowledged", "corrected", "dismissed"]


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    finding_id: int
    fund_code: str
    source: str = Field(description="gate (a fund batch) or scan (the register)")
    record_type: str
    record_ref: str = Field(description="gate: your record_id; scan: the register's key of the record")
    rule_id: str = Field(description="The catalogue rule (see docs/rules.md)")
    severity: str
    dimension: str
    field: str
    detail: str
    state: State
    opened_at: datetime
    due_date: date
    closed_at: datetime | None
    closed_by: str | None
    dismiss_reason: str | None
    batch_id: str | None
    snapshot_id: int | None


class FindingPage(Page):
    items: list[FindingRead]


class DismissBody(BodyModel):
    reason: SafeText = Field(min_length=5, max_length=1000, description="Why the data are right as they are")


def _filter(
    state: State | None, rule_id: str | None, record_type: str | None, source: str | None, overdue: bool
) -> FindingFilter:
    from datetime import UTC

    return FindingFilter(
        state=state,
        rule_id=rule_id,
        record_type=record_type,
        source=source,
        overdue_on=datetime.now(UTC).date() if overdue else None,
    )


StateQuery = Annotated[State | None, Query(description="Only findings in this state")]
RuleQuery = Annotated[SafeText | None, Query(max_length=20, description="Only this rule, e.g. ADR-001")]
TypeQuery = Annotated[SafeText | None, Query(max_length=20, description="Only this record type")]
SourceQuery = Annotated[Literal["gate", "scan"] | None, Query(description="gate or scan")]
OverdueQuery = Annotated[bool, Query(description="Only active findings past their due date")]


@router.get(
    "/funds/{code}/findings",
    response_model=FindingPage,
    summary="The fund's data-quality findings (its agents and IT system)",
    responses=problems(400, 403, 404),
)
def list_findings(
    *,
    code: FundCode,
    actor: CurrentActor,
    runtime: RuntimeDep,
    access: Access,
    state: StateQuery = None,
    rule_id: RuleQuery = None,
    record_type: TypeQuery = None,
    source: SourceQuery = None,
    overdue: OverdueQuery = False,
    cursor: Annotated[SafeText | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> FindingPage:
    # The cursor is bound to the fund, the filters and the caller: it cannot be replayed elsewhere.
    scope = f"findings:{code}:{state}:{rule_id}:{record_type}:{source}:{overdue}:{actor.key}"
    after = decode_after(access, scope, cursor, "after", int) or 0
    where = _filter(state, rule_id, record_type, source, overdue)
    with runtime.unit_of_work() as uow:
        rows = service.list_findings_for(uow, actor, code, after=after, limit=limit + 1, where=where)
    page = rows[:limit]
    following = access.cursors.encode(scope, {"after": page[-1].finding_id}) if len(rows) > limit else None
    return FindingPage(items=[FindingRead.model_validate(row) for row in page], next_cursor=following)


@router.get(
    "/funds/{code}/findings/export",
    summary="Every finding of the fund matching the filters, as CSV or JSON",
    responses={
        **problems(400, 403, 404),
        200: {"content": {"text/csv": {}, "application/json": {}}, "description": "The findings"},
    },
)
def export_findings(
    *,
    code: FundCode,
    actor: CurrentActor,
    runtime: RuntimeDep,
    format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv",
    state: StateQuery = None,
    rule_id: RuleQuery = None,
    record_type: TypeQuery = None,
    source: SourceQuery = None,
    overdue: OverdueQuery = False,
) -> Response:
    where = _filter(state, rule_id, record_type, source, overdue)
    with runtime.unit_of_work() as uow:
        frame = service.export_findings_for(uow, actor, code, where)
    if format == "json":
        return Response(frame.write_json(), media_type="application/json")
    buffer = io.StringIO()
    frame.write_csv(buffer)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="findings-{code}.csv"'},
    )


@router.post(
    "/funds/{code}/findings/{finding_id}/acknowledge",
    response_model=FindingRead,
    summary="The fund has seen the finding and works on it",
    responses=problems(403, 404, 409),
)
def acknowledge(code: FundCode, finding_id: FindingId, actor: WriteActor, runtime: RuntimeDep) -> FindingRead:
    with runtime.unit_of_work() as uow:
        row = service.acknowledge_finding_for(uow, actor, code, finding_id)
        uow.commit()
    return FindingRead.model_validate(row)


@router.post(
    "/funds/{code}/findings/{finding_id}/dismiss",
    response_model=FindingRead,
    summary="The data are right as they are: close the finding with a reason",
    responses=problems(400, 403, 404, 409),
)
def dismiss(
    code: FundCode, finding_id: FindingId, body: DismissBody, actor: WriteActor, runtime: RuntimeDep
) -> FindingRead:
    with runtime.unit_of_work() as uow:
        row = service.dismiss_finding_for(uow, actor, code, finding_id, body.reason)
        uow.commit()
    return FindingRead.model_validate(row)


# -- duplicate persons ------------------------------------------------------------------------------


class ReviewPersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    national_number: str | None
    last_name: str | None
    first_name: str | None
    birth_date: date | None
    postal_code: str | None


class ReviewPairRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pair_id: int
    match_probability: float
    state: Literal["pending", "confirmed", "rejected"]
    found_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    merged: bool = Field(description="The two persons are merged now (confirmed and not undone)")
    left: ReviewPersonRead
    right: ReviewPersonRead


class ReviewPage(Page):
    items: list[ReviewPairRead]


class DecisionBody(BodyModel):
    note: SafeText | None = Field(default=None, max_length=1000, description="Why (kept with the decision)")


@router.get(
    "/quality/review",
    response_model=ReviewPage,
    summary="Candidate duplicate persons awaiting a data steward (institution agents)",
    responses=problems(400, 403),
)
def review_queue(
    *,
    actor: CurrentActor,
    runtime: RuntimeDep,
    access: Access,
    state: Annotated[Literal["pending", "confirmed", "rejected"], Query()] = "pending",
    cursor: Annotated[SafeText | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ReviewPage:
    scope = f"review:{state}:{actor.key}"
    after = decode_after(access, scope, cursor, "after", int) or 0
    with runtime.unit_of_work() as uow:
        rows = merges.review_queue_for(uow, actor, state=state, after=after, limit=limit + 1)
        uow.commit()  # the reads of the identities shown are in the access log before they leave
    page = rows[:limit]
    following = access.cursors.encode(scope, {"after": page[-1].pair_id}) if len(rows) > limit else None
    return ReviewPage(items=[ReviewPairRead.model_validate(row) for row in page], next_cursor=following)


@router.post(
    "/quality/review/{pair_id}/confirm",
    response_model=ReviewPairRead,
    summary="Confirm the pair: the two persons are merged, every fact of both kept (reversible)",
    responses=problems(403, 404, 409),
)
def confirm(
    pair_id: PairId, actor: WriteActor, runtime: RuntimeDep, body: DecisionBody | None = None
) -> ReviewPairRead:
    return _decide_pair(runtime, actor, pair_id, body, merges.confirm_pair_for)


@router.post(
    "/quality/review/{pair_id}/reject",
    response_model=ReviewPairRead,
    summary="Reject the pair: two different persons (the linkage will not propose them again)",
    responses=problems(403, 404, 409),
)
def reject(pair_id: PairId, actor: WriteActor, runtime: RuntimeDep, body: DecisionBody | None = None) -> ReviewPairRead:
    return _decide_pair(runtime, actor, pair_id, body, merges.reject_pair_for)


@router.post(
    "/quality/review/{pair_id}/unmerge",
    response_model=ReviewPairRead,
    summary="Undo the merge of a confirmed pair: both persons exactly as before",
    responses=problems(403, 404, 409),
)
def unmerge(
    pair_id: PairId, actor: WriteActor, runtime: RuntimeDep, body: DecisionBody | None = None
) -> ReviewPairRead:
    return _decide_pair(runtime, actor, pair_id, body, merges.unmerge_pair_for)


def _decide_pair(
    runtime: Runtime,
    actor: Actor,
    pair_id: int,
    body: DecisionBody | None,
    decide: Callable[..., object],
) -> ReviewPairRead:
    """One data-steward decision on a pair, then the pair as it now stands (its reads logged), in one
    unit of work."""
    with runtime.unit_of_work() as uow:
        decide(uow, actor, pair_id, note=body.note if body else None)
        row = merges.review_pair_for(uow, actor, pair_id)
        uow.commit()
    return ReviewPairRead.model_validate(row)
