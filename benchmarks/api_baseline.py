"""The API benchmark's baseline: a bare FastAPI application that reads one row per request.

Same server (uvicorn, same workers, loop and HTTP parser), same engine factory, same database and
the same kind of sync route run in the thread pool, but no token, no policy, no rules and no access
log: what any Python web endpoint backed by PostgreSQL costs on this machine. The dossier's figures
are read against it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import select

from statut.settings import Settings
from statut.store import tables as t
from statut.store.engine import build_engine


def create_app() -> FastAPI:
    settings = Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = build_engine(settings.database_url)
        yield
        app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/one-row/{person_id}")
    def one_row(person_id: int, request: Request) -> dict[str, object]:
        with request.app.state.engine.connect() as connection:
            row = connection.execute(
                select(t.person_version.c.last_name, t.person_version.c.birth_date)
                .where(t.person_version.c.person_id == person_id)
                .limit(1)
            ).one_or_none()
        return {"person_id": person_id, "last_name": None if row is None else row.last_name}

    return app
