"""Who is calling: roles, dossier sections, and the :class:`Actor` a verified token describes.

A mandatary (an accountant, a family member) is not a role: it is a citizen to whom another person
gave a mandate; what they may read follows from the mandates in force, checked at each request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"  # a natural person: a self-employed person, an accountant, a family member...
    FUND_AGENT = "fund_agent"  # an agent of a social insurance fund, at the counter or the back office
    FUND_SYSTEM = "fund_system"  # a fund's IT system (OAuth 2.0 client credentials)
    INSTITUTION_AGENT = "institution_agent"  # an agent of INASTI/RSVZ
    ANALYST = "analyst"  # policy analysis: pseudonymised aggregates only


class Section(StrEnum):
    """The parts of a dossier; a mandate's scope is a set of them."""

    IDENTITY = "identity"
    AFFILIATIONS = "affiliations"
    INCOMES = "incomes"
    CONTRIBUTIONS = "contributions"
    CAREER = "career"
    RIGHTS = "rights"
    FINDINGS = "findings"


ALL_SECTIONS: frozenset[Section] = frozenset(Section)


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller, as established by a verified token. Nothing here is taken from the request itself."""

    subject: str
    role: Role
    name: str = ""
    national_number: str | None = None  # citizens only
    fund_code: str | None = None  # fund agents and fund systems only
    client_id: str | None = None  # fund systems only

    @property
    def key(self) -> str:
        """How the actor is named in the ledger and the rate limiter: ``role:subject``."""
        return f"{self.role.value}:{self.subject}"
