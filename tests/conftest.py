"""Shared fixtures. Database fixtures live in tests/store/conftest.py (owned by the store)."""
