"""Repository of data-quality findings and their transitions (tables in store/quality_tables.py).

Findings arrive by the thousand (a scan, a batch): they are opened and closed set-based (ids reserved
in a block, rows written by the bulk writer, updates by id lists in chunks), and every state change
is a row of ``quality_finding_transition``. The finding row holds the current state for listing;
the transitions hold the history, and the ledger holds a digest of each change's transitions
(services/findings.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Select, and_, select, update

from statut.domain.errors import Conflict
from statut.store.bulk import BulkWriter
from statut.store.changes import Change
from statut.store.digest import frame_digest
from statut.store.quality_tables import quality_finding as F  # noqa: N812 - short table aliases
from statut.store.quality_tables import quality_finding_transition as T  # noqa: N812 - short table aliases

ACTIVE = ("open", "acknowledged")
_CHUNK = 900  # ids per IN list: under SQLite's default limit of 999 bound parameters


@dataclass(frozen=True, slots=True)
class FindingRow:
    finding_id: int
    fund_code: str
    source: str
    record_type: str
    record_ref: str
    rule_id: str
    severity: str
    dimension: str
    field: str
    detail: str
    state: str
    opened_at: datetime
    due_date: date
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    dismiss_reason: str | None
    batch_id: str | None
    snapshot_id: int | None
    change_id: int


@dataclass(frozen=True, slots=True)
class TransitionRow:
    transition_id: int
    finding_id: int
    from_state: str | None
    to_state: str
    recorded_at: datetime
    actor: str
    note: str
    change_id: int


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """What a fund narrows its list to (every field optional)."""

    state: str | None = None
    rule_id: str | None = None
    record_type: str | None = None
    source: str | None = None
    overdue_on: date | None = None
    """Only active findings whose due date is before this day."""


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    values = [int(i) for i in ids]
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


class FindingRepository:
    def __init__(self, connection: Connection, bulk: BulkWriter) -> None:
        self._connection = connection
        self._bulk = bulk

    # -- reads ------------------------------------------------------------------------------------

    def active(self, source: str, fund_code: str | None = None) -> pl.DataFrame:
        """Active findings of ``source`` (and of one fund): finding_id, state and the key columns."""
        query = select(F.c.finding_id, F.c.state, F.c.fund_code, F.c.record_type, F.c.record_ref, F.c.rule_id).where(
            F.c.source == source, F.c.state.in_(ACTIVE)
        )
        if fund_code is not None:
            query = query.where(F.c.fund_code == fund_code)
        rows = self._connection.execute(query).all()
        schema = {
            "finding_id": pl.Int64,
            "state": pl.String,
            "fund_code": pl.String,
            "record_type": pl.String,
            "record_ref": pl.String,
            "rule_id": pl.String,
        }
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")

    def get(self, finding_id: int) -> FindingRow | None:
        row = self._connection.execute(select(F).where(F.c.finding_id == finding_id)).one_or_none()
        return None if row is None else FindingRow(**row._mapping)

    def page(
        self, fund_code: str, *, after: int = 0, limit: int = 50, where: FindingFilter | None = None
    ) -> list[FindingRow]:
        """A page of a fund's findings in id order, after the finding id ``after`` (keyset)."""
        query = self._filtered(select(F), fund_code, where or FindingFilter())
        query = query.where(F.c.finding_id > after).order_by(F.c.finding_id).limit(limit)
        return [FindingRow(**row._mapping) for row in self._connection.execute(query)]

    def _filtered(self, query: Select[Any], fund_code: str, where: FindingFilter) -> Select[Any]:
        conditions = [F.c.fund_code == fund_code]
        for column, value in (
            (F.c.state, where.state),
            (F.c.rule_id, where.rule_id),
            (F.c.record_type, where.record_type),
            (F.c.source, where.source),
        ):
            if value is not None:
                conditions.append(column == value)
        if where.overdue_on is not None:
            conditions += [F.c.state.in_(ACTIVE), F.c.due_date < where.overdue_on]
        return query.where(and_(*conditions))

    def transitions(self, finding_id: int) -> list[TransitionRow]:
        query = select(T).where(T.c.finding_id == finding_id).order_by(T.c.transition_id)
        return [TransitionRow(**row._mapping) for row in self._connection.execute(query)]

    def transitions_of_change(self, change_id: int) -> pl.DataFrame:
        rows = self._connection.execute(
            select(T.c.finding_id, T.c.from_state, T.c.to_state, T.c.note)
            .where(T.c.change_id == change_id)
            .order_by(T.c.finding_id, T.c.transition_id)
        ).all()
        schema = {"finding_id": pl.Int64, "from_state": pl.String, "to_state": pl.String, "note": pl.String}
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")

    # -- writes -----------------------------------------------------------------------------------

    def open(
        self,
        defects: pl.DataFrame,
        *,
        source: str,
        change: Change,
        due_dates: pl.Expr,
        batch_id: str | None = None,
        snapshot_id: int | None = None,
    ) -> pl.DataFrame:
        """Open a finding per defect row (DEFECT_SCHEMA); returns the rows with their ``finding_id``."""
        if defects.height == 0:
            return defects.with_columns(pl.lit(None, pl.Int64).alias("finding_id"))
        ids = self._bulk.reserve_ids(F, defects.height).alias("finding_id")
        rows = defects.with_columns(ids, due_dates)
        # Findings that at least double the table (a first load or scan) build its indexes once.
        with self._bulk.deferring({F: rows.height, T: rows.height}):
            self._bulk.insert(
                F,
                rows,
                constants={
                    "source": source,
                    "state": "open",
                    "opened_at": change.recorded_at,
                    "updated_at": change.recorded_at,
                    "batch_id": batch_id,
                    "snapshot_id": snapshot_id,
                    "change_id": change.change_id,
                },
            )
            self._add_transitions(
                rows.get_column("finding_id"), None, "open", change, pl.repeat("", rows.height, eager=True)
            )
        return rows

    def close(self, found: pl.DataFrame, *, to_state: str, change: Change, closed_by: str) -> int:
        """Close the active findings of ``found`` (finding_id, state) as ``to_state`` by ``closed_by``."""
        if found.height == 0:
            return 0
        for state, group in found.group_by("state"):
            ids = group.get_column("finding_id").to_list()
            for chunk in _chunks(ids):
                self._connection.execute(
                    update(F)
                    .where(F.c.finding_id.in_(chunk), F.c.state == state[0])
                    .values(
                        state=to_state, updated_at=change.recorded_at, closed_at=change.recorded_at, closed_by=closed_by
                    )
                )
            self._add_transitions(
                group.get_column("finding_id"),
                str(state[0]),
                to_state,
                change,
                pl.repeat(closed_by, group.height, eager=True),
            )
        return found.height

    def set_state(
        self,
        finding: FindingRow,
        to_state: str,
        *,
        change: Change,
        note: str,
        closed_by: str | None = None,
        dismiss_reason: str | None = None,
    ) -> FindingRow:
        """One finding's transition (the service checked it is allowed); guarded by the current state,
        so two people acting at once cannot both move it."""
        values: dict[str, Any] = {"state": to_state, "updated_at": change.recorded_at}
        if to_state not in ACTIVE:
            values |= {"closed_at": change.recorded_at, "closed_by": closed_by, "dismiss_reason": dismiss_reason}
        done = self._connection.execute(
            update(F).where(F.c.finding_id == finding.finding_id, F.c.state == finding.state).values(**values)
        )
        if done.rowcount != 1:
            raise Conflict(f"finding {finding.finding_id} changed meanwhile: read it again")
        self._add_transitions(
            pl.Series([finding.finding_id], dtype=pl.Int64), finding.state, to_state, change, pl.Series([note])
        )
        updated = self.get(finding.finding_id)
        assert updated is not None
        return updated

    def _add_transitions(
        self, finding_ids: pl.Series, from_state: str | None, to_state: str, change: Change, notes: pl.Series
    ) -> None:
        frame = pl.DataFrame(
            {
                "finding_id": finding_ids.cast(pl.Int64),
                "note": notes.cast(pl.String).fill_null(""),
            }
        )
        self._bulk.insert(
            T,
            frame,
            constants={
                "from_state": from_state,
                "to_state": to_state,
                "recorded_at": change.recorded_at,
                "actor": change.actor,
                "change_id": change.change_id,
            },
        )

    def digest_of_change(self, change_id: int) -> str:
        """SHA-256 of the change's transitions (finding, from, to, note), for its ledger entry."""
        return frame_digest(self.transitions_of_change(change_id))
