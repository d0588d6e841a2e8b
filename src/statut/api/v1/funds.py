"""A fund's members (its agents and IT system; institution agents with a purpose).

The batch upload ``POST /api/v1/funds/{code}/batches`` belongs here too, behind the same policy
(``Action.UPLOAD_FUND_BATCH``: the fund's own system or agents only); it is wired when the ingestion
service exists (issue 3).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from statut.api.deps import Access, CurrentActor, Purpose, RequestId, RuntimeDep, decode_after
from statut.api.text import SafeText
from statut.api.v1.common import DEFAULT_LIMIT, MAX_LIMIT, problems
from statut.api.v1.schemas import MemberPage, MemberRead
from statut.services.members import list_members

router = APIRouter(tags=["funds"])

FundCode = Annotated[SafeText, Path(max_length=16, description="Code of the fund")]


@router.get(
    "/funds/{code}/members",
    response_model=MemberPage,
    summary="Current members of a fund (search by last-name prefix)",
    responses=problems(400, 403, 404),
)
def members(
    *,
    code: FundCode,
    actor: CurrentActor,
    runtime: RuntimeDep,
    access: Access,
    purpose: Purpose,
    request_id: RequestId,
    q: Annotated[SafeText | None, Query(max_length=50, description="Last-name prefix, case-insensitive")] = None,
    cursor: Annotated[SafeText | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> MemberPage:
    """Each member listed is an entry of their access log. No total is given: pages only."""
    # The cursor is bound to the fund, the search and the caller: it cannot be replayed elsewhere.
    scope = f"members:{code}:{q or ''}:{actor.key}"
    after = decode_after(access, scope, cursor, "after", int) or 0
    with runtime.unit_of_work() as uow:
        rows = list_members(
            uow,
            actor,
            code,
            after_person_id=after,
            limit=limit + 1,
            last_name_prefix=q,
            purpose=purpose,
            request_id=request_id,
        )
        uow.commit()
    page = rows[:limit]
    following = access.cursors.encode(scope, {"after": page[-1].person_id}) if len(rows) > limit else None
    return MemberPage(items=[MemberRead.model_validate(row) for row in page], next_cursor=following)
