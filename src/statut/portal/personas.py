"""How the development issuer's demo personas are presented: a title and one line of what to try.

Persona names come from statut.access.dev_issuer; the texts here are message ids (translated where
shown). A signed-in persona is named by its translated title in the page header.
"""

from __future__ import annotations

from collections.abc import Callable

from statut.access.identity import Actor
from statut.portal.rendering import N_

PERSONA_TEXTS = {
    "self-employed": (
        N_("Self-employed person"),
        N_("See your own situation, contributions, career, rights and mandates."),
    ),
    "accountant": (N_("Accountant"), N_("Act for a self-employed client who gave you a mandate.")),
    "institution": (N_("INASTI agent"), N_("Follow the quality of the data of all funds, for a stated purpose.")),
    "analyst": (N_("Policy analyst"), N_("See pseudonymised figures only, never a person's dossier.")),
}
FUND_AGENT_TEXTS = (
    N_("Agent of fund %(code)s"),
    N_("Help the members of %(fund)s: find a member, read their dossier, print letters."),
)
PERSONA_SUBJECT_PREFIX = "persona:"


def display_name(actor: Actor, gettext: Callable[..., str]) -> str:
    """The name shown for the signed-in actor: a persona's translated title, else the token's name."""
    if actor.subject.startswith(PERSONA_SUBJECT_PREFIX):
        persona = actor.subject.removeprefix(PERSONA_SUBJECT_PREFIX)
        if persona in PERSONA_TEXTS:
            return gettext(PERSONA_TEXTS[persona][0])
        if actor.fund_code:
            return gettext(FUND_AGENT_TEXTS[0], code=actor.fund_code)
    return actor.name or actor.subject
