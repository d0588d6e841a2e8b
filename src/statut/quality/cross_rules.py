"""Cross-record rules: the batch against itself and the register's current state, as pure functions.

They need no database: the register's state comes in as typed polars frames (statut.exchange.frames
schemas, one per record type, current versions only), so the same functions serve the ingestion gate
(the gate service queries the store and passes the frames), the quality scan and tests. What the gate
must pass is described by :func:`register_needs`.

Which records take part: the batch rows flagged ``_candidate`` (no blocking reason so far, a known
record type). A register row of this fund with the record_id of a candidate is about to be replaced by
it, so it is left out of the comparison ("current state after this batch"). Periods are half-open
``[start, end)`` as everywhere in statut (statut.domain.calendar); an affiliation without end runs on.

Severities and their reasons (the catalogue holds the references):
- XAF-001 overlap with another fund's affiliation: blocking; one fund at a time (RD n°38 art. 10), and
  the register must not hold two funds responsible for one quarter.
- XAF-002 overlap with another affiliation of the same fund: warning; usually a change of capacity sent
  twice, which the fund should tidy up but which does not make the data wrong for anyone else.
- XCO-001 contribution for a quarter without any affiliation: blocking.
- XRS-001/002 a record for a period (or a person) the fund is not responsible for: blocking; it is
  another fund's member, and also a matter of privacy.
- XDT-001/002 income, contribution or affiliation after death: blocking.
- XHL-001 already held (same content): info, outcome "already held"; XHL-002 correction: info, the
  gate stores a new version; XHL-003 a record_id reused for another record type: blocking.
Out of scope here: whether a contribution amount is the one the legislation computes (statut.rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import polars as pl

from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS, conform, empty_frame
from statut.quality.parsing import quarter_start, quarter_starts
from statut.quality.registry import CheckContext, cross_check, violations

RegisterFrames = Mapping[RecordType, pl.DataFrame]
"""The register's current state: typed frames per record type (missing types count as empty)."""

_NO_END = date(9999, 12, 31)
_NO_START = date(1, 1, 1)
_CONTENT_EXCLUDED = ("person_key", "fund", "record_id")


@dataclass(frozen=True, slots=True)
class RegisterNeeds:
    """What the gate must fetch from the store for a batch (any superset works, e.g. everything).

    - affiliations, persons and life events of every fund for ``national_numbers``;
    - the records of this fund, of every type, whose record_id is in ``record_ids``.
    """

    national_numbers: pl.Series
    record_ids: pl.Series


def register_needs(work: pl.DataFrame) -> RegisterNeeds:
    """Keys of the register rows the cross rules of this working frame may look at."""
    return RegisterNeeds(
        national_numbers=work.get_column("national_number").drop_nulls().unique().sort(),
        record_ids=work.get_column("record_id").drop_nulls().unique().sort(),
    )


@dataclass
class CrossInputs:
    """The batch (working frame with ``_candidate``), the register's frames and the check context.

    Rules read the columns they need of the candidate rows (a projection, not a copy of the batch);
    frames shared by several rules (all affiliations, death dates) are computed once.
    """

    batch: pl.DataFrame
    register: RegisterFrames
    ctx: CheckContext
    _cache: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def fund(self) -> str:
        return self.ctx.fund_code

    def _candidate(self) -> pl.Expr:
        return pl.col("_candidate") if "_candidate" in self.batch.columns else pl.lit(True)

    def candidates(self, *columns: str) -> pl.DataFrame:
        """``_row`` and ``columns`` of the candidate rows."""
        return self.batch.lazy().filter(self._candidate()).select("_row", *columns).collect()

    def of_type(self, record_type: RecordType, *columns: str) -> pl.DataFrame:
        """``_row`` and ``columns`` of the candidate rows of one record type."""
        condition = self._candidate() & (pl.col("record_type") == record_type.value)
        return self.batch.lazy().filter(condition).select("_row", *columns).collect()

    @cached_property
    def _replaced_ids(self) -> pl.DataFrame:
        return self.candidates("record_id").select("record_id").drop_nulls()

    def register_frame(self, record_type: RecordType) -> pl.DataFrame:
        frame = self.register.get(record_type)
        if frame is None:
            return empty_frame(record_type)
        return frame

    def current_register(self, record_type: RecordType) -> pl.DataFrame:
        """Register rows of this type, without this fund's rows that the batch replaces."""
        frame = self.register_frame(record_type)
        if frame.height == 0:
            return frame
        own = (pl.col("fund") == self.fund).fill_null(False)
        mine = frame.filter(own)
        # The batch's ids that this fund holds, found by hashing the fund's rows (few) rather than
        # every id of the batch (a whole fund's records in the quality scan), then left out.
        replaced = self._replaced_ids.join(mine.select("record_id"), on="record_id", how="semi")
        kept = mine.join(replaced, on="record_id", how="anti", nulls_equal=False)
        return pl.concat([frame.filter(~own), kept])

    @cached_property
    def affiliations(self) -> pl.DataFrame:
        """Every affiliation as of after this batch: fund, record_id, national_number, start, end."""
        columns = ["fund", "record_id", "national_number", "start_date", "end_date"]
        batch = self.of_type(RecordType.AFFILIATION, *columns).drop("_row")
        register = self.current_register(RecordType.AFFILIATION).select(columns)
        return pl.concat([batch, register.cast(batch.schema)]).filter(
            pl.col("national_number").is_not_null() & pl.col("start_date").is_not_null()
        )

    @cached_property
    def deaths(self) -> pl.DataFrame:
        """Earliest known death date per national number (batch persons and death events, register)."""
        persons = self.of_type(RecordType.PERSON, "national_number", "death_date").drop("_row")
        events = self.of_type(RecordType.LIFE_EVENT, "national_number", "event_type", "event_date").drop("_row")
        sources = [persons, self.current_register(RecordType.PERSON).select("national_number", "death_date")]
        sources.extend(
            frame.filter(pl.col("event_type") == "death").select(
                "national_number", pl.col("event_date").alias("death_date")
            )
            for frame in (events, self.current_register(RecordType.LIFE_EVENT))
        )
        frame = pl.concat([s.cast({"national_number": pl.String, "death_date": pl.Date}) for s in sources])
        return frame.drop_nulls().group_by("national_number").agg(pl.col("death_date").min().alias("death"))


