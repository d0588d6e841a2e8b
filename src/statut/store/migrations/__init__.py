"""Alembic environment of the register: the only way a schema is made (see statut.store.migrate)."""
