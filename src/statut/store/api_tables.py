"""Tables of the platform API capability (issue 6), on the register's metadata (see tables.py).

``access_read``: the access log, one row per read of a person's personal data (who, in which role,
which sections, when, why, on which legal basis). A read inserts its row in its own short
transaction, which is durable when the response is sent; the *chainer*
(:func:`statut.services.access_log.chain_pending`) then appends pending rows to the hash-chained
ledger in batches and writes the ledger sequence number back (``ledger_seq``). So a read never waits
for the ledger head lock, the person sees the read at once in ``GET /api/v1/me/access-log``, and
``statut ledger verify`` covers it once chained (docs/architecture.md, "Deviations"). Rows are never
updated otherwise and never deleted; the row holds no personal data of the person read beyond their
internal id (the ledger copy can never be erased).

``upload_rejection``: a fund file the gate refused as a whole (unreadable, wrong encoding, not the
format it claims). It reached no register table, but it is kept, byte for byte, with the problems
found and the report, so that nothing a fund sent is ever lost and an operator can show the fund what
arrived. One row per fund and content hash: re-sending the same bad file answers the same rejection.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, text

from statut.store.tables import metadata
from statut.store.types import BigIntegerKey, Code, UtcDateTime

PENDING = text("ledger_seq IS NULL")

access_read = Table(
    "access_read",
    metadata,
    Column("read_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False, comment="The person read."),
    Column("read_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False, comment="Who read (role:subject)."),
    Column("purpose", Text(), nullable=False, comment="Why: stated by the reader, or the role's default purpose."),
    Column("payload", Text(), nullable=False, comment="Role, fund, sections, legal basis, mandates (canonical JSON)."),
    Column("ledger_seq", BigInteger(), nullable=True, comment="The ledger entry once chained; NULL while pending."),
    Index("ix_access_read_person_id_read_id", "person_id", "read_id"),
    Index("ix_access_read_pending", "read_id", sqlite_where=PENDING, postgresql_where=PENDING),
    comment="Reads of personal data (the access log); chained into the ledger in batches.",
)

upload_rejection = Table(
    "upload_rejection",
    metadata,
    Column("rejection_id", String(40), primary_key=True, comment="Opaque id, named in the problem answered."),
    Column("fund_code", Code(16), ForeignKey("fund.fund_code"), nullable=False),
    Column("file_name", String(400), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("size_bytes", Integer(), nullable=False),
    Column("content", LargeBinary(), nullable=False, comment="The file exactly as received."),
    Column("problems", Text(), nullable=False, comment="File-level problems found (JSON list)."),
    Column("report", Text(), nullable=False, comment="The fund's report of the refused file (JSON)."),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Index("uq_upload_rejection_fund_code_content_sha256", "fund_code", "content_sha256", unique=True),
    comment="Fund files refused as a whole at upload, kept byte for byte (never lost).",
)

__all__ = ["access_read", "upload_rejection"]
