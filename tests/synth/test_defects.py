"""Every injected defect is in its fund's file and not in the truth; everything else is the truth."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from stdnum.be import vat as std_vat

from statut.domain.identifiers import PersonNumberKind, is_valid_person_number, parse_person_number
from statut.exchange.format import FIELD_BY_NAME, RecordType
from statut.exchange.readers import fund_from_file_name, read_text
from statut.exchange.writers import to_text
from statut.synth import DefectType, generate, read_defects, write

KEY = ["fund", "record_id"]


def fund_files_text(out: Path, suffix: str = "csv") -> pl.DataFrame:
    return pl.concat(
        [
            read_text(path).with_columns(pl.lit(fund_from_file_name(path)).alias("fund"))
            for path in sorted((out / "funds").glob(f"*/*.{suffix}"))
        ]
    )


def truth_text(out: Path) -> dict[RecordType, pl.DataFrame]:
    return {
        rt: to_text(rt, pl.read_parquet(out / "truth" / f"{rt.value}.parquet"), keep=("person_key", "fund"))
        for rt in RecordType
    }


def is_impossible(value: str | None) -> bool:
    try:
        return date.fromisoformat(value or "") > date.today()
    except ValueError:
        return True


def check_manifest(out: Path) -> dict[str, int]:
    """Verify each manifest entry against the files; returns the count per defect type."""
    files = fund_files_text(out)
    truth = truth_text(out)
    truth_all = pl.concat([frame.select("person_key", *KEY) for frame in truth.values()])
    truth_ids = set(truth_all["record_id"].to_list())
    manifest = read_defects(out)
    wanted = (
        pl.concat([manifest["record_ids"].explode(), manifest["related_record_ids"].explode()]).drop_nulls().implode()
    )
    file_rows = {
        (row["fund"], row["record_id"]): row
        for row in files.filter(pl.col("record_id").is_in(wanted)).iter_rows(named=True)
    }
    truth_rows = {
        (row["fund"], row["record_id"]): row
        for frame in truth.values()
        for row in frame.filter(pl.col("record_id").is_in(wanted)).iter_rows(named=True)
    }
    people = pl.read_parquet(out / "truth" / "person.parquet")
    person = {row["person_key"]: row for row in people.unique("person_key").iter_rows(named=True)}
    funds_of = people.group_by("person_key").agg("fund")
    known_funds = dict(zip(funds_of["person_key"].to_list(), funds_of["fund"].to_list(), strict=True))
    assert manifest["defect_id"].is_unique().all()
    counts: dict[str, int] = {}
    for entry in manifest.iter_rows(named=True):
        kind, fund, field = DefectType(entry["type"]), entry["fund"], entry["field"]
        counts[kind.value] = counts.get(kind.value, 0) + 1
        assert entry["record_ids"], entry
        for rid in entry["related_record_ids"]:
            assert rid in truth_ids, entry
        for rid in entry["record_ids"]:
            assert (fund, rid) in file_rows, entry
        first = entry["record_ids"][0]
        row = file_rows[(fund, first)]
        assert row["record_type"] == entry["record_type"]
        in_truth = (fund, first) in truth_rows
        if in_truth:  # modified in place: the file holds the injected value, the truth the original
            assert row[field] == entry["injected"], entry
            assert truth_rows[(fund, first)][field] == entry["original"], entry
            assert entry["original"] != entry["injected"], entry
        else:  # added: no true record with that id
            assert all((fund, rid) not in truth_rows for rid in entry["record_ids"]), entry
            assert truth_all.filter(pl.col("record_id").is_in(entry["record_ids"])).height == 0
        true_person = person[entry["person_key"]]
        value = row[field] if field else None
        if kind is DefectType.INVALID_NATIONAL_NUMBER:
            assert not is_valid_person_number(value), entry
        elif kind is DefectType.NATIONAL_NUMBER_BIRTH_DATE_MISMATCH:
            assert parse_person_number(row["national_number"]).birth_date != date.fromisoformat(value)
        elif kind is DefectType.NATIONAL_NUMBER_SEX_MISMATCH:
            assert parse_person_number(row["national_number"]).sex.value != value  # type: ignore[union-attr]
        elif kind is DefectType.MISSING_MANDATORY_FIELD:
            assert value is None
            assert entry["original"] is not None
        elif kind is DefectType.IMPOSSIBLE_DATE:
            if field == "quarter":
                assert not re.fullmatch(r"\d{4}Q[1-4]", value)
            elif field == "end_date":
                assert date.fromisoformat(value) < date.fromisoformat(row["start_date"])
            else:
                assert is_impossible(value), entry
        elif kind is DefectType.AMOUNT_TOO_MANY_DECIMALS:
            assert re.fullmatch(r"\d+\.\d{3}", value)
        elif kind is DefectType.NEGATIVE_AMOUNT:
            assert Decimal(value) < 0
        elif kind is DefectType.INVALID_ENTERPRISE_NUMBER:
            assert not std_vat.is_valid(value)
        elif kind is DefectType.UNKNOWN_CODE:
            assert value not in FIELD_BY_NAME[field].codes
        elif kind in (
            DefectType.DUPLICATE_PERSON_TYPO,
            DefectType.DUPLICATE_PERSON_SWAPPED_DAY_MONTH,
            DefectType.INSZ_AND_BIS,
        ):
            number = parse_person_number(row["national_number"])
            assert number.value != true_person["national_number"]
            assert fund not in known_funds[entry["person_key"]]
            true_kind = parse_person_number(true_person["national_number"]).kind
            if kind is DefectType.DUPLICATE_PERSON_TYPO:
                assert value != entry["original"]
                assert number.kind is true_kind
                assert number.birth_date == true_person["birth_date"]
            elif kind is DefectType.DUPLICATE_PERSON_SWAPPED_DAY_MONTH:
                born = true_person["birth_date"]
                assert value == f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
                assert number.birth_date == date.fromisoformat(value)
            else:
                assert number.kind is not true_kind
                assert {number.kind, true_kind} == {PersonNumberKind.INSZ, PersonNumberKind.BIS}
                assert number.birth_date == true_person["birth_date"]
        elif kind in (DefectType.INCOME_AFTER_DEATH, DefectType.CONTRIBUTION_AFTER_DEATH):
            died = true_person["death_date"]
            assert died is not None
            if kind is DefectType.INCOME_AFTER_DEATH:
                assert int(row["year"]) > died.year
            else:
                assert (int(row["quarter"][:4]), int(row["quarter"][5])) > (died.year, (died.month - 1) // 3 + 1)
        elif kind is DefectType.OVERLAPPING_AFFILIATION:
            assert row["record_type"] == "affiliation"
            anchor = [row for key, row in truth_rows.items() if key[1] in entry["related_record_ids"]]
            assert anchor
            other = anchor[0]
            assert other["fund"] != fund
            mine_start, mine_end = date.fromisoformat(row["start_date"]), row["end_date"]
            assert mine_end is None or date.fromisoformat(mine_end) > date.fromisoformat(other["start_date"])
            assert other["end_date"] is None or date.fromisoformat(other["end_date"]) > mine_start
    return counts


def test_every_defect_is_in_its_fund_file_and_not_in_the_truth(written: Path) -> None:
    counts = check_manifest(written)
    assert sum(counts.values()) > 1_000


def test_records_without_defect_are_exactly_the_truth(written: Path) -> None:
    files = fund_files_text(written)
    truth = truth_text(written)
    manifest = read_defects(written)
    touched = manifest.select("fund", pl.col("record_ids").alias("record_id")).explode("record_id")
    for record_type, expected in truth.items():
        sent = files.filter(pl.col("record_type") == record_type.value).select(expected.drop("person_key").columns)
        clean = sent.join(touched, on=KEY, how="anti")
        expected_clean = expected.drop("person_key").join(touched, on=KEY, how="anti")
        assert clean.sort(KEY).equals(expected_clean.sort(KEY)), record_type
        # and nothing of the truth is missing from the files
        assert expected.join(sent, on=KEY, how="anti").height == 0, record_type


def test_defects_touch_about_the_requested_share_of_records(population: object, written: Path) -> None:
    files = fund_files_text(written)
    manifest = read_defects(written)
    share = manifest.height / files.height
    assert 0.015 < share < 0.03


@pytest.fixture(scope="module")
def defect_rich(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("defect_rich") / "population"
    write(generate(1_500, 99, defect_rate=0.25, chunk_people=600), out, ("csv",))
    return out


def test_every_defect_type_is_injected_and_verifiable(defect_rich: Path) -> None:
    counts = check_manifest(defect_rich)
    assert set(counts) == {kind.value for kind in DefectType}


def test_no_defects_at_rate_zero(tmp_path: Path) -> None:
    write(generate(300, 5, defect_rate=0.0), tmp_path / "clean", ("csv",))
    assert (tmp_path / "clean" / "truth" / "defects.jsonl").read_bytes() == b""
    files = fund_files_text(tmp_path / "clean")
    truth = truth_text(tmp_path / "clean")
    assert files.height == sum(frame.height for frame in truth.values())
