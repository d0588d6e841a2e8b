"""Tables of the ingestion capability, on the register's metadata (see tables.py for the conventions).

- ``ingest_batch``: one row per batch that passed the gate (rejected files leave no row: the register
  is unchanged by them). The content hash is unique per fund, so a re-sent file is recognised.
- ``quarantine_entry``: every quarantined record, its raw line and every reason, until a corrected
  record with the same record_id arrives (status ``released``, ``released_by`` that batch). A record
  that only waits for a related record (its person, an affiliation covering its period) is ``held``
  with the awaited type and national number and its fields as read, and is checked again (and
  released when it passes) as soon as a batch lands what it awaits.
- ``fund_record``: the fund's own record ids, with the typed values the gate accepted (canonical JSON)
  and the register row they landed in. The register's tables know people, not the funds' record ids;
  this is what lets the gate tell "already held" from "correction", and what the reconciliation reads
  back. Versioned in record time like every fact of the register.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, text

from statut.store.tables import CURRENT, metadata, one_of
from statut.store.types import BigIntegerKey, Code, UtcDateTime

BATCH_STATUSES = ("landed",)
QUARANTINE_STATUSES = ("open", "released", "held")
SOURCE_KINDS = ("fund", "legacy")

ingest_batch = Table(
    "ingest_batch",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("fund_code", Code(16), ForeignKey("fund.fund_code"), nullable=False),
    Column("file_name", String(400), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("format", Code(8), nullable=False),
    Column("source_kind", Code(8), nullable=False),
    Column("received", Integer(), nullable=False),
    Column("accepted", Integer(), nullable=False),
    Column("quarantined", Integer(), nullable=False),
    Column("already_held", Integer(), nullable=False),
    Column("held", Integer(), nullable=False, server_default=text("0")),
    Column("reconciliation", Text(), nullable=False, comment="File-side counts and hash totals, JSON."),
    Column("report", Text(), nullable=False, comment="The fund's report (statut.quality.report), JSON."),
    Column("status", Code(10), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    CheckConstraint(one_of("status", BATCH_STATUSES), name="status"),
    CheckConstraint(one_of("source_kind", SOURCE_KINDS), name="source_kind"),
    Index("uq_ingest_batch_fund_code_content_sha256", "fund_code", "content_sha256", unique=True),
    comment="A fund batch that went through the gate, with its counts, reconciliation and report.",
)

quarantine_entry = Table(
    "quarantine_entry",
    metadata,
    Column("entry_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("batch_id", String(64), ForeignKey("ingest_batch.batch_id"), nullable=False),
    Column("fund_code", Code(16), nullable=False),
    Column("line", BigInteger(), nullable=False),
    Column("record_id", Code(200), nullable=True),
    Column("record_type", Code(16), nullable=False),
    Column("raw", Text(), nullable=False, comment="The record exactly as the fund sent it."),
    Column("reasons", Text(), nullable=False, comment="Every reason: rule_id, severity, field, value, detail (JSON)."),
    Column("status", Code(10), nullable=False),
    Column("released_by", String(64), ForeignKey("ingest_batch.batch_id"), nullable=True),
    Column("awaiting_type", Code(16), nullable=True, comment="Held: the record type awaited (person, affiliation)."),
    Column("awaiting_number", Code(11), nullable=True, comment="Held: the national number awaited."),
    Column("fields", Text(), nullable=True, comment="Held: the record's fields as read (JSON)."),
    CheckConstraint(one_of("status", QUARANTINE_STATUSES), name="status"),
    Index("ix_quarantine_entry_awaiting_number", "awaiting_number"),
    Index("ix_quarantine_entry_batch_id", "batch_id"),
    Index("ix_quarantine_entry_fund_code_record_id", "fund_code", "record_id"),
    comment="Records the gate refused, never lost: released when a corrected record arrives.",
)

fund_record = Table(
    "fund_record",
    metadata,
    Column("record_key", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("fund_code", Code(16), nullable=False),
    Column("record_id", Code(200), nullable=False),
    Column("record_type", Code(16), nullable=False),
    Column("national_number", Code(11), nullable=True),
    Column("batch_id", String(64), ForeignKey("ingest_batch.batch_id"), nullable=False),
    Column("row_id", BigInteger(), nullable=True, comment="Primary key of the register row it landed in."),
    Column("content", Text(), nullable=False, comment="Typed values as accepted (canonical JSON)."),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("superseded_at", UtcDateTime(), nullable=True),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    Column("superseded_by", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    Index(
        "uq_fund_record_current_fund_code_record_id",
        "fund_code",
        "record_id",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    Index("ix_fund_record_national_number", "national_number"),
    Index("ix_fund_record_batch_id", "batch_id"),
    comment="A fund's record ids and the typed values the gate accepted, versioned in record time.",
)
