"""Turn a policy :class:`~statut.access.policy.Decision` into the platform's errors.

A concealed refusal reads exactly like a dossier that does not exist (same status, code and text),
so that a caller outside their scope learns nothing about the person; other refusals are 403 with
the policy's reason code.
"""

from __future__ import annotations

from statut.access.errors import AccessDenied
from statut.access.policy import Decision
from statut.domain.errors import NotFound

NOT_IN_SCOPE = "no dossier for this national number within your access"

_MESSAGES = {
    "analyst_aggregates_only": "analysts see pseudonymised aggregates only, never a person's dossier",
    "purpose_required": "state the purpose of this consultation (X-Statut-Purpose header, 5 to 200 characters)",
    "citizens_only": "this route is for a person's own data",
    "other_fund": "this route is about another fund",
    "fund_agents_only": "only an agent of the person's fund registers a mandate at the counter",
    "role_not_allowed": "your role does not give access to this route",
}


def require(decision: Decision) -> Decision:
    if decision.allowed:
        return decision
    if decision.conceal:
        raise NotFound(NOT_IN_SCOPE, code="statut.not_found")
    raise AccessDenied(decision.reason, _MESSAGES.get(decision.reason, "access denied"))
