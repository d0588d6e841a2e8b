"""Reconciliation: the file-side totals equal what landed, and any loss or change shows."""

from __future__ import annotations

import polars as pl

from statut.exchange.format import RecordType
from statut.quality.reconciliation import canonical_lines, raw_totals, totals_of
from tests.quality.builders import affiliated_register, affiliation, contribution, income, person, validate

REGISTER = affiliated_register()


def batch():
    records = [
        person(),
        affiliation(),
        contribution(record_id="C1"),
        contribution(record_id="C2", quarter="2024Q2", amount="0,01"),
        contribution(record_id="C3", quarter="2024Q3", amount="-1"),
        income(),
    ]
    return validate(records, REGISTER)


def test_what_landed_unchanged_reconciles_in_any_order() -> None:
    result = batch()
    landed = {t: frame.reverse() for t, frame in result.accepted.items()}
    quarantined = {name: result.quarantined.filter(pl.col("record_type") == name)["raw"] for name in result.counts()}
    assert result.reconciliation.compare(landed, quarantined) == []


def test_a_lost_record_or_a_changed_amount_does_not_reconcile() -> None:
    result = batch()
    lost = dict(result.accepted)
    lost[RecordType.CONTRIBUTION] = lost[RecordType.CONTRIBUTION].head(1)
    problems = result.reconciliation.compare(lost)
    assert any("contribution: accepted count 2 in the file, 1 landed" in p for p in problems)
    changed = dict(result.accepted)
    changed[RecordType.CONTRIBUTION] = changed[RecordType.CONTRIBUTION].with_columns(pl.col("amount_cents") + 1)
    problems = result.reconciliation.compare(changed)
    assert any("hash total differs" in p for p in problems)
    assert any("amounts 89043 cents in the file, 89045 landed" in p for p in problems)


def test_a_lost_quarantine_entry_does_not_reconcile() -> None:
    result = batch()
    assert result.reconciliation.compare(result.accepted, {}) != []


def test_totals_are_exact_and_null_equals_empty_text() -> None:
    result = batch()
    totals = result.reconciliation.types["contribution"]
    assert (totals.received, totals.accepted, totals.quarantined) == (3, 2, 1)
    assert totals.accepted_totals.cents == 89043
    frame = result.accepted[RecordType.PERSON]
    with_blanks = frame.with_columns(pl.lit("").alias("street"))
    without = frame.with_columns(pl.lit(None, dtype=pl.String).alias("street"))
    assert totals_of(RecordType.PERSON, with_blanks) == totals_of(RecordType.PERSON, without)


def test_canonical_lines_escape_separators() -> None:
    frame = batch().accepted[RecordType.PERSON].with_columns(pl.lit("a\x1fb\nc\\").alias("street"))
    line = canonical_lines(RecordType.PERSON, frame)[0]
    assert "a\\x1fb\\nc\\\\" in line
    assert line.count("\x1f") == len(frame.columns) - 2  # person_key is left out


def test_raw_totals_count_quarantined_lines() -> None:
    assert raw_totals(pl.Series(["b", "a"])) == raw_totals(pl.Series(["a", "b"]))
    assert raw_totals(pl.Series(["a"])).count == 1


def test_hash_total_is_canonical_with_repeated_record_ids_too() -> None:
    from statut.quality.reconciliation import sha256_of_lines

    lines = pl.Series(["b|2", "a|1", "b|1"])
    ids = pl.Series(["b", "a", "b"])
    assert sha256_of_lines(lines, ids) == sha256_of_lines(lines.reverse(), ids.reverse()) == sha256_of_lines(lines)
    unique_ids = pl.Series(["c", "a", "b"])
    assert sha256_of_lines(lines, unique_ids) == sha256_of_lines(lines.reverse(), unique_ids.reverse())


def test_the_read_back_hash_total_ignores_order_and_sees_any_change() -> None:
    """content_totals (what the gate wrote against what the store gives back): the same texts in any
    order agree; a changed byte, a lost text, or a text doubled in place of another differ."""
    from statut.quality.reconciliation import content_totals

    texts = pl.Series([f'{{"record_id":"C{i}","amount_cents":"{i * 7}"}}' for i in range(1000)])
    written = content_totals(texts)
    assert content_totals(texts.shuffle(seed=3)) == written
    assert content_totals(texts.scatter([5], [texts[5].replace("35", "36")])).sha256 != written.sha256
    assert content_totals(texts.slice(1)).count == written.count - 1
    doubled = texts.scatter([7], [texts[8]])  # same count, one text twice, one lost
    assert content_totals(doubled).count == written.count
    assert content_totals(doubled).sha256 != written.sha256
