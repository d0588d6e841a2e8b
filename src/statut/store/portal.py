"""Repositories of the portal's tables (store/portal_tables.py): sessions and preferences.

Built on the unit of work's connection by the services that use them (services/portal_sessions.py,
services/preferences.py); like every repository they only execute statements, the entry point
commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from statut.store.portal_tables import portal_preference, portal_session

S = portal_session
P = portal_preference


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_hash: str
    actor_key: str
    claims: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class PortalSessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self, session_hash: str, actor_key: str, claims: dict[str, Any], created: datetime, expires: datetime
    ) -> None:
        self._connection.execute(
            insert(S).values(
                session_hash=session_hash,
                actor_key=actor_key,
                claims=json.dumps(claims, sort_keys=True),
                created_at=created,
                expires_at=expires,
            )
        )

    def get(self, session_hash: str) -> SessionRow | None:
        row = self._connection.execute(select(S).where(S.c.session_hash == session_hash)).first()
        if row is None:
            return None
        return SessionRow(
            row.session_hash, row.actor_key, json.loads(row.claims), row.created_at, row.expires_at, row.ended_at
        )

    def end(self, session_hash: str, moment: datetime) -> bool:
        result = self._connection.execute(
            update(S).where(S.c.session_hash == session_hash, S.c.ended_at.is_(None)).values(ended_at=moment)
        )
        return bool(result.rowcount)

    def purge_expired(self, moment: datetime) -> int:
        """Forget sessions that expired (they can never be used again)."""
        return int(self._connection.execute(delete(S).where(S.c.expires_at <= moment)).rowcount or 0)


class PreferenceRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def language(self, actor_key: str) -> str | None:
        found = self._connection.execute(select(P.c.language).where(P.c.actor_key == actor_key)).scalar()
        return None if found is None else str(found)

    def set_language(self, actor_key: str, language: str, moment: datetime) -> None:
        changed = self._connection.execute(
            update(P).where(P.c.actor_key == actor_key).values(language=language, updated_at=moment)
        )
        if not changed.rowcount:
            self._connection.execute(insert(P).values(actor_key=actor_key, language=language, updated_at=moment))
