"""Tables of the data-quality engine (issue 4): dated scan snapshots and their scores.

A snapshot is never changed after the scan that made it (it references that scan's change), so the
trend between snapshots is history, not a recomputation. Scores keep counts (checked, failed), never
only shares, so that they add up across funds and record types. Findings come in a later migration.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, String, Table

from statut.store.tables import metadata
from statut.store.types import BigIntegerKey, UtcDateTime

quality_snapshot = Table(
    "quality_snapshot",
    metadata,
    Column("snapshot_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("taken_at", UtcDateTime(), nullable=False),
    Column("as_of", Date(), nullable=False, comment="The day the rules judged dates against."),
    Column("records", BigInteger(), nullable=False, comment="Register records scanned."),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    comment="One run of the quality scan over the register.",
)

quality_score = Table(
    "quality_score",
    metadata,
    Column("snapshot_id", BigInteger(), ForeignKey("quality_snapshot.snapshot_id"), primary_key=True),
    Column("level", String(10), primary_key=True),
    Column("dimension", String(20), primary_key=True),
    Column("fund_code", String(16), primary_key=True),
    Column("record_type", String(20), primary_key=True),
    Column("rule_id", String(20), primary_key=True, comment="Empty on dimension rows."),
    Column("checked", BigInteger(), nullable=False),
    Column("failed", BigInteger(), nullable=False),
    CheckConstraint("level = 'rule' OR level = 'dimension'", name="level"),
    CheckConstraint("failed >= 0 AND failed <= checked", name="counts"),
    Index("ix_quality_score_snapshot_id_level", "snapshot_id", "level"),
    comment="Records checked and failing, per snapshot, fund, record type and rule or dimension.",
)
