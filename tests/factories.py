"""Test data: valid people and records, one at a time or as whole typed populations.

National numbers are computed, never hard-coded: YYMMDD, a counter (odd for men, even for women),
check digits ``97 - n mod 97`` (with a 2 in front for births from 2000), by the domain's
``national_number_check_digits`` one at a time and by numpy for populations. Each factory call
gives a new person (a module counter), so tests never collide on numbers.

``population_frames`` builds the typed frames of statut.exchange.frames for N people with numpy:
tests load a few hundred, the benchmark 100,000. It is not the synthetic Belgium (statut.synth): it
only has to be valid and of a realistic shape (about 60 rows per person in the register).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import polars as pl

from statut.domain.calendar import DateRange, Quarter
from statut.domain.entities import (
    Address,
    Affiliation,
    Capacity,
    ContributionQuarter,
    ContributionStatus,
    IncomeSource,
    IncomeStatus,
    Language,
    LifeEvent,
    LifeEventType,
    Payment,
    Person,
    ProfessionalIncome,
)
from statut.domain.identifiers import PersonNumber, Sex, national_number_check_digits, parse_person_number
from statut.exchange.format import RecordType
from statut.exchange.frames import conform

_counter = itertools.count(1)
FUNDS = ("F101", "F102", "F103", "F104", "F105", "F106", "F107", "F108", "F109")
LAST_NAMES = ("Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Dupont", "Wouters", "Goossens", "Müller", "Lejeune")
FIRST_QUARTER_2024 = Quarter(2024, 1)
FIRST_NAMES = ("Emma", "Noah", "Louise", "Arthur", "Olivia", "Jules", "Mila", "Lucas", "Léa", "Adam")


def _a_minute_from_now() -> datetime:
    return (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)


@dataclass
class FakeClock:
    """A controllable UTC clock for units of work: ``clock.advance(days=1)``.

    It starts a minute from now (whole minute), after whatever the fixtures recorded with the real
    clock: record time never goes backwards (statut.store.changes).
    """

    now: datetime = field(default_factory=_a_minute_from_now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def national_number(
    birth_date: date, sex: Sex, *, counter: int | None = None, bis: bool = False, sex_known: bool = True
) -> str:
    """A valid INSZ (or BIS) number for the birth date and sex."""
    number = counter if counter is not None else next(_counter) % 499 + 1
    count = 2 * number - 1 if sex is Sex.MALE else 2 * number  # odd for men, even for women
    month = birth_date.month + ((40 if sex_known else 20) if bis else 0)
    first_nine = f"{birth_date:%y}{month:02d}{birth_date:%d}{count % 1000:03d}"
    return first_nine + national_number_check_digits(first_nine, birth_date.year >= 2000)


def person_number(birth_date: date = date(1980, 5, 17), sex: Sex = Sex.FEMALE, **options: object) -> PersonNumber:
    return parse_person_number(national_number(birth_date, sex, **options))  # type: ignore[arg-type]


def make_person(
    *,
    birth_date: date | None = None,
    sex: Sex = Sex.FEMALE,
    last_name: str = "Peeters",
    first_name: str = "Emma",
    postal_code: str | None = "1000",
    municipality: str = "Bruxelles",
    language: Language = Language.FR,
    death_date: date | None = None,
    number: PersonNumber | None = None,
) -> Person:
    """A valid person with a fresh national number."""
    index = next(_counter)
    born = birth_date or date(1960 + index % 40, index % 12 + 1, index % 28 + 1)
    return Person(
        number=number or person_number(born, sex, counter=index % 499 + 1),
        last_name=last_name,
        first_name=first_name,
        birth_date=born,
        sex=sex,
        language=language,
        address=Address(postal_code=postal_code, municipality=municipality) if postal_code else None,
        death_date=death_date,
    )


def make_affiliation(
    person: Person,
    *,
    fund: str = "F101",
    capacity: Capacity = Capacity.MAIN,
    start: date = date(2015, 1, 1),
    end: date | None = None,
    company_director: bool = False,
    enterprise_number: str | None = None,
) -> Affiliation:
    return Affiliation(
        person=person.number.value,
        fund_code=fund,
        capacity=capacity,
        period=DateRange(start, end),
        company_director=company_director,
        enterprise_number=enterprise_number,
    )


def make_income(
    person: Person,
    *,
    year: int = 2022,
    amount: str = "42000.00",
    source: IncomeSource = IncomeSource.TAX_AUTHORITY,
    status: IncomeStatus = IncomeStatus.DEFINITIVE,
) -> ProfessionalIncome:
    return ProfessionalIncome(
        person=person.number.value, year=year, amount=Decimal(amount), source=source, status=status
    )


def make_contribution(
    person: Person,
    *,
    quarter: Quarter = FIRST_QUARTER_2024,
    fund: str = "F101",
    due: str = "871.71",
    paid: str = "0.00",
    status: ContributionStatus = ContributionStatus.DUE,
) -> ContributionQuarter:
    return ContributionQuarter(
        person=person.number.value, quarter=quarter, fund_code=fund, due=Decimal(due), paid=Decimal(paid), status=status
    )


def make_payment(
    person: Person,
    *,
    fund: str = "F101",
    amount: str = "871.71",
    day: date = date(2024, 3, 15),
    quarter: Quarter | None = FIRST_QUARTER_2024,
) -> Payment:
    return Payment(
        person=person.number.value, fund_code=fund, payment_date=day, amount=Decimal(amount), quarter=quarter
    )


def make_life_event(
    person: Person,
    *,
    event_type: LifeEventType = LifeEventType.BIRTH,
    day: date = date(2023, 6, 1),
    child: str | None = None,
) -> LifeEvent:
    details = {"child_national_number": child} if child else {}
    return LifeEvent(person=person.number.value, event_type=event_type, event_date=day, details=details)


# -- whole populations ---------------------------------------------------------------------------


def _national_numbers(birth: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Vectorised INSZ numbers from birth dates (datetime64[D]) and counters (1..997)."""
    years = birth.astype("datetime64[Y]").astype(int) + 1970
    months = birth.astype("datetime64[M]").astype(int) % 12 + 1
    days = (birth - birth.astype("datetime64[M]")).astype(int) + 1
    first_nine = (years % 100) * 10_000_000 + months * 100_000 + days * 1_000 + counters
    base = np.where(years >= 2000, first_nine + 2_000_000_000, first_nine)
    check = 97 - base % 97
    return np.char.zfill((first_nine * 100 + check).astype(str), 11)


