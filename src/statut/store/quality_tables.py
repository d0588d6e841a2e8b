"""Tables of the data-quality engine (issue 4): dated scan snapshots and their scores.

A snapshot is never changed after the scan that made it (it references that scan's change), so the
trend between snapshots is history, not a recomputation. Scores keep counts (checked, failed), never
only shares, so that they add up across funds and record types.

Migration 0007_quality adds the findings workflow (one row per defect, its transitions as rows of
their own), the duplicate-persons review queue and the person links that merge two persons without
touching any of their facts (see docs/architecture.md, "Merging persons").
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, Float, ForeignKey, Index, String, Table, Text, text

from statut.store.tables import metadata, one_of
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


FINDING_STATES = ("open", "acknowledged", "corrected", "dismissed")
ACTIVE_FINDING = text("state = 'open' OR state = 'acknowledged'")

quality_finding = Table(
    "quality_finding",
    metadata,
    Column("finding_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("fund_code", String(16), nullable=False, comment="The fund that answers for the record ('-': none)."),
    Column("source", String(10), nullable=False, comment="gate (a fund batch) or scan (the register)."),
    Column("record_type", String(20), nullable=False),
    Column(
        "record_ref",
        String(120),
        nullable=False,
        comment="gate: the fund's record_id; scan: the register's stable key (person:<person_id>, ...).",
    ),
    Column("rule_id", String(20), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("dimension", String(20), nullable=False),
    Column("field", String(200), nullable=False, comment="The field(s) the rule flagged, comma-separated."),
    Column("detail", Text(), nullable=False),
    Column("state", String(12), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("due_date", Date(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", String(200), nullable=True, comment="rescan <snapshot>, batch <id>, or who dismissed."),
    Column("dismiss_reason", Text(), nullable=True),
    Column("batch_id", String(120), nullable=True, comment="The batch that opened it (gate findings)."),
    Column("snapshot_id", BigInteger(), nullable=True, comment="The scan that opened it (scan findings)."),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    CheckConstraint(one_of("state", FINDING_STATES), name="state"),
    CheckConstraint("source = 'gate' OR source = 'scan'", name="source"),
    CheckConstraint("state <> 'dismissed' OR dismiss_reason IS NOT NULL", name="dismiss_reason"),
    Index("ix_quality_finding_fund_code_finding_id", "fund_code", "finding_id"),
    Index(
        "uq_quality_finding_active_key",
        "source",
        "fund_code",
        "record_type",
        "record_ref",
        "rule_id",
        unique=True,
        sqlite_where=ACTIVE_FINDING,
        postgresql_where=ACTIVE_FINDING,
    ),
    comment="A data-quality defect assigned to the fund that answers for it, and where its handling stands.",
)

quality_finding_transition = Table(
    "quality_finding_transition",
    metadata,
    Column("transition_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("finding_id", BigInteger(), ForeignKey("quality_finding.finding_id"), nullable=False),
    Column("from_state", String(12), nullable=True, comment="Empty when the finding was opened."),
    Column("to_state", String(12), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("note", Text(), nullable=False, comment="Why: the dismissal reason, 'rescan 12', 'batch F101-...'."),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    Index("ix_quality_finding_transition_finding_id", "finding_id"),
    Index("ix_quality_finding_transition_change_id", "change_id"),
    comment="Every state change of a finding; each change's transitions are digested in the ledger.",
)

REVIEW_STATES = ("pending", "confirmed", "rejected")

quality_review_pair = Table(
    "quality_review_pair",
    metadata,
    Column("pair_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id_l", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("person_id_r", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("match_probability", Float(), nullable=False),
    Column("state", String(10), nullable=False),
    Column("found_at", UtcDateTime(), nullable=False),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("decision_note", Text(), nullable=True),
    Column("decision_change_id", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    CheckConstraint(one_of("state", REVIEW_STATES), name="state"),
    CheckConstraint("person_id_l < person_id_r", name="ordered"),
    Index("uq_quality_review_pair_persons", "person_id_l", "person_id_r", unique=True),
    Index("ix_quality_review_pair_state_pair_id", "state", "pair_id"),
    comment="Candidate duplicate persons from the record linkage, for a data steward to confirm or reject.",
)

person_link = Table(
    "person_link",
    metadata,
    Column("link_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("absorbed_person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("survivor_person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("pair_id", BigInteger(), ForeignKey("quality_review_pair.pair_id"), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("superseded_at", UtcDateTime(), nullable=True),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    Column("superseded_by", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    CheckConstraint("absorbed_person_id <> survivor_person_id", name="distinct"),
    CheckConstraint("superseded_at IS NULL OR superseded_at >= recorded_at", name="record_time"),
    Index(
        "uq_person_link_current_absorbed",
        "absorbed_person_id",
        unique=True,
        sqlite_where=text("superseded_at IS NULL"),
        postgresql_where=text("superseded_at IS NULL"),
    ),
    Index("ix_person_link_survivor_person_id", "survivor_person_id"),
    comment="A merge: the absorbed person is the survivor (record time only; unmerge supersedes the link).",
)
