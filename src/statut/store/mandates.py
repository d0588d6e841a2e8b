"""Mandates: who may read which sections of whose dossier, versioned in record time.

A mandate is never updated in place: limiting its scope or dates, or revoking it, supersedes the
current version and inserts a new one (the old version keeps what was allowed until then), and the
change is in the ledger. The current ``version_id`` doubles as the mandate's entity tag (ETag), so a
client that changes a mandate proves which version it saw (HTTP If-Match), and two concurrent
changes cannot silently overwrite each other (the supersession checks the version was still current).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select

from statut.domain.errors import NotFound
from statut.store import bitemporal as bt
from statut.store.access_tables import mandate_version
from statut.store.changes import Change
from statut.store.ledger import Ledger

M = mandate_version
MANDATE = "mandate"


@dataclass(frozen=True, slots=True)
class MandateRecord:
    """The current version of a mandate, as stored (scopes as text codes; the access layer types them)."""

    mandate_id: str
    version_id: int
    person_id: int
    mandatary_number: str
    mandatary_name: str
    relationship: str
    scopes: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    status: str
    channel: str
    fund_code: str | None = None
    evidence_sha256: str | None = None
    evidence_reference: str | None = None
    registered_by: str = ""

    def in_force_on(self, day: date) -> bool:
        """Active, not revoked, and ``day`` inside its half-open period."""
        return self.status == "active" and self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


def _record(row: Row[Any]) -> MandateRecord:
    return MandateRecord(
        mandate_id=row.mandate_id,
        version_id=int(row.version_id),
        person_id=int(row.person_id),
        mandatary_number=row.mandatary_number,
        mandatary_name=row.mandatary_name,
        relationship=row.relationship,
        scopes=tuple(code for code in row.scopes.split(",") if code),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        status=row.status,
        channel=row.channel,
        fund_code=row.fund_code,
        evidence_sha256=row.evidence_sha256,
        evidence_reference=row.evidence_reference,
        registered_by=row.registered_by,
    )


def _values(record: MandateRecord) -> dict[str, Any]:
    return {
        "mandate_id": record.mandate_id,
        "person_id": record.person_id,
        "mandatary_number": record.mandatary_number,
        "mandatary_name": record.mandatary_name,
        "relationship": record.relationship,
        "scopes": ",".join(sorted(set(record.scopes))),
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "status": record.status,
        "channel": record.channel,
        "fund_code": record.fund_code,
        "evidence_sha256": record.evidence_sha256,
        "evidence_reference": record.evidence_reference,
        "registered_by": record.registered_by,
    }


def _ledger_payload(record: MandateRecord, version_id: int) -> dict[str, Any]:
    """What the ledger keeps of a mandate version: no names (personal data cannot be erased there)."""
    return {
        "version_id": version_id,
        "scopes": sorted(set(record.scopes)),
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "status": record.status,
        "channel": record.channel,
        "fund": record.fund_code,
        "evidence_sha256": record.evidence_sha256,
    }


class MandateRepository:
    def __init__(self, connection: Connection, ledger: Ledger) -> None:
        self._connection = connection
        self._ledger = ledger

    def add(self, record: MandateRecord, change: Change) -> MandateRecord:
        """Store a new mandate under a fresh opaque id; the given ``mandate_id`` is ignored."""
        fresh = replace(record, mandate_id=secrets.token_hex(16))
        version_id = bt.insert_version(
            self._connection, M, M.c.version_id, {**_values(fresh), **bt.record_time_values(change)}
        )
        self._ledger.record(
            change,
            action="mandate.granted" if fresh.channel == "online" else "mandate.registered_at_counter",
            entity_type=MANDATE,
            entity_key=fresh.mandate_id,
            payload={"person_id": fresh.person_id, **_ledger_payload(fresh, version_id)},
        )
        return replace(fresh, version_id=version_id)

    def replace_current(
        self, current: MandateRecord, new: MandateRecord, change: Change, *, action: str
    ) -> MandateRecord:
        """Supersede ``current`` (which must still be current) with ``new``; ledger ``action``."""
        bt.supersede(self._connection, M, M.c.version_id, [current.version_id], change)
        version_id = bt.insert_version(
            self._connection, M, M.c.version_id, {**_values(new), **bt.record_time_values(change)}
        )
        self._ledger.record(
            change,
            action=action,
            entity_type=MANDATE,
            entity_key=new.mandate_id,
            payload={"person_id": new.person_id, "superseded": current.version_id, **_ledger_payload(new, version_id)},
        )
        return replace(new, version_id=version_id)

    def get(self, mandate_id: str) -> MandateRecord | None:
        row = self._connection.execute(select(M).where(M.c.mandate_id == mandate_id, bt.current(M))).one_or_none()
        return None if row is None else _record(row)

    def get_or_raise(self, mandate_id: str) -> MandateRecord:
        record = self.get(mandate_id)
        if record is None:
            raise NotFound("mandate not found", code="statut.not_found.mandate")
        return record

    def given_by(self, person_id: int, *, after: str | None = None, limit: int = 50) -> list[MandateRecord]:
        """Current versions of the mandates a person gave, in id order (for cursor pagination)."""
        query = select(M).where(M.c.person_id == person_id, bt.current(M))
        if after is not None:
            query = query.where(M.c.mandate_id > after)
        return [_record(row) for row in self._connection.execute(query.order_by(M.c.mandate_id).limit(limit))]

    def given_to(self, mandatary_number: str, *, after: str | None = None, limit: int = 50) -> list[MandateRecord]:
        query = select(M).where(M.c.mandatary_number == mandatary_number, bt.current(M))
        if after is not None:
            query = query.where(M.c.mandate_id > after)
        return [_record(row) for row in self._connection.execute(query.order_by(M.c.mandate_id).limit(limit))]

    def in_force(self, person_id: int, mandatary_number: str, day: date) -> list[MandateRecord]:
        """Mandates of ``person_id`` to ``mandatary_number`` in force on ``day`` (active, within dates)."""
        query = select(M).where(
            M.c.person_id == person_id,
            M.c.mandatary_number == mandatary_number,
            M.c.status == "active",
            M.c.valid_from <= day,
            or_(M.c.valid_to.is_(None), M.c.valid_to > day),
            bt.current(M),
        )
        return [_record(row) for row in self._connection.execute(query.order_by(M.c.mandate_id))]

    def history(self, mandate_id: str) -> list[MandateRecord]:
        rows = self._connection.execute(select(M).where(M.c.mandate_id == mandate_id).order_by(M.c.version_id))
        return [_record(row) for row in rows]

    def persons_with_mandates_to(self, mandatary_number: str, day: date) -> Sequence[int]:
        query = (
            select(M.c.person_id)
            .where(
                and_(M.c.mandatary_number == mandatary_number, M.c.status == "active", bt.current(M)),
                M.c.valid_from <= day,
                or_(M.c.valid_to.is_(None), M.c.valid_to > day),
            )
            .distinct()
        )
        return [int(value) for value in self._connection.execute(query).scalars()]
