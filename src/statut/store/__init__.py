"""The central store: tables, migrations, repositories, the unit of work, the ledger, bulk writes.

- ``tables``: SQLAlchemy Core tables on one MetaData, mapped outside the domain;
- ``migrate``: Alembic migrations (``migrations/``), the only way a schema is made;
- ``engine``: the engine factory (SQLite with WAL and foreign keys, PostgreSQL through psycopg 3);
- ``unit_of_work``: one connection and transaction, holding the repositories;
- repositories, one module per aggregate (``persons``, ``affiliations``, ``incomes``,
  ``contributions``, ``payments``, ``careers``, ``life_events``, ``enterprises``, ``funds``,
  ``changes``), converting rows to domain entities and back; history is bitemporal
  (``bitemporal``);
- ``ledger``: the append-only hash chain of every change;
- ``bulk``, ``pg_binary``, ``digest``, ``ids``: set-based loading (executemany on SQLite, binary
  COPY on PostgreSQL).

All SQL of the platform lives in this package; services use the repositories.
"""
