"""Batch cases of ``statut rules contributions``: a table of text columns in, exact columns out.

CASES.csv columns: case_id, year, capacity, income, and optionally quarters_active (1-4, default 4),
primo_starter (0 or 1, default 0) and fund_fee_rate (e.g. 0.0305, default 0). A value the rules
cannot use (unknown year or capacity, negative income, quarters out of range...) is an error of its
row, and the other rows are still computed; a file that is not a table of cases at all (a missing
column, a non-numeric income, year or rate) raises :class:`InvalidCasesFileError` with one clear message.

Parsing is done with polars column expressions (no Python loop per row), amounts straight from their
text into integer cents, so no float ever touches an amount.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from statut.rules.arithmetic import MAX_INCOME_CENTS, RATE_SCALE, Int8Array, Int64Array
from statut.rules.codes import CaseErrorCode, capacity_code
from statut.rules.contributions import ContributionResult, final_contributions
from statut.rules.errors import InvalidCasesFileError
from statut.rules.explain import error_phrase
from statut.rules.parameter_set import ParameterSet
from statut.rules.trace import render_arg

REQUIRED_COLUMNS: Final = ("case_id", "year", "capacity", "income")
DEFAULTS: Final = {"quarters_active": "4", "primo_starter": "0", "fund_fee_rate": "0"}
RESULT_COLUMNS: Final = (
    "case_id",
    "annual_contribution",
    "quarterly_contribution",
    "quarterly_contribution_with_fees",
    "error",
)
_NUMBER: Final = r"^(?<sign>[+-]?)(?<whole>\d+)(?:\.(?<fraction>\d*))?$"
_MAX_INTEGER_DIGITS: Final = 13  # 10**13 euros is beyond any income (MAX_INCOME_CENTS)
_SHOWN_ROWS: Final = 5


@dataclass(frozen=True)
class ContributionCases:
    """Typed columns of a cases table; ``input_error`` holds the errors found while reading a row."""

    case_id: pl.Series
    year: Int64Array
    capacity: Int64Array
    income_cents: Int64Array
    quarters_active: Int64Array
    primo_starter: Int64Array
    fee_rate_ppm: Int64Array
    input_error: Int8Array

    def __len__(self) -> int:
        return len(self.year)


def read_cases_csv(data: bytes, source: str = "cases") -> pl.DataFrame:
    """The cases table from the bytes of a CSV file (UTF-8, a BOM allowed), every column as text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCasesFileError(
            f"{source}: not UTF-8 text (invalid byte at position {exc.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise InvalidCasesFileError(f"{source}: the file is empty; expected a header {','.join(REQUIRED_COLUMNS)}")
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, empty_string_is_null=False)
    except pl.exceptions.PolarsError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidCasesFileError(f"{source}: not a readable CSV table ({first_line})") from None
    return frame.rename({name: name.strip() for name in frame.columns})


def _bad_rows(mask: pl.Series) -> str:
    rows = (np.flatnonzero(mask.to_numpy()) + 2)[:_SHOWN_ROWS]  # +2: the header line, lines from 1
    return ", ".join(str(row) for row in rows)


def _require(values: pl.Series, parsed: pl.Series, column: str, what: str, source: str) -> None:
    """A value that is not of the column's kind makes the whole file malformed (one clear error)."""
    bad = parsed.is_null()
    if bool(bad.any()):
        example = values.filter(bad)[0]
        raise InvalidCasesFileError(
            f"{source}: column {column!r} must hold {what}; {int(bad.sum())} row(s) do not "
            f"(line {_bad_rows(bad)}; e.g. {example!r})"
        )


def _text(name: str, default: str | None = None) -> pl.Expr:
    value = pl.col(name).cast(pl.String).fill_null("").str.strip_chars()
    if default is not None:
        value = pl.when(value.str.len_chars() == 0).then(pl.lit(default)).otherwise(value)
    return value.alias(name)


