"""Server-rendered pages (Jinja2), translations (Babel catalogues fr/nl/de/en) and printable letters.

The portal is an entry point like the API: it calls the same services under the same access policy
(statut.access.policy) and never holds an access rule or a query of its own. It works without
JavaScript; every page passes axe-core's WCAG 2.1 AA rules (tests/browser).

The foundation every page module builds on (keep these stable):

- ``rendering``: ``portal_router()`` (routes whose errors become pages), ``render(request,
  template, **context)``, ``page_language(request)``, ``add_navigation(href, N_("Label"), *roles)``,
  ``set_home(role, href)``, ``N_`` for messages marked in Python. The template context is
  described in its docstring.
- ``session``: ``OptionalActor`` and ``SignedInActor`` dependencies (the verified
  :class:`~statut.access.identity.Actor` of the portal session, the same one the API builds from a
  bearer token).
- ``csrf``: ``CheckedForm`` for every POST route; ``{{ csrf_field() }}`` in every form.
- ``errors``: ``error_page(request, error)`` and the HTML 404 for unknown addresses.
- ``forms``: reading fields safely, with a message per field (``FieldErrors``).
- ``labels``: ``label(kind, code)`` in templates; ``personas``: the demo personas' texts.
- ``i18n``: catalogues (every ``*.po`` under locales/<lang>/LC_MESSAGES is merged; one file per
  part of the portal) and locale formatting of dates and amounts.

Pages: ``pages`` (landing, sign-in, sign-out, language), ``person_pages`` (the self-employed
person's pages and a mandatary's pages for them); the fund agent's and the institution's pages and
the letters live beside them.
"""
