"""Reading form fields safely: every problem becomes a message next to its field, in the user's language.

Hostile or malformed input (NUL and other control characters, oversized values, impossible dates,
unknown choices) never reaches a service: the page is shown again with the messages and the values
that were acceptable, and nothing changes. What the services refuse afterwards (a rule of the
domain, such as "the end is after the start") is mapped back onto its field by
:meth:`FieldErrors.from_service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from starlette.datastructures import FormData

from statut.domain.errors import DomainValidationError
from statut.portal.rendering import N_

MSG_CONTROL = N_("This field contains characters that are not allowed.")
MSG_TOO_LONG = N_("This field is too long: at most %(max)s characters.")
MSG_REQUIRED = N_("This field is required.")
MSG_DATE = N_("Enter a date as YYYY-MM-DD, for example 2027-01-31.")
MSG_CHOICE = N_("Choose one of the options shown.")


class FieldErrors(dict[str, str]):
    """Field name -> message id (translated by the template)."""

    def from_service(self, error: DomainValidationError, messages: Mapping[str, str], default_field: str) -> None:
        field = error.field if error.field in messages else default_field
        self[field] = messages.get(error.field, messages[default_field])


def _clean(value: str) -> str | None:
    """The text, or None when it holds control characters (NUL included); tabs and newlines are not
    allowed in these one-line fields either."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    return value.strip()


def text(form: FormData, name: str, errors: FieldErrors, *, max_length: int, required: bool = True) -> str:
    raw = form.get(name)
    value = raw if isinstance(raw, str) else ""
    if len(value) > max_length:
        errors[name] = MSG_TOO_LONG
        return ""
    cleaned = _clean(value)
    if cleaned is None:
        errors[name] = MSG_CONTROL
        return ""
    if required and not cleaned:
        errors[name] = MSG_REQUIRED
    return cleaned


def optional_date(form: FormData, name: str, errors: FieldErrors) -> date | None:
    value = text(form, name, errors, max_length=10, required=False)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = MSG_DATE
        return None


def choice(form: FormData, name: str, allowed: Iterable[str], errors: FieldErrors) -> str:
    value = text(form, name, errors, max_length=40)
    if value and value not in set(allowed):
        errors[name] = MSG_CHOICE
        return ""
    return value


def choices(form: FormData, name: str, allowed: Iterable[str], errors: FieldErrors) -> list[str]:
    known = set(allowed)
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    if any(v not in known for v in values):
        errors[name] = MSG_CHOICE
        return [v for v in values if v in known]
    if not values:
        errors[name] = MSG_REQUIRED
    return values
