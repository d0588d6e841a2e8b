"""Fund files refused as a whole at upload, kept byte for byte (``upload_rejection``, see api_tables.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from statut.store.api_tables import upload_rejection


@dataclass(frozen=True, slots=True)
class RejectedUpload:
    rejection_id: str
    fund_code: str
    file_name: str
    content_sha256: str
    size_bytes: int
    problems: list[dict[str, Any]]
    report: dict[str, Any]
    received_at: datetime
    actor: str


class UploadRejectionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(self, fund_code: str, sha256: str) -> RejectedUpload | None:
        row = self._connection.execute(
            select(upload_rejection).where(
                upload_rejection.c.fund_code == fund_code, upload_rejection.c.content_sha256 == sha256
            )
        ).first()
        return None if row is None else _rejected(row)

    def get(self, rejection_id: str) -> RejectedUpload | None:
        row = self._connection.execute(
            select(upload_rejection).where(upload_rejection.c.rejection_id == rejection_id)
        ).first()
        return None if row is None else _rejected(row)

    def content(self, rejection_id: str) -> bytes | None:
        value = self._connection.execute(
            select(upload_rejection.c.content).where(upload_rejection.c.rejection_id == rejection_id)
        ).scalar_one_or_none()
        return None if value is None else bytes(value)

    def add(self, rejection: RejectedUpload, content: bytes) -> None:
        self._connection.execute(
            insert(upload_rejection).values(
                rejection_id=rejection.rejection_id,
                fund_code=rejection.fund_code,
                file_name=rejection.file_name[:400],
                content_sha256=rejection.content_sha256,
                size_bytes=rejection.size_bytes,
                content=content,
                problems=json.dumps(rejection.problems, sort_keys=True, ensure_ascii=False),
                report=json.dumps(rejection.report, sort_keys=True, ensure_ascii=False, default=str),
                received_at=rejection.received_at,
                actor=rejection.actor,
            )
        )


def _rejected(row: Any) -> RejectedUpload:
    return RejectedUpload(
        rejection_id=row.rejection_id,
        fund_code=row.fund_code,
        file_name=row.file_name,
        content_sha256=row.content_sha256,
        size_bytes=int(row.size_bytes),
        problems=json.loads(row.problems),
        report=json.loads(row.report),
        received_at=row.received_at,
        actor=row.actor,
    )
