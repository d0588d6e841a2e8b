"""Synthetic feed files for the people already in the register (when statut.synth's feeds are not at
hand, or to drive the demo and the benchmark): births to self-employed women of child-bearing age,
deaths, moves, definitive incomes two years back (the tax authority's delay), bankruptcies and
cessations. Deterministic for a seed; national numbers of children are valid (check digits
``97 - n mod 97``, with a 2 in front for births from 2000).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from statut.domain.identifiers import national_number_check_digits


@dataclass(frozen=True, slots=True)
class Someone:
    national_number: str
    sex: str
    birth_date: date


def child_number(birth: date, counter: int, *, female: bool) -> str:
    count = (2 * counter if female else 2 * counter - 1) % 1000 or 2
    first_nine = f"{birth:%y%m%d}{count:03d}"
    return first_nine + national_number_check_digits(first_nine, birth.year >= 2000)


def national_register_rows(people: Sequence[Someone], count: int, *, seed: int, today: date) -> list[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    mothers = [p for p in people if p.sex == "F" and 20 <= (today - p.birth_date).days // 365 <= 45]
    rows: list[dict[str, str]] = []
    for i in range(count):
        day = today - timedelta(days=rng.randint(1, 60))
        roll = rng.random()
        if roll < 0.5 and mothers:
            mother = rng.choice(mothers)
            rows.append(
                {
                    "national_number": mother.national_number,
                    "event_type": "birth",
                    "event_date": day.isoformat(),
                    "child_national_number": child_number(day, i + 1, female=rng.random() < 0.5),
                    "child_at_mother_address": "yes" if rng.random() < 0.95 else "no",
                }
            )
        elif roll < 0.6:
            person = rng.choice(people)
            rows.append(
                {
                    "national_number": person.national_number,
                    "event_type": "death",
                    "event_date": day.isoformat(),
                    "child_national_number": "",
                    "child_at_mother_address": "",
                }
            )
        else:
            person = rng.choice(people)
            rows.append(
                {
                    "national_number": person.national_number,
                    "event_type": "address_change",
                    "event_date": day.isoformat(),
                    "child_national_number": "",
                    "child_at_mother_address": "",
                }
            )
    return rows


def tax_authority_rows(people: Sequence[Someone], count: int, *, seed: int, year: int) -> list[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    chosen = rng.sample(list(people), min(count, len(people)))
    return [
        {"national_number": p.national_number, "year": str(year), "amount": f"{rng.lognormvariate(10.4, 0.5):.2f}"}
        for p in chosen
    ]


def enterprise_register_rows(people: Sequence[Someone], count: int, *, seed: int, today: date) -> list[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    rows = []
    for i, person in enumerate(rng.sample(list(people), min(count, len(people)))):
        day = (today - timedelta(days=rng.randint(1, 90))).isoformat()
        bankrupt = rng.random() < 0.4
        rows.append(
            {
                "enterprise_number": f"0{700000000 + i:09d}"[:10],
                "holder_national_number": person.national_number,
                "status": "bankrupt" if bankrupt else "stopped",
                "end_date": day,
                "bankruptcy_date": day if bankrupt else "",
                "reason": "" if bankrupt else rng.choice(["economic", ""]),
            }
        )
    return rows


def write_csv(path: Path, rows: Sequence[dict[str, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)
