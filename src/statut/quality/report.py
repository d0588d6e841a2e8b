"""The report a fund gets back for a batch, in its language, as CSV and JSON.

Per record type: received = accepted + quarantined + already held. Then, for each quarantined record,
one line per reason (line in the file, record_id, field, rule id, value, message), and the warnings on
accepted records, so that the fund can correct its data; for a refused file, why it was refused.

Every cell that comes from the fund's data is neutralised against spreadsheet formula injection
(OWASP, CSV Injection): a value starting with =, +, -, @, tab or carriage return is prefixed with a
single quote, in the CSV and in the JSON alike (a JSON report also ends up in spreadsheets). A negative
amount "-12.50" is thus shown as "'-12.50" while its message says "negative amount".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from string import Formatter
from typing import Any

import polars as pl

from statut.domain.entities import SocialInsuranceFund
from statut.quality.catalogue import LANGUAGES, Catalogue, catalogue
from statut.quality.validation import Outcome, ValidationResult

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell value a spreadsheet will show as text, never run (OWASP CSV Injection)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def report_language(fund: SocialInsuranceFund) -> str:
    """A fund's reports are in its first language (reference/funds.yaml)."""
    return fund.languages[0].value if fund.languages else "en"


@dataclass(frozen=True, slots=True)
class ReportLine:
    outcome: str
    line: int
    record_type: str
    record_id: str
    field: str
    rule_id: str
    severity: str
    value: str
    message: str


@dataclass(frozen=True)
class FundReport:
    fund_code: str
    language: str
    batch_sha256: str
    source_name: str
    rejected: bool
    file_problems: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    lines: list[ReportLine] = field(default_factory=list)
    reconciliation: dict[str, Any] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("received", "accepted", "quarantined", "already_held")
        return {k: sum(c[k] for c in self.counts.values()) for k in keys}


def build_report(result: ValidationResult, language: str, *, rules: Catalogue | None = None) -> FundReport:
    """Messages in ``language`` (fr, nl, de or en) for every quarantined record and every warning."""
    if language not in LANGUAGES:
        raise ValueError(f"no report language {language!r} (known: {', '.join(LANGUAGES)})")
    cat = rules or catalogue()
    file_problems = [
        {
            "rule_id": p.rule_id,
            "detail": neutralise(p.detail),
            "message": cat.get(p.rule_id).message(language, detail=p.detail),
        }
        for p in result.file_problems
    ]
    shown = result.reasons.filter(
        (pl.col("outcome") == Outcome.QUARANTINED.value)
        | ((pl.col("outcome") == Outcome.ACCEPTED.value) & (pl.col("severity") == "warning"))
    )
    lines = [ReportLine(*row) for row in report_lines(shown, language, cat).iter_rows()]
    return FundReport(
        fund_code=result.fund_code,
        language=language,
        batch_sha256=result.batch_sha256,
        source_name=result.source_name,
        rejected=result.rejected,
        file_problems=file_problems,
        counts=result.counts(),
        lines=lines,
        reconciliation=result.reconciliation.as_dict(),
    )


