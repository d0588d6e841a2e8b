"""Bearer tokens: OpenID Connect / OAuth 2.0 access tokens (JWT) verified against a JWKS.

What a token must satisfy to be accepted, and why:

- the header's ``alg`` is RS256 or ES256, nothing else: ``none`` is refused, and so is every HMAC
  algorithm (HS256...), which closes the "key confusion" attack where a token is MACed with the
  issuer's *public* key as if it were a shared secret;
- the header's ``kid`` names a key of the issuer's JWKS, of the type the algorithm needs (RSA for
  RS256, EC P-256 for ES256); an unknown kid triggers one refresh of the JWKS (key rotation), at most
  once a minute;
- the signature verifies; ``iss`` is the configured issuer, ``aud`` contains the configured
  audience; ``exp`` is in the future and ``nbf``/``iat`` are not, with a clock skew of 60 seconds;
- the statut claims describe a coherent actor (a citizen has a valid national number, a fund agent
  or a fund system names a fund).

A fund's IT system sends the same token with every request (thousands an hour), and checking an RS256
signature, decoding and validating the claims costs more than the rest of the authentication, so
:meth:`TokenVerifier.verify` remembers the tokens it accepted, and nothing else: the cache is keyed by
the exact token (its every byte, signature included), an entry is used only before the token's own
``exp`` (so an expired token is verified again, and refused once past the clock skew, exactly as
without the cache) and only while the issuer's key that verified it is still the published key of its
kid (a key withdrawn from the JWKS ends its tokens as it did before), and the cache holds at most
:data:`VERIFIED_CACHE_SIZE` tokens (the oldest is forgotten first). A refused token is never cached.

The claims this platform reads: ``sub``, ``statut_role`` (:class:`~statut.access.identity.Role`),
``national_number`` (citizens), ``fund`` (fund agents and systems), ``name``, ``client_id``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from statut.access.errors import TokenRejected
from statut.access.identity import Actor, Role
from statut.domain.errors import InvalidIdentifier
from statut.domain.identifiers import parse_person_number

ALLOWED_ALGORITHMS = ("RS256", "ES256")
KEY_TYPE_OF = {"RS256": "RSA", "ES256": "EC"}
CLOCK_SKEW_SECONDS = 60
JWKS_REFRESH_INTERVAL_SECONDS = 60
MAX_TOKEN_LENGTH = 8192
#: Accepted tokens remembered per server process: a few per client and user session at a time.
VERIFIED_CACHE_SIZE = 4096

JwksFetcher = Callable[[], Mapping[str, Any]]


def http_jwks_fetcher(url: str, timeout: float = 5.0) -> JwksFetcher:
    """Fetch a JWKS document over HTTPS (or HTTP on loopback for development)."""

    def fetch() -> Mapping[str, Any]:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
        response.raise_for_status()
        document: Mapping[str, Any] = response.json()
        return document

    return fetch


class KeySet:
    """The issuer's public keys by kid, refreshed on an unknown kid (at most once a minute)."""

    def __init__(self, fetch: JwksFetcher, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> PyJWK | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= JWKS_REFRESH_INTERVAL_SECONDS:
                self._fetched_at = now
                self._keys = self._load()
        return self._keys.get(kid)

    def published(self, kid: str) -> PyJWK | None:
        """The key the issuer publishes under ``kid`` as last fetched (no fetch: a cache check)."""
        return self._keys.get(kid)

    def _load(self) -> dict[str, PyJWK]:
        try:
            document = self._fetch()
        except (httpx.HTTPError, ValueError):
            return self._keys  # keep the keys we had: an unreachable issuer must not log everyone out
        keys: dict[str, PyJWK] = {}
        for entry in document.get("keys", []):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                keys[entry["kid"]] = PyJWK(dict(entry))
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
                continue
        return keys


@dataclass(frozen=True, slots=True)
class VerifierConfig:
    issuer: str
    audience: str
    leeway_seconds: int = CLOCK_SKEW_SECONDS


@dataclass(frozen=True, slots=True)
class _Accepted:
    """A token the verifier accepted: its actor, until when it may be trusted, and the key that verified it."""

    actor: Actor
    expires_at: float
    kid: str
    key: PyJWK


class TokenVerifier:
    def __init__(
        self,
        config: VerifierConfig,
        keys: KeySet,
        *,
        clock: Callable[[], float] = time.time,
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        self.config = config
        self._keys = keys
        self._clock = clock
        self._cache_size = cache_size
        self._accepted: dict[str, _Accepted] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Actor:
        """The actor a valid token describes; :class:`TokenRejected` (401) otherwise.

        A token accepted before is trusted again without its signature being checked, until its
        ``exp`` and while its key is still published (module docstring)."""
        actor = self.recognised(token)
        if actor is not None:
            return actor
        claims, kid, key = self._verified_claims(token)
        actor = actor_from_claims(claims)
        expires_at = float(claims["exp"])
        if self._clock() < expires_at:
            with self._lock:
                while len(self._accepted) >= self._cache_size:
                    del self._accepted[next(iter(self._accepted))]  # the oldest entry
                self._accepted[token] = _Accepted(actor, expires_at, kid, key)
        return actor

    def recognised(self, token: str) -> Actor | None:
        """The actor of ``token`` if it was accepted before and may still be trusted, else None (then
        :meth:`verify` decides). No I/O and no signature check: safe on an event loop."""
        accepted = self._accepted.get(token)
        if accepted is None:
            return None
        if self._clock() < accepted.expires_at and self._keys.published(accepted.kid) is accepted.key:
            return accepted.actor
        with self._lock:
            self._accepted.pop(token, None)
        return None

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token`` (never cached)."""
        return self._verified_claims(token)[0]

    def _verified_claims(self, token: str) -> tuple[dict[str, Any], str, PyJWK]:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenRejected("the bearer token is missing or too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("the bearer token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"token algorithm {str(algorithm)[:20]!r} is not allowed (RS256 or ES256 only)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("the token names no key (kid)")
        key = self._keys.key(kid)
        if key is None:
            raise TokenRejected("the token is signed by a key the issuer does not publish")
        if key.key_type != KEY_TYPE_OF[algorithm]:
            raise TokenRejected("the token's algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenRejected("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenRejected("the token is not meant for this platform (audience)") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("the token comes from an issuer this platform does not trust") from None
        except jwt.PyJWTError as error:
            raise TokenRejected(f"the token is invalid ({type(error).__name__})") from None
        return claims, kid, key


def actor_from_claims(claims: Mapping[str, Any]) -> Actor:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 200:
        raise TokenRejected("the token has no usable subject")
    try:
        role = Role(str(claims.get("statut_role", "")))
    except ValueError:
        raise TokenRejected("the token gives no statut role") from None
    name = str(claims.get("name", ""))[:200]
    if role is Role.CITIZEN:
        try:
            number = parse_person_number(str(claims.get("national_number", ""))).value
        except InvalidIdentifier:
            raise TokenRejected("a citizen's token must carry a valid national number") from None
        return Actor(subject=subject, role=role, name=name, national_number=number)
    if role in (Role.FUND_AGENT, Role.FUND_SYSTEM):
        fund = claims.get("fund")
        if not isinstance(fund, str) or not fund or len(fund) > 16:
            raise TokenRejected("a fund agent's or fund system's token must name its fund")
        client_id = claims.get("client_id") if role is Role.FUND_SYSTEM else None
        return Actor(
            subject=subject, role=role, name=name, fund_code=fund, client_id=str(client_id) if client_id else None
        )
    return Actor(subject=subject, role=role, name=name)


def static_jwks(document: Mapping[str, Any]) -> JwksFetcher:
    """A fetcher that returns a fixed JWKS (the development issuer's, or a test's)."""
    frozen = json.loads(json.dumps(document))
    return lambda: frozen
