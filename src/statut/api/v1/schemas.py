"""Schemas of the platform API (pydantic 2). ``*Read`` are responses, ``*Create``/``*Update`` bodies.

Amounts are decimal strings in euros ("871.71"), dates ISO 8601. Bodies refuse unknown fields, so a
typo is a 422, not a silently ignored setting.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from statut.access.identity import Section
from statut.api.text import SafeText

Relationship = Literal["accountant", "family", "other"]


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BodyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    field: str | None = None
    value: str | None = None
    errors: list[dict[str, object]] | None = None
    rejection_id: str | None = Field(default=None, description="A refused upload, kept under this id")
    file_problems: list[dict[str, str]] | None = Field(default=None, description="Why a file was refused")


class PersonRead(ReadModel):
    national_number: str
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    language: str
    postal_code: str | None
    municipality: str | None
    country: str | None
    death_date: date | None


class AffiliationRead(ReadModel):
    fund_code: str
    capacity: str
    start: date
    end: date | None
    company_director: bool
    enterprise_number: str | None
    current: bool


class IncomeRead(ReadModel):
    year: int
    amount: Decimal
    source: str
    status: str


class ContributionQuarterRead(ReadModel):
    quarter: str
    fund_code: str
    due: Decimal
    paid: Decimal
    balance: Decimal
    status: str


class RegularisationRead(ReadModel):
    year: int
    capacity: str
    income: Decimal
    quarters_due: int
    final_quarterly: Decimal | None
    provisional_paid: Decimal
    amount: Decimal | None = Field(description="> 0 a supplement to pay, < 0 a refund; null when not computable")
    kind: Literal["supplement", "refund", "none", "not_computable"]
    error: str | None
    explanation: list[str] = Field(description="The legislation engine's explanation, in the dossier's language")


class ContributionAccountRead(ReadModel):
    quarters: list[ContributionQuarterRead]
    total_due: Decimal
    total_paid: Decimal
    outstanding: Decimal
    regularisations: list[RegularisationRead]


class CareerQuarterRead(ReadModel):
    quarter: str
    counts_for_pension: bool
    reason: str


class CareerRead(ReadModel):
    quarters_counted: int
    whole_years: int
    early_pension_years: int
    quarters: list[CareerQuarterRead]


class RightRead(ReadModel):
    right: str
    outcome: Literal["eligible", "not_eligible", "missing_data"]
    reasons: list[str]
    explanation: list[str]


class DossierRead(ReadModel):
    """A dossier as the caller may see it: sections outside their access are null."""

    national_number: str
    language: str
    sections: list[Section]
    access_reason: str
    legal_basis: str
    person: PersonRead | None
    affiliations: list[AffiliationRead] | None
    incomes: list[IncomeRead] | None
    contribution_account: ContributionAccountRead | None
    career: CareerRead | None
    rights: list[RightRead] | None
    findings: list[dict[str, str]] | None
    findings_note: str | None


class AccessRecordRead(ReadModel):
    seq: int
    at: datetime
    reader: str
    role: str
    fund_code: str | None
    sections: list[str]
    purpose: str
    legal_basis: str
    mandate_ids: list[str]
    request_id: str | None
    ledger_seq: int | None = Field(
        description="The ledger entry of this read; null for the short while before it is chained"
    )


class Page(BaseModel):
    next_cursor: str | None = Field(description="Opaque; pass it as `cursor` for the next page. Null on the last page.")


class AccessLogPage(Page):
    items: list[AccessRecordRead]


class MandateCreate(BodyModel):
    mandatary_number: SafeText = Field(min_length=11, max_length=15, description="National number of the mandatary")
    mandatary_name: SafeText = Field(min_length=1, max_length=200)
    relationship: Relationship
    scopes: list[Section] = Field(min_length=1, max_length=len(Section))
    valid_from: date | None = None
    valid_to: date | None = Field(default=None, description="Exclusive end; null until revoked")


class MandateUpdate(BodyModel):
    scopes: list[Section] | None = Field(default=None, min_length=1, max_length=len(Section))
    valid_from: date | None = None
    valid_to: date | None = None
    clear_valid_to: bool = False


class EvidenceCreate(BodyModel):
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the scan of the signed form")
    reference: SafeText = Field(min_length=1, max_length=200, description="The fund's reference of the signed form")


class CounterMandateCreate(MandateCreate):
    person_number: SafeText = Field(
        min_length=11, max_length=15, description="National number of the person who signed"
    )
    evidence: EvidenceCreate


class MandateRead(ReadModel):
    mandate_id: str
    version: int
    person_number: str | None
    mandatary_number: str
    mandatary_name: str
    relationship: str
    scopes: list[str]
    valid_from: date
    valid_to: date | None
    status: Literal["active", "revoked"]
    in_force: bool
    channel: Literal["online", "counter"]
    fund_code: str | None
    evidence_sha256: str | None
    evidence_reference: str | None


class MandatePage(Page):
    items: list[MandateRead]


class MemberRead(ReadModel):
    national_number: str
    last_name: str
    first_name: str
    capacity: str
    affiliated_since: date


class MemberPage(Page):
    items: list[MemberRead]


class AggregateCellRead(ReadModel):
    fund_code: str
    capacity: str
    people: int | None = Field(description="Null when fewer than 10 people (small-cell suppression)")


class AggregatesRead(BaseModel):
    as_of: date
    cells: list[AggregateCellRead]


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    development_only: bool = True


class PersonaRead(BaseModel):
    name: str
    role: str
    description: str
    fund_code: str | None


class BatchRead(BaseModel):
    """A batch that went through the gate: counts per record type (received = accepted + quarantined +
    already held) and whether it reconciled."""

    batch_id: str
    fund_code: str
    file_name: str
    content_sha256: str
    format: str
    received_at: str
    status: str
    already_received: bool = Field(description="True when this upload changed nothing (the batch was there)")
    counts: dict[str, dict[str, int]]
    totals: dict[str, int]
    reconciled: bool
    released: int = Field(description="Quarantine entries released by corrected records of this batch")
    message: str
    links: dict[str, str]


class ReportLineRead(BaseModel):
    outcome: str
    line: int
    record_type: str
    record_id: str
    field: str
    rule_id: str
    severity: str
    value: str
    message: str


class BatchReportRead(BaseModel):
    """The fund's report (the JSON of ``statut ingest --report-out``), messages in the fund's language."""

    fund: str
    language: str
    batch_sha256: str
    source: str
    rejected: bool
    file_problems: list[dict[str, str]]
    counts: dict[str, dict[str, int]]
    totals: dict[str, int]
    records: list[ReportLineRead]
    reconciliation: dict[str, Any]
