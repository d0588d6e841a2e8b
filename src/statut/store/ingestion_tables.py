"""Tables of the ingestion capability, on the register's metadata (see tables.py for the conventions)."""

from __future__ import annotations

from statut.store.tables import metadata

__all__ = ["metadata"]
