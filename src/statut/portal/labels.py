"""Plain-language names of the codes the services return (capacity, statuses, sections, rights...).

Templates call ``label("capacity", a.capacity)``: the translated name, or the code itself when it
has none (a new code shows up as is rather than breaking the page).
"""

from __future__ import annotations

from collections.abc import Callable

from statut.portal.rendering import N_

LABELS: dict[str, dict[str, str]] = {
    "capacity": {
        "main": N_("self-employed as main occupation"),
        "complementary": N_("self-employed alongside a job"),
        "student": N_("student self-employed"),
        "assisting_spouse": N_("assisting spouse or partner"),
        "active_pensioner": N_("self-employed after retirement"),
    },
    "contribution_status": {
        "due": N_("not yet due"),
        "paid": N_("paid"),
        "partial": N_("partly paid"),
        "unpaid": N_("unpaid"),
        "exempted": N_("exempted"),
    },
    "career_reason": {
        "paid": N_("contributions paid"),
        "assimilated": N_("treated as worked (for example illness)"),
        "exempted": N_("exempted: does not count"),
        "unpaid": N_("unpaid: does not count yet"),
    },
    "section": {
        "identity": N_("identity and address"),
        "affiliations": N_("affiliations"),
        "incomes": N_("incomes"),
        "contributions": N_("contributions"),
        "career": N_("career"),
        "rights": N_("rights and decisions"),
        "findings": N_("data-quality findings"),
    },
    "relationship": {
        "accountant": N_("accountant"),
        "family": N_("family member"),
        "other": N_("other person"),
    },
    "right": {
        "pension": N_("Pension"),
        "maternity": N_("Maternity aid"),
        "bridging": N_("Bridging right"),
    },
    "outcome": {
        "eligible": N_("you are entitled"),
        "not_eligible": N_("you are not entitled"),
        "missing_data": N_("we need more information"),
        "supplement": N_("supplement to pay"),
        "refund": N_("refund"),
        "balanced": N_("nothing to settle"),
        "closed": N_("closed"),
        "computed": N_("computed"),
    },
    "decision_kind": {
        "maternity_aid": N_("Maternity aid"),
        "final_contributions": N_("Final contributions"),
        "bridging_right": N_("Bridging right"),
        "pension_examination": N_("Pension examination"),
        "dossier_closed": N_("Dossier closed"),
    },
    "decision_status": {
        "proposed": N_("proposed to you"),
        "granted": N_("granted"),
        "refused": N_("refused"),
        "pending_information": N_("waiting for information"),
        "notified": N_("notified"),
        "closed": N_("closed"),
        "declined": N_("declined by you"),
    },
    "regularisation": {
        "supplement": N_("supplement to pay"),
        "refund": N_("refund"),
        "none": N_("nothing to settle"),
        "not_computable": N_("cannot be computed yet"),
    },
    "role": {
        "citizen": N_("a person"),
        "fund_agent": N_("an agent of a fund"),
        "fund_system": N_("a fund's computer system"),
        "institution_agent": N_("an agent of INASTI"),
        "analyst": N_("a policy analyst"),
    },
    "mandate_status": {
        "active": N_("active"),
        "revoked": N_("revoked"),
    },
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, object], str]:
    def label(kind: str, value: object) -> str:
        message = LABELS.get(kind, {}).get(str(value))
        return gettext(message) if message else str(value)

    return label
