"""Access: who is calling (identity), what they may see (policy), consent (mandates) and the log of
who used whose data.

- :mod:`statut.access.identity`: the roles and the :class:`Actor` a verified token describes;
- :mod:`statut.access.tokens`: OIDC/JWT bearer tokens verified against a JWKS;
- :mod:`statut.access.dev_issuer`: the development-only issuer of the embedded default;
- :mod:`statut.access.policy`: the one deny-by-default policy, used by the API and the portal;
- :mod:`statut.access.cursors`, :mod:`statut.access.rate_limit`: tamper-evident cursors, rate limits.
"""
