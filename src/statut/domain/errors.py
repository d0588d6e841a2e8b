"""One error family for the whole platform.

Every error a user can cause is a :class:`StatutError` with a stable machine ``code``; entry points
turn them into RFC 9457 problem+json (API), a readable page (portal) or one clear line and a non-zero
exit (CLI). Nothing else should reach a user.
"""

from __future__ import annotations

from typing import Any


class StatutError(Exception):
    """Base class: a message for people and a stable code for machines."""

    code: str = "statut.error"
    status: int = 400

    def __init__(self, message: str, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class DomainValidationError(StatutError):
    """A value breaks a domain rule. Names the field and the offending value."""

    code = "statut.invalid"
    status = 400

    def __init__(self, field: str, value: object, reason: str, code: str | None = None) -> None:
        shown = repr(value) if not isinstance(value, str) else repr(value[:80])
        super().__init__(f"{field}: {reason} (got {shown})", code=code, field=field, value=str(value)[:200])
        self.field = field
        self.value = value
        self.reason = reason


class InvalidIdentifier(DomainValidationError):
    code = "statut.invalid.identifier"


class InvalidAmount(DomainValidationError):
    code = "statut.invalid.amount"


class InvalidPeriod(DomainValidationError):
    code = "statut.invalid.period"


class NotFound(StatutError):
    code = "statut.not_found"
    status = 404


class Conflict(StatutError):
    code = "statut.conflict"
    status = 409


class PermissionDenied(StatutError):
    code = "statut.forbidden"
    status = 403


class Unauthenticated(StatutError):
    code = "statut.unauthenticated"
    status = 401


class IntegrityViolation(StatutError):
    """Stored data no longer matches its audit trail (for example a tampered ledger)."""

    code = "statut.integrity"
    status = 500
