"""``statut rules``: the batch CSV interface, explain, parameters and budget."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from statut.cli import app

runner = CliRunner()

CASES = """case_id,year,capacity,income,quarters_active,primo_starter,fund_fee_rate
a,2025,main,17008.88,,,0.0305
b,2023,main,200000,4,0,0
c,2020,main,10000,4,0,0
d,2025,hobby,1,4,0,0
e,2025,main,-5,4,0,0
f,2010,main,5,4,0,0
g,2024,complementary,"1865,45",4,0,0.0305
h,2025,main,1.234,4,0,0
i,2026,main,200000,2,0,0
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rules", *args])
    return result.exit_code, result.stdout, result.stderr


def test_contributions_writes_one_row_per_case_and_an_error_column(tmp_path: Path) -> None:
    cases, out = tmp_path / "cases.csv", tmp_path / "results.csv"
    cases.write_text(CASES, encoding="utf-8")
    code, _, stderr = _run("contributions", "--cases", str(cases), "--out", str(out))
    assert code == 0, stderr
    results = pl.read_csv(out, infer_schema=False)
    assert results.columns == [
        "case_id",
        "annual_contribution",
        "quarterly_contribution",
        "quarterly_contribution_with_fees",
        "error",
    ]
    rows = {row["case_id"]: row for row in results.iter_rows(named=True)}
    assert (rows["a"]["quarterly_contribution"], rows["a"]["quarterly_contribution_with_fees"]) == ("871.71", "898.30")
    assert rows["a"]["annual_contribution"] == "3486.82"
    assert rows["b"]["quarterly_contribution"] == "4819.65"
    assert rows["g"]["quarterly_contribution_with_fees"] == "98.52"
    assert rows["i"]["quarterly_contribution"] == "5103.05"
    assert rows["a"]["error"] is None
    assert "2020" in rows["c"]["error"]
    assert rows["c"]["quarterly_contribution"] is None
    assert "capacity" in rows["d"]["error"]
    assert "negative" in rows["e"]["error"]
    assert "2010" in rows["f"]["error"]
    assert "two decimals" in rows["h"]["error"]
    assert "6 case(s) computed" not in stderr
    assert "with an error" in stderr


def test_contributions_in_french(tmp_path: Path) -> None:
    cases, out = tmp_path / "cases.csv", tmp_path / "results.csv"
    cases.write_text("case_id,year,capacity,income\nx,2025,main,-1\n", encoding="utf-8")
    assert _run("contributions", "--cases", str(cases), "--out", str(out), "--lang", "fr")[0] == 0
    assert "négatif" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"case_id,year,capacity\n1,2025,main\n", "missing column(s) income"),
        (b"case_id,year,capacity,income\n1,2025,main,abc\n", "column 'income' must hold an amount"),
        (b"case_id,year,capacity,income\n1,twenty,main,100\n", "column 'year' must hold a year"),
        (b"case_id,year,capacity,income\n1,2025,main,\xe9t\xe9\n", "not UTF-8"),
        (b"", "empty"),
        (b"case_id,year,capacity,income,fund_fee_rate\n1,2025,main,10,3%\n", "fund_fee_rate"),
    ],
)
def test_a_malformed_file_gets_one_clear_error_and_a_non_zero_exit(
    tmp_path: Path, content: bytes, message: str
) -> None:
    cases, out = tmp_path / "cases.csv", tmp_path / "results.csv"
    cases.write_bytes(content)
    code, _, stderr = _run("contributions", "--cases", str(cases), "--out", str(out))
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_missing_cases_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, stderr = _run("contributions", "--cases", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "cannot read" in stderr


@pytest.mark.parametrize(
    ("lang", "word"),
    [("fr", "Première tranche"), ("nl", "Eerste schijf"), ("de", "Erste Stufe"), ("en", "First bracket")],
)
def test_explain_prints_the_trace_in_each_language(lang: str, word: str) -> None:
    code, stdout, _ = _run(
        "explain",
        "--year",
        "2025",
        "--capacity",
        "main",
        "--income",
        "17008.88",
        "--fund-fee-rate",
        "0.0305",
        "--lang",
        lang,
    )
    assert code == 0
    assert word in stdout
    assert "898" in stdout
    assert "ucm.be" in stdout


def test_explain_provisional_and_json() -> None:
    code, stdout, _ = _run(
        "explain", "--year", "2023", "--capacity", "main", "--income", "50000", "--provisional", "--json"
    )
    assert code == 0
    assert '"indexed_income"' in stdout
    assert "59156.90" in stdout


def test_explain_of_an_uncomputable_case_exits_non_zero_with_the_reason() -> None:
    code, stdout, _ = _run("explain", "--year", "2020", "--capacity", "main", "--income", "1000")
    assert code == 1
    assert "contributions.thresholds.first" in stdout


def test_parameters_lists_the_unconfirmed_values() -> None:
    code, stdout, _ = _run("parameters", "--unconfirmed")
    assert code == 0
    assert "contributions.thresholds.first  from 2024-01-01  72810.95" in stdout
    assert "contributions.main.minimum_income  from 2026-01-01  (no figure)" in stdout
    assert "rights.bridging.monthly_amount_with_dependants" in stdout
    code, stdout, _ = _run("parameters", "--year", "2023")
    assert code == 0
    assert "70857.99" in stdout
    assert "72810.95" not in stdout


def test_a_reform_applies_to_the_batch_and_gives_a_budget_effect(tmp_path: Path) -> None:
    cases, out, reform = tmp_path / "cases.csv", tmp_path / "results.csv", tmp_path / "reform.yaml"
    cases.write_text("case_id,year,capacity,income\na,2025,main,50000\nb,2025,main,0\n", encoding="utf-8")
    reform.write_text(
        "name: lower-first-rate\n"
        "overrides:\n"
        "  contributions.rates.first_bracket:\n"
        '    - {from: 2025-01-01, value: "0.19"}\n',
        encoding="utf-8",
    )
    assert _run("contributions", "--cases", str(cases), "--out", str(out), "--reform", str(reform))[0] == 0
    assert pl.read_csv(out, infer_schema=False)["quarterly_contribution"].to_list() == ["2375.00", "807.92"]
    code, stdout, _ = _run("budget", "--cases", str(cases), "--reform", str(reform))
    assert code == 0
    # baseline 4 x (2,562.50 + 871.71) = 13,736.84; reform 4 x (2,375.00 + 807.92) = 12,731.68
    assert "13,736.84 EUR" in stdout
    assert "12,731.68 EUR" in stdout
    assert "-1,005.16 EUR" in stdout
