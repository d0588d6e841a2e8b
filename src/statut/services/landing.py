"""Landing checked records in the register: the one write path, set-based and column-wise.

Three callers, one path: the initial load of a population (statut.services.register.load_population),
the ingestion gate (statut.services.ingestion, for fund batches and legacy extracts alike) and the
release of held records. Each hands over typed frames (statut.exchange.frames) that were checked
before (by the loader's own checks, or by the rule catalogue at the gate); this module only links,
derives and writes, one record type after the other in dependency order:

- **people**: a person record of a new person adds the person, the number and the civil data; a
  correction (XHL-002) of a known person adds a new version of the civil data; the same person sent by
  another fund adds nothing (the fund's record id is kept in ``fund_record`` by the gate). A frame
  that carries ``person_id`` already (the initial load reserves them while checking) is taken as
  people the register does not know yet;
- every other record links to its person through the national number (unless it carries
  ``person_id``) and is inserted with an id reserved up front, so the gate can note which register row
  each record id landed in;
- a correction retires the row its earlier version landed in (history is never overwritten); an
  income or contribution with the natural key of a current row (same person, year and source; same
  person, fund and quarter) supersedes that row too, since the register holds one current value per
  key. Only people the register knew before can have such rows, so a first load asks nothing;
- **contribution status** (Royal Decree n°38 of 27 July 1967, art. 11: the contribution of a quarter
  must be on the fund's account by the last day of the quarter): the payments of the same landing
  allocated to the person, fund and quarter are summed into ``paid``; ``paid`` when ``paid >= due``,
  ``partial`` when something but not everything was paid, ``due`` while the quarter runs, ``unpaid``
  after. Payments without a quarter, or whose quarter has no contribution of that fund in the same
  landing, are recorded but settle nothing (``unmatched_payments``). Settling against payments already
  in the register is the legislation engine's recomputation, not the landing's;
- **career quarters**: one per person and settled quarter (``due`` quarters are left out) where none
  is current yet; it counts for the pension when a contribution of it with something due is fully
  paid (reason ``paid``), otherwise not (reason ``unpaid``; socialsecurity.belgium.be).

Defaults for optional fields: language ``fr``, income source ``fund`` and status ``provisional``, no
company director. A person's civil data are valid from their birth.

Indexes (and on PostgreSQL foreign keys) of the tables a landing at least doubles are dropped for the
writes and rebuilt at the end (statut.store.bulk.BulkWriter.deferring): a first load pays one index
build per table instead of one index update per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Table, select

from statut.domain.entities import CareerQuarterReason, ContributionStatus, IncomeSource, IncomeStatus, Language
from statut.exchange.format import RecordType
from statut.exchange.frames import empty_frame
from statut.services.frame_checks import decode_national_number
from statut.store import tables as t
from statut.store.bitemporal import supersede
from statut.store.bulk import BulkInsert
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork

LandingProgress = Callable[[str, int, int], None]
"""Called with (table name, rows done, rows in all) as the writes advance."""

_CHUNK = 5_000
QUARTER_BITS = 14  # a quarter index (year * 4 + quarter - 1) is below 2^14 up to the year 4095
FUND_BITS = 10  # far fewer than 1024 funds

#: Register table and primary key of each record type's rows.
TARGETS: dict[RecordType, tuple[Table, str]] = {
    RecordType.PERSON: (t.person_version, "version_id"),
    RecordType.AFFILIATION: (t.affiliation, "version_id"),
    RecordType.INCOME: (t.income, "version_id"),
    RecordType.CONTRIBUTION: (t.contribution, "version_id"),
    RecordType.PAYMENT: (t.payment, "payment_id"),
    RecordType.LIFE_EVENT: (t.life_event, "event_id"),
}


@dataclass(frozen=True, slots=True)
class Landed:
    """What a landing wrote.

    ``rows``: per record type, ``record_id`` and ``row_id``, the register row the record landed in
    (null: nothing new to write, e.g. a person another fund sent first); ``written``: per table, rows
    and digest; ``deferred``: the indexes and constraints rebuilt at the end.
    """

    rows: dict[RecordType, pl.DataFrame]
    written: dict[str, BulkInsert]
    unmatched_payments: int
    deferred: tuple[str, ...] = field(default=())

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: insert.rows for name, insert in self.written.items()}


def land(
    uow: UnitOfWork,
    accepted: Mapping[RecordType, pl.DataFrame],
    change: Change,
    today: date,
    *,
    previous: Mapping[RecordType, pl.DataFrame] | None = None,
    supersede_same_key: bool = True,
    digests: bool = True,
    progress: LandingProgress | None = None,
) -> Landed:
    """Write checked frames in ``change``; nothing is committed: the caller owns the unit of work.

    ``previous``: per type, record_id and row_id of the versions the accepted records replace
    (corrections). ``supersede_same_key``: an income or contribution with the key of a current row
    replaces it (the gate: the fund's record is the newer word on that key); when False such a row is
    a conflict that refuses the whole landing (a load without provenance must not overwrite).
    ``digests``: compute each table's digest (for the ledger entries of a load; the gate reconciles
    with its own hash totals and skips them).
    """
    frames = {record_type: accepted.get(record_type, empty_frame(record_type)) for record_type in RecordType}
    writer = _Writer(uow, change, progress, digests=digests)
    steps = _Steps(uow, writer, change, today, previous or {}, supersede_same_key=supersede_same_key)
    with uow.bulk.deferring(_incoming(frames)) as deferred:
        directory = steps.people(frames[RecordType.PERSON])
        steps.affiliations(frames[RecordType.AFFILIATION], directory)
        steps.incomes(frames[RecordType.INCOME], directory)
        payments = steps.payments(frames[RecordType.PAYMENT], directory)
        unmatched = steps.contributions(frames[RecordType.CONTRIBUTION], payments, directory)
        steps.life_events(frames[RecordType.LIFE_EVENT], directory)
    return Landed(rows=steps.rows, written=writer.written, unmatched_payments=unmatched, deferred=tuple(deferred))


def unlinked_records(uow: UnitOfWork, accepted: Mapping[RecordType, pl.DataFrame]) -> dict[RecordType, pl.Series]:
    """record_ids of accepted records whose person is neither in the batch nor in the register."""
    people = accepted.get(RecordType.PERSON, empty_frame(RecordType.PERSON))
    known = uow.persons.current_identifiers_frame().select("national_number")
    directory = pl.concat([people.select("national_number"), known]).unique()
    out: dict[RecordType, pl.Series] = {}
    for record_type, frame in accepted.items():
        if record_type is RecordType.PERSON or frame.height == 0:
            continue
        missing = frame.join(directory, on="national_number", how="anti").get_column("record_id")
        if missing.len():
            out[record_type] = missing
    return out


@dataclass(frozen=True, slots=True)
class FundNumbers:
    """The register's funds, numbered, so that (person, quarter, fund) fits in one integer key."""

    codes: frozenset[str]

    def number(self) -> pl.Expr:
        mapping = {code: position for position, code in enumerate(sorted(self.codes))}
        return pl.col("fund").replace_strict(mapping, default=None, return_dtype=pl.Int64)

    def quarter_key(self) -> pl.Expr:
        """(person, quarter, fund) as one Int64 that sorts in that order: person_id, then the quarter
        index, then the fund's number, each in its own bits. Joins and sorts on it are integer work."""
        return (
            pl.col("person_id") * (1 << (QUARTER_BITS + FUND_BITS))
            + pl.col("quarter_index").cast(pl.Int64) * (1 << FUND_BITS)
            + self.number()
        )


