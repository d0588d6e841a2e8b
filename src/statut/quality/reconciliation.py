"""Reconciliation: counts and hash totals proving that nothing was lost between a file and the register.

For each record type, the file side gives: how many records were received, accepted, quarantined and
already held (received = accepted + quarantined + already held), and for the accepted records a hash
total and a control sum of amounts; for the quarantined ones a hash total of their raw lines. The gate
computes the same figures from what landed (the typed rows it wrote, read back, and the raw lines of the
quarantine entries) with the same functions and refuses to finish a batch whose figures differ.

Hash total: SHA-256 over the canonical lines of the typed records in canonical order (by record_id,
then by the whole line), so that it does not depend on the order rows are written or read back. A
canonical line is the
record's typed values in the column order of statut.exchange.frames (without person_key), dates ISO,
booleans 0/1, amounts as integer cents, an absent value as the empty string (so NULL and '' in the
store agree), fields separated by U+001F with backslash, newline and U+001F escaped. The control sum of cents
is exact (Int128), never a float.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS, conform, empty_frame

_SEPARATOR = "\x1f"
_ESCAPES = {"\\": "\\\\", "\n": "\\n", _SEPARATOR: "\\x1f"}
_HASH_CHUNK = 100_000
UNKNOWN_TYPE = "unknown"
"""Bucket of records whose record type is missing or not one of the format's."""


def canonical_lines(record_type: RecordType, frame: pl.DataFrame) -> pl.Series:
    """One canonical text line per typed record (see the module docstring)."""
    typed = conform(record_type, frame)
    parts = []
    for name, dtype in FRAME_SCHEMAS[record_type].items():
        if name == "person_key":
            continue
        column = pl.col(name)
        if dtype == pl.Date:
            text = column.dt.to_string("%Y-%m-%d")
        elif dtype == pl.Boolean:
            text = pl.when(column).then(pl.lit("1")).otherwise(pl.lit("0"))
            text = pl.when(column.is_null()).then(None).otherwise(text)
        elif dtype == pl.String:
            text = column.str.replace_many(_ESCAPES)
        else:
            text = column.cast(pl.String)
        parts.append(text.fill_null(""))
    return typed.select(pl.concat_str(parts, separator=_SEPARATOR).alias("line")).get_column("line")


def sha256_of_lines(lines: pl.Series, order: pl.Series | None = None) -> str:
    """SHA-256 of the lines in canonical order, joined by newlines, hashed in chunks.

    The canonical order is by ``order`` (the record_id), then by the whole line. When the order keys
    are unique (the accepted records of a batch always are: record_ids are unique within a fund and
    duplicates are quarantined), sorting by the short key alone gives that same order, at a fraction of
    the cost of comparing whole lines.
    """
    if order is not None and order.len() == lines.len() and order.is_unique().all():
        ordered = lines.gather(order.arg_sort())
    elif order is not None and order.len() == lines.len():
        ordered = pl.DataFrame({"key": order, "line": lines}).sort("key", "line").get_column("line")
    else:
        ordered = lines.sort()
    digest = hashlib.sha256()
    for start in range(0, ordered.len(), _HASH_CHUNK):
        chunk = ordered.slice(start, _HASH_CHUNK)
        if start:
            digest.update(b"\n")
        digest.update(chunk.str.join("\n").item().encode("utf-8"))
    return digest.hexdigest()


def cents_total(frame: pl.DataFrame) -> int | None:
    if "amount_cents" not in frame.columns:
        return None
    total = frame.select(pl.col("amount_cents").cast(pl.Int128).sum()).item()
    return int(total or 0)


@dataclass(frozen=True, slots=True)
class LandedTotals:
    """What a set of typed records of one type amounts to: count, hash total, control sum of cents."""

    count: int
    sha256: str
    cents: int | None


def totals_of(record_type: RecordType, frame: pl.DataFrame) -> LandedTotals:
    """Totals of typed records (the accepted frame of a batch, or the rows read back from the store)."""
    typed = conform(record_type, frame)
    order = typed.get_column("record_id").fill_null("")
    return LandedTotals(typed.height, sha256_of_lines(canonical_lines(record_type, typed), order), cents_total(typed))


def raw_totals(raws: pl.Series) -> LandedTotals:
    """Totals of quarantined records: count and hash total of their raw lines."""
    return LandedTotals(raws.len(), sha256_of_lines(raws.cast(pl.String).fill_null("")), None)


@dataclass(frozen=True, slots=True)
class TypeTotals:
    record_type: str
    received: int
    accepted: int
    quarantined: int
    already_held: int
    accepted_totals: LandedTotals
    quarantined_totals: LandedTotals

    @property
    def balanced(self) -> bool:
        return self.received == self.accepted + self.quarantined + self.already_held


