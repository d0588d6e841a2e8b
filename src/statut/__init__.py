"""statut: the social status of self-employed workers.

Central register of rights, obligations and careers, data-quality gates, legislation as code and the
platform on top. See docs/architecture.md for the layers and the direction of imports.
"""

__version__ = "0.1.0"