# -- the writes ----------------------------------------------------------------------------------


class _Writer:
    """Bulk inserts in record time of one change, with their counts and digests."""

    def __init__(self, uow: UnitOfWork, change: Change, progress: LandingProgress | None, *, digests: bool) -> None:
        self._bulk = uow.bulk
        self._digests = digests
        self._record_time = {"recorded_at": change.recorded_at, "change_id": change.change_id}
        self._change_only = {"change_id": change.change_id}
        self._progress = progress
        self.written: dict[str, BulkInsert] = {}

    def write(self, table: Table, frame: pl.DataFrame) -> None:
        constants = self._change_only if table is t.person else self._record_time
        insert = self._bulk.insert(table, frame, constants=constants, progress=self._progress, digest=self._digests)
        self.written[table.name] = insert  # each table is written once per landing
        if self._progress is not None:
            self._progress(table.name, insert.rows, insert.rows)


class _Steps:
    """One method per record type; each retires what the records replace, links, derives and writes."""

    def __init__(
        self,
        uow: UnitOfWork,
        writer: _Writer,
        change: Change,
        today: date,
        previous: Mapping[RecordType, pl.DataFrame],
        *,
        supersede_same_key: bool,
    ) -> None:
        self._uow = uow
        self._supersede_same_keys = supersede_same_key
        self._writer = writer
        self._change = change
        self._today = today
        self._previous = previous
        self._funds = FundNumbers(frozenset(uow.funds.codes()))
        self._known_people = pl.Series("person_id", [], dtype=pl.Int64)
        self.rows: dict[RecordType, pl.DataFrame] = {}

    # people ---------------------------------------------------------------------------------------

    def people(self, people: pl.DataFrame) -> pl.DataFrame:
        """Write new people and corrected civil data; return the directory national_number -> person_id."""
        known = self._uow.persons.current_identifiers_frame()
        self._known_people = known.get_column("person_id")
        new = self._new_people(people, known)
        self._writer.write(t.person, new.select("person_id"))
        self._writer.write(t.person_identifier, _identifier_rows(new, self._today))
        directory = pl.concat([new.select("national_number", "person_id"), known])
        corrections = self._corrected_people(people, new, directory)
        self._retire_current_versions(corrections.get_column("person_id").to_list())
        versions = pl.concat([new.drop("kind", strict=False), corrections], how="diagonal_relaxed")
        versions = versions.with_columns(version_id=self._uow.bulk.reserve_ids(t.person_version, versions.height))
        self._writer.write(t.person_version, _person_version_rows(versions))
        self._note_rows(RecordType.PERSON, versions, "version_id")
        return directory

    def _new_people(self, people: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
        """Person records of people the register does not hold, one per number, with a person_id."""
        if "person_id" in people.columns:  # reserved by a caller that checked they are all new
            return people
        new = people.join(known, on="national_number", how="anti").unique(
            "national_number", keep="first", maintain_order=True
        )
        return new.with_columns(person_id=self._uow.bulk.reserve_ids(t.person, new.height))

    def _corrected_people(self, people: pl.DataFrame, new: pl.DataFrame, directory: pl.DataFrame) -> pl.DataFrame:
        """Corrections (XHL-002) of the civil data of people the register held before this landing."""
        corrected = self._previous.get(RecordType.PERSON)
        people = people.drop("person_id", "kind", strict=False)
        if corrected is None or corrected.height == 0:
            return people.clear().join(directory.clear(), on="national_number")
        return (
            people.filter(pl.col("record_id").is_in(corrected.get_column("record_id").implode()))
            .join(new.select("national_number"), on="national_number", how="anti")
            .join(directory, on="national_number", how="inner")
        )

    def _retire_current_versions(self, person_ids: list[int]) -> None:
        table = t.person_version
        ids = self._current_ids(table, "version_id", table.c.person_id, person_ids)
        supersede(self._uow.connection, table, table.c.version_id, ids, self._change)

    # records of people ----------------------------------------------------------------------------

    def affiliations(self, frame: pl.DataFrame, directory: pl.DataFrame) -> None:
        """Affiliations; a correction keeps the logical ``affiliation_id`` of the version it replaces."""
        self._retire(RecordType.AFFILIATION)
        rows = self._linked(RecordType.AFFILIATION, frame, directory, "start_date")
        logical = self._logical_affiliations()
        rows = rows.join(logical, on="record_id", how="left") if logical.height else rows
        if "affiliation_id" not in rows.columns:
            rows = rows.with_columns(affiliation_id=pl.lit(None, dtype=pl.Int64))
        rows = rows.with_columns(pl.col("affiliation_id").fill_null(pl.col("version_id")))
        self._writer.write(t.affiliation, _affiliation_rows(rows))
        self._note_rows(RecordType.AFFILIATION, rows, "version_id")

    def incomes(self, frame: pl.DataFrame, directory: pl.DataFrame) -> None:
        """Professional incomes; one current value per person, year and source."""
        self._retire(RecordType.INCOME)
        rows = self._linked(RecordType.INCOME, frame, directory, "year").with_columns(
            income_source=pl.col("income_source").fill_null(IncomeSource.FUND.value),
            income_status=pl.col("income_status").fill_null(IncomeStatus.PROVISIONAL.value),
        )
        key = {"person_id": "person_id", "year": "year", "source": "income_source"}
        self._supersede_same_key(t.income, rows, key)
        self._writer.write(t.income, self._later_line_wins(_income_rows(rows), list(key)))
        self._note_rows(RecordType.INCOME, rows, "version_id")

    def payments(self, frame: pl.DataFrame, directory: pl.DataFrame) -> pl.DataFrame:
        """Payments as they were received; returned with their (person, quarter, fund) key for settling."""
        self._retire(RecordType.PAYMENT)
        rows = self._linked(RecordType.PAYMENT, frame, directory, "payment_date").with_columns(
            _with_quarter_index(), _key=self._funds.quarter_key()
        )
        self._writer.write(t.payment, _payment_rows(rows))
        self._note_rows(RecordType.PAYMENT, rows, "payment_id")
        return rows.select("_key", "amount_cents")

    def contributions(self, frame: pl.DataFrame, payments: pl.DataFrame, directory: pl.DataFrame) -> int:
        """Contributions settled against ``payments``, and their career quarters; returns the number of
        payments that settle no contribution."""
        self._retire(RecordType.CONTRIBUTION)
        rows = self._with_person(frame, directory).with_columns(_with_quarter_index())
        rows, unmatched = _settled(rows.with_columns(_key=self._funds.quarter_key()), payments, self._today)
        rows = self._numbered(RecordType.CONTRIBUTION, rows)
        key = {"person_id": "person_id", "fund_code": "fund", "quarter": "quarter"}
        self._supersede_same_key(t.contribution, rows, key)
        self._writer.write(t.contribution, self._later_line_wins(_contribution_rows(rows), list(key)))
        self._note_rows(RecordType.CONTRIBUTION, rows, "version_id")
        self._writer.write(t.career_quarter, self._without_current_quarters(_career_quarters(rows)))
        return unmatched

    def life_events(self, frame: pl.DataFrame, directory: pl.DataFrame) -> None:
        self._retire(RecordType.LIFE_EVENT)
        rows = self._linked(RecordType.LIFE_EVENT, frame, directory, "event_date")
        self._writer.write(t.life_event, _event_rows(rows))
        self._note_rows(RecordType.LIFE_EVENT, rows, "event_id")

    # shared steps ---------------------------------------------------------------------------------

    def _linked(
        self, record_type: RecordType, frame: pl.DataFrame, directory: pl.DataFrame, *order: str
    ) -> pl.DataFrame:
        """The frame with ``person_id``, in person order (then ``order``), numbered in that order."""
        return self._numbered(record_type, self._with_person(frame, directory).sort("person_id", *order))

    def _with_person(self, frame: pl.DataFrame, directory: pl.DataFrame) -> pl.DataFrame:
        """The frame with ``person_id`` (joined through the national number unless given)."""
        if "person_id" in frame.columns:
            return frame
        return frame.join(directory, on="national_number", how="inner", maintain_order="left")

    def _numbered(self, record_type: RecordType, frame: pl.DataFrame) -> pl.DataFrame:
        """A primary key reserved for each row, ascending in the frame's order (the order written)."""
        table, pk = TARGETS[record_type]
        return frame.with_columns(self._uow.bulk.reserve_ids(table, frame.height).alias(pk))

    def _note_rows(self, record_type: RecordType, rows: pl.DataFrame, pk: str) -> None:
        record_id = pl.col("record_id") if "record_id" in rows.columns else pl.lit(None, dtype=pl.String)
        self.rows[record_type] = rows.select(record_id.alias("record_id"), pl.col(pk).alias("row_id"))

    def _retire(self, record_type: RecordType) -> None:
        """Supersede the rows that the corrected records of this type landed in, if still current."""
        old = self._previous.get(record_type)
        if old is None or old.height == 0:
            return
        table, pk = TARGETS[record_type]
        ids = old.get_column("row_id").drop_nulls().unique().to_list()
        still = self._current_ids(table, pk, table.c[pk], ids)
        supersede(self._uow.connection, table, table.c[pk], still, self._change)

    def _logical_affiliations(self) -> pl.DataFrame:
        """record_id -> affiliation_id of the versions a correction replaces (the logical id is kept)."""
        old = self._previous.get(RecordType.AFFILIATION)
        if old is None or old.height == 0:
            return pl.DataFrame()
        ids = old.get_column("row_id").drop_nulls().to_list()
        found = self._select(
            [t.affiliation.c.version_id, t.affiliation.c.affiliation_id], t.affiliation.c.version_id, ids
        )
        frame = pl.DataFrame(found, schema={"row_id": pl.Int64, "affiliation_id": pl.Int64}, orient="row")
        return old.join(frame, on="row_id").select("record_id", "affiliation_id")

    def _supersede_same_key(self, table: Table, rows: pl.DataFrame, key: dict[str, str]) -> None:
        """Supersede the current rows of people known before this landing that have the natural key
        of an incoming row (people new in this landing have no rows yet)."""
        person_ids = self._known_among(rows) if self._supersede_same_keys else []
        if not person_ids:
            return
        current = self._select(
            [table.c.version_id, *[table.c[column] for column in key]],
            table.c.person_id,
            person_ids,
            current_only=True,
        )
        if not current:
            return
        incoming = rows.select([pl.col(source).alias(target) for target, source in key.items()])
        held = pl.DataFrame(current, schema=["version_id", *key], orient="row").cast(
            {column: incoming.schema[column] for column in key}
        )
        clash = held.join(incoming, on=list(key), how="semi").get_column("version_id").to_list()
        supersede(self._uow.connection, table, table.c.version_id, [int(v) for v in clash], self._change)

    def _later_line_wins(self, rows: pl.DataFrame, key: list[str]) -> pl.DataFrame:
        """Rows of one landing that share a natural key (a fund may send two incomes of a year: the
        catalogue warns, UNI-003, and accepts both) are all kept, the later line current and the
        earlier ones superseded by this very change: one current value per key, nothing lost."""
        if not self._supersede_same_keys or rows.height == 0:
            return rows
        earlier = ~pl.struct(key).is_last_distinct()
        if not rows.select(earlier.any()).item():
            return rows
        return rows.with_columns(
            superseded_at=pl.when(earlier).then(pl.lit(self._change.recorded_at)),
            superseded_by=pl.when(earlier).then(pl.lit(self._change.change_id)),
        )

    def _without_current_quarters(self, quarters: pl.DataFrame) -> pl.DataFrame:
        """Career quarters the register does not hold yet (only people known before can hold some)."""
        person_ids = self._known_among(quarters)
        if not person_ids:
            return quarters
        table = t.career_quarter
        held = self._select([table.c.person_id, table.c.quarter], table.c.person_id, person_ids, current_only=True)
        frame = pl.DataFrame(held, schema={"person_id": pl.Int64, "quarter": pl.String}, orient="row")
        return quarters.join(frame, on=["person_id", "quarter"], how="anti", maintain_order="left")

    def _known_among(self, rows: pl.DataFrame) -> list[int]:
        if rows.height == 0 or self._known_people.len() == 0:
            return []
        ids = rows.get_column("person_id").unique()
        return ids.filter(ids.is_in(self._known_people.implode())).to_list()

    def _current_ids(self, table: Table, pk: str, column: Any, values: list[int]) -> list[int]:
        return [int(row[0]) for row in self._select([table.c[pk]], column, values, current_only=True)]

    def _select(
        self, columns: list[Any], column: Any, values: list[Any], *, current_only: bool = False
    ) -> list[tuple[Any, ...]]:
        """Rows of ``columns`` where ``column`` is in ``values``, a chunk of values per query."""
        table = column.table
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), _CHUNK):
            query = select(*columns).where(column.in_(values[start : start + _CHUNK]))
            if current_only:
                query = query.where(table.c.superseded_at.is_(None))
            found += [tuple(row) for row in self._uow.connection.execute(query)]
        return found


