"""The rule catalogue is complete, translated, referenced, bound to its checks and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from statut.exchange import batch_reader
from statut.exchange.format import COMMON, CSV_COLUMNS, FIELD_BY_NAME, FieldKind, RecordType, mandatory_fields
from statut.quality.authentic_sources import SOURCE_RULES
from statut.quality.catalogue import (
    LANGUAGES,
    PLACEHOLDERS,
    Dimension,
    Severity,
    Stage,
    catalogue,
    load_catalogue,
    placeholders,
    render_markdown,
)
from statut.quality.registry import BATCH_CHECKS, CROSS_CHECKS, ROW_CHECKS

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
RULES = list(catalogue())


def test_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z]{2,3}-\d{3}", i) for i in ids)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_every_language_and_a_reference(rule) -> None:
    assert set(rule.messages) == set(LANGUAGES), f"{rule.id} lacks a language"
    assert all(rule.messages[lang].strip() for lang in LANGUAGES)
    assert len(rule.reference) > 15, f"{rule.id} lacks a legal or business reference"
    assert rule.title


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_messages_use_the_same_known_placeholders_in_every_language(rule) -> None:
    used = {lang: placeholders(rule.messages[lang]) for lang in LANGUAGES}
    assert all(names <= PLACEHOLDERS for names in used.values()), used
    assert len({frozenset(names) for names in used.values()}) == 1, used
    for lang in LANGUAGES:
        # a message never starts with fund data, so a report cell never starts with a formula
        assert not rule.messages[lang].startswith("{"), (rule.id, lang)
        rule.message(lang, field="f", value="v", detail="d")


def test_a_rule_without_a_language_fails_to_pass_the_check() -> None:
    text = """
- id: TST-001
  title: Test
  dimension: validity
  severity: warning
  stage: row
  record_types: [any]
  fields: [record_id]
  scan: false
  reference: "A reference long enough."
  message: {fr: "a", nl: "b", en: "d"}
"""
    rule = load_catalogue(text).get("TST-001")
    assert set(rule.messages) != set(LANGUAGES)


def test_enums_and_stages() -> None:
    for rule in RULES:
        assert isinstance(rule.dimension, Dimension)
        assert isinstance(rule.severity, Severity)
        assert rule.severity is not Severity.INFO or rule.stage is Stage.CROSS


def test_every_row_batch_and_cross_rule_has_its_check_and_every_check_its_rule() -> None:
    by_stage = {stage: {r.id for r in catalogue().by_stage(stage)} for stage in Stage}
    assert by_stage[Stage.ROW] == set(ROW_CHECKS)
    assert by_stage[Stage.BATCH] == set(BATCH_CHECKS)
    assert by_stage[Stage.CROSS] == set(CROSS_CHECKS)
    # Authentic-source rules are checked by statut.quality.authentic_sources, in the scan only.
    assert by_stage[Stage.SOURCE] == set(SOURCE_RULES)
    unbound = (Stage.FILE, Stage.RECORD, Stage.SOURCE)
    for rule in RULES:
        bound = [rule.row_check, rule.batch_check, rule.cross_check]
        assert sum(check is not None for check in bound) == (0 if rule.stage in unbound else 1)
        assert rule.fields or rule.stage in (Stage.FILE, Stage.RECORD)


def test_the_reader_problems_are_in_the_catalogue() -> None:
    assert {r.id for r in catalogue().by_stage(Stage.FILE)} == set(batch_reader.FILE_PROBLEM_IDS)
    assert {r.id for r in catalogue().by_stage(Stage.RECORD)} == set(batch_reader.RECORD_PROBLEM_IDS)


def test_field_lists_follow_the_exchange_format() -> None:
    """The format defines the fields once; the catalogue's generic rules cover exactly them."""
    rule = catalogue().get
    assert set(rule("GEN-001").fields) == {f for t in RecordType for f in mandatory_fields(t)}
    assert set(rule("GEN-003").fields) == {s.name for s in FIELD_BY_NAME.values() if s.codes} - {"record_type"}
    assert set(rule("GEN-004").fields) == set(CSV_COLUMNS)
    assert set(rule("GEN-005").fields) == set(CSV_COLUMNS) - set(COMMON)
    assert set(rule("DAT-001").fields) == {s.name for s in FIELD_BY_NAME.values() if s.kind is FieldKind.DATE}
    for entry in RULES:
        assert set(entry.fields) <= set(CSV_COLUMNS), entry.id


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: run python -m statut.quality.catalogue docs/rules.md"
    )


def test_markdown_lists_every_rule() -> None:
    text = render_markdown()
    for rule in RULES:
        assert f"| {rule.id} |" in text
