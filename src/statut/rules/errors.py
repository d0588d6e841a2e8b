"""Errors of the rules layer, all in the platform's one error family (:class:`StatutError`)."""

from __future__ import annotations

from statut.domain.errors import StatutError


class RulesError(StatutError):
    """Base class of every error raised by the rules layer."""

    code = "statut.rules"
    status = 422


class ParameterFileError(RulesError):
    """A parameter or reform file is malformed (a bug in shipped data or a bad reform file)."""

    code = "statut.rules.parameter_file"


class UnknownParameterError(RulesError):
    code = "statut.rules.unknown_parameter"

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown parameter {name!r}", name=name)
        self.name = name


class MissingParameterError(RulesError):
    """No figure is known for a parameter on a date: the case cannot be computed for that period."""

    code = "statut.rules.missing_parameter"

    def __init__(self, name: str, period: str, note: str = "") -> None:
        why = f" ({note})" if note else ""
        super().__init__(f"{name} has no known value for {period}{why}", name=name, period=period)
        self.name = name
        self.period = period


class InvalidCasesFileError(RulesError):
    """A cases file cannot be read at all (missing column, non-numeric value, wrong encoding)."""

    code = "statut.rules.invalid_cases_file"
