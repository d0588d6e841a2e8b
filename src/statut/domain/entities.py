"""Entities of the register: people, enterprises, funds, affiliations, incomes, contributions,
career quarters and life events.

They are plain frozen dataclasses validated on construction, mapped to tables outside the domain
(store/). Amounts are exact Decimals (see money.py), periods half-open (see calendar.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from statut.domain.calendar import DateRange, Quarter
from statut.domain.errors import DomainValidationError, InvalidAmount
from statut.domain.identifiers import PersonNumber, Sex
from statut.domain.money import CENT


class Language(StrEnum):
    FR = "fr"
    NL = "nl"
    DE = "de"
    EN = "en"


class Capacity(StrEnum):
    """Capacity (qualité / hoedanigheid) in which a person is self-employed (RD n°38)."""

    MAIN = "main"  # à titre principal / in hoofdberoep
    COMPLEMENTARY = "complementary"  # à titre complémentaire / in bijberoep
    STUDENT = "student"  # étudiant-indépendant / student-zelfstandige (RD n°38, art. 37bis)
    ASSISTING_SPOUSE = "assisting_spouse"  # conjoint aidant, maxi-statut / meewerkende echtgenoot
    ACTIVE_PENSIONER = "active_pensioner"  # pensionné actif / actief gepensioneerde


class IncomeSource(StrEnum):
    TAX_AUTHORITY = "tax_authority"  # SPF Finances / FOD Financiën, definitive income of year N in N+2
    ESTIMATE = "estimate"  # the person's own estimate (RD n°38, art. 11 §4)
    FUND = "fund"  # recorded by the fund


class IncomeStatus(StrEnum):
    PROVISIONAL = "provisional"
    DEFINITIVE = "definitive"


class ContributionStatus(StrEnum):
    DUE = "due"  # not yet at its due date
    PAID = "paid"
    PARTIAL = "partial"
    UNPAID = "unpaid"  # past its due date, not (fully) paid
    EXEMPTED = "exempted"  # dispense granted by INASTI (RD n°38 art. 17)


class CareerQuarterReason(StrEnum):
    PAID = "paid"
    ASSIMILATED = "assimilated"  # e.g. incapacity, bridging right
    EXEMPTED = "exempted"  # counts for nothing: exempted quarters give no pension rights
    UNPAID = "unpaid"


class LifeEventType(StrEnum):
    BIRTH = "birth"  # birth of a child
    CESSATION = "cessation"
    BANKRUPTCY = "bankruptcy"
    DEATH = "death"
    ADDRESS_CHANGE = "address_change"


def _require_text(field_name: str, value: str, max_length: int = 200) -> None:
    if not value or not value.strip():
        raise DomainValidationError(field_name, value, "is required")
    if len(value) > max_length:
        raise DomainValidationError(field_name, value, f"longer than {max_length} characters")


def _require_amount(field_name: str, value: Decimal, *, allow_negative: bool = False) -> None:
    if value != value.quantize(CENT):
        raise InvalidAmount(field_name, value, "more than two decimals")
    if value < 0 and not allow_negative:
        raise InvalidAmount(field_name, value, "must not be negative")


def _require_not_future(field_name: str, value: date, today: date) -> None:
    if value > today:
        raise DomainValidationError(field_name, value.isoformat(), "is in the future")


@dataclass(frozen=True, slots=True)
class Address:
    postal_code: str
    municipality: str = ""
    street: str = ""
    country: str = "BE"


@dataclass(frozen=True, slots=True)
class Person:
    number: PersonNumber
    last_name: str
    first_name: str
    birth_date: date
    sex: Sex
    language: Language = Language.FR
    address: Address | None = None
    death_date: date | None = None

    def validate(self, today: date) -> None:
        _require_text("last_name", self.last_name)
        _require_text("first_name", self.first_name)
        _require_not_future("birth_date", self.birth_date, today)
        if self.birth_date.year < 1890:
            raise DomainValidationError("birth_date", self.birth_date.isoformat(), "implausibly early")
        if self.number.birth_date is not None and self.number.birth_date != self.birth_date:
            raise DomainValidationError(
                "birth_date", self.birth_date.isoformat(), f"contradicts the national number {self.number}"
            )
        if self.number.sex is not None and self.number.sex != self.sex:
            raise DomainValidationError("sex", self.sex.value, f"contradicts the national number {self.number}")
        if self.death_date is not None:
            _require_not_future("death_date", self.death_date, today)
            if self.death_date < self.birth_date:
                raise DomainValidationError("death_date", self.death_date.isoformat(), "before the birth date")


@dataclass(frozen=True, slots=True)
class Enterprise:
    number: str  # compact KBO/BCE number, validated by identifiers.parse_enterprise_number
    name: str
    start_date: date | None = None
    end_date: date | None = None
    status: str = "active"  # active, stopped, bankrupt


@dataclass(frozen=True, slots=True)
class SocialInsuranceFund:
    """A social insurance fund (caisse d'assurances sociales / sociaal verzekeringsfonds)."""

    code: str
    name: str
    fee_rate: Decimal  # management fee on contributions, e.g. 0.0305
    languages: tuple[Language, ...] = (Language.FR, Language.NL)
    email: str = ""
    phone: str = ""
    website: str = ""
    is_auxiliary: bool = False  # the public Caisse nationale auxiliaire / Nationale Hulpkas
    iban: str = ""  # the account contributions are paid to (printed on the fund's letters)


@dataclass(frozen=True, slots=True)
class Affiliation:
    person: str  # compact national number
    fund_code: str
    capacity: Capacity
    period: DateRange
    company_director: bool = False  # mandataire de société / bedrijfsleider
    enterprise_number: str | None = None


@dataclass(frozen=True, slots=True)
class ProfessionalIncome:
    person: str
    year: int
    amount: Decimal
    source: IncomeSource
    status: IncomeStatus

    def __post_init__(self) -> None:
        _require_amount("amount", self.amount)
        if not 1950 <= self.year <= 2200:
            raise DomainValidationError("year", self.year, "implausible income year")


@dataclass(frozen=True, slots=True)
class ContributionQuarter:
    person: str
    quarter: Quarter
    fund_code: str
    due: Decimal
    paid: Decimal = Decimal("0.00")
    status: ContributionStatus = ContributionStatus.DUE

    def __post_init__(self) -> None:
        _require_amount("due", self.due)
        _require_amount("paid", self.paid)


@dataclass(frozen=True, slots=True)
class Payment:
    person: str
    fund_code: str
    payment_date: date
    amount: Decimal
    quarter: Quarter | None = None

    def __post_init__(self) -> None:
        _require_amount("amount", self.amount)


@dataclass(frozen=True, slots=True)
class CareerQuarter:
    person: str
    quarter: Quarter
    counts_for_pension: bool
    reason: CareerQuarterReason


@dataclass(frozen=True, slots=True)
class LifeEvent:
    person: str
    event_type: LifeEventType
    event_date: date
    details: dict[str, str] = field(default_factory=dict)
