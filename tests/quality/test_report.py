"""The fund's report: in its language, every quarantined record explained, nothing a spreadsheet runs."""

from __future__ import annotations

import csv
import io
import json

import pytest

from statut.domain.entities import Language, SocialInsuranceFund
from statut.exchange.batch_reader import read_batch
from statut.quality.report import build_report, neutralise, render_counts_csv, render_csv, render_json, report_language
from statut.quality.validation import validate_batch
from tests.quality.builders import FUND, TODAY, affiliated_register, contribution, person, validate

REGISTER = affiliated_register()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+32 2 000 00 00", "'+32 2 000 00 00"),
        ("-12.50", "'-12.50"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Dupont", "Dupont"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise(value: str | None, shown: str) -> None:
    assert neutralise(value) == shown


def formula_batch():
    return validate(
        [
            person(record_id="=P1", last_name="=1+1", first_name="@x", sex="X"),
            contribution(amount="-12.50"),
            contribution(record_id="+C2", amount="abc", quarter="2024Q2"),
        ],
        REGISTER,
    )


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def test_no_report_cell_starts_with_a_formula_character() -> None:
    report = build_report(formula_batch(), "en")
    rows = csv_rows(render_csv(report))
    assert rows
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(TRIGGERS), row
    payload = json.loads(render_json(report))
    for record in payload["records"]:
        for key in ("record_id", "value", "message"):
            assert not record[key].startswith(TRIGGERS), record


def test_negative_amount_is_neutralised_but_reported_as_negative() -> None:
    report = build_report(formula_batch(), "en")
    negative = next(line for line in report.lines if line.rule_id == "AMT-003")
    assert negative.value == "'-12.50"
    assert "negative" in negative.message
    assert "-12.50" in negative.message


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("fr", "n'est pas un code admis"),
        ("nl", "geen toegelaten code"),
        ("de", "kein zulässiger Code"),
        ("en", "not an accepted code"),
    ],
)
def test_report_in_the_funds_language(language: str, word: str) -> None:
    report = build_report(formula_batch(), language)
    sex = next(line for line in report.lines if line.rule_id == "GEN-003")
    assert word in sex.message
    assert (sex.line, sex.field, sex.value) == (2, "sex", "X")


def test_report_lists_each_quarantined_record_and_the_warnings() -> None:
    report = build_report(formula_batch(), "fr")
    quarantined = {
        (line.line, line.record_id, line.field, line.rule_id) for line in report.lines if line.outcome == "quarantined"
    }
    assert (2, "'=P1", "sex", "GEN-003") in quarantined
    assert (3, "C1", "amount", "AMT-003") in quarantined
    assert (4, "'+C2", "amount", "AMT-001") in quarantined
    rows = csv_rows(render_csv(report))
    assert list(rows[0]) == [
        "outcome",
        "line",
        "record_type",
        "record_id",
        "field",
        "rule_id",
        "severity",
        "value",
        "message",
    ]
    assert len(rows) == len(report.lines)


def test_counts_add_up_in_the_report() -> None:
    report = build_report(formula_batch(), "nl")
    payload = json.loads(render_json(report))
    totals = payload["totals"]
    assert totals["received"] == totals["accepted"] + totals["quarantined"] + totals["already_held"] == 3
    assert payload["counts"]["contribution"] == {"received": 2, "accepted": 0, "quarantined": 2, "already_held": 0}
    counts_csv = list(csv.reader(io.StringIO(render_counts_csv(report).decode("utf-8-sig"))))
    assert counts_csv[0] == ["record_type", "received", "accepted", "quarantined", "already_held"]


def test_report_of_a_rejected_file() -> None:
    result = validate_batch(read_batch(b"record_type,record_id\nperson,P1\n"), FUND, {}, TODAY)
    report = build_report(result, "de")
    assert report.rejected
    assert report.file_problems[0]["rule_id"] == "FIL-005"
    assert report.file_problems[0]["message"].startswith("In der Kopfzeile fehlende Spalten: national_number")
    rows = csv_rows(render_csv(report))
    assert rows[0]["outcome"] == "rejected"
    assert json.loads(render_json(report))["rejected"] is True


def test_report_language_of_a_fund() -> None:
    fund = SocialInsuranceFund(code="F105", name="Eifel", fee_rate=0, languages=(Language.DE, Language.FR))  # type: ignore[arg-type]
    assert report_language(fund) == "de"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no report language"):
        build_report(formula_batch(), "es")


def _line_by_line(reasons, language, rules):
    """The report's lines formatted one by one with Rule.message: what report_lines must equal."""
    from statut.quality.report import _quoted

    return [
        (
            row["outcome"],
            row["line"],
            row["record_type"] or "",
            neutralise(row["record_id"]),
            row["field"] or "",
            row["rule_id"],
            row["severity"] or "",
            neutralise(row["value"]),
            neutralise(
                rules.get(row["rule_id"]).message(
                    language,
                    field=row["field"] or "",
                    value=_quoted(row["value"], language),
                    detail=row["detail"] or "",
                )
            ),
        )
        for row in reasons.iter_rows(named=True)
    ]


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_column_wise_lines_equal_the_catalogue_formatted_line_by_line(language: str) -> None:
    import dataclasses

    import polars as pl

    from statut.quality.catalogue import Catalogue, catalogue
    from statut.quality.report import report_lines

    # One rule's template made unusual (a conversion, a format spec, literal braces): that rule is
    # formatted row by row, the others column-wise; both must give the catalogue's wording.
    odd = next(iter(catalogue()))
    odd_rule = dataclasses.replace(odd, messages={**odd.messages, language: "{{x}} {value!r} {field:>3} in {detail}"})
    rules = Catalogue(rules=tuple(odd_rule if r.id == odd.id else r for r in catalogue()))
    values = [None, "", "=1+1", "-12.50", "Dupont {x}", "«é»", "@x"]
    rows = [
        {
            "outcome": "quarantined" if n % 3 else "accepted",
            "line": n,
            "record_type": None if n % 5 == 0 else "person",
            "record_id": values[n % len(values)],
            "field": None if n % 4 == 0 else "last_name",
            "rule_id": rule.id,
            "severity": "warning" if n % 2 else "blocking",
            "value": values[(n + 1) % len(values)],
            "detail": None if n % 6 == 0 else "+detail {1}",
        }
        for n, rule in enumerate(list(rules) * 3)
    ]
    reasons = pl.DataFrame(rows, schema={k: (pl.Int64 if k == "line" else pl.String) for k in rows[0]})
    got = list(report_lines(reasons, language, rules).iter_rows())
    assert got == _line_by_line(reasons, language, rules)