def _none(inputs: CrossInputs) -> pl.DataFrame:
    return violations(inputs.batch.height, pl.Series([], dtype=pl.UInt32))


def _found(inputs: CrossInputs, rows: pl.DataFrame, detail: str | None = None) -> pl.DataFrame:
    if rows.height == 0:
        return _none(inputs)
    return violations(
        inputs.batch.height, rows.get_column("_row"), rows.get_column(detail) if detail is not None else None
    )


def _overlaps(a_start: pl.Expr, a_end: pl.Expr, b_start: pl.Expr, b_end: pl.Expr) -> pl.Expr:
    return (a_start < b_end.fill_null(_NO_END)) & (b_start < a_end.fill_null(_NO_END))


def _affiliation_overlaps(inputs: CrossInputs) -> pl.DataFrame:
    mine = inputs.of_type(
        RecordType.AFFILIATION, "fund", "record_id", "national_number", "start_date", "end_date"
    ).filter(pl.col("start_date").is_not_null())
    others = inputs.affiliations.rename({c: f"o_{c}" for c in inputs.affiliations.columns})
    joined = mine.join(others, left_on="national_number", right_on="o_national_number", how="inner")
    itself = (pl.col("o_fund") == pl.col("fund")) & (pl.col("o_record_id") == pl.col("record_id"))
    return joined.filter(
        ~itself & _overlaps(pl.col("start_date"), pl.col("end_date"), pl.col("o_start_date"), pl.col("o_end_date"))
    )


@cross_check("XAF-001")
def overlaps_other_fund(inputs: CrossInputs) -> pl.DataFrame:
    clashes = _affiliation_overlaps(inputs).filter(pl.col("o_fund") != pl.col("fund"))
    first = clashes.group_by("_row").agg(pl.col("o_fund").sort().unique(maintain_order=True).str.join(", "))
    return _found(inputs, first, "o_fund")


@cross_check("XAF-002")
def overlaps_same_fund(inputs: CrossInputs) -> pl.DataFrame:
    clashes = _affiliation_overlaps(inputs).filter(pl.col("o_fund") == pl.col("fund"))
    first = clashes.group_by("_row").agg(pl.col("o_record_id").sort().first())
    return _found(inputs, first, "o_record_id")


