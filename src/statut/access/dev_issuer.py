"""The built-in development issuer: OpenID-Connect-like tokens for demo personas and fund clients.

DEVELOPMENT ONLY. It exists so that the embedded default (SQLite, no identity provider) can be tried
end to end; it is refused as soon as a real issuer is configured (``STATUT_OIDC_ISSUER``) or the
environment is production, and every response of the platform then says so
(``X-Statut-Environment: development-only``).

- Its RSA signing key (2048 bits) is generated on first start and kept in
  ``<data_dir>/dev-issuer/signing-key.pem`` (mode 0600, outside git), so that every worker of one
  server signs and verifies with the same key. Delete the directory to rotate it.
- Each fund's IT system gets a client id ``fund-<CODE>`` and a random secret, generated likewise in
  ``<data_dir>/dev-issuer/clients.json``; ``statut access clients`` prints them.
- Personas (a self-employed person, an accountant with a mandate, an agent of each fund, an
  institution agent, an analyst) get a token without a password: that is the point of a demo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from statut.access.identity import Role
from statut.access.secret_files import load_or_create

DEV_ISSUER = "urn:statut:development-issuer"
TOKEN_LIFETIME_SECONDS = 15 * 60
ALGORITHM = "RS256"
#: A synthetic national number (valid checksum, born 30 July 1985) for the accountant persona.
ACCOUNTANT_NUMBER = "85073003328"
ACCOUNTANT_NAME = "Alex Comptable (demo accountant)"


@dataclass(frozen=True, slots=True)
class Persona:
    name: str
    role: Role
    description: str
    fund_code: str | None = None


def personas(fund_codes: Iterable[str]) -> list[Persona]:
    """Every demo persona; fund agents exist for each fund of the register."""
    found = [
        Persona("self-employed", Role.CITIZEN, "a self-employed person of the register (their own dossier)"),
        Persona("accountant", Role.CITIZEN, "an accountant holding a mandate from the self-employed persona"),
        Persona("institution", Role.INSTITUTION_AGENT, "an agent of INASTI/RSVZ (states a purpose)"),
        Persona("analyst", Role.ANALYST, "a policy analyst (pseudonymised aggregates only)"),
    ]
    found += [
        Persona(f"agent-{code}", Role.FUND_AGENT, f"an agent of fund {code}", fund_code=code)
        for code in sorted(fund_codes)
    ]
    return found


def client_id_of(fund_code: str) -> str:
    return f"fund-{fund_code}"


class DevelopmentIssuer:
    def __init__(self, directory: Path, *, audience: str, fund_codes: Iterable[str]) -> None:
        self.directory = directory
        self.audience = audience
        pem = load_or_create(directory / "signing-key.pem", _new_private_key_pem)
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{directory / 'signing-key.pem'} is not an RSA key: delete it to generate a new one")
        self._private_key = key
        public_numbers = key.public_key().public_numbers()
        self.kid = hashlib.sha256(f"{public_numbers.n}:{public_numbers.e}".encode()).hexdigest()[:16]
        self._clients = self._load_clients(sorted(fund_codes))

    # -- published material -----------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key.public_key()))
        return {"keys": [{**public_jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}

    def client_secrets(self) -> dict[str, str]:
        """``client_id -> secret`` of every fund system (shown by ``statut access clients``)."""
        return {client_id: entry["secret"] for client_id, entry in self._clients.items()}

    # -- issuing ----------------------------------------------------------------------------------

    def authenticate_client(self, client_id: str, client_secret: str) -> str | None:
        """The fund code of a client whose secret matches (constant-time comparison), else None."""
        entry = self._clients.get(client_id)
        expected = entry["secret"] if entry else secrets.token_urlsafe(32)
        matches = hmac.compare_digest(expected.encode(), client_secret.encode())
        return entry["fund"] if entry and matches else None

    def issue(
        self, claims: Mapping[str, Any], *, now: float | None = None, lifetime: int = TOKEN_LIFETIME_SECONDS
    ) -> str:
        moment = int(time.time() if now is None else now)
        payload = {
            "iss": DEV_ISSUER,
            "aud": self.audience,
            "iat": moment,
            "nbf": moment,
            "exp": moment + lifetime,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    # -- internals --------------------------------------------------------------------------------

    def _load_clients(self, fund_codes: list[str]) -> dict[str, dict[str, str]]:
        def make() -> bytes:
            clients = {client_id_of(code): {"fund": code, "secret": secrets.token_urlsafe(32)} for code in fund_codes}
            return json.dumps(clients, indent=2, sort_keys=True).encode()

        clients: dict[str, dict[str, str]] = json.loads(load_or_create(self.directory / "clients.json", make))
        return clients


def _new_private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
