"""Tables of the access capability, on the register's metadata (see tables.py for the conventions).

``mandate_version``: the mandates a person gives to someone else (an accountant, a family member,
another person) to consult parts of their dossier, versioned in record time like every fact of the
register: limiting, extending or revoking a mandate supersedes the current version and inserts a new
one, so who could see what, and when, stays answerable. The logical ``mandate_id`` is an opaque
random identifier (not a sequence: it must not reveal how many mandates exist). A mandate registered
at a fund's counter for someone without digital means keeps the fund and the evidence of the signed
paper form: the SHA-256 of the scan and the fund's document reference, never the scan itself.

Reads of personal data are not in a table of their own: they go to the hash-chained ledger
(``ledger``) as ``personal_data.read`` entries, so the access log has the ledger's integrity.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, String, Table

from statut.store.tables import CURRENT, NATIONAL_NUMBER_LENGTH, metadata, one_of
from statut.store.types import BigIntegerKey, UtcDateTime

#: Relationship of the mandatary to the person (GDPR art. 6(1)(a): consent given to a named person).
MANDATE_RELATIONSHIPS = ("accountant", "family", "other")
MANDATE_STATUSES = ("active", "revoked")
#: How the mandate was given: by the person online, or on a signed paper form at the fund's counter.
MANDATE_CHANNELS = ("online", "counter")
MANDATE_ID_LENGTH = 32

mandate_version = Table(
    "mandate_version",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column(
        "mandate_id", String(MANDATE_ID_LENGTH), nullable=False, comment="Opaque logical id, stable across versions."
    ),
    Column(
        "person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False, comment="The person who gives it."
    ),
    Column("mandatary_number", String(NATIONAL_NUMBER_LENGTH), nullable=False),
    Column("mandatary_name", String(200), nullable=False),
    Column("relationship", String(12), nullable=False),
    Column("scopes", String(200), nullable=False, comment="Comma-separated dossier sections the mandatary may read."),
    Column("valid_from", Date(), nullable=False),
    Column("valid_to", Date(), nullable=True, comment="Exclusive end; NULL = until revoked."),
    Column("status", String(10), nullable=False),
    Column("channel", String(10), nullable=False),
    Column(
        "fund_code",
        String(16),
        ForeignKey("fund.fund_code"),
        nullable=True,
        comment="Fund whose counter registered it.",
    ),
    Column("evidence_sha256", String(64), nullable=True, comment="SHA-256 of the scan of the signed paper form."),
    Column("evidence_reference", String(200), nullable=True, comment="The fund's reference of the signed form."),
    Column("registered_by", String(200), nullable=False, comment="Who wrote this version (role:subject)."),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("superseded_at", UtcDateTime(), nullable=True),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    Column("superseded_by", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    CheckConstraint("superseded_at IS NULL OR superseded_at >= recorded_at", name="record_time"),
    CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_time"),
    CheckConstraint(one_of("relationship", MANDATE_RELATIONSHIPS), name="relationship"),
    CheckConstraint(one_of("status", MANDATE_STATUSES), name="status"),
    CheckConstraint(one_of("channel", MANDATE_CHANNELS), name="channel"),
    CheckConstraint(
        "channel = 'online' OR (fund_code IS NOT NULL AND evidence_sha256 IS NOT NULL)", name="counter_evidence"
    ),
    Index(
        "uq_mandate_version_current_mandate_id",
        "mandate_id",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    Index("ix_mandate_version_mandate_id", "mandate_id"),
    Index("ix_mandate_version_person_id", "person_id"),
    Index("ix_mandate_version_mandatary_number", "mandatary_number"),
    comment=(
        "Mandates given by people to consult their dossier, versioned in record time; every change is in the ledger."
    ),
)

__all__ = ["MANDATE_CHANNELS", "MANDATE_RELATIONSHIPS", "MANDATE_STATUSES", "mandate_version", "metadata"]
