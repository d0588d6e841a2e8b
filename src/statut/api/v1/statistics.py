"""Pseudonymised aggregates (analysts, institution agents): no person, small cells suppressed."""

from __future__ import annotations

from fastapi import APIRouter

from statut.api.deps import CurrentActor, RuntimeDep
from statut.api.v1.common import problems
from statut.api.v1.schemas import AggregateCellRead, AggregatesRead
from statut.services.members import member_statistics

router = APIRouter(tags=["statistics"])


@router.get(
    "/statistics/affiliations",
    response_model=AggregatesRead,
    summary="People affiliated today per fund and capacity (cells under 10 suppressed)",
    responses=problems(403),
)
def affiliations(actor: CurrentActor, runtime: RuntimeDep) -> AggregatesRead:
    with runtime.unit_of_work(read_only=True) as uow:
        cells = member_statistics(uow, actor)
        today = uow.clock().date()
    return AggregatesRead(as_of=today, cells=[AggregateCellRead.model_validate(c) for c in cells])
