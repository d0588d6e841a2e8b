"""The trace of one computed case: every input, parameter (with its legal reference) and
intermediate value, rendered as an explanation in fr, nl, de or en.

The engine does not build traces itself: it hands its intermediate columns to a :class:`TraceRecorder`
(one case, index 0) and :mod:`statut.rules.explain` turns them into :class:`TraceStep` items whose
message templates live in ``translations/messages.yaml``. Values stay typed (:class:`Amount`,
:class:`Rate`...) so that each language formats them its own way, and ``to_dict`` gives the API a
JSON-ready form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from statut.rules.messages import format_date, format_eur, format_number, format_rate, language, message


@dataclass(frozen=True, slots=True)
class Amount:
    """Euros; ``max_places`` above 2 shows an exact intermediate value before rounding."""

    value: Decimal
    max_places: int = 2


@dataclass(frozen=True, slots=True)
class Rate:
    value: Decimal


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal


@dataclass(frozen=True, slots=True)
class Phrase:
    """A translated text (a message key and its arguments)."""

    key: str
    args: Mapping[str, Arg] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Label:
    """A text given in each language by the data itself (a parameter's label)."""

    texts: Mapping[str, str]


Arg = Amount | Rate | Number | Phrase | Label | bool | int | str | date


def _answer(value: bool, lang: str) -> str:
    return message("answer.yes" if value else "answer.no", lang)


_FORMATTERS: dict[type, Callable[[Any, str], str]] = {
    Amount: lambda value, lang: format_eur(value.value, lang, max_places=value.max_places),
    Rate: lambda value, lang: format_rate(value.value, lang),
    Number: lambda value, lang: format_number(value.value, lang, places=0, max_places=8),
    Label: lambda value, lang: str(value.texts[lang]),
    bool: _answer,
    date: format_date,
}


def render_arg(value: Arg, lang: str) -> str:
    """An argument as text in ``lang`` (amounts, rates and dates in the language's style)."""
    if isinstance(value, Phrase):
        return message(value.key, lang, **{name: render_arg(arg, lang) for name, arg in value.args.items()})
    formatter = _FORMATTERS.get(type(value))
    return formatter(value, lang) if formatter is not None else str(value)


def json_arg(value: Arg) -> object:
    if isinstance(value, Amount | Rate | Number):
        return str(value.value)
    if isinstance(value, Phrase):
        return {"key": value.key, "args": {name: json_arg(arg) for name, arg in value.args.items()}}
    if isinstance(value, Label):
        return dict(value.texts)
    if isinstance(value, date):
        return value.isoformat()
    return value


class StepKind(StrEnum):
    INPUT = "input"
    PARAMETER = "parameter"
    INTERMEDIATE = "intermediate"
    RESULT = "result"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One line of a trace: a stable ``name``, its value, and the message that explains it."""

    kind: StepKind
    name: str
    message: str
    args: Mapping[str, Arg]
    value: Arg | None = None
    reference: str = ""
    status: str = ""
    note: str = ""

    def render(self, lang: str) -> str:
        return message(self.message, lang, **{name: render_arg(arg, lang) for name, arg in self.args.items()})

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": self.kind.value,
            "name": self.name,
            "value": None if self.value is None else json_arg(self.value),
            "message": self.message,
            "args": {name: json_arg(arg) for name, arg in self.args.items()},
        }
        for key in ("reference", "status", "note"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if lang is not None:
            data["text"] = self.render(lang)
        return data


_SECTIONS = (
    (StepKind.INPUT, "trace.section.inputs"),
    (StepKind.PARAMETER, "trace.section.parameters"),
    (StepKind.INTERMEDIATE, "trace.section.steps"),
    (StepKind.RESULT, "trace.section.result"),
    (StepKind.ERROR, "trace.section.result"),
)


@dataclass(frozen=True)
class Trace:
    """Everything that went into one computed case, in order."""

    subject: str  # "final_contribution" or "provisional_contribution"
    title_args: Mapping[str, Arg]
    steps: tuple[TraceStep, ...]
    uses_unconfirmed: bool = False

    @property
    def error(self) -> TraceStep | None:
        return next((step for step in self.steps if step.kind is StepKind.ERROR), None)

    def step(self, name: str) -> TraceStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def value(self, name: str) -> Arg | None:
        return self.step(name).value

    def render(self, lang: str = "en") -> str:
        lang = language(lang)
        lines = [render_arg(Phrase(f"trace.title.{self.subject}", self.title_args), lang)]
        lines.append(message("trace.legal_basis", lang))
        shown: set[str] = set()
        for kind, section in _SECTIONS:
            steps = [step for step in self.steps if step.kind is kind]
            if not steps:
                continue
            if section not in shown:
                lines += ["", message(section, lang)]
                shown.add(section)
            lines += [f"  - {step.render(lang)}" for step in steps]
        if self.uses_unconfirmed:
            lines += ["", message("trace.unconfirmed_warning", lang)]
        return "\n".join(lines)

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        return {
            "subject": self.subject,
            "title": {name: json_arg(arg) for name, arg in self.title_args.items()},
            "uses_unconfirmed": self.uses_unconfirmed,
            "error": None if self.error is None else self.error.to_dict(lang),
            "steps": [step.to_dict(lang) for step in self.steps],
        }


class TraceRecorder:
    """Keeps the first element of every column the engine records: the intermediate values of one case."""

    def __init__(self) -> None:
        self.values: dict[str, int | bool] = {}

    def record(self, name: str, value: npt.ArrayLike) -> None:
        item = np.asarray(value).reshape(-1)[0].item()
        self.values[name] = item if isinstance(item, bool) else int(item)

    def __getitem__(self, name: str) -> int:
        return int(self.values[name])

    def flag(self, name: str) -> bool:
        return bool(self.values[name])
