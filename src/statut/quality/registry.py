"""Where the checks of the rule catalogue register under their rule id.

A catalogue entry (catalogue.yaml) says what a rule is; the function registered here under the same id
says how to see a violation. Three kinds, by what a check needs to see:

- row check: ``violation(field, ctx) -> pl.Expr``, a boolean expression (True = violation) over one
  record, evaluated column-wise over a whole frame (``Rule.evaluate`` runs it on a frame), with an
  optional ``detail(field, ctx) -> pl.Expr`` giving language-neutral data for the message. The check
  says what is wrong with a value; which records it applies to (the rule's record types, those that
  use the field) is the engine's business (``Rule.types_in_scope``);
- batch check: ``check(inputs) -> pl.DataFrame``, over all the records of a batch at once
  (duplicates; ``inputs`` holds the working frame and the context);
- cross check: ``check(inputs) -> pl.DataFrame``, over the batch and frames of the register's state.

Batch and cross checks return a frame aligned with the input rows: ``violation`` (Boolean), ``detail``
(String, null when there is nothing to add) and, for rules reporting on several fields, ``field``.

The frames checks read follow one contract (see statut.quality.working): the typed columns of
statut.exchange.frames (national_number in compact form, dates as pl.Date, amount_cents, quarter_index,
...) plus ``record_type``; checks that judge the text as sent (a date's form, an amount's decimals) read
``<field>__text`` and are marked ``scan: false`` in the catalogue, because the register holds no text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from statut.quality.batch_rules import BatchInputs
    from statut.quality.cross_rules import CrossInputs


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know besides the data: the day of the check and the fund that sent the batch."""

    today: date
    fund_code: str = ""


RowViolation = Callable[[str, CheckContext], pl.Expr]
RowDetail = Callable[[str, CheckContext], pl.Expr]
RowTypes = Callable[[str], tuple[str, ...] | None]
BatchCheck = Callable[["BatchInputs"], pl.DataFrame]
CrossCheck = Callable[["CrossInputs"], pl.DataFrame]


@dataclass(frozen=True, slots=True)
class RowCheck:
    violation: RowViolation
    detail: RowDetail | None = None
    types: RowTypes | None = None
    """Which record types the check concerns for a field, when it is not "the rule's types that use
    the field" (the default): GEN-001 the types requiring the field, GEN-005 the types *not* using it.
    None from the function means every record, including those of an unknown type."""


ROW_CHECKS: dict[str, RowCheck] = {}
BATCH_CHECKS: dict[str, BatchCheck] = {}
CROSS_CHECKS: dict[str, CrossCheck] = {}


def row_check(
    rule_id: str, *, detail: RowDetail | None = None, types: RowTypes | None = None
) -> Callable[[RowViolation], RowViolation]:
    def register(function: RowViolation) -> RowViolation:
        if rule_id in ROW_CHECKS:
            raise ValueError(f"a row check is already registered for {rule_id}")
        ROW_CHECKS[rule_id] = RowCheck(function, detail, types)
        return function

    return register


def batch_check(rule_id: str) -> Callable[[BatchCheck], BatchCheck]:
    def register(function: BatchCheck) -> BatchCheck:
        if rule_id in BATCH_CHECKS:
            raise ValueError(f"a batch check is already registered for {rule_id}")
        BATCH_CHECKS[rule_id] = function
        return function

    return register


def cross_check(rule_id: str) -> Callable[[CrossCheck], CrossCheck]:
    def register(function: CrossCheck) -> CrossCheck:
        if rule_id in CROSS_CHECKS:
            raise ValueError(f"a cross check is already registered for {rule_id}")
        CROSS_CHECKS[rule_id] = function
        return function

    return register


def violations(height: int, rows: pl.Series, detail: pl.Series | None = None) -> pl.DataFrame:
    """A frame of ``height`` rows, ``violation`` True at the positions ``rows`` (with their detail)."""
    mask = pl.repeat(False, height, dtype=pl.Boolean, eager=True).alias("violation")
    details = pl.repeat(None, height, dtype=pl.String, eager=True).alias("detail")
    if rows.len():
        positions = rows.cast(pl.Int64)
        mask = mask.scatter(positions, True)
        if detail is not None:
            details = details.scatter(positions, detail.cast(pl.String))
    return pl.DataFrame([mask, details])
