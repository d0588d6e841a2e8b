"""statut's dated parameters as an OpenFisca ParameterNode (same figures, OpenFisca's format)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from openfisca_core.parameters import ParameterNode

from statut.rules import ParameterSet

# statut name -> path in the OpenFisca tree
NAMES = {
    "contributions.rates.first_bracket": "rates.first_bracket",
    "contributions.rates.second_bracket": "rates.second_bracket",
    "contributions.rates.active_pensioner_first_bracket": "rates.active_pensioner_first_bracket",
    "contributions.thresholds.first": "thresholds.first",
    "contributions.thresholds.ceiling": "thresholds.ceiling",
    "contributions.main.minimum_income": "minimums.main",
    "contributions.primo_starter.minimum_income": "minimums.primo_starter",
    "contributions.assisting_spouse.minimum_income": "minimums.assisting_spouse",
    "contributions.complementary.threshold": "exemption.complementary",
    "contributions.active_pensioner.threshold": "exemption.active_pensioner",
    "contributions.student.exemption_threshold": "exemption.student",
    "contributions.student.starter_provisional_quarterly": "starters.student_flat",
    "contributions.provisional.indexation_coefficient": "provisional.indexation_coefficient",
}


def openfisca_parameters(parameters: ParameterSet, years: range) -> ParameterNode:
    """The values in force on 1 January of each year, as OpenFisca parameters (floats, as OpenFisca
    reads YAML; the formulas turn them back into exact integers)."""
    tree: dict[str, Any] = {}
    for name, path in NAMES.items():
        values: dict[str, Any] = {}
        for year in years:
            entry = parameters[name].entry_on(date(year, 1, 1))
            if entry is not None and isinstance(entry.value, Decimal):
                values[f"{year}-01-01"] = {"value": float(entry.value)}
        if not values:
            continue
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {"values": values}
    return ParameterNode("", data={"contributions": tree})


CAPACITIES = ("main", "complementary", "student", "assisting_spouse", "active_pensioner")
BY_CAPACITY = {
    # OpenFisca name -> statut parameter per capacity (None: the capacity has no such figure, 0)
    "minimum_income": {
        "main": "contributions.main.minimum_income",
        "assisting_spouse": "contributions.assisting_spouse.minimum_income",
    },
    "exemption_threshold": {
        "complementary": "contributions.complementary.threshold",
        "active_pensioner": "contributions.active_pensioner.threshold",
    },
    "first_bracket_rate": {
        "main": "contributions.rates.first_bracket",
        "complementary": "contributions.rates.first_bracket",
        "student": "contributions.rates.first_bracket",
        "assisting_spouse": "contributions.rates.first_bracket",
        "active_pensioner": "contributions.rates.active_pensioner_first_bracket",
    },
}
SCALARS = {
    "second_bracket_rate": "contributions.rates.second_bracket",
    "thresholds.first": "contributions.thresholds.first",
    "thresholds.ceiling": "contributions.thresholds.ceiling",
    "primo_starter_minimum_income": "contributions.primo_starter.minimum_income",
    "student_threshold": "contributions.student.exemption_threshold",
    "indexation_coefficient": "contributions.provisional.indexation_coefficient",
    "starters.student_flat": "contributions.student.starter_provisional_quarterly",
}


def _values(parameters: ParameterSet, name: str | None, years: range) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for year in years:
        entry = parameters[name].entry_on(date(year, 1, 1)) if name else None
        if name is None:
            values[f"{year}-01-01"] = {"value": 0.0}
        elif entry is not None and isinstance(entry.value, Decimal):
            values[f"{year}-01-01"] = {"value": float(entry.value)}
    return values


def by_capacity_parameters(parameters: ParameterSet, years: range) -> ParameterNode:
    """The parameter tree of the idiomatic formulation: per-capacity figures as nodes whose children
    are the capacities, so that a formula indexes them with the capacity Enum."""
    tree: dict[str, Any] = {}
    for node_name, per_capacity in BY_CAPACITY.items():
        tree[node_name] = {
            capacity: {"values": _values(parameters, per_capacity.get(capacity), years)} for capacity in CAPACITIES
        }
    for path, name in SCALARS.items():
        values = _values(parameters, name, years)
        if not values:
            continue
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = {"values": values}
    return ParameterNode("", data={"contributions": tree})
