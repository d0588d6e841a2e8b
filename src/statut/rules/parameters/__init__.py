"""Dated parameters of the legislation, as YAML data shipped with the package (see docs/legislation.md)."""
