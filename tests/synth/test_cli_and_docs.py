"""`statut synth`, `statut synth schema`, the shipped schema file and the format documentation."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from statut.cli import app
from statut.exchange.format import FIELDS, FORMAT_NAME, FORMAT_VERSION, RecordType, json_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "schemas" / f"{FORMAT_NAME}-{FORMAT_VERSION}.schema.json"
DOC = ROOT / "docs" / "exchange-format.md"
runner = CliRunner()


def test_synth_command_writes_a_population(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--people", "300", "--seed", "3", "--out", str(tmp_path), "--format", "both", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3
    assert manifest["counts"]["people"] == 300
    assert len(list((tmp_path / "funds").rglob("*.csv"))) == len(list((tmp_path / "funds").rglob("*.jsonl"))) == 10


def test_synth_command_refuses_bad_options_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--people", "0", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "people" in result.output
    result = runner.invoke(app, ["synth", "--people", "10"])
    assert result.exit_code == 2
    assert "--out" in result.output


def test_schema_command_prints_the_shipped_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json_schema()
    assert result.output == SCHEMA_FILE.read_text(encoding="utf-8")
    assert runner.invoke(app, ["synth", "schema", "--out", str(tmp_path / "s.json")]).exit_code == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == result.output


def test_shipped_schema_is_generated_from_the_code() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json_schema()


def test_the_documentation_lists_every_field_and_record_type() -> None:
    text = DOC.read_text(encoding="utf-8")
    for spec in FIELDS:
        assert f"`{spec.name}`" in text, spec.name
        for code in spec.codes:
            assert f"`{code}`" in text, (spec.name, code)
    for record_type in RecordType:
        assert f"### {record_type.value}" in text
    assert f"{FORMAT_NAME}-{FORMAT_VERSION}.schema.json" in text


def _section(text: str, record_type: RecordType) -> str:
    start = text.index(f"### {record_type.value}\n")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else text.find("\n## ", start)]


def test_each_record_type_section_lists_its_fields_and_valid_examples() -> None:
    from statut.exchange.format import CSV_COLUMNS, RECORD_FIELDS
    from tests.synth.test_fund_files import matches

    text = DOC.read_text(encoding="utf-8")
    schema = json_schema()
    for record_type in RecordType:
        section = _section(text, record_type)
        mandatory, optional = RECORD_FIELDS[record_type]
        listed = {}
        for line in section.splitlines():
            if line.startswith("| `") and line.count("|") == 3:
                names, status = line.strip("|").split("|")
                for name in names.replace("`", "").split(","):
                    listed[name.strip()] = status.strip()
        expected = {"record_type": "mandatory", "record_id": "mandatory", "national_number": "mandatory"}
        expected |= dict.fromkeys(mandatory, "mandatory") | dict.fromkeys(optional, "optional")
        assert listed == expected, record_type
        csv_line = next(line for line in section.splitlines() if line.startswith(f"{record_type.value},"))
        cells = dict(zip(CSV_COLUMNS, csv_line.split(","), strict=True))
        from_csv = {name: value for name, value in cells.items() if value}
        json_line = next(line for line in section.splitlines() if line.startswith("{"))
        assert json.loads(json_line) == from_csv
        assert matches(from_csv, schema)
    field_table = [
        line.split("|")[1].strip().strip("`")
        for line in text[text.index("## Fields") :].splitlines()
        if line.startswith("| `")
    ]
    assert field_table[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)


def test_synth_command_shows_progress_and_a_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "-n", "200", "-s", "9", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "200 people" in result.output
    assert "contribution" in result.output
