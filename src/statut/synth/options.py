"""Parameters of one synthetic population and the period they describe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from statut.domain.errors import DomainValidationError
from statut.synth import contribution_table
from statut.synth.assumptions import FEED_DELAY_DAYS
from statut.synth.identifiers import MAX_ENTERPRISES

#: Version of the generator: changes whenever the same seed would give different files.
GENERATOR_VERSION = "1.0.0"
#: People generated together in one chunk (fixed, so a seed always gives the same files).
CHUNK_PEOPLE = 50_000
MAX_PEOPLE = MAX_ENTERPRISES


@dataclass(frozen=True, slots=True)
class SynthOptions:
    """What to generate. The period is ``[1 January start_year, 1 January end_year + 1)``.

    The fund batches are extracted on :attr:`extraction_date` (the first day after the period), the
    external feeds :data:`~statut.synth.assumptions.FEED_DELAY_DAYS` days later.
    """

    people: int
    seed: int
    start_year: int = 2016
    end_year: int = 2025
    defect_rate: float = 0.02
    #: People per chunk. Part of the algorithm (each chunk has its own random streams): the same seed
    #: gives the same files only with the same chunk size. Tests lower it to exercise several chunks.
    chunk_people: int = CHUNK_PEOPLE

    def validate(self, today: date | None = None) -> None:
        today = today or date.today()
        if not 1 <= self.people <= MAX_PEOPLE:
            raise DomainValidationError("people", self.people, f"must be between 1 and {MAX_PEOPLE:,}")
        if not 0 <= self.seed < 2**63:
            raise DomainValidationError("seed", self.seed, "must be a non-negative integer below 2**63")
        first, last = contribution_table.FIRST_YEAR, contribution_table.LAST_YEAR
        if not first <= self.start_year <= self.end_year:
            raise DomainValidationError(
                "start_year", self.start_year, f"must be at least {first} and not after the end year {self.end_year}"
            )
        if self.end_year > last:
            raise DomainValidationError("end_year", self.end_year, f"the contribution table stops at {last}")
        if self.feed_date >= today:
            raise DomainValidationError(
                "end_year",
                self.end_year,
                f"the period and its feeds must lie in the past (feeds dated {self.feed_date})",
            )
        if self.chunk_people < 1:
            raise DomainValidationError("chunk_people", self.chunk_people, "must be at least 1")
        if not 0.0 <= self.defect_rate <= 0.5:
            raise DomainValidationError("defect_rate", self.defect_rate, "must be between 0 and 0.5")

    @property
    def period_start(self) -> date:
        return date(self.start_year, 1, 1)

    @property
    def extraction_date(self) -> date:
        """First day after the period; nothing in the fund batches is dated on or after it."""
        return date(self.end_year + 1, 1, 1)

    @property
    def feed_date(self) -> date:
        return self.extraction_date + timedelta(days=FEED_DELAY_DAYS)

    @property
    def first_quarter(self) -> int:
        return self.start_year * 4

    @property
    def end_quarter(self) -> int:
        """Quarter index just after the period (exclusive)."""
        return (self.end_year + 1) * 4

    @property
    def chunk_count(self) -> int:
        return -(-self.people // self.chunk_people)

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "seed": self.seed,
            "start_year": self.start_year,
            "end_year": self.end_year,
            "defect_rate": self.defect_rate,
            "chunk_people": self.chunk_people,
            "extraction_date": self.extraction_date.isoformat(),
            "feed_date": self.feed_date.isoformat(),
        }
