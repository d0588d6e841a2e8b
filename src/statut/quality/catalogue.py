"""The rule catalogue: every data rule of statut, declared once, with its check bound to it.

The entries live in catalogue.yaml (id, dimension, severity, stage, record types, fields, message in
fr/nl/de/en, legal or business reference); the checks are registered under the same ids by row_rules,
batch_rules and cross_rules; file and record entries are raised by statut.exchange.batch_reader. The
ingestion gate, the quality scan and the API all read this one catalogue ("one capability, one place",
docs/architecture.md), and docs/rules.md is rendered from it (``python -m statut.quality.catalogue
docs/rules.md``).
"""

from __future__ import annotations

import string
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from statut.exchange.format import COMMON, RecordType, fields_of
from statut.quality import batch_rules, cross_rules, row_rules
from statut.quality.registry import (
    BATCH_CHECKS,
    CROSS_CHECKS,
    ROW_CHECKS,
    BatchCheck,
    CheckContext,
    CrossCheck,
    RowCheck,
)

LANGUAGES = ("fr", "nl", "de", "en")
PLACEHOLDERS = frozenset({"field", "value", "detail"})
_CHECK_MODULES = (row_rules, batch_rules, cross_rules)  # imported for their registrations


class Dimension(StrEnum):
    """Data-quality dimensions (DAMA UK, "The six primary dimensions for data quality assessment")."""

    VALIDITY = "validity"
    COMPLETENESS = "completeness"
    CONSISTENCY = "consistency"
    UNIQUENESS = "uniqueness"
    TIMELINESS = "timeliness"
    ACCURACY = "accuracy"


class Severity(StrEnum):
    BLOCKING = "blocking"  # the record is quarantined
    WARNING = "warning"  # accepted; a data-quality finding is opened
    INFO = "info"  # changes the outcome (already held, correction) or informs; no finding


class Stage(StrEnum):
    FILE = "file"  # the whole file is refused (batch_reader)
    RECORD = "record"  # a record cannot be read (batch_reader)
    ROW = "row"  # one record on its own
    BATCH = "batch"  # records of the batch together
    CROSS = "cross"  # the batch against the register
    SOURCE = "source"  # the register against an authentic source (scan only: quality.authentic_sources)