def _incoming(frames: Mapping[RecordType, pl.DataFrame]) -> dict[Table, int]:
    """Rows each table is about to receive, at most (the deferral decides on them)."""
    people = frames[RecordType.PERSON].height
    contributions = frames[RecordType.CONTRIBUTION].height
    return {
        t.person: people,
        t.person_identifier: people,
        t.person_version: people,
        t.affiliation: frames[RecordType.AFFILIATION].height,
        t.income: frames[RecordType.INCOME].height,
        t.contribution: contributions,
        t.payment: frames[RecordType.PAYMENT].height,
        t.career_quarter: contributions,
        t.life_event: frames[RecordType.LIFE_EVENT].height,
    }


# -- derived data --------------------------------------------------------------------------------


def _with_quarter_index() -> pl.Expr:
    """``quarter_index`` as sent, else from the canonical quarter text (``2024Q1`` -> 2024 * 4 + 0)."""
    derived = pl.col("quarter").str.slice(0, 4).cast(pl.Int32, strict=False) * 4 + (
        pl.col("quarter").str.slice(5, 1).cast(pl.Int32, strict=False) - 1
    )
    return pl.coalesce(pl.col("quarter_index"), derived).alias("quarter_index")


def _quarter_bounds() -> tuple[pl.Expr, pl.Expr]:
    """First day of the quarter and first day after it, from ``quarter_index``."""
    year = pl.col("quarter_index") // 4
    number = pl.col("quarter_index") % 4
    start = pl.date(year, number * 3 + 1, 1)
    end = pl.date(year + (number == 3).cast(pl.Int32), ((number + 1) % 4) * 3 + 1, 1)
    return start, end


