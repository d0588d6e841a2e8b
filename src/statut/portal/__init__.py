"""Server-rendered pages (Jinja2), translations (Babel catalogues fr/nl/de/en) and printable letters."""
