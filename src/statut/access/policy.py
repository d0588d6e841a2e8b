"""The access policy: deny by default, one module for the API and the portal.

Every decision is a pure function of facts the services gather (who asks, about whom, the person's
current funds, the mandates in force, the purpose stated) and returns a :class:`Decision`: allowed or
not, a stable reason code, the dossier sections it opens, the legal basis recorded in the access log,
and whether a refusal must look like "not found" (so that a caller outside their scope cannot learn
whether a person exists or where they are affiliated).

Legal bases (Regulation (EU) 2016/679, GDPR):

- a person reading their own data: art. 15 (right of access);
- a mandatary: art. 6(1)(a), the consent the person gave by the mandate, within its scope and dates;
- a fund agent or a fund's IT system, for the fund's current members: art. 6(1)(c) and (e), the
  fund's legal tasks (Royal Decree n°38 of 27 July 1967, art. 20), and art. 9(2)(b) for the health
  data a dossier may hold (incapacity);
- an institution agent (INASTI/RSVZ): art. 6(1)(e), its public task (RD n°38 art. 21), for a
  stated purpose that is logged;
- an analyst: art. 89 (statistics), on pseudonymised aggregates only, never a person's dossier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from statut.access.identity import ALL_SECTIONS, Actor, Role, Section

MIN_PURPOSE_LENGTH = 5
MAX_PURPOSE_LENGTH = 200


class Action(StrEnum):
    READ_DOSSIER = "dossier.read"
    READ_OWN_ACCESS_LOG = "access_log.read_own"
    MANAGE_OWN_MANDATES = "mandates.manage_own"
    READ_MANDATES_RECEIVED = "mandates.read_received"
    ANSWER_OWN_PROPOSAL = "decisions.answer_own"  # the person answers a proposal made to them
    REGISTER_MANDATE_AT_COUNTER = "mandates.register_at_counter"
    LIST_FUND_MEMBERS = "fund.members.list"
    UPLOAD_FUND_BATCH = "fund.batches.upload"
    READ_FUND_BATCHES = "fund.batches.read"
    READ_AGGREGATES = "statistics.read"
    READ_FUND_FINDINGS = "fund.findings.read"
    HANDLE_FUND_FINDINGS = "fund.findings.handle"
    REVIEW_DUPLICATES = "quality.review"


class LegalBasis(StrEnum):
    DATA_SUBJECT_ACCESS = "GDPR art. 15: the data subject's right of access"
    MANDATE = "GDPR art. 6(1)(a): consent given by mandate"
    FUND_TASK = "GDPR art. 6(1)(c)(e), art. 9(2)(b): the fund's legal tasks (RD n°38 of 27 July 1967, art. 20)"
    INSTITUTION_TASK = "GDPR art. 6(1)(e): INASTI's public task (RD n°38 of 27 July 1967, art. 21)"
    STATISTICS = "GDPR art. 89: statistics on pseudonymised aggregates"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    sections: frozenset[Section] = frozenset()
    legal_basis: str = ""
    #: Refuse as "not found": the caller may not learn whether the subject exists.
    conceal: bool = False
    mandate_ids: tuple[str, ...] = ()


def allow(reason: str, basis: LegalBasis, sections: frozenset[Section] = ALL_SECTIONS, **extra: object) -> Decision:
    return Decision(True, reason, sections, basis.value, **extra)  # type: ignore[arg-type]


def deny(reason: str, *, conceal: bool = False) -> Decision:
    return Decision(False, reason, conceal=conceal)


@dataclass(frozen=True, slots=True)
class MandateFact:
    """A mandate in force from the subject to the actor (the services check dates and revocation)."""

    mandate_id: str
    scopes: frozenset[Section]


@dataclass(frozen=True, slots=True)
class DossierSubject:
    """What the policy needs to know about the person whose dossier is asked for."""

    exists: bool
    national_number: str
    current_funds: frozenset[str] = frozenset()
    mandates_to_actor: tuple[MandateFact, ...] = ()


def valid_purpose(purpose: str | None) -> bool:
    return purpose is not None and MIN_PURPOSE_LENGTH <= len(purpose.strip()) <= MAX_PURPOSE_LENGTH


def decide_dossier(actor: Actor, subject: DossierSubject, purpose: str | None = None) -> Decision:  # noqa: PLR0911 - a decision table reads best as early returns
    """May ``actor`` read the dossier of ``subject``, and which sections?"""
    if actor.role is Role.ANALYST:
        return deny("analyst_aggregates_only")
    if actor.role is Role.INSTITUTION_AGENT:
        if not valid_purpose(purpose):
            return deny("purpose_required")
        if not subject.exists:
            return deny("unknown_person", conceal=True)
        return allow("institution_with_purpose", LegalBasis.INSTITUTION_TASK)
    if not subject.exists:
        return deny("unknown_person", conceal=True)
    if actor.role is Role.CITIZEN:
        if actor.national_number == subject.national_number:
            return allow("own_dossier", LegalBasis.DATA_SUBJECT_ACCESS)
        if subject.mandates_to_actor:
            sections = frozenset().union(*(mandate.scopes for mandate in subject.mandates_to_actor))
            ids = tuple(mandate.mandate_id for mandate in subject.mandates_to_actor)
            return allow("mandate_in_force", LegalBasis.MANDATE, frozenset(sections), mandate_ids=ids)
        return deny("no_mandate_in_force", conceal=True)
    if actor.role in (Role.FUND_AGENT, Role.FUND_SYSTEM):
        if actor.fund_code is not None and actor.fund_code in subject.current_funds:
            # The whole dossier, history included: a member's career spans their earlier funds.
            return allow("fund_current_member", LegalBasis.FUND_TASK)
        return deny("not_a_current_member", conceal=True)
    return deny("role_not_allowed")


def decide_own(actor: Actor, action: Action) -> Decision:
    """Routes about the caller themselves (``/me/...``): citizens only."""
    if action not in (
        Action.READ_OWN_ACCESS_LOG,
        Action.MANAGE_OWN_MANDATES,
        Action.READ_MANDATES_RECEIVED,
        Action.ANSWER_OWN_PROPOSAL,
    ):
        return deny("not_an_own_action")
    if actor.role is Role.CITIZEN and actor.national_number:
        basis = LegalBasis.DATA_SUBJECT_ACCESS
        return allow("own_data", basis)
    return deny("citizens_only")


def decide_fund(actor: Actor, action: Action, fund_code: str, purpose: str | None = None) -> Decision:  # noqa: PLR0911 - a decision table
    """Routes about a fund as a whole: its member list, its batches."""
    if action is Action.LIST_FUND_MEMBERS:
        if actor.role in (Role.FUND_AGENT, Role.FUND_SYSTEM):
            if actor.fund_code == fund_code:
                return allow("own_fund", LegalBasis.FUND_TASK, frozenset({Section.IDENTITY, Section.AFFILIATIONS}))
            return deny("other_fund")
        if actor.role is Role.INSTITUTION_AGENT:
            if not valid_purpose(purpose):
                return deny("purpose_required")
            return allow(
                "institution_with_purpose",
                LegalBasis.INSTITUTION_TASK,
                frozenset({Section.IDENTITY, Section.AFFILIATIONS}),
            )
        return deny("role_not_allowed")
    if action in (Action.UPLOAD_FUND_BATCH, Action.READ_FUND_BATCHES):
        # A batch and its report speak of the fund's own records: for the fund's system and agents only.
        if actor.role in (Role.FUND_SYSTEM, Role.FUND_AGENT):
            if actor.fund_code == fund_code:
                return allow("own_fund", LegalBasis.FUND_TASK, frozenset())
            return deny("other_fund")
        return deny("role_not_allowed")
    return deny("not_a_fund_action")


def decide_counter_mandate(actor: Actor, fund_code: str, subject: DossierSubject) -> Decision:
    """May ``actor`` register, at the counter of ``fund_code``, a mandate signed on paper by ``subject``?"""
    if actor.role is not Role.FUND_AGENT:
        return deny("fund_agents_only")
    if actor.fund_code != fund_code:
        return deny("other_fund")
    if not subject.exists or actor.fund_code not in subject.current_funds:
        return deny("not_a_current_member", conceal=True)
    return allow("fund_current_member", LegalBasis.FUND_TASK, frozenset())


def decide_aggregates(actor: Actor) -> Decision:
    if actor.role in (Role.ANALYST, Role.INSTITUTION_AGENT):
        return allow("aggregates", LegalBasis.STATISTICS, frozenset())
    return deny("role_not_allowed")


def parse_sections(codes: Iterable[str]) -> frozenset[Section]:
    """Sections named by text codes, unknown codes ignored (a stored scope never widens by mistake)."""
    known = {section.value for section in Section}
    return frozenset(Section(code) for code in codes if code in known)


def decide_findings(actor: Actor, action: Action, fund_code: str) -> Decision:
    """A fund's data-quality findings (issue 4): its own agents and IT system only. The findings
    name the fund's records and their defects; other funds and other roles have no task there."""
    if action not in (Action.READ_FUND_FINDINGS, Action.HANDLE_FUND_FINDINGS):
        return deny("not_a_findings_action")
    if actor.role in (Role.FUND_AGENT, Role.FUND_SYSTEM):
        if actor.fund_code == fund_code:
            return allow("own_fund", LegalBasis.FUND_TASK, frozenset())
        return deny("other_fund")
    return deny("role_not_allowed")


def decide_duplicate_review(actor: Actor) -> Decision:
    """The duplicate-persons review queue and merges (issue 4): INASTI's data stewards, whose public
    task is the register itself (RD n°38 art. 21); a fund only sees its own members."""
    if actor.role is Role.INSTITUTION_AGENT:
        return allow("institution_data_steward", LegalBasis.INSTITUTION_TASK)
    return deny("role_not_allowed")
