"""The fund agent's desk: find a member of the fund by national number or by name.

Only the fund's *current* members can be found, by the same policy as the API's member list
(``Action.LIST_FUND_MEMBERS``, own fund only) and the same repository query, which never looks
outside the fund. A national number that belongs to another fund's member, to a former member or to
nobody gives the same empty answer, so the desk cannot tell where anyone else is affiliated. No total
is ever given: a page of at most ``limit`` members and whether there are more.

Every member shown is a read of personal data (number, name, capacity) and goes to their access log,
like the API's member list (services/members.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from statut.access.enforce import require
from statut.access.identity import Actor
from statut.access.policy import Action, decide_fund
from statut.domain.errors import DomainValidationError
from statut.domain.identifiers import parse_person_number
from statut.services.access_log import record_read
from statut.services.members import list_members
from statut.store.members import MemberRow
from statut.store.unit_of_work import UnitOfWork

MIN_NAME_PREFIX = 2
MAX_QUERY = 50
#: Digits with the usual separators: the query is a national number, not a name.
_NUMBER_LIKE = re.compile(r"^[0-9 .\-/]+$")


@dataclass(frozen=True, slots=True)
class MemberSearch:
    query: str
    by_number: bool
    members: list[MemberRow]
    more: bool  # the page is full: there may be more members, refine the search


def find_members(
    uow: UnitOfWork, actor: Actor, query: str, *, limit: int = 20, request_id: str | None = None
) -> MemberSearch:
    """Members of the agent's fund whose national number is ``query``, or whose last name starts so."""
    fund_code = actor.fund_code or ""
    decision = require(decide_fund(actor, Action.LIST_FUND_MEMBERS, fund_code))
    text = query.strip()
    if not text or len(text) > MAX_QUERY:
        raise DomainValidationError("q", text[:MAX_QUERY], f"1 to {MAX_QUERY} characters")
    if _NUMBER_LIKE.match(text):
        number = parse_person_number(text, field="q").value
        person_id = uow.persons.find_id(number)
        found: list[MemberRow] = []
        if person_id is not None:
            # The fund's own member list, positioned on this person: a member of another fund is not in it.
            page = uow.members.page(fund_code, uow.clock().date(), after_person_id=person_id - 1, limit=1)
            found = [row for row in page if row.person_id == person_id]
        for row in found:
            record_read(
                uow,
                actor,
                row.person_id,
                decision.sections,
                decision,
                what="fund.members.find",
                request_id=request_id,
            )
        return MemberSearch(text, True, found, False)
    if len(text) < MIN_NAME_PREFIX:
        raise DomainValidationError("q", text, f"at least {MIN_NAME_PREFIX} letters of the last name")
    # Exactly ``limit`` rows (each one logged): a full page says "there may be more", never how many.
    rows = list_members(uow, actor, fund_code, limit=limit, last_name_prefix=text, request_id=request_id)
    return MemberSearch(text, False, rows, len(rows) >= limit)
