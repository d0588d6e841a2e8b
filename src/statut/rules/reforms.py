"""Reforms: a set of parameter overrides applied on top of the baseline, which stays untouched.

A reform file (YAML) names itself and lists, per parameter, dated values in the same form as the
parameter files (docs/legislation.md, "How to write a reform")::

    name: lower-first-rate
    description: 19 % instead of 20.5 % up to the first threshold from 2025
    overrides:
      contributions.rates.first_bracket:
        - from: 2025-01-01
          value: "0.19"

Each override replaces the entry of the same start date or is added; its status is ``reform``, so a
reform never passes for legislation. :func:`budget_effect` compares the contributions of a
population under the baseline and under the reform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from statut.rules.arithmetic import Int64Array
from statut.rules.contributions import final_contributions
from statut.rules.errors import ParameterFileError
from statut.rules.parameter_set import (
    ParameterSet,
    ParameterValue,
    ValueStatus,
    load_parameters,
    parse_entry,
    read_yaml,
)


@dataclass(frozen=True)
class Reform:
    name: str
    description: str
    overrides: Mapping[str, tuple[ParameterValue, ...]]


def parse_reform(text: str, source: str = "reform") -> Reform:
    """A reform from its YAML text (the caller reads the file)."""
    document = read_yaml(text, source)
    if not isinstance(document, dict) or not isinstance(document.get("overrides"), dict):
        raise ParameterFileError(f"{source}: a reform is a mapping with 'name' and 'overrides'")
    name = str(document.get("name") or "").strip()
    if not name:
        raise ParameterFileError(f"{source}: a reform needs a 'name'")
    overrides: dict[str, tuple[ParameterValue, ...]] = {}
    for parameter, values in document["overrides"].items():
        if not isinstance(values, list) or not values:
            raise ParameterFileError(f"{source}: {parameter}: overrides are a non-empty list of dated values")
        entries = []
        for item in values:
            given = {**item, "reference": item.get("reference") or f"reform {name}"} if isinstance(item, dict) else item
            entries.append(parse_entry(given, (), f"{source}: {parameter}", ValueStatus.REFORM))
        overrides[str(parameter)] = tuple(entries)
    return Reform(name=name, description=str(document.get("description") or ""), overrides=overrides)


def apply_reform(baseline: ParameterSet, reform: Reform) -> ParameterSet:
    """A new parameter set: the baseline with the reform's overrides. The baseline is not modified."""
    parameters = dict(baseline.parameters)
    for name, entries in reform.overrides.items():
        parameter = baseline[name]  # raises UnknownParameterError for a misspelt name
        if parameter.columns:
            raise ParameterFileError(f"reform {reform.name}: {name} is a table; tables cannot be overridden yet")
        parameters[name] = parameter.with_entries(entries)
    return ParameterSet(parameters, name=reform.name)


@dataclass(frozen=True)
class BudgetEffect:
    """Contributions due for the year (quarterly amount times quarters of activity, without fees), in
    cents, over the cases both the baseline and the reform can compute."""

    baseline_total: int
    reform_total: int
    cases: int
    computed: int  # cases computed under both
    baseline_errors: int
    reform_errors: int
    difference_per_case: Int64Array  # reform - baseline, 0 where a side could not compute

    @property
    def difference(self) -> int:
        return self.reform_total - self.baseline_total


def budget_effect(
    year: Int64Array,
    capacity: Int64Array,
    income_cents: Int64Array,
    *,
    quarters_active: Int64Array | int = 4,
    primo_starter: Int64Array | int = 0,
    reform: ParameterSet,
    baseline: ParameterSet | None = None,
) -> BudgetEffect:
    """The budget effect of a reform on a population: final contributions under both parameter sets."""
    baseline = baseline or load_parameters()
    before, after = (
        final_contributions(
            year, capacity, income_cents, quarters_active=quarters_active, primo_starter=primo_starter, parameters=rules
        )
        for rules in (baseline, reform)
    )
    quarters = np.broadcast_to(np.asarray(quarters_active, dtype=np.int64), before.quarterly.shape)
    both = before.ok & after.ok
    due_before = np.where(both, before.quarterly * quarters, 0)
    due_after = np.where(both, after.quarterly * quarters, 0)
    return BudgetEffect(
        baseline_total=int(due_before.sum()),
        reform_total=int(due_after.sum()),
        cases=len(before),
        computed=int(both.sum()),
        baseline_errors=int((~before.ok).sum()),
        reform_errors=int((~after.ok).sum()),
        difference_per_case=due_after - due_before,
    )
