"""Legislation as dated data: parameters read from the YAML files of ``statut/rules/parameters/``.

Each parameter has a label in fr, nl, de and en, a unit, a validity and dated values; each value has
its start date, its legal reference (law, royal decree or the page named in the domain reference) and
a status. A value may be ``null``: no figure is known for that period, and a case that needs it cannot
be computed (the engine says so instead of inventing a number). A value whose status is
``unconfirmed`` is used but listed (``statut rules parameters --unconfirmed``).

Two validities (docs/legislation.md, "How the parameters are organised"):

- ``calendar_year``: amounts indexed every year (thresholds, minimum incomes). A value holds for the
  calendar year of its start date only; a year without its own entry has no value.
- ``until_next``: a value holds from its start date until the next entry (rates, ages).

A :class:`ParameterSet` is immutable: a reform (:mod:`statut.rules.reforms`) builds a new set from the
baseline and its overrides and never changes the baseline.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from statut.rules.errors import MissingParameterError, ParameterFileError, UnknownParameterError

LANGUAGES: tuple[str, ...] = ("fr", "nl", "de", "en")
UNITS = frozenset(
    {"rate", "coefficient", "EUR/year", "EUR/quarter", "EUR/month", "EUR/day", "years", "quarters", "months", "days"}
    | {"vouchers", "table"}
)


class ValueStatus(StrEnum):
    CONFIRMED = "confirmed"  # a named source gives the figure
    UNCONFIRMED = "unconfirmed"  # no official confirmation (or no figure at all when the value is null)
    REFORM = "reform"  # set by a reform, not by the legislation in force


class Validity(StrEnum):
    CALENDAR_YEAR = "calendar_year"
    UNTIL_NEXT = "until_next"


TableValue = tuple[tuple[Decimal, ...], ...]
Value = Decimal | TableValue


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One dated value. ``value is None`` means that no figure is known from ``start``."""

    start: date
    value: Value | None
    reference: str
    status: ValueStatus = ValueStatus.CONFIRMED
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def unconfirmed(self) -> bool:
        return self.status is ValueStatus.UNCONFIRMED


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    label: Mapping[str, str]
    unit: str
    validity: Validity
    legal_basis: str
    values: tuple[ParameterValue, ...]
    columns: tuple[str, ...] = ()
    source_file: str = ""

    def entry_on(self, day: date) -> ParameterValue | None:
        """The entry in force on ``day`` (None when the parameter has no entry for that day)."""
        found: ParameterValue | None = None
        for entry in self.values:
            if entry.start <= day:
                found = entry
            else:
                break
        if found is not None and self.validity is Validity.CALENDAR_YEAR and found.start.year != day.year:
            return None
        return found

    def entry_for_year(self, year: int) -> ParameterValue | None:
        """The entry of a calendar year: for ``until_next`` parameters, the one in force on 1 January."""
        return self.entry_on(date(year, 1, 1))

    @property
    def years(self) -> list[int]:
        return sorted({entry.start.year for entry in self.values})

    def with_entries(self, entries: Sequence[ParameterValue]) -> Parameter:
        """A copy where ``entries`` replace the entries of the same start date or are added."""
        by_start = {entry.start: entry for entry in self.values}
        for entry in entries:
            by_start[entry.start] = entry
        return replace(self, values=tuple(by_start[start] for start in sorted(by_start)))


@dataclass(frozen=True, slots=True)
class UnconfirmedValue:
    parameter: Parameter
    entry: ParameterValue


@dataclass(frozen=True)
class ParameterSet(Mapping[str, Parameter]):
    """An immutable set of parameters: the baseline legislation or a reform of it."""

    parameters: Mapping[str, Parameter]
    name: str = "baseline"
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A read-only view over a private copy: nobody can change a set after it is built.
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise UnknownParameterError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.parameters))

    def __len__(self) -> int:
        return len(self.parameters)

    def __hash__(self) -> int:
        return id(self)

    def entry(self, name: str, day: date) -> ParameterValue:
        """The entry of ``name`` on ``day``; raises :class:`MissingParameterError` when no figure is known."""
        parameter = self[name]
        found = parameter.entry_on(day)
        period = str(day.year) if parameter.validity is Validity.CALENDAR_YEAR else day.isoformat()
        if found is None:
            raise MissingParameterError(name, period, "no entry for this period")
        if found.value is None:
            raise MissingParameterError(name, period, found.note)
        return found

    def scalar(self, name: str, day: date) -> Decimal:
        value = self.entry(name, day).value
        if not isinstance(value, Decimal):
            raise ParameterFileError(f"{name} is a table, not a single value")
        return value

    def table(self, name: str, day: date) -> TableValue:
        value = self.entry(name, day).value
        if isinstance(value, Decimal) or value is None:
            raise ParameterFileError(f"{name} is a single value, not a table")
        return value

    def unconfirmed(self) -> list[UnconfirmedValue]:
        """Every value marked unconfirmed, including the periods for which no figure is known."""
        return [
            UnconfirmedValue(self.parameters[name], entry)
            for name in self
            for entry in self.parameters[name].values
            if entry.unconfirmed
        ]

    def cached(self, key: str, build: Any) -> Any:
        """Memoise a structure derived from this (immutable) set, such as the compiled year tables."""
        if key not in self._cache:
            self._cache[key] = build(self)
        return self._cache[key]


# -- reading YAML ---------------------------------------------------------------------------------