def report_lines(reasons: pl.DataFrame, language: str, rules: Catalogue) -> pl.DataFrame:
    """The report's lines as a frame with the columns of :class:`ReportLine`, column-wise.

    A large batch has tens of thousands of quarantined lines: each message is its rule's template
    with the placeholders filled from columns (one concatenation per rule), and every cell from the
    fund's data neutralised by an expression, instead of formatting line by line. A template that
    uses anything but plain ``{field}``, ``{value}`` and ``{detail}`` is formatted row by row by
    :meth:`Rule.message`, so the result is always the catalogue's own wording.
    """
    text = {name: pl.col(name).fill_null("") for name in ("record_type", "field", "severity", "detail")}
    opening, closing = _QUOTES[language]
    placeholders = {
        "field": text["field"],
        "value": pl.concat_str([pl.lit(opening), pl.col("value").fill_null(""), pl.lit(closing)]),
        "detail": text["detail"],
    }
    message: pl.Expr = pl.lit(None, dtype=pl.String)
    formatted_by_row: list[str] = []
    for rule_id in reasons.get_column("rule_id").unique().sort().to_list():
        parts = _template_parts(rules.get(rule_id).messages.get(language) or rules.get(rule_id).messages["en"])
        if parts is None:
            formatted_by_row.append(rule_id)
            continue
        pieces = [pl.lit(part) if is_literal else placeholders[part] for is_literal, part in parts]
        filled = pl.concat_str(pieces) if pieces else pl.lit("")
        message = pl.when(pl.col("rule_id") == rule_id).then(filled).otherwise(message)
    frame = reasons.select(
        pl.col("outcome"),
        pl.col("line"),
        text["record_type"],
        _neutralised(pl.col("record_id")).alias("record_id"),
        text["field"],
        pl.col("rule_id"),
        text["severity"],
        _neutralised(pl.col("value")).alias("value"),
        message.alias("message"),
        pl.col("value").alias("_raw_value"),
        pl.col("detail").alias("_detail"),
    )
    if formatted_by_row:
        at = frame.with_row_index("_at").filter(pl.col("rule_id").is_in(formatted_by_row))
        messages = [
            rules.get(rule_id).message(language, field=field, value=_quoted(value, language), detail=detail or "")
            for rule_id, field, value, detail in at.select("rule_id", "field", "_raw_value", "_detail").iter_rows()
        ]
        filled_by_row = frame.get_column("message").scatter(at.get_column("_at"), messages)
        frame = frame.with_columns(filled_by_row.alias("message"))
    neutralised_message = _neutralised(pl.col("message")).alias("message")
    return frame.select(neutralised_message if f.name == "message" else pl.col(f.name) for f in fields(ReportLine))


def _template_parts(template: str) -> list[tuple[bool, str]] | None:
    """A message template as literal texts and placeholder names, or None when it uses a format spec,
    a conversion or a name other than field, value and detail."""
    parts: list[tuple[bool, str]] = []
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, spec, conversion in parsed:
        if literal:
            parts.append((True, literal))
        if name is None:
            continue
        if spec or conversion or name not in ("field", "value", "detail"):
            return None
        parts.append((False, name))
    return parts


def _neutralised(column: pl.Expr) -> pl.Expr:
    """:func:`neutralise` as an expression (null becomes the empty text)."""
    value = column.cast(pl.String).fill_null("")
    triggered = pl.any_horizontal([value.str.starts_with(trigger) for trigger in FORMULA_TRIGGERS])
    return pl.when(triggered).then(pl.lit("'") + value).otherwise(value)


_QUOTES = {"fr": ("« ", " »"), "nl": ("‘", "’"), "de": ("„", "“"), "en": ("“", "”")}


def _quoted(value: str | None, language: str) -> str:
    """A value inside a sentence, quoted the way the language does, so an empty value stays visible."""
    opening, closing = _QUOTES[language]
    return f"{opening}{value or ''}{closing}"


_CSV_HEADER = ("outcome", "line", "record_type", "record_id", "field", "rule_id", "severity", "value", "message")


def _csv_rows(report: FundReport) -> Iterator[list[str]]:
    yield list(_CSV_HEADER)
    for problem in report.file_problems:
        yield [
            "rejected",
            "",
            "",
            "",
            "",
            problem["rule_id"],
            "blocking",
            problem["detail"],
            neutralise(problem["message"]),
        ]
    for item in report.lines:
        yield [
            item.outcome,
            str(item.line),
            item.record_type,
            item.record_id,
            item.field,
            item.rule_id,
            item.severity,
            item.value,
            item.message,
        ]


def render_csv(report: FundReport) -> bytes:
    """The report as CSV (UTF-8 with a BOM so that spreadsheets read accents; every cell quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(_csv_rows(report))
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def render_counts_csv(report: FundReport) -> bytes:
    """The received = accepted + quarantined + already held table per record type, as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["record_type", "received", "accepted", "quarantined", "already_held"])
    for name, c in report.counts.items():
        writer.writerow([name, c["received"], c["accepted"], c["quarantined"], c["already_held"]])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def render_json(report: FundReport) -> str:
    payload = {
        "fund": report.fund_code,
        "language": report.language,
        "batch_sha256": report.batch_sha256,
        "source": report.source_name,
        "rejected": report.rejected,
        "file_problems": report.file_problems,
        "counts": report.counts,
        "totals": report.totals,
        "records": [asdict(line) for line in report.lines],
        "reconciliation": report.reconciliation,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
