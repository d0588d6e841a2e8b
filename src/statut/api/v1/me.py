"""The caller's own data: who consulted it (the access log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from statut.api.deps import Access, CurrentActor, RuntimeDep, decode_after
from statut.api.text import SafeText
from statut.api.v1.common import DEFAULT_LIMIT, MAX_LIMIT, problems
from statut.api.v1.schemas import AccessLogPage, AccessRecordRead
from statut.services.access_log import my_access_log

router = APIRouter(tags=["me"])


@router.get(
    "/me/access-log",
    response_model=AccessLogPage,
    summary="Who consulted your data, when, why and on which legal basis (newest first)",
    responses=problems(400, 403),
)
def access_log(
    actor: CurrentActor,
    runtime: RuntimeDep,
    access: Access,
    cursor: Annotated[SafeText | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AccessLogPage:
    """GDPR art. 15(1)(c): the recipients to whom your personal data have been disclosed."""
    scope = f"access-log:{actor.key}"
    before = decode_after(access, scope, cursor, "before", int)
    with runtime.unit_of_work(read_only=True) as uow:
        records = my_access_log(uow, actor, before_seq=before, limit=limit + 1)
    page = records[:limit]
    following = access.cursors.encode(scope, {"before": page[-1].seq}) if len(records) > limit else None
    return AccessLogPage(items=[AccessRecordRead.model_validate(r) for r in page], next_cursor=following)
