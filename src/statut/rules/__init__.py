"""Legislation as code: dated parameters (YAML), pure column formulas, traces and reforms.

The public API (what the API, the portal, the events and the CLI call):

- parameters: :func:`load_parameters` (the baseline, immutable), :class:`ParameterSet` (``unconfirmed()``);
- contributions over columns: :func:`final_contributions`, :func:`provisional_contributions`,
  :func:`quarters_due` (exemption), :func:`due_quarter_count`, :func:`regularisation`, :func:`late_increases`,
  :func:`unpaid_at_quarter_ends`;
- one case explained: :func:`explain_final_contribution`, :func:`explain_provisional_contribution`
  (a :class:`Trace` rendered in fr, nl, de, en or given as a dict);
- career: :func:`career`, :func:`quarter_status`;
- rights: :func:`maternity_aid`, :func:`bridging_right`, :func:`pension_right`, :func:`incapacity_benefit`;
- reforms: :func:`parse_reform`, :func:`apply_reform`, :func:`budget_effect`;
- batch files: :func:`read_cases_csv`, :func:`parse_cases`, :func:`compute_cases`, :func:`results_frame`.

Amounts are integer cents, rates parts per million, capacities :class:`CapacityCode` values.
Nothing here imports the rest of statut except the domain, nor any framework or database.
"""

from statut.rules.career import Career, QuarterStatus, career, quarter_status
from statut.rules.cases import ContributionCases, compute_cases, parse_cases, read_cases_csv, results_frame
from statut.rules.codes import CapacityCode, CaseErrorCode, TriState, capacity_code, capacity_codes
from statut.rules.contributions import (
    ContributionResult,
    ProvisionalResult,
    due_quarter_count,
    final_contributions,
    provisional_contributions,
    quarters_due,
    regularisation,
)
from statut.rules.errors import (
    InvalidCasesFileError,
    MissingParameterError,
    ParameterFileError,
    RulesError,
    UnknownParameterError,
)
from statut.rules.explain import explain_final_contribution, explain_provisional_contribution
from statut.rules.late_payment import LateIncreases, late_increases, unpaid_at_quarter_ends
from statut.rules.parameter_set import Parameter, ParameterSet, ParameterValue, ValueStatus, load_parameters
from statut.rules.reforms import BudgetEffect, Reform, apply_reform, budget_effect, parse_reform
from statut.rules.rights.bridging import BridgingRight, BridgingTrigger, bridging_right
from statut.rules.rights.incapacity import Household, IncapacityBenefit, incapacity_benefit
from statut.rules.rights.maternity import MaternityAid, maternity_aid
from statut.rules.rights.outcome import Outcome
from statut.rules.rights.pension import PensionRight, pension_right
from statut.rules.trace import Trace, TraceStep

__all__ = [
    "BridgingRight",
    "BridgingTrigger",
    "BudgetEffect",
    "CapacityCode",
    "Career",
    "CaseErrorCode",
    "ContributionCases",
    "ContributionResult",
    "Household",
    "IncapacityBenefit",
    "InvalidCasesFileError",
    "LateIncreases",
    "MaternityAid",
    "MissingParameterError",
    "Outcome",
    "Parameter",
    "ParameterFileError",
    "ParameterSet",
    "ParameterValue",
    "PensionRight",
    "ProvisionalResult",
    "QuarterStatus",
    "Reform",
    "RulesError",
    "Trace",
    "TraceStep",
    "TriState",
    "UnknownParameterError",
    "ValueStatus",
    "apply_reform",
    "bridging_right",
    "budget_effect",
    "capacity_code",
    "capacity_codes",
    "career",
    "compute_cases",
    "due_quarter_count",
    "explain_final_contribution",
    "explain_provisional_contribution",
    "final_contributions",
    "incapacity_benefit",
    "late_increases",
    "load_parameters",
    "maternity_aid",
    "parse_cases",
    "parse_reform",
    "pension_right",
    "provisional_contributions",
    "quarter_status",
    "quarters_due",
    "read_cases_csv",
    "regularisation",
    "results_frame",
    "unpaid_at_quarter_ends",
]
