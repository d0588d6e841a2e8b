"""Decisions on rights and dues, with their explanation (fr, nl, de, en) and their trigger.

A decision is a projection of the ``decision.*`` ledger entries (and so of the
``be.statut.decision.*`` events): :meth:`DecisionRepository.make` writes the row and the ledger
entry (which the announcing ledger turns into the notification event) in one transaction;
:meth:`DecisionRepository.project` applies an event's data to the table without announcing, which is
what ``statut events replay`` uses to rebuild the table from the outbox.

``decision_key`` (the kind and the triggering event id) is unique: a duplicate delivery of the
trigger cannot make a second decision, even if a consumer's processed-event guard were bypassed.

Notification (``decision_notification``): every decision, and every later status it reaches, is
made known on each channel, recorded in the same transaction as the decision: on the portal (the
person's rights page shows it at once: ``available``), by letter (a print job, ``pending`` until the
fund's agent prints it: ``printed``), and by each webhook subscription of the fund that receives the
decision event (the relay records ``delivered``, ``failing`` or ``dead``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from statut.domain.errors import Conflict, NotFound
from statut.store import events_tables as et
from statut.store.changes import Change
from statut.store.ledger import Ledger, canonical_json

D = et.decision
N = et.decision_notification
DECISION_SOURCE = "/statut/decisions"
#: Decision statuses that are notified by letter (a status that only closes a proposal the person
#: answered herself, ``declined``, needs no letter: she knows).
LETTER_STATUSES = frozenset(et.DECISION_STATUSES) - {"declined"}


@dataclass(frozen=True, slots=True)
class Notice:
    """How one status of a decision was made known on one channel to one recipient."""

    notification_id: int
    decision_id: int
    decision_status: str
    channel: str  # portal, letter, webhook
    recipient: str
    fund_code: str | None
    status: str  # available, pending, printed, delivered, failing, dead
    attempts: int
    detail: str | None
    created_at: datetime
    updated_at: datetime


def _notice(row: Row[Any]) -> Notice:
    return Notice(
        int(row.notification_id),
        int(row.decision_id),
        row.decision_status,
        row.channel,
        row.recipient,
        row.fund_code,
        row.status,
        int(row.attempts),
        row.detail,
        row.created_at,
        row.updated_at,
    )


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # maternity_aid, final_contributions, bridging_right, pension_examination, dossier_closed
    person_id: int
    status: str  # proposed, granted, refused, pending_information, notified, closed, declined
    outcome: str  # eligible, not_eligible, missing_data, computed, closed
    source_event_id: str
    reasons: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    explanation: Mapping[str, Sequence[str]] = field(default_factory=dict)
    fund_code: str | None = None
    decision_id: int | None = None
    decided_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.source_event_id}"

    def as_data(self) -> dict[str, Any]:
        """The decision as event data (what replay projects back)."""
        return {
            "decision_id": self.decision_id,
            "kind": self.kind,
            "person_id": self.person_id,
            "status": self.status,
            "outcome": self.outcome,
            "source_event_id": self.source_event_id,
            "reasons": list(self.reasons),
            "details": dict(self.details),
            "explanation": {lang: list(lines) for lang, lines in self.explanation.items()},
            "fund_code": self.fund_code,
        }

    def comparable(self) -> dict[str, Any]:
        """Everything but the surrogate id and timestamps: what replay must reproduce."""
        data = self.as_data()
        del data["decision_id"]
        return data


def _decision(row: Row[Any]) -> Decision:
    return Decision(
        kind=row.kind,
        person_id=int(row.person_id),
        status=row.status,
        outcome=row.outcome,
        source_event_id=row.source_event_id,
        reasons=tuple(json.loads(row.reasons)),
        details=json.loads(row.details),
        explanation=json.loads(row.explanation),
        fund_code=row.fund_code,
        decision_id=int(row.decision_id),
        decided_at=row.decided_at,
        updated_at=row.updated_at,
    )


class DecisionRepository:
    def __init__(self, connection: Connection, ledger: Ledger) -> None:
        self._connection = connection
        self._ledger = ledger

    def make(self, decision: Decision, change: Change) -> Decision:
        """Store a decision and announce it (ledger entry -> ``be.statut.decision.made``)."""
        if self.get_by_key(decision.key) is not None:
            raise Conflict(f"decision {decision.key} already made", code="statut.conflict.decision")
        stored = self._insert(decision, change.recorded_at)
        self._ledger.record(
            change,
            action="decision.made",
            entity_type="person",
            entity_key=decision.person_id,
            payload={**stored.as_data(), "source_uri": DECISION_SOURCE},
        )
        self._notify(stored, change.recorded_at)
        return stored

    def set_status(
        self,
        decision_id: int,
        status: str,
        change: Change,
        *,
        details: Mapping[str, Any] | None = None,
        outcome: str | None = None,
        reasons: Sequence[str] | None = None,
        explanation: Mapping[str, Sequence[str]] | None = None,
    ) -> Decision:
        """Move a decision on (the mother confirms, the fund notifies); announced as ``decision.<status>``."""
        current = self.get_or_raise(decision_id)
        values: dict[str, Any] = {"status": status, "updated_at": change.recorded_at}
        if details is not None:
            values["details"] = canonical_json({**current.details, **details})
        if outcome is not None:
            values["outcome"] = outcome
        if reasons is not None:
            values["reasons"] = canonical_json(list(reasons))
        if explanation is not None:
            values["explanation"] = canonical_json({lang: list(lines) for lang, lines in explanation.items()})
        self._connection.execute(update(D).where(D.c.decision_id == decision_id).values(**values))
        updated = self.get_or_raise(decision_id)
        self._ledger.record(
            change,
            action=f"decision.{status}",
            entity_type="person",
            entity_key=updated.person_id,
            payload={**updated.as_data(), "source_uri": DECISION_SOURCE},
        )
        self._notify(updated, change.recorded_at)
        return updated

    # -- notification -----------------------------------------------------------------------------

    def _notify(self, decision: Decision, moment: datetime) -> None:
        """The portal shows the decision at once; a letter waits for the fund to print it."""
        assert decision.decision_id is not None
        recipient = f"person/{decision.person_id}"
        rows = [{"channel": "portal", "status": "available"}]
        if decision.status in LETTER_STATUSES:
            rows.append({"channel": "letter", "status": "pending"})
        for row in rows:
            self._upsert_notice(
                (decision.decision_id, decision.status, row["channel"], recipient),
                fund_code=decision.fund_code,
                status=row["status"],
                moment=moment,
            )

    def record_webhook_notice(
        self,
        decision_id: int,
        decision_status: str,
        subscription: str,
        fund_code: str | None,
        status: str,
        *,
        attempts: int,
        detail: str | None,
        moment: datetime,
    ) -> None:
        """What the relay learnt delivering a decision event to a webhook: delivered, failing, dead."""
        self._upsert_notice(
            (decision_id, decision_status, "webhook", subscription),
            fund_code=fund_code,
            status=status,
            moment=moment,
            attempts=attempts,
            detail=detail,
        )

    def _upsert_notice(
        self,
        notice: tuple[int, str, str, str],
        *,
        fund_code: str | None,
        status: str,
        moment: datetime,
        attempts: int = 0,
        detail: str | None = None,
    ) -> None:
        """Insert or update the notice ``(decision_id, decision_status, channel, recipient)``."""
        decision_id, decision_status, channel, recipient = notice
        key = (
            N.c.decision_id == decision_id,
            N.c.decision_status == decision_status,
            N.c.channel == channel,
            N.c.recipient == recipient,
        )
        changed = self._connection.execute(
            update(N).where(*key).values(status=status, attempts=attempts, detail=detail, updated_at=moment)
        ).rowcount
        if not changed:
            self._connection.execute(
                insert(N).values(
                    decision_id=decision_id,
                    decision_status=decision_status,
                    channel=channel,
                    recipient=recipient,
                    fund_code=fund_code,
                    status=status,
                    attempts=attempts,
                    detail=detail,
                    created_at=moment,
                    updated_at=moment,
                )
            )

    def notices(self, decision_id: int) -> list[Notice]:
        rows = self._connection.execute(select(N).where(N.c.decision_id == decision_id).order_by(N.c.notification_id))
        return [_notice(row) for row in rows]

    def letters_pending(self, *, fund_code: str | None = None, limit: int = 200) -> list[Notice]:
        query = select(N).where(N.c.channel == "letter", N.c.status == "pending")
        if fund_code is not None:
            query = query.where(N.c.fund_code == fund_code)
        rows = self._connection.execute(query.order_by(N.c.notification_id).limit(limit))
        return [_notice(row) for row in rows]

    def mark_printed(
        self, notification_ids: Sequence[int], *, by: str, moment: datetime, fund_code: str | None = None
    ) -> list[Notice]:
        """Pending letters among ``notification_ids`` (of ``fund_code`` when given) become printed;
        returns those that did."""
        if not notification_ids:
            return []
        pending = select(N).where(
            N.c.notification_id.in_(list(notification_ids)), N.c.channel == "letter", N.c.status == "pending"
        )
        if fund_code is not None:
            pending = pending.where(N.c.fund_code == fund_code)
        found = [_notice(row) for row in self._connection.execute(pending)]
        if found:
            self._connection.execute(
                update(N)
                .where(N.c.notification_id.in_([n.notification_id for n in found]))
                .values(status="printed", detail=f"printed by {by}", updated_at=moment)
            )
        return found

    # -- projection (replay) ----------------------------------------------------------------------

    def project(self, data: Mapping[str, Any], moment: datetime) -> None:
        """Apply a ``decision.*`` event's data: insert or update the row, announce nothing."""
        decision = Decision(
            kind=data["kind"],
            person_id=int(data["person_id"]),
            status=data["status"],
            outcome=data["outcome"],
            source_event_id=data["source_event_id"],
            reasons=tuple(data.get("reasons", ())),
            details=data.get("details", {}),
            explanation=data.get("explanation", {}),
            fund_code=data.get("fund_code"),
        )
        existing = self.get_by_key(decision.key)
        if existing is None:
            self._insert(decision, moment, decision_id=data.get("decision_id"))
            return
        self._connection.execute(
            update(D)
            .where(D.c.decision_key == decision.key)
            .values(
                status=decision.status,
                outcome=decision.outcome,
                reasons=canonical_json(list(decision.reasons)),
                details=canonical_json(dict(decision.details)),
                explanation=canonical_json({k: list(v) for k, v in decision.explanation.items()}),
                updated_at=moment,
            )
        )

    def delete_since(self, moment: datetime) -> int:
        """Remove the decisions taken at or after ``moment`` (replay rebuilds them)."""
        return int(self._connection.execute(delete(D).where(D.c.decided_at >= moment)).rowcount or 0)

    # -- reads ------------------------------------------------------------------------------------

    def get(self, decision_id: int) -> Decision | None:
        row = self._connection.execute(select(D).where(D.c.decision_id == decision_id)).one_or_none()
        return None if row is None else _decision(row)

    def get_or_raise(self, decision_id: int) -> Decision:
        found = self.get(decision_id)
        if found is None:
            raise NotFound(f"decision {decision_id} not found")
        return found

    def get_by_key(self, key: str) -> Decision | None:
        row = self._connection.execute(select(D).where(D.c.decision_key == key)).one_or_none()
        return None if row is None else _decision(row)

    def for_person(self, person_id: int) -> list[Decision]:
        rows = self._connection.execute(select(D).where(D.c.person_id == person_id).order_by(D.c.decision_id))
        return [_decision(row) for row in rows]

    def all(self, *, kind: str | None = None) -> list[Decision]:
        query = select(D).order_by(D.c.decision_id)
        if kind is not None:
            query = query.where(D.c.kind == kind)
        return [_decision(row) for row in self._connection.execute(query)]

    def count(self, *, kind: str | None = None) -> int:
        query = select(func.count()).select_from(D)
        if kind is not None:
            query = query.where(D.c.kind == kind)
        return int(self._connection.execute(query).scalar_one())

    def _insert(self, decision: Decision, moment: datetime, decision_id: int | None = None) -> Decision:
        values: dict[str, Any] = {
            "decision_key": decision.key,
            "person_id": decision.person_id,
            "fund_code": decision.fund_code,
            "kind": decision.kind,
            "status": decision.status,
            "outcome": decision.outcome,
            "reasons": canonical_json(list(decision.reasons)),
            "details": canonical_json(dict(decision.details)),
            "explanation": canonical_json({lang: list(lines) for lang, lines in decision.explanation.items()}),
            "source_event_id": decision.source_event_id,
            "decided_at": moment,
            "updated_at": moment,
        }
        if decision_id is not None:
            values["decision_id"] = decision_id
        new_id = self._connection.execute(insert(D).values(**values).returning(D.c.decision_id)).scalar_one()
        return self.get_or_raise(int(new_id))