def population_frames(
    people: int,
    *,
    seed: int = 0,
    first_year: int = 2019,
    last_year: int = 2023,
    first_person: int = 0,
) -> dict[RecordType, pl.DataFrame]:
    """Typed frames of ``people`` valid people, each with a few affiliations, incomes, quarterly
    contributions and payments over ``first_year``..``last_year``, and sometimes a life event.

    ``first_person`` offsets the numbering so that two populations never share a number.
    """
    rng = np.random.default_rng(seed)
    index = np.arange(first_person, first_person + people)
    # Unique numbers: the birth date and counter are a bijection of the index (up to 1.8M people).
    birth = np.datetime64("1950-01-01") + (index % 18_000).astype("timedelta64[D]")
    sex_male = rng.random(people) < 0.55
    counter_base = index // 18_000 * 2 + 1
    counters = np.where(sex_male, counter_base, counter_base + 1)
    numbers = _national_numbers(birth, counters)
    person = pl.DataFrame(
        {
            "person_key": index.astype(np.int64),
            "record_id": [f"P{i}" for i in index],
            "fund": np.array(FUNDS)[index % len(FUNDS)],
            "national_number": numbers,
            "last_name": np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), people)],
            "first_name": np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), people)],
            "birth_date": birth,
            "sex": np.where(sex_male, "M", "F"),
            "language": np.array(["fr", "nl", "de"])[rng.choice(3, people, p=[0.4, 0.58, 0.02])],
            "postal_code": (1000 + rng.integers(0, 8999, people)).astype(str),
            "municipality": "Commune",
            "street": "Rue de la Loi 16",
        }
    )
    quarters_in_window = (last_year - first_year + 1) * 4
    first_index = first_year * 4
    # Affiliations: each person starts some quarter in the window; a fifth change fund once.
    start_q = first_index + rng.integers(0, quarters_in_window // 2, people)
    changes = rng.random(people) < 0.2
    switch_q = start_q + rng.integers(1, quarters_in_window // 2, people)
    fund_a = index % len(FUNDS)
    fund_b = (fund_a + 1) % len(FUNDS)
    capacity = np.array(["main", "complementary", "student", "assisting_spouse", "active_pensioner"])[
        rng.choice(5, people, p=[0.6, 0.25, 0.05, 0.05, 0.05])
    ]

    def quarter_start(quarter_index: np.ndarray) -> np.ndarray:
        years = quarter_index // 4
        months = (quarter_index % 4) * 3
        return (years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + months.astype("timedelta64[M]")

    first = pl.DataFrame(
        {
            "person": np.arange(people),
            "fund_no": fund_a,
            "from_q": start_q,
            "to_q": np.where(changes, switch_q, first_index + quarters_in_window),
            "ends": changes,
        }
    )
    second = pl.DataFrame(
        {
            "person": np.arange(people)[changes],
            "fund_no": fund_b[changes],
            "from_q": switch_q[changes],
            "to_q": np.full(changes.sum(), first_index + quarters_in_window),
            "ends": np.zeros(changes.sum(), dtype=bool),
        }
    )
    spells = pl.concat([first, second]).sort("person", "from_q")
    spell_person = spells["person"].to_numpy()
    affiliation = pl.DataFrame(
        {
            "record_id": [f"A{i}" for i in range(spells.height)],
            "fund": np.array(FUNDS)[spells["fund_no"].to_numpy()],
            "national_number": numbers[spell_person],
            "person_key": index[spell_person],
            "capacity": capacity[spell_person],
            "company_director": rng.random(spells.height) < 0.1,
            "start_date": quarter_start(spells["from_q"].to_numpy()).astype("datetime64[D]"),
            "end_date": np.where(
                spells["ends"].to_numpy(),
                quarter_start(spells["to_q"].to_numpy()).astype("datetime64[D]"),
                np.datetime64("NaT"),
            ),
        }
    )
    # Contributions: one per quarter of each spell in the window; payments settle most of them.
    lengths = (spells["to_q"] - spells["from_q"]).to_numpy()
    rows = np.repeat(np.arange(spells.height), lengths)
    offsets = np.arange(rows.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    quarter_index = spells["from_q"].to_numpy()[rows] + offsets
    owner = spell_person[rows]
    due = np.where(capacity[owner] == "main", 87171, rng.integers(0, 60000, rows.size)).astype(np.int64)
    quarter_text = pl.Series((quarter_index // 4).astype(str)) + "Q" + pl.Series((quarter_index % 4 + 1).astype(str))
    contribution = pl.DataFrame(
        {
            "record_id": [f"C{i}" for i in range(rows.size)],
            "fund": np.array(FUNDS)[spells["fund_no"].to_numpy()[rows]],
            "national_number": numbers[owner],
            "person_key": index[owner],
            "quarter": quarter_text,
            "quarter_index": quarter_index.astype(np.int32),
            "amount_cents": due,
        }
    )
    outcome = rng.random(rows.size)
    paid_mask = outcome < 0.93
    paid_amount = np.where(outcome < 0.88, due, due // 2)
    payment = pl.DataFrame(
        {
            "record_id": [f"Y{i}" for i in range(int(paid_mask.sum()))],
            "fund": contribution["fund"].filter(pl.Series(paid_mask)),
            "national_number": numbers[owner][paid_mask],
            "person_key": index[owner][paid_mask],
            "payment_date": (quarter_start(quarter_index[paid_mask]) + np.timedelta64(2, "M")).astype("datetime64[D]")
            + np.timedelta64(9, "D"),
            "amount_cents": paid_amount[paid_mask].astype(np.int64),
            "quarter": quarter_text.filter(pl.Series(paid_mask)),
            "quarter_index": quarter_index[paid_mask].astype(np.int32),
        }
    )
    # Incomes: one per person and year, from the tax authority for settled years.
    years = np.arange(first_year - 1, last_year + 1)
    income_owner = np.repeat(np.arange(people), years.size)
    income_year = np.tile(years, people)
    income = pl.DataFrame(
        {
            "record_id": [f"I{i}" for i in range(income_owner.size)],
            "fund": np.array(FUNDS)[fund_a[income_owner]],
            "national_number": numbers[income_owner],
            "person_key": index[income_owner],
            "year": income_year.astype(np.int32),
            "amount_cents": rng.integers(1_000_000, 12_000_000, income_owner.size).astype(np.int64),
            "income_source": np.where(income_year <= last_year - 2, "tax_authority", "estimate"),
            "income_status": np.where(income_year <= last_year - 2, "definitive", "provisional"),
        }
    )
    # Life events: a birth for one person in eight, a cessation for the fund changers.
    births = np.flatnonzero(rng.random(people) < 0.125)
    ceased = np.flatnonzero(changes)
    event_owner = np.concatenate([births, ceased])
    life_event = pl.DataFrame(
        {
            "record_id": [f"E{i}" for i in range(event_owner.size)],
            "fund": np.array(FUNDS)[fund_a[event_owner]],
            "national_number": numbers[event_owner],
            "person_key": index[event_owner],
            "event_type": np.concatenate([np.full(births.size, "birth"), np.full(ceased.size, "cessation")]),
            "event_date": np.concatenate(
                [
                    np.full(births.size, np.datetime64(f"{last_year}-06-01")),
                    quarter_start(switch_q[ceased]).astype("datetime64[D]"),
                ]
            ),
        }
    )
    frames = {
        RecordType.PERSON: person,
        RecordType.AFFILIATION: affiliation,
        RecordType.CONTRIBUTION: contribution,
        RecordType.PAYMENT: payment,
        RecordType.INCOME: income,
        RecordType.LIFE_EVENT: life_event,
    }
    return {record_type: conform(record_type, frame) for record_type, frame in frames.items()}
