"""The quality scan: the catalogue's scan rules run column-wise over the whole register.

No rule is written twice: the scan takes the rules marked ``scan: true`` (``Catalogue.for_scan``) and
runs their registered checks on the register's typed frames with the columns of a working frame
they read (``working.columns_of_type``), exactly as the ingestion gate runs them on a batch. Row rules
run type by type on every record in their scope (a register of 60 million records is mostly
contributions and payments, which most row rules do not look at); batch and cross rules run fund by
fund, each fund's records being "the batch" and the whole register the state they are compared with,
so that a rule about "another fund" keeps its meaning.

The result is one wide frame of booleans, per record: ``in|RULE`` (the rule looks at the record) and
``fail|RULE`` (the record breaks it on at least one field); scores.py turns it into counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from statut.exchange.format import COMMON, RecordType
from statut.quality.batch_rules import BatchInputs
from statut.quality.catalogue import Catalogue, Rule, Stage, catalogue
from statut.quality.cross_rules import CrossInputs
from statut.quality.registry import CheckContext
from statut.quality.working import columns_of_type, text_column, typed_columns

NO_FUND = "-"
"""Fund code of register records no fund answers for (a person without any affiliation)."""


def in_column(rule_id: str) -> str:
    return f"in|{rule_id}"


def fail_column(rule_id: str) -> str:
    return f"fail|{rule_id}"


@dataclass(frozen=True)
class ScanResult:
    """Per record: ``fund``, ``record_type``, ``record_id`` and the two boolean columns of every scan rule."""

    records: pl.DataFrame
    rules: tuple[Rule, ...]


def scan(frames: Mapping[RecordType, pl.DataFrame], today: date, *, rules: Catalogue | None = None) -> ScanResult:
    """Run the scan rules over the register's frames (typed, current versions, with ``fund``).

    Row rules run type by type, each on the fields its scope gives that type (``Rule.types_in_scope``,
    as in the gate), over the typed frame plus the working-frame columns the checks read: the same
    verdicts as over :func:`working.union_frame`, without evaluating every check on every record of
    every type (most of that frame is nulls). Batch and cross rules run fund by fund on a frame of
    the register in the working-frame shape (:func:`_set_rule_columns`).
    """
    chosen = tuple(r for r in (rules or catalogue()).for_scan() if r.stage in (Stage.ROW, Stage.BATCH, Stage.CROSS))
    ctx = CheckContext(today=today)
    row_rules = [rule for rule in chosen if rule.stage is Stage.ROW]
    parts = [_row_rule_columns(record_type, frame, row_rules, ctx) for record_type, frame in frames.items()]
    schema = {
        "fund": pl.String,
        "record_type": pl.String,
        "record_id": pl.String,
        **{name: pl.Boolean for rule in row_rules for name in (in_column(rule.id), fail_column(rule.id))},
    }
    records = pl.concat([pl.DataFrame(schema=schema), *parts])
    set_rules = [rule for rule in chosen if rule.stage is not Stage.ROW]
    if set_rules:
        failures = _set_rule_columns(frames, set_rules, today)
        records = records.with_columns(
            [failures.get_column(fail_column(r.id)) for r in set_rules]
            + [pl.col("record_type").is_in([t.value for t in r.record_types]).alias(in_column(r.id)) for r in set_rules]
        )
    return ScanResult(records, chosen)


def _row_rule_columns(
    record_type: RecordType, frame: pl.DataFrame, rules: list[Rule], ctx: CheckContext
) -> pl.DataFrame:
    """``fund``, ``record_type``, ``record_id`` and the row rules' two columns for one type's records."""
    columns: list[pl.Expr] = []
    for rule in rules:
        fields = [name for name in rule.fields if _in_scope(rule, name, record_type)]
        failure = pl.any_horizontal([rule.check(name, ctx) for name in fields]) if fields else pl.lit(False)
        columns += [
            pl.lit(bool(fields), dtype=pl.Boolean).alias(in_column(rule.id)),
            failure.fill_null(False).alias(fail_column(rule.id)),
        ]
    read = {name for expr in columns for name in expr.meta.root_names()}
    return (
        frame.lazy()
        .with_columns(columns_of_type(record_type, frame, sorted(read)))
        .select(
            pl.col("fund").fill_null(NO_FUND),
            pl.lit(record_type.value, dtype=pl.String).alias("record_type"),
            "record_id",
            *columns,
        )
        .collect()
    )


def _in_scope(rule: Rule, field_name: str, record_type: RecordType) -> bool:
    types = rule.types_in_scope(field_name)
    return types is None or record_type.value in types


def _set_rule_columns(frames: Mapping[RecordType, pl.DataFrame], rules: list[Rule], today: date) -> pl.DataFrame:
    """Batch and cross rules, fund by fund: one ``fail|RULE`` column each, a row per record in the
    order of the frames (as :func:`scan` lists them).

    Each fund's records are "the batch" and the whole register the state they are compared with. The
    batch has the working-frame shape the checks read: every typed column, ``record_type``, and the
    text of the fields common to every record (``record_id__text``: what identifies a record in a
    file); the text of the other fields is only read by rules that judge the form of a value as sent,
    which do not run on the register (``scan: false``). ``_register_row`` (and ``line``) is the
    record's position in the register frames.
    """
    parts = []
    for fund, work in _fund_batches(frames):
        batch = work.with_row_index("_row").with_columns(pl.lit(True).alias("_candidate"))
        ctx = CheckContext(today=today, fund_code=fund)
        batch_inputs = BatchInputs(batch, ctx)
        cross_inputs = CrossInputs(batch, frames, ctx)
        failures = []
        for rule in rules:
            if rule.stage is Stage.BATCH:
                assert rule.batch_check is not None
                result = rule.batch_check(batch_inputs)
            else:
                assert rule.cross_check is not None
                result = rule.cross_check(cross_inputs)
            failures.append(result.get_column("violation").fill_null(False).alias(fail_column(rule.id)))
        parts.append(pl.DataFrame([batch.get_column("_register_row").alias("_row"), *failures]))
    schema = {"_row": pl.UInt32, **{fail_column(r.id): pl.Boolean for r in rules}}
    return pl.concat([pl.DataFrame(schema=schema), *parts]).sort("_row").drop("_row")


def _fund_batches(frames: Mapping[RecordType, pl.DataFrame]) -> list[tuple[str, pl.DataFrame]]:
    """The register's records of each fund (``fund`` null: NO_FUND) in the working-frame shape the
    batch and cross checks read (see :func:`_set_rule_columns`), in register order. Each type's
    frame is split by fund once: no pass over the whole register per fund."""
    every_typed = typed_columns()
    common = [text_column(name) for name in COMMON]
    by_fund: dict[str, list[pl.DataFrame]] = {}
    offset = 0
    for record_type, frame in frames.items():
        shaped = (
            frame.lazy()
            .with_columns(columns_of_type(record_type, frame, ["record_type", *common]))
            .with_columns(
                pl.col("fund").fill_null(NO_FUND),
                (pl.int_range(pl.len(), dtype=pl.UInt32) + offset).alias("_register_row"),
            )
            .with_columns(pl.col("_register_row").alias("line"))
            .collect()
        )
        offset += frame.height
        for (fund,), part in shaped.partition_by("fund", as_dict=True, maintain_order=True).items():
            by_fund.setdefault(str(fund), []).append(part)
    batches = []
    for fund in sorted(by_fund):
        work = pl.concat(by_fund[fund], how="diagonal_relaxed")
        missing = [pl.lit(None, dtype=t).alias(name) for name, t in every_typed.items() if name not in work.columns]
        batches.append((fund, work.with_columns(missing) if missing else work))
    return batches
