"""Errors of the access layer, in the platform's one error family (turned into RFC 9457 problems)."""

from __future__ import annotations

from statut.domain.errors import PermissionDenied, StatutError, Unauthenticated


class TokenRejected(Unauthenticated):
    """The bearer token is missing, malformed, expired, or not signed by a trusted key."""

    code = "statut.unauthenticated.token"


class AccessDenied(PermissionDenied):
    """The policy refuses: the code names the reason (``statut.forbidden.<reason>``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, code=f"statut.forbidden.{reason}")
        self.reason = reason


class PreconditionFailed(StatutError):
    """If-Match names a version that is no longer current (RFC 9110 §13.1.1)."""

    code = "statut.precondition.failed"
    status = 412


class PreconditionRequired(StatutError):
    """The route changes a resource that has versions: send If-Match (RFC 6585 §3)."""

    code = "statut.precondition.required"
    status = 428


class RateLimited(StatutError):
    """Too many requests from one client (RFC 6585 §4); ``retry_after`` in whole seconds."""

    code = "statut.rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class InvalidCursor(StatutError):
    """A pagination cursor that this server did not issue, or that was altered."""

    code = "statut.invalid.cursor"
    status = 400