def _decimal(raw: object, where: str) -> Decimal:
    if isinstance(raw, bool | float):
        raise ParameterFileError(f"{where}: write numbers as quoted text or integers, never floats (got {raw!r})")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise ParameterFileError(f"{where}: {raw!r} is not a number") from None
        if not value.is_finite():
            raise ParameterFileError(f"{where}: {raw!r} is not a finite number")
        return value
    raise ParameterFileError(f"{where}: {raw!r} is not a number")


def _parse_value(raw: object, columns: tuple[str, ...], where: str) -> Value | None:
    if raw is None:
        return None
    if not columns:
        return _decimal(raw, where)
    if not isinstance(raw, list) or not raw:
        raise ParameterFileError(f"{where}: a table value is a non-empty list of rows")
    rows: list[tuple[Decimal, ...]] = []
    for index, row in enumerate(raw):
        if not isinstance(row, dict) or set(row) != set(columns):
            raise ParameterFileError(f"{where}: row {index} must have exactly the columns {list(columns)}")
        rows.append(tuple(_decimal(row[column], f"{where}, row {index}, {column}") for column in columns))
    return tuple(rows)


def parse_entry(raw: object, columns: tuple[str, ...], where: str, default_status: ValueStatus) -> ParameterValue:
    """One dated value from its YAML mapping (``from``, ``value``, ``reference``, ``status``, ``note``)."""
    if not isinstance(raw, dict):
        raise ParameterFileError(f"{where}: each value is a mapping with 'from' and 'value'")
    unknown = set(raw) - {"from", "value", "reference", "status", "note"}
    if unknown:
        raise ParameterFileError(f"{where}: unknown keys {sorted(unknown)}")
    start = raw.get("from")
    if not isinstance(start, date):
        raise ParameterFileError(f"{where}: 'from' must be a date written YYYY-MM-DD (got {start!r})")
    if "value" not in raw:
        raise ParameterFileError(f"{where}: 'value' is required (write null when no figure is known)")
    value = _parse_value(raw["value"], columns, f"{where} ({start})")
    try:
        status = ValueStatus(raw.get("status", default_status.value))
    except ValueError:
        raise ParameterFileError(f"{where}: status must be one of {[s.value for s in ValueStatus]}") from None
    reference = str(raw.get("reference", "") or "").strip()
    note = str(raw.get("note", "") or "").strip()
    if value is None:
        if status is not ValueStatus.UNCONFIRMED and default_status is not ValueStatus.REFORM:
            raise ParameterFileError(f"{where} ({start}): a null value must be marked 'status: unconfirmed'")
        if not note and not reference:
            raise ParameterFileError(f"{where} ({start}): a null value needs a note saying why no figure is known")
    elif not reference:
        raise ParameterFileError(f"{where} ({start}): every value needs its legal reference")
    return ParameterValue(start=start, value=value, reference=reference, status=status, note=note)


def parse_parameters(document: object, source_file: str) -> dict[str, Parameter]:
    if not isinstance(document, dict):
        raise ParameterFileError(f"{source_file}: expected a mapping of parameter names")
    parsed: dict[str, Parameter] = {}
    for name, raw in document.items():
        where = f"{source_file}: {name}"
        if not isinstance(raw, dict):
            raise ParameterFileError(f"{where}: expected a mapping")
        label = raw.get("label")
        if not isinstance(label, dict) or any(not str(label.get(lang, "")).strip() for lang in LANGUAGES):
            raise ParameterFileError(f"{where}: 'label' needs a text in each of {', '.join(LANGUAGES)}")
        unit = str(raw.get("unit", ""))
        if unit not in UNITS:
            raise ParameterFileError(f"{where}: unit {unit!r} is not one of {sorted(UNITS)}")
        try:
            validity = Validity(str(raw.get("validity")))
        except ValueError:
            raise ParameterFileError(f"{where}: validity must be one of {[v.value for v in Validity]}") from None
        columns = tuple(str(column) for column in raw.get("columns", []) or [])
        if (unit == "table") != bool(columns):
            raise ParameterFileError(f"{where}: a table (and only a table) declares its columns")
        raw_values = raw.get("values")
        if not isinstance(raw_values, list) or not raw_values:
            raise ParameterFileError(f"{where}: 'values' must be a non-empty list")
        entries = [parse_entry(item, columns, where, ValueStatus.CONFIRMED) for item in raw_values]
        starts = [entry.start for entry in entries]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ParameterFileError(f"{where}: values must be in increasing order of 'from', one per date")
        if validity is Validity.CALENDAR_YEAR and any((s.month, s.day) != (1, 1) for s in starts):
            raise ParameterFileError(f"{where}: a calendar-year value starts on 1 January")
        parsed[str(name)] = Parameter(
            name=str(name),
            label={lang: str(label[lang]) for lang in LANGUAGES},
            unit=unit,
            validity=validity,
            legal_basis=str(raw.get("legal_basis", "")).strip(),
            values=tuple(entries),
            columns=columns,
            source_file=source_file,
        )
    return parsed


def read_yaml(text: str, source: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterFileError(f"{source}: not valid YAML ({exc})") from None


@functools.cache
def load_parameters() -> ParameterSet:
    """The baseline legislation shipped with the package (read once, then shared: it is immutable)."""
    parameters: dict[str, Parameter] = {}
    folder = resources.files("statut.rules.parameters")
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".yaml"):
            continue
        document = read_yaml(item.read_text(encoding="utf-8"), item.name)
        for name, parameter in parse_parameters(document, item.name).items():
            if name in parameters:
                raise ParameterFileError(f"{item.name}: {name} is already defined in {parameters[name].source_file}")
            parameters[name] = parameter
    return ParameterSet(parameters)
