"""Which decision runs on which event: the in-process consumers of the embedded relay.

Handlers are entry points: they parse the event and call a service (statut.services.decisions) in
the unit of work the consumer opened; the consumer records the event id as processed in the same
transaction, so a redelivered event changes nothing (and ``decision_key`` is unique besides).
Events this module does not know are acknowledged without action.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from statut.domain.entities import IncomeSource, IncomeStatus, LifeEventType
from statut.services import decisions
from statut.store.outbox import OutboxRecord
from statut.store.unit_of_work import UnitOfWork

LIFE_EVENT = "be.statut.life_event.recorded"
INCOME = "be.statut.income.received"
PENSION_AGE = "be.statut.pension.age_approaching"
POISON_MARKER = "poison"  # a life-event detail tests use to build an event no handler can process


class PoisonEventError(ValueError):
    """An event that cannot be processed, however often it is retried (it goes to the dead letter)."""


def on_life_event(uow: UnitOfWork, event: OutboxRecord) -> object:
    person_id = event.person_id
    if person_id is None:
        return None
    kind = LifeEventType(event.data["event_type"])
    day = date.fromisoformat(event.data["event_date"])
    details = {str(k): str(v) for k, v in dict(event.data.get("details", {})).items()}
    if details.get(POISON_MARKER):
        raise PoisonEventError(f"event {event.event_id} is marked as poison: {details[POISON_MARKER]}")
    if kind is LifeEventType.BIRTH:
        return decisions.propose_maternity_aid(uow, event, person_id, day, details)
    if kind in (LifeEventType.BANKRUPTCY, LifeEventType.CESSATION):
        return decisions.check_bridging_right(uow, event, person_id, kind=kind, day=day, details=details)
    if kind is LifeEventType.DEATH:
        return decisions.close_dossier(uow, event, person_id, day)
    return None  # a change of address decides nothing


def on_income(uow: UnitOfWork, event: OutboxRecord) -> object:
    data = event.data
    definitive = (
        data.get("status") == IncomeStatus.DEFINITIVE.value and data.get("source") == IncomeSource.TAX_AUTHORITY.value
    )
    if not definitive or event.person_id is None or "amount_cents" not in data:
        return None
    return decisions.settle_final_contributions(
        uow, event, event.person_id, int(data["year"]), int(data["amount_cents"])
    )


def on_pension_age(uow: UnitOfWork, event: OutboxRecord) -> object:
    if event.person_id is None:
        return None
    return decisions.examine_pension(uow, event, event.person_id, date.fromisoformat(event.data["as_of"]))


HANDLERS: dict[str, Callable[[UnitOfWork, OutboxRecord], object]] = {
    LIFE_EVENT: on_life_event,
    INCOME: on_income,
    PENSION_AGE: on_pension_age,
}
#: Event types the handler subscription receives (everything else is not fanned out to it).
HANDLED_TYPES = tuple(HANDLERS)


def handle(uow: UnitOfWork, event: OutboxRecord) -> object:
    handler = HANDLERS.get(event.event_type)
    return None if handler is None else handler(uow, event)