def _settled(contributions: pl.DataFrame, payments: pl.DataFrame, today: date) -> tuple[pl.DataFrame, int]:
    """Contributions with what was paid for them and their status, in (person, quarter, fund) order;
    and the number of payments that settle no contribution."""
    paid = (
        payments.filter(pl.col("_key").is_not_null())
        .sort("_key")
        .group_by("_key", maintain_order=True)
        .agg(paid_cents=pl.col("amount_cents").sum(), _payments=pl.len())
        .with_columns(pl.col("_key").set_sorted())
    )
    start, end = _quarter_bounds()
    # Both sides sorted on the key: a merge join, several times cheaper than hashing.
    settled = (
        contributions.sort("_key")
        .join(paid, on="_key", how="left", maintain_order="left")
        .with_columns(paid_cents=pl.col("paid_cents").fill_null(0), quarter_start=start, quarter_end=end)
        .with_columns(
            status=pl.when(pl.col("paid_cents") >= pl.col("amount_cents"))
            .then(pl.lit(ContributionStatus.PAID.value))
            .when(pl.col("paid_cents") > 0)
            .then(pl.lit(ContributionStatus.PARTIAL.value))
            .when(pl.col("quarter_end") > today)
            .then(pl.lit(ContributionStatus.DUE.value))
            .otherwise(pl.lit(ContributionStatus.UNPAID.value))
        )
    )
    # A group of payments settles every contribution of its key (one, unless a batch sent a key twice:
    # then the later one stays current); each payment is counted once as matched.
    keys = contributions.select("_key").unique()
    matched = int(paid.join(keys, on="_key", how="semi").get_column("_payments").sum() or 0)
    return settled.drop("_payments"), payments.height - matched


