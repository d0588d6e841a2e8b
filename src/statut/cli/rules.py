"""``statut rules``: legislation as code from the command line.

- ``contributions --cases CASES.csv --out RESULTS.csv [--reform R.yaml]``: final contributions of a
  batch of cases; a bad row gets an error column, a malformed file one clear error and exit code 2.
- ``explain --year Y --capacity C --income X``: the trace of one case, in fr, nl, de or en.
- ``parameters [--unconfirmed] [--year Y]``: the dated parameters and their sources.
- ``budget --cases CASES.csv --reform R.yaml``: the budget effect of a reform on a population.

The rules are pure computations (no unit of work, no database), so the commands call them directly;
this module only reads and writes files and prints.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from statut.domain.errors import StatutError
from statut.domain.money import format_eur, from_cents
from statut.rules import (
    ParameterSet,
    apply_reform,
    budget_effect,
    compute_cases,
    explain_final_contribution,
    explain_provisional_contribution,
    load_parameters,
    parse_cases,
    parse_reform,
    read_cases_csv,
    results_frame,
)
from statut.rules.messages import LANGUAGES
from statut.rules.parameter_set import Validity

app = typer.Typer(no_args_is_help=True, help="Legislation as code: contributions, traces, parameters, reforms.")

EXIT_INVALID = 2

Lang = Annotated[str, typer.Option("--lang", help=f"Language of the messages: {', '.join(LANGUAGES)}.")]
ReformOption = Annotated[
    Path | None,
    typer.Option("--reform", help="A reform file (YAML parameter overrides) applied on top of the baseline."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_INVALID)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}") from None


def _parameters(reform: Path | None) -> ParameterSet:
    baseline = load_parameters()
    if reform is None:
        return baseline
    text = _read_bytes(reform).decode("utf-8", errors="replace")
    return apply_reform(baseline, parse_reform(text, str(reform)))


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise _fail(f"--lang must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    return lang


@app.command("contributions")
def contributions(
    *,
    cases: Annotated[
        Path,
        typer.Option(
            "--cases", help="CSV: case_id, year, capacity, income[, quarters_active, primo_starter, fund_fee_rate]."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write RESULTS.csv.")],
    reform: ReformOption = None,
    lang: Lang = "en",
) -> None:
    """Final contributions of every case of CASES.csv, written to RESULTS.csv."""
    _check_lang(lang)
    try:
        parameters = _parameters(reform)
        table = parse_cases(read_cases_csv(_read_bytes(cases), str(cases)), str(cases))
        result = compute_cases(table, parameters)
        frame = results_frame(table, result, lang)
    except StatutError as exc:
        raise _fail(exc.message) from None
    try:
        frame.write_csv(out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    failed = int((~result.ok).sum())
    unconfirmed = int(result.uses_unconfirmed.sum())
    typer.echo(
        f"{len(table) - failed} case(s) computed, {failed} with an error (see the error column); written to {out}",
        err=True,
    )
    if unconfirmed:
        typer.echo(
            f"{unconfirmed} case(s) use a value marked unconfirmed (statut rules parameters --unconfirmed)", err=True
        )


@app.command("explain")
def explain(
    *,
    year: Annotated[int, typer.Option("--year", help="Contribution year.")],
    capacity: Annotated[
        str, typer.Option("--capacity", help="main, complementary, student, assisting_spouse, active_pensioner.")
    ],
    income: Annotated[str, typer.Option("--income", help="Income in euros (year N, or N-3 with --provisional).")],
    quarters_active: Annotated[
        int, typer.Option("--quarters-active", help="Quarters of activity in the year (1-4).")
    ] = 4,
    primo_starter: Annotated[
        bool, typer.Option("--primo-starter", help="First four quarters of a primo-starter.")
    ] = False,
    fund_fee_rate: Annotated[str, typer.Option("--fund-fee-rate", help="Fund management fee, e.g. 0.0305.")] = "0",
    provisional: Annotated[
        bool, typer.Option("--provisional", help="Provisional contributions on the N-3 income.")
    ] = False,
    starter: Annotated[
        bool, typer.Option("--starter", help="With --provisional: a starter's flat contribution.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the trace as JSON.")] = False,
    reform: ReformOption = None,
    lang: Lang = "en",
) -> None:
    """Print the trace of one case: inputs, parameters with their legal sources, steps, result."""
    _check_lang(lang)
    try:
        parameters = _parameters(reform)
        if provisional:
            trace = explain_provisional_contribution(
                year,
                capacity,
                income,
                starter=starter,
                primo_starter=primo_starter,
                fee_rate=fund_fee_rate,
                parameters=parameters,
            )
        else:
            trace = explain_final_contribution(
                year,
                capacity,
                income,
                quarters_active=quarters_active,
                primo_starter=primo_starter,
                fee_rate=fund_fee_rate,
                parameters=parameters,
            )
    except StatutError as exc:
        raise _fail(exc.message) from None
    if as_json:
        typer.echo(json.dumps(trace.to_dict(lang), ensure_ascii=False, indent=2))
    else:
        typer.echo(trace.render(lang))
    if trace.error is not None:
        raise typer.Exit(1)


def _shown(value: object) -> str:
    if value is None:
        return "(no figure)"
    if isinstance(value, Decimal):
        return str(value)
    return "; ".join(", ".join(str(cell) for cell in row) for row in value)  # type: ignore[attr-defined]


@app.command("parameters")
def parameters(
    *,
    unconfirmed: Annotated[
        bool, typer.Option("--unconfirmed", help="Only the values marked unconfirmed (and the missing ones).")
    ] = False,
    year: Annotated[int | None, typer.Option("--year", help="Only the values that apply in this year.")] = None,
    lang: Lang = "en",
) -> None:
    """List the dated parameters with their units and legal references."""
    _check_lang(lang)
    params = load_parameters()
    if unconfirmed:
        rows = params.unconfirmed()
        typer.echo(f"{len(rows)} value(s) marked unconfirmed (a missing figure means: no case needing it is computed)")
        for row in rows:
            yearly = row.parameter.validity is Validity.CALENDAR_YEAR
            if year is not None and yearly and row.entry.start.year != year:
                continue
            reference = f" [{row.entry.reference}]" if row.entry.reference else ""
            value = f"{_shown(row.entry.value)} {row.parameter.unit}"
            typer.echo(
                f"{row.parameter.name}  from {row.entry.start.isoformat()}  {value}{reference}  -- {row.entry.note}"
            )
        return
    for name in params:
        parameter = params[name]
        typer.echo(f"{name}  ({parameter.unit}, {parameter.validity.value})  {parameter.label[lang]}")
        for entry in parameter.values:
            if year is not None and parameter.entry_for_year(year) is not entry:
                continue
            flag = "  UNCONFIRMED" if entry.unconfirmed else ""
            typer.echo(
                f"    from {entry.start.isoformat()}: {_shown(entry.value)}{flag}  [{entry.reference or entry.note}]"
            )


@app.command("budget")
def budget(
    *,
    cases: Annotated[Path, typer.Option("--cases", help="The population, as CASES.csv.")],
    reform: Annotated[Path, typer.Option("--reform", help="The reform file (YAML parameter overrides).")],
) -> None:
    """Budget effect of a reform: contributions due under the baseline and under the reform."""
    try:
        reformed = _parameters(reform)
        table = parse_cases(read_cases_csv(_read_bytes(cases), str(cases)), str(cases))
    except StatutError as exc:
        raise _fail(exc.message) from None
    effect = budget_effect(
        table.year,
        table.capacity,
        table.income_cents,
        quarters_active=table.quarters_active,
        primo_starter=table.primo_starter,
        reform=reformed,
    )
    typer.echo(f"reform: {reformed.name}")
    typer.echo(f"cases: {effect.cases}, computed under both: {effect.computed}")
    typer.echo(f"baseline: {format_eur(from_cents(effect.baseline_total))}")
    typer.echo(f"reform:   {format_eur(from_cents(effect.reform_total))}")
    sign = "+" if effect.difference >= 0 else "-"
    typer.echo(f"effect:   {sign}{format_eur(from_cents(abs(effect.difference)))}")
    if effect.baseline_errors or effect.reform_errors:
        typer.echo(
            f"not computed: {effect.baseline_errors} under the baseline, {effect.reform_errors} under the reform",
            err=True,
        )
    sys.stdout.flush()
