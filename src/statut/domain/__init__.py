"""Pure domain: identifiers, calendar, money, entities, events and the error family.

Nothing here performs I/O or imports a framework, a database driver or a web library; a test
(tests/test_architecture.py) enforces it.
"""
