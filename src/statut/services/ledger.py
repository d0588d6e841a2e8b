"""Checking the ledger: recompute the hash chain and compare it with its anchors.

``statut ledger verify`` calls :func:`verify_ledger`; see statut.store.ledger for what is
detected and the threat model (anchor the head outside the database with ``--expect-head``).
"""

from __future__ import annotations

from statut.store.ledger import LedgerAnchor, LedgerEntry, LedgerVerification
from statut.store.migrate import require_current_schema
from statut.store.unit_of_work import UnitOfWork

__all__ = ["LedgerAnchor", "LedgerEntry", "LedgerVerification", "ledger_head", "recent_entries", "verify_ledger"]


def verify_ledger(uow: UnitOfWork, *, expected_head: LedgerAnchor | None = None) -> LedgerVerification:
    require_current_schema(uow.connection)
    return uow.ledger.verify(expected_head=expected_head)


def ledger_head(uow: UnitOfWork) -> LedgerAnchor | None:
    require_current_schema(uow.connection)
    return uow.ledger.head()


def recent_entries(uow: UnitOfWork, count: int = 20) -> list[LedgerEntry]:
    require_current_schema(uow.connection)
    head = uow.ledger.head()
    last = head.seq if head else 0
    return uow.ledger.entries(after_seq=max(0, last - count))