ANY_TYPE = "any"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    dimension: Dimension
    severity: Severity
    stage: Stage
    record_types: tuple[RecordType, ...]
    fields: tuple[str, ...]
    scan: bool
    reference: str
    messages: Mapping[str, str]
    applies_to_any_type: bool = False
    row_check: RowCheck | None = field(default=None, repr=False, compare=False)
    batch_check: BatchCheck | None = field(default=None, repr=False, compare=False)
    cross_check: CrossCheck | None = field(default=None, repr=False, compare=False)

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def message(self, language: str, *, field: str = "", value: str = "", detail: str = "") -> str:
        """The message in ``language`` (fr, nl, de, en; English when unknown), placeholders filled."""
        template = self.messages.get(language) or self.messages["en"]
        return template.format_map({"field": field or "", "value": value or "", "detail": detail or ""})

    def types_in_scope(self, field_name: str) -> tuple[str, ...] | None:
        """Record types whose records a row rule looks at for ``field_name``; None means every record,
        including those of an unknown type.

        By default: the rule's record types that use the field (a value in a field the type does not
        use is ignored, and GEN-005 says so). A rule for every type on a common field also looks at
        records of an unknown type (their record_id and national number are still worth a reason). A
        check may narrow or turn this (RowCheck.types: GEN-001 the types requiring the field, GEN-005
        the types not using it)."""
        check = self.row_check
        if check is not None and check.types is not None:
            types = check.types(field_name)
            return None if types is None else tuple(t for t in types if RecordType(t) in self.record_types)
        if self.applies_to_any_type and field_name in COMMON:
            return None
        return tuple(t.value for t in self.record_types if field_name in fields_of(t))

    def scope(self, field_name: str) -> pl.Expr:
        """:meth:`types_in_scope` as a boolean expression over a frame with ``record_type``."""
        types = self.types_in_scope(field_name)
        return pl.lit(True) if types is None else pl.col("record_type").is_in(list(types))

    def check(self, field_name: str, ctx: CheckContext) -> pl.Expr:
        """The row check alone (no scope): for a frame already restricted to the types in scope."""
        if self.row_check is None:
            raise TypeError(f"{self.id} is not a row rule")
        return self.row_check.violation(field_name, ctx).fill_null(False)

    def violation(self, field_name: str, ctx: CheckContext) -> pl.Expr:
        """Boolean expression, True where a record breaks this row rule on ``field_name``."""
        return (self.scope(field_name) & self.check(field_name, ctx)).fill_null(False)

    def evaluate(self, frame: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
        """Run a row rule over ``frame``: one boolean column per field, named after the field."""
        return frame.lazy().select([self.violation(f, ctx).alias(f) for f in self.fields]).collect()


def _parse(entry: Mapping[str, Any]) -> Rule:
    types = entry["record_types"]
    any_type = types == [ANY_TYPE]
    return Rule(
        id=entry["id"],
        title=entry["title"],
        dimension=Dimension(entry["dimension"]),
        severity=Severity(entry["severity"]),
        stage=Stage(entry["stage"]),
        record_types=tuple(RecordType) if any_type else tuple(RecordType(t) for t in types),
        fields=tuple(entry["fields"]),
        scan=bool(entry["scan"]),
        reference=str(entry.get("reference") or ""),
        messages={str(k): str(v) for k, v in (entry.get("message") or {}).items()},
        applies_to_any_type=any_type,
        row_check=ROW_CHECKS.get(entry["id"]),
        batch_check=BATCH_CHECKS.get(entry["id"]),
        cross_check=CROSS_CHECKS.get(entry["id"]),
    )


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return any(rule.id == rule_id for rule in self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def by_stage(self, stage: Stage | str) -> tuple[Rule, ...]:
        wanted = Stage(stage)
        return tuple(rule for rule in self.rules if rule.stage is wanted)

    def for_scan(self) -> tuple[Rule, ...]:
        """The rules the quality scan runs over the register (``scan: true``)."""
        return tuple(rule for rule in self.rules if rule.scan)


def load_catalogue(text: str) -> Catalogue:
    """Parse catalogue entries from YAML text (the packaged catalogue.yaml, or a test's)."""
    entries = yaml.safe_load(text)
    return Catalogue(tuple(_parse(entry) for entry in entries))


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once."""
    text = resources.files("statut.quality").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return load_catalogue(text)


def rule(rule_id: str) -> Rule:
    return catalogue().get(rule_id)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# ---------------------------------------------------------------------------------------------------
# docs/rules.md
# ---------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(cat: Catalogue | None = None, language: str = "en") -> str:
    """The catalogue as a Markdown document: one table per stage, every rule with its id, dimension,
    severity, record types, fields, message and reference."""
    cat = cat or catalogue()
    lines = [
        "# Data rules",
        "",
        "Generated from `src/statut/quality/catalogue.yaml` by `python -m statut.quality.catalogue "
        "docs/rules.md`; do not edit by hand (a test compares this file with the catalogue).",
        "",
        "Severity: **blocking** quarantines the record (or, for file rules, rejects the whole file); "
        "**warning** accepts it and opens a data-quality finding; **info** changes the outcome "
        "(already held, correction) or informs the fund, and opens no finding. "
        "*Scan*: the quality scan of the register runs the rule too. "
        "Messages exist in French, Dutch, German and English; the English one is shown. "
        "`{field}`, `{value}` and `{detail}` are filled in per record.",
        "",
    ]
    titles = {
        Stage.FILE: "File rules (the whole file is refused)",
        Stage.RECORD: "Record structure (the record cannot be read)",
        Stage.ROW: "Row rules (one record on its own)",
        Stage.BATCH: "Batch rules (records of the batch together)",
        Stage.CROSS: "Cross-record rules (the batch against the register)",
        Stage.SOURCE: "Authentic sources (the register against the National Register and KBO/BCE; scan only)",
    }
    for stage in Stage:
        rules = cat.by_stage(stage)
        if not rules:
            continue
        lines += [
            f"## {titles[stage]}",
            "",
            "| id | rule | dimension | severity | record types | fields | scan | message | reference |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for entry in rules:
            types = ANY_TYPE if entry.applies_to_any_type else ", ".join(t.value for t in entry.record_types)
            fields = ", ".join(entry.fields) or "—"
            lines.append(
                f"| {entry.id} | {_cell(entry.title)} | {entry.dimension.value} | {entry.severity.value} "
                f"| {types} | {_cell(fields)} | {'yes' if entry.scan else 'no'} "
                f"| {_cell(entry.messages[language])} | {_cell(entry.reference)} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_markdown(path: Path) -> None:
    path.write_text(render_markdown(), encoding="utf-8")


if __name__ == "__main__":
    write_markdown(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules.md"))