def _career_quarters(contributions: pl.DataFrame) -> pl.DataFrame:
    """One row per person and settled quarter, from contributions in (person, quarter, fund) order."""
    settled = contributions.filter(pl.col("status") != ContributionStatus.DUE.value)
    counts = (pl.col("status") == ContributionStatus.PAID.value) & (pl.col("amount_cents") > 0)
    person_quarter = (pl.col("_key") // (1 << FUND_BITS)).set_sorted().alias("_person_quarter")
    return (
        settled.group_by(person_quarter, maintain_order=True)
        .agg(pl.col("person_id").first(), pl.col("quarter").first(), counts_for_pension=counts.any())
        .select(
            "person_id",
            "quarter",
            "counts_for_pension",
            reason=pl.when(pl.col("counts_for_pension"))
            .then(pl.lit(CareerQuarterReason.PAID.value))
            .otherwise(pl.lit(CareerQuarterReason.UNPAID.value)),
        )
    )


# -- rows of the tables --------------------------------------------------------------------------
# Rows are written in person order: a dossier reads a person's rows together, and parent lookups
# (foreign keys) and index builds are much cheaper on ordered rows.


def _identifier_rows(people: pl.DataFrame, today: date) -> pl.DataFrame:
    kind = pl.col("kind") if "kind" in people.columns else decode_national_number("national_number", today)["kind"]
    return people.select("person_id", pl.col("national_number").alias("value"), kind.alias("kind"))


def _person_version_rows(people: pl.DataFrame) -> pl.DataFrame:
    return people.select(
        "version_id",
        "person_id",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        pl.col("language").fill_null(Language.FR.value),
        "postal_code",
        "municipality",
        "street",
        pl.when(pl.col("postal_code").is_not_null()).then(pl.lit("BE")).otherwise(None).alias("country"),
        "death_date",
        pl.col("birth_date").alias("valid_from"),
        pl.lit(None, dtype=pl.Date()).alias("valid_to"),
    )


def _affiliation_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "affiliation_id",
        "person_id",
        pl.col("fund").alias("fund_code"),
        "capacity",
        pl.col("company_director").fill_null(False),
        "enterprise_number",
        pl.col("start_date").alias("valid_from"),
        pl.col("end_date").alias("valid_to"),
    )


def _income_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "person_id",
        "year",
        "amount_cents",
        pl.col("income_source").alias("source"),
        pl.col("income_status").alias("status"),
        pl.date(pl.col("year"), 1, 1).alias("valid_from"),
        pl.date(pl.col("year") + 1, 1, 1).alias("valid_to"),
    )


def _contribution_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "person_id",
        pl.col("fund").alias("fund_code"),
        "quarter",
        pl.col("amount_cents").alias("due_cents"),
        "paid_cents",
        "status",
        pl.col("quarter_start").alias("valid_from"),
        pl.col("quarter_end").alias("valid_to"),
    )


def _payment_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "payment_id", "person_id", pl.col("fund").alias("fund_code"), "payment_date", "amount_cents", "quarter"
    )


def _event_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "event_id",
        "person_id",
        "event_type",
        "event_date",
        "child_national_number",
        pl.lit("{}").alias("details"),
    )