def _periods(inputs: CrossInputs) -> pl.DataFrame:
    """The period each income, contribution and payment is about: ``[p_start, p_end)``, with quarters
    counted as indexes (year * 4 + quarter - 1) so that the dates are built once per distinct quarter."""
    income = inputs.of_type(RecordType.INCOME, "national_number", "year").select(
        "_row",
        "national_number",
        (pl.col("year") * 4).cast(pl.Int32).alias("q_start"),
        (pl.col("year") * 4 + 4).cast(pl.Int32).alias("q_end"),
    )
    quarterly = (
        inputs.candidates("record_type", "national_number", "quarter_index")
        .filter(
            pl.col("record_type").is_in([RecordType.CONTRIBUTION.value, RecordType.PAYMENT.value])
            & pl.col("quarter_index").is_not_null()
        )
        .select(
            "_row",
            "national_number",
            pl.col("quarter_index").alias("q_start"),
            (pl.col("quarter_index") + 1).alias("q_end"),
        )
    )
    dated = pl.concat([income, quarterly]).filter(
        pl.col("national_number").is_not_null() & pl.col("q_start").is_not_null()
    )
    dated = dated.select(
        "_row",
        "national_number",
        quarter_starts(dated.get_column("q_start")).alias("p_start"),
        quarter_starts(dated.get_column("q_end")).alias("p_end"),
    )
    # A payment without a quarter may settle arrears after the affiliation ended: it only needs an
    # affiliation with the fund that had started by the payment date.
    unallocated = (
        inputs.of_type(RecordType.PAYMENT, "national_number", "quarter_index", "payment_date")
        .filter(pl.col("quarter_index").is_null())
        .select(
            "_row",
            "national_number",
            pl.lit(_NO_START).alias("p_start"),
            (pl.col("payment_date") + pl.duration(days=1)).alias("p_end"),
        )
    )
    return pl.concat([dated, unallocated]).filter(
        pl.col("national_number").is_not_null() & pl.col("p_start").is_not_null() & pl.col("p_end").is_not_null()
    )


def _period_text(inputs: CrossInputs, rows: pl.Series) -> pl.Series:
    """How a record's period is written in messages: the year, the quarter or the payment date."""
    picked = inputs.batch.select(pl.col("record_type", "year", "quarter", "payment_date").gather(rows))
    return picked.select(
        pl.when(pl.col("record_type") == RecordType.INCOME.value)
        .then(pl.col("year").cast(pl.String))
        .when(pl.col("quarter").is_not_null())
        .then(pl.col("quarter"))
        .otherwise(pl.col("payment_date").dt.to_string("%Y-%m-%d"))
    ).to_series()


def _coverage(inputs: CrossInputs) -> pl.DataFrame:
    """Per period row (_row, contribution or not): covered by any affiliation, by one of this fund."""
    key = "coverage"
    if key not in inputs._cache:
        periods = _periods(inputs)
        affiliations = inputs.affiliations.select(
            "national_number", "start_date", "end_date", (pl.col("fund") == inputs.fund).alias("own")
        )
        covers = _overlaps(pl.col("p_start"), pl.col("p_end"), pl.col("start_date"), pl.col("end_date"))
        joined = (
            periods.lazy()
            .join(affiliations.lazy(), on="national_number", how="left")
            .select("_row", covers.fill_null(False).alias("covers"), pl.col("own").fill_null(False))
        )
        if affiliations.get_column("national_number").is_unique().all():
            # One affiliation per person at most (the usual case): one joined row per period.
            coverage = joined.select(
                "_row", pl.col("covers").alias("covered_any"), (pl.col("covers") & pl.col("own")).alias("covered_own")
            ).collect()
        else:
            coverage = (
                joined.group_by("_row")
                .agg(
                    pl.col("covers").any().alias("covered_any"),
                    (pl.col("covers") & pl.col("own")).any().alias("covered_own"),
                )
                .collect()
            )
        kinds = inputs.batch.select(pl.col("record_type").gather(coverage.get_column("_row")))
        inputs._cache[key] = coverage.with_columns(
            (kinds.to_series() == RecordType.CONTRIBUTION.value).alias("contribution")
        )
    return inputs._cache[key]


@cross_check("XCO-001")
def contribution_without_affiliation(inputs: CrossInputs) -> pl.DataFrame:
    coverage = _coverage(inputs)
    return _found(inputs, coverage.filter(pl.col("contribution") & ~pl.col("covered_any")))


@cross_check("XRS-001")
def fund_not_responsible_for_period(inputs: CrossInputs) -> pl.DataFrame:
    """Not covered by this fund. A contribution with no affiliation at all is XCO-001's, not repeated."""
    coverage = _coverage(inputs)
    flagged = coverage.filter(~pl.col("covered_own") & (~pl.col("contribution") | pl.col("covered_any")))
    if flagged.height == 0:
        return _none(inputs)
    rows = flagged.get_column("_row")
    return violations(inputs.batch.height, rows, _period_text(inputs, rows))