@dataclass(frozen=True)
class Reconciliation:
    """File-side figures of a batch, per record type (``unknown`` for unreadable types)."""

    batch_sha256: str
    types: dict[str, TypeTotals] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return sum(t.received for t in self.types.values())

    @property
    def balanced(self) -> bool:
        return all(t.balanced for t in self.types.values())

    def compare(
        self,
        landed: Mapping[RecordType, pl.DataFrame],
        quarantined_raw: Mapping[str, pl.Series] | None = None,
    ) -> list[str]:
        """Differences between the file side and what landed; empty when the batch reconciles.

        ``landed``: per record type, the typed rows this batch wrote (new records and corrections).
        ``quarantined_raw``: per record type bucket, the raw lines of the quarantine entries written.
        """
        problems = [
            f"{name}: received {t.received} != accepted {t.accepted} + quarantined {t.quarantined} "
            f"+ already held {t.already_held}"
            for name, t in self.types.items()
            if not t.balanced
        ]
        for record_type in RecordType:
            expected = self.types.get(record_type.value)
            frame = landed.get(record_type)
            if frame is None:
                frame = empty_frame(record_type)
            if expected is None and frame.height == 0:
                continue
            want = expected.accepted_totals if expected else totals_of(record_type, empty_frame(record_type))
            problems += _differences(record_type.value, "accepted", want, totals_of(record_type, frame))
        if quarantined_raw is not None:
            for name, expected_type in self.types.items():
                got = raw_totals(quarantined_raw.get(name, pl.Series([], dtype=pl.String)))
                problems += _differences(name, "quarantined", expected_type.quarantined_totals, got)
        return problems

    def compare_stored(
        self,
        written: pl.DataFrame,
        stored: Mapping[str, pl.Series],
        quarantined_raw: Mapping[str, pl.Series] | None = None,
    ) -> list[str]:
        """Differences between the file side, the fund records a batch wrote and what the store gives
        back; empty when the batch reconciles.

        ``written``: the batch's fund records as the gate encoded them from the accepted records
        (record_type, content: the canonical JSON of the typed values). ``stored``: per record type,
        the contents read back from the store. Per record type, the file's accepted count must equal both
        counts, and the hash total of the stored contents (:func:`content_totals`) that of the
        written ones. The stored text is compared as text: no decoding of a million JSON documents,
        and a byte changed, a row lost or added is seen. That the JSON holds the typed values
        the file-side hash total covers is a property of the encoding (batches.encode_content and
        decode_content are inverse; tests/ingestion/test_gate_reconciliation.py proves it).
        """
        problems = [
            f"{name}: received {t.received} != accepted {t.accepted} + quarantined {t.quarantined} "
            f"+ already held {t.already_held}"
            for name, t in self.types.items()
            if not t.balanced
        ]
        for record_type in RecordType:
            expected = self.types.get(record_type.value)
            want_count = expected.accepted_totals.count if expected else 0
            mine = written.filter(pl.col("record_type") == record_type.value) if written.height else written
            wrote = content_totals(mine.get_column("content") if mine.height else pl.Series([], dtype=pl.String))
            got = content_totals(stored.get(record_type.value, pl.Series([], dtype=pl.String)))
            if want_count != wrote.count:
                problems.append(f"{record_type.value}: accepted {want_count} in the file, {wrote.count} written")
            problems += _differences(record_type.value, "accepted", wrote, got)
        unknown = sorted(set(stored) - {rt.value for rt in RecordType})
        problems += [f"{name}: {stored[name].len()} stored records of an unknown type" for name in unknown]
        if quarantined_raw is not None:
            for name, expected_type in self.types.items():
                got_raw = raw_totals(quarantined_raw.get(name, pl.Series([], dtype=pl.String)))
                problems += _differences(name, "quarantined", expected_type.quarantined_totals, got_raw)
        return problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_sha256": self.batch_sha256,
            "received": self.received,
            "balanced": self.balanced,
            "types": {name: asdict(t) for name, t in self.types.items()},
        }


def _differences(name: str, what: str, want: LandedTotals, got: LandedTotals) -> list[str]:
    out = []
    if want.count != got.count:
        out.append(f"{name}: {what} count {want.count} in the file, {got.count} landed")
    if want.sha256 != got.sha256:
        out.append(f"{name}: {what} hash total differs")
    if want.cents is not None and want.cents != got.cents:
        out.append(f"{name}: {what} amounts {want.cents} cents in the file, {got.cents} landed")
    return out


_MULTISET_SEEDS = (0x5EED, 0xC0FFEE)
"""Two independent seedings of polars' 64-bit string hash: a 128-bit multiset hash."""


def content_totals(contents: pl.Series) -> LandedTotals:
    """Count and hash total of fund-record contents, as written by the gate or as read back.

    The hash total here is a multiset hash: the sum, modulo 2**64, of a 64-bit hash of every text,
    under two independent seeds (128 bits in all). Like an accountant's hash total it does not
    depend on the order rows are written or read back (PostgreSQL's binary COPY groups rows), so
    no million-row sort of long texts is needed, and a byte changed, a row lost, added or doubled
    changes it (barring a 2**-64-scale coincidence; the threat is a faulty load, not a forger:
    the ledger's SHA-256 chain is what resists tampering). Both sides of one comparison are
    computed in the same process (:meth:`Reconciliation.compare_stored`) and the value is never
    stored: polars' hash is stable within a process, not promised across its versions. The
    file-side totals that the report keeps stay SHA-256 (:func:`sha256_of_lines`)."""
    text = contents.cast(pl.String).fill_null("")
    parts = []
    for seed in _MULTISET_SEEDS:
        hashed = text.hash(seed=seed)
        # Sum of 64-bit values modulo 2**64 without overflow: the two 32-bit halves summed apart.
        low = int((hashed & 0xFFFFFFFF).cast(pl.Int64).sum())
        high = int((hashed // (1 << 32)).cast(pl.Int64).sum())
        parts.append(f"{(low + (high << 32)) % (1 << 64):016x}")
    return LandedTotals(text.len(), "multiset:" + "".join(parts), None)
