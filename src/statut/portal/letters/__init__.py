"""Printable letters: one Jinja template per letter, rendered to HTML for the screen and the printer,
and the same HTML laid out as a PDF (fpdf2, with an embedded DejaVu Sans so that €, é, ë, ü, ß and ’
print in every language)."""
