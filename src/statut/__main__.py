"""``python -m statut``: the same command line as ``statut``."""

from statut.cli import app

app()
