"""A fund's members (for its agents and IT system, or an institution agent with a purpose) and the
pseudonymised aggregates an analyst may see.

Listing members reads personal data (number, name, capacity): each person listed gets an access-log
entry, like a dossier read. The aggregates hold no person: cells under
:data:`SMALL_CELL_THRESHOLD` people are suppressed, so that a rare combination cannot single anyone out.
"""

from __future__ import annotations

from dataclasses import dataclass

from statut.access.enforce import require
from statut.access.identity import Actor
from statut.access.policy import Action, decide_aggregates, decide_fund
from statut.domain.errors import NotFound
from statut.services.access_log import record_read
from statut.store.members import MemberRow
from statut.store.unit_of_work import UnitOfWork

SMALL_CELL_THRESHOLD = 10
MAX_PREFIX_LENGTH = 50


@dataclass(frozen=True, slots=True)
class AggregateCell:
    fund_code: str
    capacity: str
    people: int | None  # None: fewer than SMALL_CELL_THRESHOLD, suppressed


def list_members(
    uow: UnitOfWork,
    actor: Actor,
    fund_code: str,
    *,
    after_person_id: int = 0,
    limit: int = 50,
    last_name_prefix: str | None = None,
    purpose: str | None = None,
    request_id: str | None = None,
) -> list[MemberRow]:
    decision = require(decide_fund(actor, Action.LIST_FUND_MEMBERS, fund_code, purpose))
    if uow.funds.get(fund_code) is None:
        raise NotFound("no such fund", code="statut.not_found.fund")
    prefix = (last_name_prefix or "").strip()[:MAX_PREFIX_LENGTH] or None
    rows = uow.members.page(
        fund_code, uow.clock().date(), after_person_id=after_person_id, limit=limit, last_name_prefix=prefix
    )
    for row in rows:
        record_read(
            uow,
            actor,
            row.person_id,
            decision.sections,
            decision,
            what="fund.members",
            purpose=purpose,
            request_id=request_id,
        )
    return rows


def member_statistics(uow: UnitOfWork, actor: Actor) -> list[AggregateCell]:
    require(decide_aggregates(actor))
    return [
        AggregateCell(cell.fund_code, cell.capacity, cell.people if cell.people >= SMALL_CELL_THRESHOLD else None)
        for cell in uow.members.affiliation_counts(uow.clock().date())
    ]
