"""The register's tables, in SQLAlchemy Core, mapped outside the domain.

The domain entities are frozen dataclasses; repositories (one module per aggregate in this package)
convert rows to entities and back. There is no ORM mapping: bulk paths write columns, not objects.

Conventions (the same on SQLite and PostgreSQL; Alembic migrations build exactly this metadata):

- Amounts are integer cents (``*_cents``, BIGINT): exact on both databases, no float anywhere.
- Every fact row references the ``change`` (the unit of work) that recorded it: who, when, why and
  from which source. ``recorded_at`` repeats the change's instant on the row so that record-time
  queries need no join.
- History is never overwritten. Versioned tables carry **record time** (``recorded_at`` /
  ``superseded_at``: when the register knew the row) and, where the fact is about a period of the
  world, **valid time** (``valid_from`` / ``valid_to``, half-open ``[from, to)``, NULL = open).
  A correction sets ``superseded_at``/``superseded_by`` on the old version and inserts a new one;
  a delete is a supersession without replacement. Rows are never deleted.
- Partial unique indexes (``... WHERE superseded_at IS NULL``) guarantee at most one current version
  per natural key where the key fixes the valid period (an income year, a contribution quarter).
- Quarters are stored as text ``2024Q1``: readable, and it sorts chronologically.
- Codes are checked against the domain's enumerations. Alembic does not compare CHECK constraints,
  so tests/store/test_schema.py does: a new code in the domain needs a migration.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from statut.domain.entities import (
    Capacity,
    CareerQuarterReason,
    ContributionStatus,
    IncomeSource,
    IncomeStatus,
    LifeEventType,
)
from statut.domain.identifiers import PersonNumberKind, Sex
from statut.store.types import BigIntegerKey, Code, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

QUARTER_LENGTH = 6  # "2024Q1"
NATIONAL_NUMBER_LENGTH = 11
ENTERPRISE_NUMBER_LENGTH = 10
CURRENT = text("superseded_at IS NULL")


def one_of(column: str, values: Sequence[str]) -> str:
    """A CHECK that ``column`` is one of ``values``, written as ORs.

    Not ``IN (...)``: SQLite evaluates an IN list of three or more values in a CHECK by building a
    small ephemeral table for every row inserted, which made bulk loads about four times slower.
    """
    return " OR ".join(f"{column} = '{value}'" for value in values)


def _record_time() -> list[Column[object] | CheckConstraint]:
    """Record time and provenance: when the register learnt the row and when it stopped believing it."""
    return [
        Column("recorded_at", UtcDateTime(), nullable=False),
        Column("superseded_at", UtcDateTime(), nullable=True),
        Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
        Column("superseded_by", BigInteger(), ForeignKey("change.change_id"), nullable=True),
        CheckConstraint("superseded_at IS NULL OR superseded_at >= recorded_at", name="record_time"),
    ]


def _valid_time() -> list[Column[object] | CheckConstraint]:
    """Valid time, half-open: the period of the world the fact is about."""
    return [
        Column("valid_from", Date(), nullable=False),
        Column("valid_to", Date(), nullable=True),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_time"),
    ]


change = Table(
    "change",
    metadata,
    Column("change_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("source", String(200), nullable=False),
    Index("ix_change_recorded_at", "recorded_at"),
    comment="One row per unit of work that wrote to the register: who, when, why, from which source.",
)

fund = Table(
    "fund",
    metadata,
    Column("fund_code", Code(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("fee_rate_ppm", Integer(), nullable=False, comment="Management fee in parts per million (3.05% = 30500)."),
    Column("languages", Code(32), nullable=False, comment="Comma-separated language codes, e.g. 'fr,nl'."),
    Column("email", String(200), nullable=False),
    Column("phone", String(50), nullable=False),
    Column("website", String(200), nullable=False),
    Column("is_auxiliary", Boolean(), nullable=False),
    Column("iban", Code(34), nullable=False, server_default="", comment="Account contributions are paid to."),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    CheckConstraint("fee_rate_ppm >= 0 AND fee_rate_ppm < 1000000", name="fee_rate"),
    comment="Reference list of social insurance funds; every edit is in the ledger with its old values.",
)

person = Table(
    "person",
    metadata,
    Column("person_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=False),
    comment="Stable surrogate identity of a person; national numbers may change (BIS -> INSZ).",
)

person_identifier = Table(
    "person_identifier",
    metadata,
    Column("identifier_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("value", Code(NATIONAL_NUMBER_LENGTH), nullable=False),
    Column("kind", Code(8), nullable=False),
    *_record_time(),
    CheckConstraint(one_of("kind", [kind.value for kind in PersonNumberKind]), name="kind"),
    Index("ix_person_identifier_person_id", "person_id"),
    Index(
        "uq_person_identifier_current_value",
        "value",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    Index("ix_person_identifier_value", "value"),
    comment="National numbers (INSZ/NISS and BIS) of a person, with their history.",
)

person_version = Table(
    "person_version",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("last_name", String(200), nullable=False),
    Column("first_name", String(200), nullable=False),
    Column("birth_date", Date(), nullable=False),
    Column("sex", Code(1), nullable=False),
    Column("language", Code(2), nullable=False),
    Column("postal_code", String(10), nullable=True),
    Column("municipality", String(200), nullable=True),
    Column("street", String(200), nullable=True),
    Column("country", Code(2), nullable=True),
    Column("death_date", Date(), nullable=True),
    *_valid_time(),
    *_record_time(),
    CheckConstraint(one_of("sex", [sex.value for sex in Sex]), name="sex"),
    Index("ix_person_version_person_id", "person_id"),
    comment="Civil data of a person, bitemporal.",
)

affiliation = Table(
    "affiliation",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("affiliation_id", BigInteger(), nullable=False, comment="Logical affiliation, stable across versions."),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("fund_code", Code(16), ForeignKey("fund.fund_code"), nullable=False),
    Column("capacity", Code(20), nullable=False),
    Column("company_director", Boolean(), nullable=False),
    Column("enterprise_number", Code(ENTERPRISE_NUMBER_LENGTH), nullable=True),
    *_valid_time(),
    *_record_time(),
    CheckConstraint(
        one_of("capacity", [capacity.value for capacity in Capacity]),
        name="capacity",
    ),
    Index("ix_affiliation_person_id", "person_id"),
    Index("ix_affiliation_fund_code_person_id", "fund_code", "person_id"),
    Index("ix_affiliation_affiliation_id", "affiliation_id"),
    comment="Affiliation of a person to a fund in a capacity; valid time is the affiliation period.",
)

income = Table(
    "income",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("year", Integer(), nullable=False),
    Column("amount_cents", BigInteger(), nullable=False),
    Column("source", Code(20), nullable=False),
    Column("status", Code(20), nullable=False),
    *_valid_time(),
    *_record_time(),
    CheckConstraint(one_of("source", [source.value for source in IncomeSource]), name="source"),
    CheckConstraint(one_of("status", [status.value for status in IncomeStatus]), name="status"),
    Index("ix_income_person_id_year", "person_id", "year"),
    Index(
        "uq_income_current_key",
        "person_id",
        "year",
        "source",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    comment="Annual net taxable professional income; valid time is the income year.",
)

contribution = Table(
    "contribution",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("fund_code", Code(16), ForeignKey("fund.fund_code"), nullable=False),
    Column("quarter", Code(QUARTER_LENGTH), nullable=False),
    Column("due_cents", BigInteger(), nullable=False),
    Column("paid_cents", BigInteger(), nullable=False),
    Column("status", Code(10), nullable=False),
    *_valid_time(),
    *_record_time(),
    CheckConstraint(one_of("status", [status.value for status in ContributionStatus]), name="status"),
    # A dossier reads a person's contributions, all or of a quarter (any version: as-of queries).
    # Fund-wide runs over a quarter read a large share of it: a sequential scan is their plan.
    Index("ix_contribution_person_id_quarter", "person_id", "quarter"),
    Index(
        "uq_contribution_current_key",
        "person_id",
        "fund_code",
        "quarter",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    comment="Social contribution of a quarter (RD n°38 of 27 July 1967, art. 11); valid time is the quarter.",
)

payment = Table(
    "payment",
    metadata,
    Column("payment_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("fund_code", Code(16), ForeignKey("fund.fund_code"), nullable=False),
    Column("payment_date", Date(), nullable=False),
    Column("amount_cents", BigInteger(), nullable=False),
    Column("quarter", Code(QUARTER_LENGTH), nullable=True, comment="Quarter the payment is allocated to."),
    *_record_time(),
    Index("ix_payment_person_id_fund_code_quarter", "person_id", "fund_code", "quarter"),
    comment="A payment received by a fund; an event, so record time only.",
)

career_quarter = Table(
    "career_quarter",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("quarter", Code(QUARTER_LENGTH), nullable=False),
    Column("counts_for_pension", Boolean(), nullable=False),
    Column("reason", Code(12), nullable=False),
    *_record_time(),
    CheckConstraint(one_of("reason", [reason.value for reason in CareerQuarterReason]), name="reason"),
    Index("ix_career_quarter_person_id", "person_id"),
    Index(
        "uq_career_quarter_current_key",
        "person_id",
        "quarter",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    comment="Quarters of the pension career, derived from contributions; recomputation supersedes.",
)

life_event = Table(
    "life_event",
    metadata,
    Column("event_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("event_type", Code(20), nullable=False),
    Column("event_date", Date(), nullable=False),
    Column("child_national_number", Code(NATIONAL_NUMBER_LENGTH), nullable=True),
    Column("details", Text(), nullable=False, comment="Other details, a JSON object of strings."),
    *_record_time(),
    CheckConstraint(
        one_of("event_type", [event.value for event in LifeEventType]),
        name="event_type",
    ),
    Index("ix_life_event_person_id", "person_id"),
    comment="Births, cessations, bankruptcies, deaths and changes of address.",
)

enterprise = Table(
    "enterprise",
    metadata,
    Column("version_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("enterprise_number", Code(ENTERPRISE_NUMBER_LENGTH), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", Code(20), nullable=False),
    Column("start_date", Date(), nullable=True),
    Column("end_date", Date(), nullable=True),
    *_record_time(),
    CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date > start_date", name="period"),
    Index(
        "uq_enterprise_current_number",
        "enterprise_number",
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    ),
    Index("ix_enterprise_enterprise_number", "enterprise_number"),
    comment="Enterprises (KBO/BCE), versioned in record time.",
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", BigInteger(), primary_key=True, autoincrement=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", Code(100), nullable=False),
    Column("entity_type", Code(50), nullable=False),
    Column("entity_key", Code(200), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    Column("payload", Text(), nullable=False, comment="Canonical JSON, hashed byte for byte."),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_ledger_entity_type_entity_key", "entity_type", "entity_key"),
    comment="Append-only SHA-256 hash chain of every change (and, later, of reads of personal data).",
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("head_id", Integer(), primary_key=True, autoincrement=False),
    Column("seq", BigInteger(), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
    CheckConstraint("head_id = 1", name="single_row"),
    comment="Anchor of the ledger: the last sequence number and hash, so truncation is detectable.",
)

#: Tables in the order a bulk load fills them (parents first).
LOAD_ORDER: tuple[Table, ...] = (
    person,
    person_identifier,
    person_version,
    affiliation,
    income,
    contribution,
    payment,
    career_quarter,
    life_event,
)

#: Tables holding facts about people, emptied together by test fixtures and inspected by ``db info``.
REGISTER_TABLES: tuple[Table, ...] = (
    change,
    fund,
    person,
    person_identifier,
    person_version,
    affiliation,
    income,
    contribution,
    payment,
    career_quarter,
    life_event,
    enterprise,
    ledger,
    ledger_head,
)


# The tables of later capabilities live in their own modules on the same metadata; importing them
# here makes ``metadata`` complete for Alembic's comparison and for every test.
from statut.store import (  # noqa: E402, F401
    access_tables,
    api_tables,
    events_tables,
    ingestion_tables,
    portal_tables,
    quality_tables,
)
