"""Data defects injected into the fund batches, never into the truth, each listed in a manifest.

Every record of a fund batch is hit with probability ``defect_rate`` (deterministic per seed); a hit
record gets one defect, of a type drawn among those that apply to its record type (:data:`WEIGHTS`).
Most defects change one field of that record in place. Some add records instead, anchored on the hit
record: the same person sent by another fund under a second identity (a typo in the name, the day
and month of birth swapped, a BIS number beside the INSZ), or an affiliation at another fund that
overlaps the anchor. Income and contributions after death are drawn per deceased person (with ten
times the record rate, capped at 50%), since they are about a person rather than a record, and would
otherwise be too rare to measure.

Each manifest entry says which records carry the defect (``record_ids``: modified or added, all in
``fund``'s batch and none of them, as written, in the truth) and which true records it relates to
(``related_record_ids``: the anchor of an added duplicate or overlap, the successor an unclosed
affiliation overlaps). A second identity always gets a valid number no real person has (see
identifiers.PHANTOM_FIRST_SLOT); for swapped day and month the number is recomputed for the swapped
date, so only record linkage, not a checksum, can find it.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import polars as pl

from statut.exchange.format import RecordType, fields_of, mandatory_fields
from statut.exchange.writers import cents_text
from statut.synth.careers import fund_codes
from statut.synth.contribution_table import quarterly_contribution_cents
from statut.synth.dates import day_number, from_ymd, quarter_of, ymd
from statut.synth.identifiers import as_text, national_number_values, valid_check_digit_pair
from statut.synth.options import SynthOptions
from statut.synth.records import INJECTED_SEQUENCE, PREFIX, SEQUENCE_SPAN


class DefectType(StrEnum):
    INVALID_NATIONAL_NUMBER = "invalid_national_number"
    NATIONAL_NUMBER_BIRTH_DATE_MISMATCH = "national_number_birth_date_mismatch"
    NATIONAL_NUMBER_SEX_MISMATCH = "national_number_sex_mismatch"
    OVERLAPPING_AFFILIATION = "overlapping_affiliation"
    DUPLICATE_PERSON_TYPO = "duplicate_person_typo"
    DUPLICATE_PERSON_SWAPPED_DAY_MONTH = "duplicate_person_swapped_day_month"
    INSZ_AND_BIS = "insz_and_bis"
    MISSING_MANDATORY_FIELD = "missing_mandatory_field"
    IMPOSSIBLE_DATE = "impossible_date"
    INCOME_AFTER_DEATH = "income_after_death"
    CONTRIBUTION_AFTER_DEATH = "contribution_after_death"
    AMOUNT_TOO_MANY_DECIMALS = "amount_too_many_decimals"
    NEGATIVE_AMOUNT = "negative_amount"
    INVALID_ENTERPRISE_NUMBER = "invalid_enterprise_number"
    UNKNOWN_CODE = "unknown_code"


D = DefectType
#: Relative weights of the defect types a hit record of each type can get.
WEIGHTS: dict[RecordType, dict[DefectType, float]] = {
    RecordType.PERSON: {
        D.INVALID_NATIONAL_NUMBER: 1.0,
        D.NATIONAL_NUMBER_BIRTH_DATE_MISMATCH: 1.0,
        D.NATIONAL_NUMBER_SEX_MISMATCH: 1.0,
        D.DUPLICATE_PERSON_TYPO: 1.2,
        D.DUPLICATE_PERSON_SWAPPED_DAY_MONTH: 1.2,
        D.INSZ_AND_BIS: 1.2,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.IMPOSSIBLE_DATE: 0.8,
        D.UNKNOWN_CODE: 0.5,
    },
    RecordType.AFFILIATION: {
        D.OVERLAPPING_AFFILIATION: 2.0,
        D.INVALID_NATIONAL_NUMBER: 0.5,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.IMPOSSIBLE_DATE: 1.0,
        D.INVALID_ENTERPRISE_NUMBER: 1.0,
        D.UNKNOWN_CODE: 0.5,
    },
    RecordType.INCOME: {
        D.AMOUNT_TOO_MANY_DECIMALS: 1.5,
        D.NEGATIVE_AMOUNT: 1.0,
        D.INVALID_NATIONAL_NUMBER: 0.5,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.UNKNOWN_CODE: 0.3,
    },
    RecordType.CONTRIBUTION: {
        D.AMOUNT_TOO_MANY_DECIMALS: 1.5,
        D.NEGATIVE_AMOUNT: 1.0,
        D.INVALID_NATIONAL_NUMBER: 0.5,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.IMPOSSIBLE_DATE: 0.5,
    },
    RecordType.PAYMENT: {
        D.AMOUNT_TOO_MANY_DECIMALS: 1.5,
        D.NEGATIVE_AMOUNT: 1.0,
        D.INVALID_NATIONAL_NUMBER: 0.5,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.IMPOSSIBLE_DATE: 1.0,
    },
    RecordType.LIFE_EVENT: {
        D.IMPOSSIBLE_DATE: 1.0,
        D.MISSING_MANDATORY_FIELD: 1.0,
        D.UNKNOWN_CODE: 0.5,
        D.INVALID_NATIONAL_NUMBER: 0.5,
    },
}
#: Per deceased person, the probability of each after-death defect is this times the record rate.
AFTER_DEATH_FACTOR, AFTER_DEATH_CAP = 10.0, 0.5
#: Codes that no reference list holds, per record type and field.
UNKNOWN_CODES: dict[RecordType, tuple[str, str]] = {
    RecordType.PERSON: ("language", "it"),
    RecordType.AFFILIATION: ("capacity", "freelance"),
    RecordType.INCOME: ("income_source", "accountant"),
    RecordType.LIFE_EVENT: ("event_type", "marriage"),
}
#: Month-day pairs that no calendar has.
IMPOSSIBLE_MONTH_DAYS = ("02-30", "02-31", "04-31", "06-31", "09-31", "11-31", "13-01")
#: Where a second identity's record goes in the sequence space (person records).
_DUPLICATE_SEQUENCE, _OVERLAP_PERSON_SEQUENCE = INJECTED_SEQUENCE, INJECTED_SEQUENCE + 50

MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "defect_id": pl.String(),
    "type": pl.String(),
    "fund": pl.String(),
    "record_type": pl.String(),
    "record_ids": pl.List(pl.String()),
    "related_record_ids": pl.List(pl.String()),
    "person_key": pl.Int64(),
    "field": pl.String(),
    "original": pl.String(),
    "injected": pl.String(),
    "detail": pl.String(),
}
POSITION = "__position"
SORT_KEY = "sort_key"


def text_sort_key() -> pl.Expr:
    """The numeric part of a record id (person_key * 1000 + sequence), used to order batches."""
    return pl.col("record_id").str.slice(1).cast(pl.Int64)


class DefectInjector:
    """Injects the defects of one chunk into its text frames (see the module docstring)."""

    def __init__(
        self,
        options: SynthOptions,
        rng: np.random.Generator,
        people: pl.DataFrame,
        death_day: np.ndarray,
        segments: pl.DataFrame,
    ) -> None:
        self.options = options
        self.rng = rng
        self.people = people
        self.first_key = int(people["person_key"][0]) if people.height else 1
        self.death_day = death_day
        self.segments = segments
        self.funds = fund_codes()
        self.modifications: dict[RecordType, list[tuple[str, np.ndarray, pl.Series]]] = {rt: [] for rt in RecordType}
        self.additions: dict[RecordType, list[pl.DataFrame]] = {rt: [] for rt in RecordType}
        self.entries: list[pl.DataFrame] = []
        known = segments.group_by("person_key", maintain_order=True).agg(pl.col("fund").unique(maintain_order=True))
        self.known_funds = dict(zip(known["person_key"].to_list(), known["fund"].to_list(), strict=True))

    # -- public -------------------------------------------------------------------------------------------

    def run(self, texts: dict[RecordType, pl.DataFrame]) -> tuple[dict[RecordType, pl.DataFrame], pl.DataFrame]:
        for record_type in RecordType:
            frame = texts[record_type]
            hit = np.flatnonzero(self.rng.random(frame.height) < self.options.defect_rate)
            if hit.size == 0:
                continue
            rows = frame[hit].with_columns(pl.Series(POSITION, hit))
            kinds = self._choose_types(record_type, rows)
            for kind in WEIGHTS[record_type]:
                chosen = rows.filter(pl.Series(kinds == kind.value))
                if chosen.height:
                    getattr(self, f"_{kind.value}")(record_type, chosen)
        self._after_death()
        result = {rt: self._apply(rt, texts[rt]) for rt in RecordType}
        manifest = pl.concat(self.entries, how="vertical") if self.entries else pl.DataFrame(schema=MANIFEST_SCHEMA)
        manifest = manifest.sort("person_key", "record_type", "type", pl.col("record_ids").list.first())
        return result, manifest

    # -- machinery ----------------------------------------------------------------------------------------

    def _choose_types(self, record_type: RecordType, rows: pl.DataFrame) -> np.ndarray:
        kinds = list(WEIGHTS[record_type])
        weights = np.tile(np.asarray([WEIGHTS[record_type][k] for k in kinds]), (rows.height, 1))
        for column, kind in enumerate(kinds):
            weights[:, column] *= self._applicable(record_type, kind, rows)
        cumulative = np.cumsum(weights, axis=1)
        draw = self.rng.random(rows.height) * cumulative[:, -1]
        chosen = np.minimum((cumulative <= draw[:, None]).sum(axis=1), len(kinds) - 1)
        labels = np.asarray([k.value for k in kinds], dtype=object)[chosen]
        return np.where(cumulative[:, -1] > 0, labels, "")

    def _applicable(self, record_type: RecordType, kind: DefectType, rows: pl.DataFrame) -> np.ndarray:
        every = np.ones(rows.height)
        if kind is D.DUPLICATE_PERSON_SWAPPED_DAY_MONTH:
            day = rows["birth_date"].str.slice(8, 2).cast(pl.Int64).to_numpy()
            month = rows["birth_date"].str.slice(5, 2).cast(pl.Int64).to_numpy()
            return np.asarray(((day <= 12) & (day != month)).astype(float))
        if kind is D.INVALID_ENTERPRISE_NUMBER:
            return rows["enterprise_number"].is_not_null().to_numpy().astype(float)
        if kind is D.UNKNOWN_CODE and record_type is RecordType.INCOME:
            return rows["income_source"].is_not_null().to_numpy().astype(float)
        if kind in (D.DUPLICATE_PERSON_TYPO, D.INSZ_AND_BIS, D.OVERLAPPING_AFFILIATION):
            keys = rows["person_key"].to_list()
            return np.asarray([len(self.known_funds.get(key, [])) < len(self.funds) for key in keys], dtype=float)
        return every

    def _modify(self, record_type: RecordType, rows: pl.DataFrame, field: str, values: pl.Series) -> None:
        self.modifications[record_type].append((field, rows[POSITION].to_numpy(), values.cast(pl.String)))

    def _apply(self, record_type: RecordType, frame: pl.DataFrame) -> pl.DataFrame:
        columns: dict[str, pl.Series] = {}
        for field, positions, values in self.modifications[record_type]:
            series = columns.get(field)
            if series is None:
                series = frame[field].clone()
            columns[field] = series.scatter(positions, values)
        if columns:
            frame = frame.with_columns(list(columns.values()))
        if self.additions[record_type]:
            # Added records go at the end; writers order every batch by sort_key, so they land
            # among their person's records without re-sorting this (wide) frame.
            added = pl.concat([a.select(frame.columns) for a in self.additions[record_type]], how="vertical")
            frame = pl.concat([frame, added], how="vertical")
        return frame

    def _entry(
        self,
        kind: DefectType,
        record_type: RecordType,
        rows: pl.DataFrame,
        *,
        fund: pl.Expr | None = None,
        record_ids: pl.Expr | None = None,
        related: pl.Expr | None = None,
        field: pl.Expr | str | None = None,
        original: pl.Expr | None = None,
        injected: pl.Expr | None = None,
        detail: pl.Expr | str = "",
    ) -> None:
        def text(value: pl.Expr | str | None) -> pl.Expr:
            if value is None:
                return pl.lit(None, pl.String)
            return pl.lit(value, pl.String) if isinstance(value, str) else value.cast(pl.String)

        entry = rows.select(
            pl.lit(None, pl.String).alias("defect_id"),
            pl.lit(kind.value).alias("type"),
            (fund if fund is not None else pl.col("fund")).alias("fund"),
            pl.lit(record_type.value).alias("record_type"),
            (record_ids if record_ids is not None else pl.concat_list(pl.col("record_id"))).alias("record_ids"),
            (related if related is not None else pl.lit([], pl.List(pl.String))).alias("related_record_ids"),
            pl.col("person_key"),
            text(field).alias("field"),
            text(original).alias("original"),
            text(injected).alias("injected"),
            text(detail).alias("detail"),
        )
        self.entries.append(entry.cast(pl.Schema(MANIFEST_SCHEMA)))

    def _person(self, column: str, keys: pl.Series) -> pl.Series:
        return self.people[column].gather(keys - self.first_key)

    def _other_fund(self, keys: pl.Series) -> pl.Series:
        """A fund that does not know the person yet (the caller checked one exists)."""
        codes = self.funds
        picks = []
        draws = self.rng.random(keys.len())
        for key, draw in zip(keys.to_list(), draws, strict=True):
            free = [code for code in codes if code not in self.known_funds.get(key, [])]
            picks.append(free[int(draw * len(free))])
        return pl.Series("other_fund", picks, dtype=pl.String)

    def _draw(self, count: int) -> pl.Series:
        return pl.Series(self.rng.random(count))

    # -- in-place defects -----------------------------------------------------------------------------------

    def _invalid_national_number(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        original = rows["national_number"]
        numbers = original.cast(pl.Int64).to_numpy()
        first, second = valid_check_digit_pair(numbers)
        check = (numbers % 100 + self.rng.integers(1, 99, numbers.shape[0])) % 100
        for _ in range(3):
            check = np.where((check == first) | (check == second), (check + 1) % 100, check)
        injected = as_text("national_number", numbers // 100 * 100 + check, 11)
        self._modify(record_type, rows, "national_number", injected)
        self._entry(
            D.INVALID_NATIONAL_NUMBER,
            record_type,
            rows,
            field="national_number",
            original=pl.col("national_number"),
            injected=pl.lit(injected),
            detail="check digits broken",
        )

    def _national_number_birth_date_mismatch(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        birth = rows["birth_date"].str.to_date().cast(pl.Int32).cast(pl.Int64).to_numpy()
        count = birth.shape[0]
        years = self.rng.integers(1, 4, count) * np.where(self.rng.random(count) < 0.5, -1, 1)
        days = self.rng.integers(1, 29, count) * np.where(self.rng.random(count) < 0.5, -1, 1)
        year, month, day = ymd(birth)
        shifted = np.where(self.rng.random(count) < 0.5, from_ymd(year + years, month, day), birth + days)
        latest = day_number(self.options.extraction_date) - 1
        shifted = np.where(shifted > latest, birth - np.abs(days), shifted)
        injected = pl.Series(shifted).cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")
        self._modify(record_type, rows, "birth_date", injected)
        self._entry(
            D.NATIONAL_NUMBER_BIRTH_DATE_MISMATCH,
            record_type,
            rows,
            field="birth_date",
            original=pl.col("birth_date"),
            injected=pl.lit(injected),
            detail="birth date no longer matches the national number",
        )

    def _national_number_sex_mismatch(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        injected = rows.select(pl.when(pl.col("sex") == "M").then(pl.lit("F")).otherwise(pl.lit("M"))).to_series()
        self._modify(record_type, rows, "sex", injected)
        self._entry(
            D.NATIONAL_NUMBER_SEX_MISMATCH,
            record_type,
            rows,
            field="sex",
            original=pl.col("sex"),
            injected=pl.lit(injected),
            detail="sex no longer matches the national number",
        )

    def _missing_mandatory_field(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        candidates = [name for name in mandatory_fields(record_type) if name not in ("record_type", "record_id")]
        pick = self.rng.integers(0, len(candidates), rows.height)
        for index, name in enumerate(candidates):
            chosen = rows.filter(pl.Series(pick == index))
            if chosen.height:
                self._modify(record_type, chosen, name, pl.Series([None] * chosen.height, dtype=pl.String))
                self._entry(
                    D.MISSING_MANDATORY_FIELD,
                    record_type,
                    chosen,
                    field=name,
                    original=pl.col(name),
                    detail=f"mandatory field {name} left empty",
                )

    def _impossible_calendar_date(self, year: pl.Expr, count: int) -> pl.Series:
        pick = self.rng.integers(0, len(IMPOSSIBLE_MONTH_DAYS), count)
        month_day = pl.Series(np.asarray(IMPOSSIBLE_MONTH_DAYS, dtype=object)[pick].astype(str))
        return pl.select(pl.format("{}-{}", year, month_day)).to_series()

    def _impossible_date(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        if record_type is RecordType.CONTRIBUTION:
            injected = rows.select(pl.col("quarter").str.slice(0, 4) + pl.lit("Q5")).to_series()
            self._modify(record_type, rows, "quarter", injected)
            self._entry(
                D.IMPOSSIBLE_DATE,
                record_type,
                rows,
                field="quarter",
                original=pl.col("quarter"),
                injected=pl.lit(injected),
                detail="no such quarter",
            )
            return
        if record_type is RecordType.AFFILIATION:
            closed = rows.filter(pl.col("end_date").is_not_null() & pl.Series(self.rng.random(rows.height) < 0.6))
            if closed.height:
                start = closed["start_date"].str.to_date().cast(pl.Int32)
                before = start - pl.Series(self.rng.integers(1, 366, closed.height), dtype=pl.Int32)
                injected = before.cast(pl.Date).dt.to_string("%Y-%m-%d")
                self._modify(record_type, closed, "end_date", injected)
                self._entry(
                    D.IMPOSSIBLE_DATE,
                    record_type,
                    closed,
                    field="end_date",
                    original=pl.col("end_date"),
                    injected=pl.lit(injected),
                    detail="end before start",
                )
            rows = rows.join(closed.select(POSITION), on=POSITION, how="anti")
            field = "start_date"
        else:
            field = {
                RecordType.PERSON: "birth_date",
                RecordType.PAYMENT: "payment_date",
                RecordType.LIFE_EVENT: "event_date",
            }[record_type]
        if not rows.height:
            return
        if record_type is RecordType.PERSON:
            future = pl.Series(self.rng.random(rows.height) < 0.5)
            year = pl.Series(self.rng.integers(2090, 2100, rows.height)).cast(pl.String)
            in_future = pl.select(
                pl.format("{}-{}", year, pl.lit(rows["birth_date"]).str.slice(5, 5).str.replace("02-29", "02-28"))
            ).to_series()
            calendar = self._impossible_calendar_date(pl.lit(rows[field]).str.slice(0, 4), rows.height)
            injected = pl.select(pl.when(future).then(in_future).otherwise(calendar)).to_series()
            detail = pl.when(future).then(pl.lit("born in the future")).otherwise(pl.lit("no such day"))
        else:
            injected = self._impossible_calendar_date(pl.lit(rows[field]).str.slice(0, 4), rows.height)
            detail = pl.lit("no such day")
        self._modify(record_type, rows, field, injected)
        self._entry(
            D.IMPOSSIBLE_DATE,
            record_type,
            rows,
            field=field,
            original=pl.col(field),
            injected=pl.lit(injected),
            detail=detail,
        )

    def _amount_too_many_decimals(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        digit = pl.Series(self.rng.integers(1, 10, rows.height)).cast(pl.String)
        injected = rows.select(pl.col("amount") + pl.lit(digit)).to_series()
        self._modify(record_type, rows, "amount", injected)
        self._entry(
            D.AMOUNT_TOO_MANY_DECIMALS,
            record_type,
            rows,
            field="amount",
            original=pl.col("amount"),
            injected=pl.lit(injected),
            detail="three decimals",
        )

    def _negative_amount(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        other = cents_text(pl.lit(pl.Series(self.rng.integers(100, 100_000, rows.height))))
        injected = rows.select(
            pl.when(pl.col("amount") == "0.00").then(pl.lit("-") + other).otherwise(pl.lit("-") + pl.col("amount"))
        ).to_series()
        self._modify(record_type, rows, "amount", injected)
        self._entry(
            D.NEGATIVE_AMOUNT,
            record_type,
            rows,
            field="amount",
            original=pl.col("amount"),
            injected=pl.lit(injected),
            detail="negative amount",
        )

    def _invalid_enterprise_number(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        numbers = rows["enterprise_number"].cast(pl.Int64).to_numpy()
        step = self.rng.integers(1, 95, numbers.shape[0])
        step = np.where(step == 3, 4, step)  # +3 could land on the second valid value (check + 97 - 100)
        injected = as_text("enterprise_number", numbers // 100 * 100 + (numbers % 100 + step) % 100, 10)
        self._modify(record_type, rows, "enterprise_number", injected)
        self._entry(
            D.INVALID_ENTERPRISE_NUMBER,
            record_type,
            rows,
            field="enterprise_number",
            original=pl.col("enterprise_number"),
            injected=pl.lit(injected),
            detail="mod-97 check broken",
        )

    def _unknown_code(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        field, code = UNKNOWN_CODES[record_type]
        self._modify(record_type, rows, field, pl.Series([code] * rows.height, dtype=pl.String))
        self._entry(
            D.UNKNOWN_CODE,
            record_type,
            rows,
            field=field,
            original=pl.col(field),
            injected=pl.lit(code),
            detail=f"{code!r} is not a {field} code",
        )

    # -- added records --------------------------------------------------------------------------------------

    def _second_identity(
        self, rows: pl.DataFrame, *, swap_day_month: bool = False, other_kind: bool = False
    ) -> pl.Series:
        """A valid national number no real person has, for the person of each row."""
        keys = rows["person_key"]
        birth = self._person("birth_day", keys).to_numpy()
        if swap_day_month:
            year, month, day = ymd(birth)
            birth = from_ymd(year, day, month)
        resident = self._person("resident", keys).to_numpy()
        bis = resident if other_kind else ~resident
        numbers = national_number_values(
            birth, self._person("male", keys).to_numpy(), self._person("phantom_slot", keys).to_numpy(), bis
        )
        return as_text("national_number", numbers, 11)

    def _add_person_copy(
        self, rows: pl.DataFrame, fund: pl.Series, sequence: pl.Expr, **overrides: pl.Series
    ) -> pl.DataFrame:
        added = (
            rows.drop(POSITION)
            .with_columns(
                pl.lit(fund).alias("fund"),
                (pl.col("person_key") * SEQUENCE_SPAN + sequence).alias(SORT_KEY),
            )
            .with_columns(
                pl.format(f"{PREFIX[RecordType.PERSON]}{{}}", pl.col(SORT_KEY)).alias("record_id"),
                *[pl.lit(values).alias(name) for name, values in overrides.items()],
            )
        )
        self.additions[RecordType.PERSON].append(added)
        return added

    def _duplicate(
        self, kind: DefectType, rows: pl.DataFrame, *, field: str, injected: pl.Series, number: pl.Series, detail: str
    ) -> None:
        fund = self._other_fund(rows["person_key"])
        overrides = {"national_number": number}
        if field != "national_number":
            overrides[field] = injected
        added = self._add_person_copy(rows, fund, _DUPLICATE_SEQUENCE + text_sort_key() % SEQUENCE_SPAN, **overrides)
        self._entry(
            kind,
            RecordType.PERSON,
            rows,
            fund=pl.lit(fund),
            record_ids=pl.concat_list(pl.lit(added["record_id"])),
            related=pl.concat_list(pl.col("record_id")),
            field=field,
            original=pl.col(field),
            injected=pl.lit(injected),
            detail=pl.format(f"the same person sent by {{}} {detail}", pl.lit(fund)),
        )

    def _duplicate_person_typo(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        del record_type
        on_first_name = self.rng.random(rows.height) < 0.3
        for field, mask in (("first_name", on_first_name), ("last_name", ~on_first_name)):
            chosen = rows.filter(pl.Series(mask))
            if chosen.height:
                injected = typo(chosen[field], self._draw(chosen.height), self._draw(chosen.height))
                self._duplicate(
                    D.DUPLICATE_PERSON_TYPO,
                    chosen,
                    field=field,
                    injected=injected,
                    number=self._second_identity(chosen),
                    detail="under a second national number, with a typo in the name",
                )

    def _duplicate_person_swapped_day_month(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        del record_type
        injected = rows.select(
            pl.format(
                "{}-{}-{}",
                pl.col("birth_date").str.slice(0, 4),
                pl.col("birth_date").str.slice(8, 2),
                pl.col("birth_date").str.slice(5, 2),
            )
        ).to_series()
        self._duplicate(
            D.DUPLICATE_PERSON_SWAPPED_DAY_MONTH,
            rows,
            field="birth_date",
            injected=injected,
            number=self._second_identity(rows, swap_day_month=True),
            detail="with day and month of birth swapped and the national number recomputed for that date",
        )

    def _insz_and_bis(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        del record_type
        number = self._second_identity(rows, other_kind=True)
        self._duplicate(
            D.INSZ_AND_BIS,
            rows,
            field="national_number",
            injected=number,
            number=number,
            detail="under a number of the other kind (INSZ / BIS)",
        )

    def _overlapping_affiliation(self, record_type: RecordType, rows: pl.DataFrame) -> None:
        successor = self.segments.with_columns(
            pl.col("segment") - 1, pl.col("fund").alias("next_fund"), pl.col("start_day").alias("next_start")
        ).select("person_key", "segment", "next_fund", "next_start")
        rows = rows.with_columns((text_sort_key() % SEQUENCE_SPAN).cast(pl.Int16).alias("segment")).join(
            successor, on=["person_key", "segment"], how="left"
        )
        unclosed = rows.filter(
            pl.col("next_fund").is_not_null()
            & (pl.col("next_fund") != pl.col("fund"))
            & pl.Series(self.rng.random(rows.height) < 0.5)
        )
        if unclosed.height:
            self._modify(record_type, unclosed, "end_date", pl.Series([None] * unclosed.height, dtype=pl.String))
            related = pl.format(f"{PREFIX[RecordType.AFFILIATION]}{{}}", text_sort_key() + 1)
            self._entry(
                D.OVERLAPPING_AFFILIATION,
                record_type,
                unclosed,
                field="end_date",
                original=pl.col("end_date"),
                related=pl.concat_list(related),
                detail=pl.format("the affiliation was never closed and overlaps the one at {}", pl.col("next_fund")),
            )
        rows = rows.join(unclosed.select(POSITION), on=POSITION, how="anti")
        if not rows.height:
            return
        fund = self._other_fund(rows["person_key"])
        period_start, period_end = day_number(self.options.period_start), day_number(self.options.extraction_date)
        start = np.maximum(rows["start_date"].str.to_date().cast(pl.Int32).cast(pl.Int64).to_numpy(), period_start)
        end = rows["end_date"].str.to_date().cast(pl.Int32).cast(pl.Int64).fill_null(period_end).to_numpy()
        new_start = start + np.floor(self.rng.random(rows.height) * np.maximum(end - start, 1)).astype(np.int64)
        new_start_text = pl.Series(new_start).cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")
        sequence = INJECTED_SEQUENCE + text_sort_key() % SEQUENCE_SPAN
        added = (
            rows.drop(POSITION, "segment", "next_fund", "next_start")
            .with_columns(
                pl.lit(fund).alias("fund"),
                (pl.col("person_key") * SEQUENCE_SPAN + sequence).alias(SORT_KEY),
                pl.lit(new_start_text).alias("start_date"),
                pl.lit(None, pl.String).alias("end_date"),
            )
            .with_columns(pl.format(f"{PREFIX[RecordType.AFFILIATION]}{{}}", pl.col(SORT_KEY)).alias("record_id"))
        )
        self.additions[RecordType.AFFILIATION].append(added)
        person = self._person_rows(
            rows["person_key"],
            fund,
            _OVERLAP_PERSON_SEQUENCE + rows.select(text_sort_key() % SEQUENCE_SPAN).to_series(),
        )
        self._entry(
            D.OVERLAPPING_AFFILIATION,
            record_type,
            rows,
            fund=pl.lit(fund),
            record_ids=pl.concat_list(pl.lit(added["record_id"]), pl.lit(person["record_id"])),
            related=pl.concat_list(pl.col("record_id")),
            field="start_date",
            injected=pl.lit(new_start_text),
            detail=pl.format(
                "{} also affiliates the person from {} while the affiliation at {} runs",
                pl.lit(fund),
                pl.lit(new_start_text),
                pl.col("fund"),
            ),
        )

    def _person_rows(self, keys: pl.Series, fund: pl.Series, sequence: pl.Series) -> pl.DataFrame:
        """A person record (true identity) for a fund that did not know the person."""
        people = self.people.filter(pl.col("person_key").is_in(keys.implode())).select(
            "person_key",
            "national_number",
            "last_name",
            "first_name",
            "birth_day",
            "male",
            "language",
            "postal_code",
            "municipality",
            "street",
        )
        frame = pl.DataFrame({"person_key": keys, "fund": fund, "sequence": sequence.cast(pl.Int64)}).join(
            people, on="person_key", how="left"
        )
        death = pl.Series(self.death_day[(frame["person_key"] - self.first_key).to_numpy()])
        added = frame.with_columns(
            (pl.col("person_key") * SEQUENCE_SPAN + pl.col("sequence")).alias(SORT_KEY),
            pl.lit(RecordType.PERSON.value).alias("record_type"),
            pl.col("birth_day").cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d").alias("birth_date"),
            pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
            pl.when(pl.lit(death) < day_number(self.options.extraction_date))
            .then(pl.lit(death))
            .otherwise(None)
            .cast(pl.Int32)
            .cast(pl.Date)
            .dt.to_string("%Y-%m-%d")
            .alias("death_date"),
        ).with_columns(pl.format(f"{PREFIX[RecordType.PERSON]}{{}}", pl.col(SORT_KEY)).alias("record_id"))
        added = added.select("person_key", SORT_KEY, "fund", *fields_of(RecordType.PERSON))
        self.additions[RecordType.PERSON].append(added)
        return added

    def _after_death(self) -> None:
        """Income or contributions sent for a year or quarter after the person's death."""
        period_end = day_number(self.options.extraction_date)
        deceased = np.flatnonzero(self.death_day < period_end)
        if deceased.size == 0 or self.options.defect_rate == 0:
            return
        keys = self.people["person_key"].to_numpy()[deceased]
        death = self.death_day[deceased]
        last_fund = self.segments.group_by("person_key").agg(pl.col("fund").sort_by("segment").last())
        fund = pl.DataFrame({"person_key": keys}).join(last_fund, on="person_key", how="left")["fund"]
        numbers = self.people["national_number"].gather(pl.Series(deceased))
        probability = min(AFTER_DEATH_CAP, AFTER_DEATH_FACTOR * self.options.defect_rate)
        death_year, _, _ = ymd(death)
        death_quarter = quarter_of(death)

        income = (death_year < self.options.end_year) & (self.rng.random(keys.shape[0]) < probability)
        if income.any():
            year = (
                death_year[income]
                + 1
                + np.floor(self.rng.random(int(income.sum())) * (self.options.end_year - death_year[income])).astype(
                    np.int64
                )
            )
            cents = np.rint(np.exp(self.rng.normal(np.log(25_000.0), 0.6, year.shape[0])) * 100).astype(np.int64)
            self._add_after_death(
                D.INCOME_AFTER_DEATH,
                RecordType.INCOME,
                keys=keys[income],
                fund=fund.filter(pl.Series(income)),
                numbers=numbers.filter(pl.Series(income)),
                death=death[income],
                values={
                    "year": pl.Series(year).cast(pl.String),
                    "amount": pl.select(cents_text(pl.lit(pl.Series(cents)))).to_series(),
                    "income_source": pl.Series(["fund"] * year.shape[0]),
                    "income_status": pl.Series(["provisional"] * year.shape[0]),
                },
                field="year",
            )

        contribution = (death_quarter < self.options.end_quarter - 1) & (self.rng.random(keys.shape[0]) < probability)
        if contribution.any():
            span = self.options.end_quarter - 1 - death_quarter[contribution]
            quarter = death_quarter[contribution] + 1 + np.floor(self.rng.random(span.shape[0]) * span).astype(np.int64)
            minimum = quarterly_contribution_cents(np.zeros_like(quarter), quarter // 4, np.zeros_like(quarter))
            labels = pl.select(
                pl.format("{}Q{}", pl.lit(pl.Series(quarter // 4)), pl.lit(pl.Series(quarter % 4 + 1)))
            ).to_series()
            self._add_after_death(
                D.CONTRIBUTION_AFTER_DEATH,
                RecordType.CONTRIBUTION,
                keys=keys[contribution],
                fund=fund.filter(pl.Series(contribution)),
                numbers=numbers.filter(pl.Series(contribution)),
                death=death[contribution],
                values={"quarter": labels, "amount": pl.select(cents_text(pl.lit(pl.Series(minimum)))).to_series()},
                field="quarter",
            )

    def _add_after_death(
        self,
        kind: DefectType,
        record_type: RecordType,
        *,
        keys: np.ndarray,
        fund: pl.Series,
        numbers: pl.Series,
        death: np.ndarray,
        values: dict[str, pl.Series],
        field: str,
    ) -> None:
        sort_key = keys * SEQUENCE_SPAN + INJECTED_SEQUENCE
        added = pl.DataFrame({"person_key": keys, SORT_KEY: sort_key, "fund": fund}).with_columns(
            pl.lit(record_type.value).alias("record_type"),
            pl.format(f"{PREFIX[record_type]}{{}}", pl.col(SORT_KEY)).alias("record_id"),
            pl.lit(numbers).alias("national_number"),
            *[pl.lit(series).alias(name) for name, series in values.items()],
        )
        added = added.with_columns(
            [pl.lit(None, pl.String).alias(name) for name in fields_of(record_type) if name not in added.columns]
        )
        added = added.select("person_key", SORT_KEY, "fund", *fields_of(record_type))
        self.additions[record_type].append(added)
        death_text = pl.Series(death).cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")
        self._entry(
            kind,
            record_type,
            added,
            field=field,
            injected=pl.col(field),
            detail=pl.format(
                "sent for {} {} while the person died on {}", pl.lit(field), pl.col(field), pl.lit(death_text)
            ),
        )


def typo(names: pl.Series, operation: pl.Series, position: pl.Series) -> pl.Series:
    """One typing error per name: two neighbouring letters swapped, a letter dropped or doubled.

    The result always differs from the name (a swap of equal letters becomes a drop).
    """
    frame = pl.DataFrame({"name": names, "operation": operation, "position": position})
    length = pl.col("name").str.len_chars()
    at = (
        (pl.col("position") * (length - 1).clip(lower_bound=1))
        .floor()
        .cast(pl.Int64)
        .clip(upper_bound=(length - 2).clip(lower_bound=0))
    )
    name = pl.col("name")
    swapped = name.str.slice(0, at) + name.str.slice(at + 1, 1) + name.str.slice(at, 1) + name.str.slice(at + 2)
    dropped = name.str.slice(0, at) + name.str.slice(at + 1)
    doubled = name.str.slice(0, at + 1) + name.str.slice(at)
    changed = (
        pl.when(pl.col("operation") < 1 / 3)
        .then(swapped)
        .when(pl.col("operation") < 2 / 3)
        .then(dropped)
        .otherwise(doubled)
    )
    return frame.select(pl.when(changed == name).then(dropped).otherwise(changed).alias(names.name)).to_series()
