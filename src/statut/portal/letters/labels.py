"""Words for the codes shown by the letters, the fund agent's pages and the institution's dashboard.

The codes the person pages also show (capacities, statuses, rights, roles, sections...) are named
once, in statut.portal.labels; this module adds the ones only these pages use (letter kinds, quality
dimensions, legal bases, default purposes, finding statuses) and one lookup over both, so that a
message id is defined in one catalogue only. An unknown code is shown as it is rather than hidden.
"""

from __future__ import annotations

from collections.abc import Callable

from statut.access.policy import LegalBasis
from statut.portal.labels import LABELS
from statut.portal.rendering import N_

EXTRA_LABELS: dict[str, dict[str, str]] = {
    "letter_kind": {
        "contribution": N_("Contribution notice"),
        "regularisation": N_("Regularisation notice"),
        "right": N_("Right detected"),
        "access-log": N_("Who consulted your data"),
    },
    "dimension": {
        "completeness": N_("Completeness"),
        "validity": N_("Validity"),
        "consistency": N_("Consistency"),
        "uniqueness": N_("Uniqueness"),
        "timeliness": N_("Timeliness"),
        "accuracy": N_("Accuracy"),
    },
    "legal_basis": {
        LegalBasis.DATA_SUBJECT_ACCESS.value: N_("your right of access (GDPR art. 15)"),
        LegalBasis.MANDATE.value: N_("the mandate you gave (GDPR art. 6(1)(a))"),
        LegalBasis.FUND_TASK.value: N_("the legal tasks of your fund (GDPR art. 6(1)(c) and (e); RD n°38, art. 20)"),
        LegalBasis.INSTITUTION_TASK.value: N_("the public task of INASTI (GDPR art. 6(1)(e); RD n°38, art. 21)"),
        LegalBasis.STATISTICS.value: N_("statistics on anonymous figures (GDPR art. 89)"),
    },
    # The purposes recorded when the reader states none (services/access_log.py, DEFAULT_PURPOSES).
    "purpose": {
        "consultation of one's own data": N_("you consulted your own data"),
        "management of the member's file by their fund": N_("management of your file by your fund"),
        "automated processing by the member's fund": N_("automatic processing by your fund"),
        "INASTI task": N_("a task of INASTI"),
    },
    # A right's outcome as the fund agent reads it (the person's pages say "you are entitled").
    "agent_outcome": {
        "eligible": N_("entitled"),
        "not_eligible": N_("not entitled"),
        "missing_data": N_("information missing"),
    },
    "finding_status": {
        "open": N_("open"),
        "acknowledged": N_("acknowledged"),
        "corrected": N_("corrected"),
        "dismissed": N_("dismissed"),
    },
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, object], str]:
    """``label("capacity", "main")`` in the current language, over both tables."""

    def label(kind: str, value: object) -> str:
        code = str(value)
        message = EXTRA_LABELS.get(kind, {}).get(code) or LABELS.get(kind, {}).get(code)
        return gettext(message) if message else code

    return label