def _scaled(parts: pl.Expr, places: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Exact integer ``value * 10**places`` from the groups (sign, whole, fraction) of a decimal text,
    whether it has too many decimals, and whether its whole part is too long to be plausible."""
    sign, whole = parts.struct.field("sign"), parts.struct.field("whole")
    fraction = parts.struct.field("fraction").fill_null("")
    too_long = whole.str.len_chars() > _MAX_INTEGER_DIGITS
    too_precise = fraction.str.strip_chars_end("0").str.len_chars() > places
    digits = fraction.str.slice(0, places).str.pad_end(places, "0")
    magnitude = pl.when(too_long).then(0).otherwise(whole.cast(pl.Int64) * 10**places + digits.cast(pl.Int64))
    return pl.when(sign == "-").then(-magnitude).otherwise(magnitude), too_precise, too_long


def parse_cases(frame: pl.DataFrame, source: str = "cases") -> ContributionCases:
    """Typed cases from a table of text columns; raises :class:`InvalidCasesFileError` if it is malformed."""
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise InvalidCasesFileError(
            f"{source}: missing column(s) {', '.join(missing)} (header has: {', '.join(frame.columns) or 'nothing'})"
        )
    present = frame.with_columns(
        *(pl.lit(default).alias(name) for name, default in DEFAULTS.items() if name not in frame.columns)
    )
    texts = (
        present.lazy()
        .select(
            pl.col("case_id").cast(pl.String).fill_null(""),
            *(_text(name) for name in ("year", "capacity", "income")),
            *(_text(name, default) for name, default in DEFAULTS.items()),
        )
        .with_columns(
            pl.col("income").str.replace(",", ".", literal=True),
            pl.col("fund_fee_rate").str.replace(",", ".", literal=True),
        )
        .with_columns(
            pl.col("year").cast(pl.Int64, strict=False).alias("year_value"),
            pl.col("quarters_active").cast(pl.Int64, strict=False).alias("quarters_value"),
            pl.col("primo_starter").cast(pl.Int64, strict=False).alias("primo_value"),
            pl.col("income").str.extract_groups(_NUMBER).alias("income_parts"),
            pl.col("fund_fee_rate").str.extract_groups(_NUMBER).alias("fee_parts"),
        )
        .collect()
    )
    _require(texts["year"], texts["year_value"], "year", "a year (an integer such as 2025)", source)
    income_whole = texts["income_parts"].struct.field("whole")
    _require(texts["income"], income_whole, "income", "an amount in euros (such as 17008.88)", source)
    _require(
        texts["quarters_active"], texts["quarters_value"], "quarters_active", "a number of quarters (1 to 4)", source
    )
    _require(texts["primo_starter"], texts["primo_value"], "primo_starter", "0 or 1", source)
    _require(
        texts["fund_fee_rate"],
        texts["fee_parts"].struct.field("whole"),
        "fund_fee_rate",
        "a rate such as 0.0305",
        source,
    )

    income, income_decimals, income_long = _scaled(pl.col("income_parts"), 2)
    fee, fee_decimals, fee_long = _scaled(pl.col("fee_parts"), 6)
    codes = {name: capacity_code(name) for name in texts["capacity"].unique().to_list()}
    typed = (
        texts.lazy()
        .select(
            income.alias("income"),
            income_decimals.alias("income_decimals"),
            income_long.alias("income_long"),
            fee.alias("fee"),
            (fee_decimals | fee_long).alias("fee_invalid"),
            pl.col("capacity").replace_strict(codes, return_dtype=pl.Int64).alias("capacity"),
        )
        .collect()
    )
    error = np.zeros(typed.height, dtype=np.int8)
    error[typed["fee_invalid"].to_numpy()] = CaseErrorCode.INVALID_FEE_RATE
    error[typed["income_decimals"].to_numpy()] = CaseErrorCode.INCOME_DECIMALS
    error[typed["income_long"].to_numpy()] = CaseErrorCode.INCOME_TOO_LARGE
    return ContributionCases(
        case_id=texts["case_id"],
        year=texts["year_value"].to_numpy(),
        capacity=typed["capacity"].to_numpy(),
        income_cents=np.clip(typed["income"].to_numpy(), -MAX_INCOME_CENTS - 1, MAX_INCOME_CENTS + 1),
        quarters_active=texts["quarters_value"].to_numpy(),
        primo_starter=texts["primo_value"].to_numpy(),
        fee_rate_ppm=np.clip(typed["fee"].to_numpy(), -1, RATE_SCALE),
        input_error=error,
    )


def compute_cases(cases: ContributionCases, parameters: ParameterSet | None = None) -> ContributionResult:
    """Final contributions of every case; a reading error of a row wins over what the engine says."""
    result = final_contributions(
        cases.year,
        cases.capacity,
        cases.income_cents,
        quarters_active=cases.quarters_active,
        primo_starter=cases.primo_starter,
        fee_rate_ppm=cases.fee_rate_ppm,
        parameters=parameters,
    )
    if not cases.input_error.any():
        return result
    bad = cases.input_error != 0
    zero = np.zeros(1, dtype=np.int64)
    return ContributionResult(
        annual=np.where(bad, zero, result.annual),
        quarterly=np.where(bad, zero, result.quarterly),
        fee=np.where(bad, zero, result.fee),
        quarterly_with_fees=np.where(bad, zero, result.quarterly_with_fees),
        error=np.where(bad, cases.input_error, result.error),
        problem=np.where(bad, np.int16(0), result.problem).astype(np.int16),
        uses_unconfirmed=result.uses_unconfirmed & ~bad,
        table=result.table,
    )


def _euros_text(cents: pl.Expr) -> pl.Expr:
    return pl.concat_str((cents // 100).cast(pl.String), pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2))


def error_column(result: ContributionResult, year: Int64Array, lang: str = "en") -> pl.Series:
    """The reason of each failed case in ``lang`` (null where the case was computed).

    The messages of the distinct (error, parameter, year) combinations are written once and then
    gathered per case: a file with a million failed cases costs a handful of messages.
    """
    failed = np.flatnonzero(result.error != 0)
    ids = np.full(len(result), -1, dtype=np.int64)
    texts: list[str] = []
    if failed.size:
        code = result.error[failed].astype(np.int64)
        shown = np.where(code == CaseErrorCode.UNKNOWN_YEAR, np.clip(year[failed], -(10**6), 10**6), 0)
        keys = code * 10**14 + result.problem[failed].astype(np.int64) * 10**8 + shown + 10**7
        unique, inverse = np.unique(keys, return_inverse=True)
        for key in unique.tolist():
            error, rest = divmod(key, 10**14)
            problem, year_shown = divmod(rest, 10**8)
            phrase = error_phrase(error, result.table.problems[problem], result.table, year_shown - 10**7)
            texts.append(render_arg(phrase, lang))
        ids[failed] = inverse.reshape(-1)
    positions = pl.Series(ids).replace(-1, None)
    return pl.Series("error", texts, dtype=pl.String).gather(positions).alias("error")


def error_messages(result: ContributionResult, year: Int64Array, lang: str = "en") -> list[str | None]:
    """The reason of each failed case in ``lang`` (None where the case was computed)."""
    return error_column(result, year, lang).to_list()


def results_frame(cases: ContributionCases, result: ContributionResult, lang: str = "en") -> pl.DataFrame:
    """RESULTS.csv: amounts in euros with two decimals (empty for a failed case) and the error."""
    amounts = pl.DataFrame(
        {
            "ok": result.ok,
            "annual_contribution": result.annual,
            "quarterly_contribution": result.quarterly,
            "quarterly_contribution_with_fees": result.quarterly_with_fees,
        }
    )
    formatted = amounts.select(
        *(
            pl.when(pl.col("ok")).then(_euros_text(pl.col(name))).otherwise(None).alias(name)
            for name in RESULT_COLUMNS[1:4]
        )
    )
    return (
        pl.DataFrame([cases.case_id.alias("case_id")])
        .hstack(formatted)
        .with_columns(error_column(result, cases.year, lang))
    )
