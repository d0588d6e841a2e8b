"""Payments received by the funds. A payment is an event: it has record time, not valid time.

A payment is allocated to a quarter when the fund knows which contribution it settles; the bulk
loader sums the allocated payments of a (person, fund, quarter) into the contribution's
``paid_cents``. A payment recorded by mistake is retracted (superseded), never deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from statut.domain.calendar import Quarter
from statut.domain.entities import Payment
from statut.domain.errors import NotFound
from statut.domain.money import from_cents, to_cents
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.funds import FundRepository
from statut.store.ledger import Ledger
from statut.store.persons import PersonRepository

P = t.payment


def _payment(row: Row[Any], number: str) -> Payment:
    return Payment(
        person=number,
        fund_code=row.fund_code,
        payment_date=row.payment_date,
        amount=from_cents(int(row.amount_cents)),
        quarter=Quarter.parse(row.quarter) if row.quarter else None,
    )


class PaymentRepository:
    def __init__(
        self, connection: Connection, ledger: Ledger, persons: PersonRepository, funds: FundRepository
    ) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons
        self._funds = funds

    def add(self, payment: Payment, change: Change) -> int:
        person_id = self._persons.require_id(payment.person)
        self._funds.require(payment.fund_code)
        payment_id = bt.insert_version(
            self._connection,
            P,
            P.c.payment_id,
            {
                "person_id": person_id,
                "fund_code": payment.fund_code,
                "payment_date": payment.payment_date,
                "amount_cents": to_cents(payment.amount),
                "quarter": str(payment.quarter) if payment.quarter else None,
                **record_time_values(change),
            },
        )
        self._ledger.record(
            change,
            action="payment.recorded",
            entity_type="person",
            entity_key=person_id,
            payload={"payment_id": payment_id, "fund": payment.fund_code},
        )
        return payment_id

    def retract(self, payment_id: int, change: Change) -> VersionWrite:
        row = self._connection.execute(select(P).where(P.c.payment_id == payment_id, current(P))).one_or_none()
        if row is None:
            raise NotFound(f"payment {payment_id} not found")
        bt.supersede(self._connection, P, P.c.payment_id, [payment_id], change)
        write = VersionWrite(superseded=(payment_id,))
        self._ledger.record(
            change,
            action="payment.retracted",
            entity_type="person",
            entity_key=int(row.person_id),
            payload=write.as_payload(),
        )
        return write

    def for_person(self, person_id: int, *, known_at: datetime | date | None = None) -> list[Versioned[Payment]]:
        query = select(P).where(P.c.person_id == person_id)
        query = query.where(current(P) if known_at is None else bt.known_at(P, known_at))
        rows = self._connection.execute(query.order_by(P.c.payment_date, P.c.payment_id)).all()
        if not rows:
            return []
        number = self._persons.number(person_id)
        value = "" if number is None else number.value
        return [versioned(row, _payment(row, value), pk="payment_id") for row in rows]

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(P)
        if current_only:
            query = query.where(current(P))
        return int(self._connection.execute(query).scalar_one())