@cross_check("XRS-002")
def person_never_affiliated(inputs: CrossInputs) -> pl.DataFrame:
    own = inputs.affiliations.filter(pl.col("fund") == inputs.fund).select("national_number").unique()
    subjects = inputs.candidates("record_type", "national_number").filter(
        pl.col("record_type").is_in([RecordType.PERSON.value, RecordType.LIFE_EVENT.value])
        & pl.col("national_number").is_not_null()
    )
    return _found(inputs, subjects.join(own, on="national_number", how="anti"))


@cross_check("XDT-001")
def after_death(inputs: CrossInputs) -> pl.DataFrame:
    deaths = inputs.deaths
    death_text = pl.col("death").dt.to_string("%Y-%m-%d").alias("_death")
    incomes = (
        inputs.of_type(RecordType.INCOME, "national_number", "year")
        .join(deaths, on="national_number", how="inner")
        .filter(pl.col("year") > pl.col("death").dt.year())
        .select("_row", pl.lit("year").alias("field"), death_text)
    )
    contributions = (
        inputs.of_type(RecordType.CONTRIBUTION, "national_number", "quarter_index")
        .join(deaths, on="national_number", how="inner")
        .filter(quarter_start(pl.col("quarter_index")) > pl.col("death"))
        .select("_row", pl.lit("quarter").alias("field"), death_text)
    )
    flagged = pl.concat([incomes, contributions])
    result = _found(inputs, flagged, "_death")
    fields = pl.repeat(None, inputs.batch.height, dtype=pl.String, eager=True).alias("field")
    if flagged.height:
        fields = fields.scatter(flagged.get_column("_row").cast(pl.Int64), flagged.get_column("field"))
    return result.with_columns(fields)


@cross_check("XDT-002")
def affiliation_after_death(inputs: CrossInputs) -> pl.DataFrame:
    flagged = (
        inputs.of_type(RecordType.AFFILIATION, "national_number", "start_date")
        .join(inputs.deaths, on="national_number", how="inner")
        .filter(pl.col("start_date") > pl.col("death"))
        .with_columns(pl.col("death").dt.to_string("%Y-%m-%d").alias("_death"))
    )
    return _found(inputs, flagged, "_death")


# --- already held, correction, record_id reused ------------------------------------------------------


def _content_columns(record_type: RecordType) -> list[str]:
    return [c for c in FRAME_SCHEMAS[record_type] if c not in _CONTENT_EXCLUDED]


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """The store may keep an empty optional text as '' or NULL: both mean "not given"."""
    return frame.with_columns(
        [
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
            for c, t in frame.schema.items()
            if t == pl.String
        ]
    )


def _held(inputs: CrossInputs) -> pl.DataFrame:
    """Per candidate whose (fund, record_id) the register holds with the same type: same content or not."""
    key = "held"
    if key not in inputs._cache:
        parts = []
        for record_type in RecordType:
            held = inputs.register_frame(record_type).filter(pl.col("fund") == inputs.fund)
            if held.height == 0:
                continue
            content = _content_columns(record_type)
            mine = inputs.of_type(record_type, "record_id", *content)
            if mine.height == 0:
                continue
            ours = _blank_to_null(conform(record_type, mine).select(["record_id", *content])).with_columns(
                mine.get_column("_row")
            )
            theirs = _blank_to_null(conform(record_type, held).select(["record_id", *content]))
            joined = ours.join(theirs, on="record_id", how="inner", suffix="__held")
            same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}__held")) for c in content])
            parts.append(joined.select("_row", same.alias("same")).group_by("_row").agg(pl.col("same").any()))
        inputs._cache[key] = pl.concat(parts) if parts else pl.DataFrame(schema={"_row": pl.UInt32, "same": pl.Boolean})
    return inputs._cache[key]


@cross_check("XHL-001")
def already_held(inputs: CrossInputs) -> pl.DataFrame:
    return _found(inputs, _held(inputs).filter(pl.col("same")))


@cross_check("XHL-002")
def correction(inputs: CrossInputs) -> pl.DataFrame:
    return _found(inputs, _held(inputs).filter(~pl.col("same")))


@cross_check("XHL-003")
def record_id_of_another_type(inputs: CrossInputs) -> pl.DataFrame:
    held = [
        inputs.register_frame(record_type)
        .filter(pl.col("fund") == inputs.fund)
        .select(pl.col("record_id"), pl.lit(record_type.value).alias("held_type"))
        for record_type in RecordType
    ]
    held_ids = pl.concat(held)
    if held_ids.height == 0:
        return _none(inputs)
    flagged = (
        inputs.candidates("record_id", "record_type")
        .join(held_ids, on="record_id", how="inner")
        .filter(pl.col("held_type") != pl.col("record_type"))
        .group_by("_row")
        .agg(pl.col("held_type").sort().first())
    )
    return _found(inputs, flagged, "held_type")
