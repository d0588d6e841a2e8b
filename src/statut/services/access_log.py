"""The access log: every read of personal data, who read it, in which role, why and on which basis.

A read is recorded as one row of the access log (``access_read``), in the reader's unit of work,
which the entry point commits before it answers: the record is durable when the data leave. The row
holds no personal data about the person read (it ends in the ledger, which can never be erased): the
reader's ``role:subject``, their fund, the sections read, the purpose, the legal basis, the mandates
used and the request id.

The *chainer* (:func:`chain_pending`, run by :class:`AccessLogChainer` in the API process, by
``statut access chain``, and at the API's start and stop) appends pending rows to the hash-chained
ledger as ``personal_data.read`` entries, in batches. Reads therefore never queue on the ledger head
(one lock for the whole register), and the chain still covers every read, a short window later
(docs/architecture.md, "Deviations").

A person reads their own log at ``GET /api/v1/me/access-log`` (GDPR art. 15(1)(c): the recipients
to whom the data have been disclosed), like the National Register's "who consulted my data"; it
shows pending and chained reads alike, each with its ledger sequence number once chained.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from statut.access.enforce import require
from statut.access.identity import Actor, Section
from statut.access.policy import Action, Decision, decide_own
from statut.domain.errors import StatutError
from statut.store.access_log import ChainResult
from statut.store.unit_of_work import UnitOfWork

READ_ACTION = "personal_data.read"
CHAIN_BATCH = 5_000
CHAIN_INTERVAL_SECONDS = 1.0
DEFAULT_PURPOSES = {
    "citizen": "consultation of one's own data",
    "fund_agent": "management of the member's file by their fund",
    "fund_system": "automated processing by the member's fund",
    "institution_agent": "INASTI task",
}
log = logging.getLogger("statut.access_log")


@dataclass(frozen=True, slots=True)
class AccessRecord:
    seq: int
    at: datetime
    reader: str
    role: str
    fund_code: str | None
    sections: tuple[str, ...]
    purpose: str
    legal_basis: str
    mandate_ids: tuple[str, ...]
    request_id: str | None
    ledger_seq: int | None


def record_read(
    uow: UnitOfWork,
    actor: Actor,
    person_id: int,
    sections: Iterable[Section | str],
    decision: Decision,
    *,
    what: str,
    purpose: str | None = None,
    request_id: str | None = None,
) -> None:
    """Record one read of ``person_id``'s data (durable with the unit of work's commit)."""
    uow.access_log.add(
        person_id=person_id,
        actor=actor.key,
        purpose=(purpose or DEFAULT_PURPOSES.get(actor.role.value, "consultation")).strip(),
        at=uow.clock(),
        details={
            "what": what,
            "role": actor.role.value,
            "fund": actor.fund_code,
            "sections": sorted(str(section) for section in sections),
            "legal_basis": decision.legal_basis,
            "policy_reason": decision.reason,
            "mandates": list(decision.mandate_ids),
            "request_id": request_id,
        },
    )


def my_access_log(uow: UnitOfWork, actor: Actor, *, before_seq: int | None, limit: int) -> list[AccessRecord]:
    """Who read the caller's data, newest first (reads still waiting for the chainer included)."""
    require(decide_own(actor, Action.READ_OWN_ACCESS_LOG))
    assert actor.national_number is not None
    person_id = uow.persons.find_id(actor.national_number)
    if person_id is None:
        return []
    records = []
    for entry in uow.access_log.for_person(person_id, before_seq=before_seq, limit=limit):
        details = entry.details
        role, _, subject = entry.actor.partition(":")
        records.append(
            AccessRecord(
                seq=entry.seq,
                at=entry.recorded_at,
                reader=subject,
                role=str(details.get("role", role)),
                fund_code=details.get("fund"),
                sections=tuple(details.get("sections", ())),
                purpose=entry.purpose,
                legal_basis=str(details.get("legal_basis", "")),
                mandate_ids=tuple(details.get("mandates", ())),
                request_id=details.get("request_id"),
                ledger_seq=entry.ledger_seq,
            )
        )
    return records


def chain_pending(uow: UnitOfWork, *, batch: int = CHAIN_BATCH) -> ChainResult:
    """Append up to ``batch`` pending reads to the ledger in ``uow`` (the caller commits)."""
    return uow.access_log.chain(uow.ledger, limit=batch)


def chain_all(engine: Engine, *, batch: int = CHAIN_BATCH) -> int:
    """Chain every pending read, one transaction per batch; the number of reads chained."""
    total = 0
    # A read-only probe first: an idle chainer never takes SQLite's write lock.
    with UnitOfWork(engine, read_only=True) as probe:
        if not probe.access_log.has_pending():
            return 0
    while True:
        with UnitOfWork(engine) as uow:
            result = chain_pending(uow, batch=batch)
            uow.commit()
        total += result.chained
        if result.chained < batch:
            return total


class AccessLogChainer:
    """A background thread of the API process that chains pending reads every ``interval`` seconds.

    A thread, not an asyncio task: the work is blocking database I/O, and a thread keeps it off the
    event loop. A failure (database restarting) is logged and retried at the next tick; nothing is
    lost, the reads stay pending. :meth:`stop` chains what is left before the process exits.
    """

    def __init__(self, engine: Engine, *, interval: float | None = None, batch: int = CHAIN_BATCH) -> None:
        self._engine = engine
        self._interval = CHAIN_INTERVAL_SECONDS if interval is None else interval
        self._batch = batch
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log-chainer", daemon=True)

    def start(self) -> None:
        self._tick()
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._tick()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self._tick()

    def _tick(self) -> None:
        try:
            chain_all(self._engine, batch=self._batch)
        except (SQLAlchemyError, StatutError):
            log.exception("access log: chaining failed; the reads stay pending and are retried")
