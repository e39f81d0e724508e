"""Shared fixtures: real Ed25519 keys and tokens signed in the test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "https://app.example.com"
AUDIENCE = "https://api.example.com"
NOW = 1_764_000_000
SECRET = "a-test-secret-that-is-long-enough-for-hs256"

ROOT = Path(__file__).resolve().parents[2]
SHARED_VECTORS = ROOT.parent / "shared" / "conformance" / "vectors"


def project_vector_files() -> List[Path]:
    """The project's vector files (``tests/conformance/*.json``)."""
    files = sorted((ROOT / "tests" / "conformance").glob("*.json"))
    assert len(files) >= 10, "the project's vector files are missing"
    return files


def shared_vector_files() -> List[Path]:
    """The shared vector files beside the repository: the calling test fails without them
    under ``CI=true`` and is skipped elsewhere."""
    files = sorted(SHARED_VECTORS.glob("*.json"))
    if not files:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED_VECTORS} is missing (required under CI)")
        pytest.skip(f"{SHARED_VECTORS} is missing")
    return files


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode(part: Dict[str, Any]) -> str:
    return b64url(json.dumps(part, separators=(",", ":")).encode())


class Signer:
    """An Ed25519 key pair that signs compact JWS tokens."""

    def __init__(self, kid: str = "k1") -> None:
        self.kid = kid
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "use": "sig"}

    def sign(self, payload: Dict[str, Any], header: Optional[Dict[str, Any]] = None) -> str:
        head = {"alg": "EdDSA", "typ": "JWT", "kid": self.kid, **(header or {})}
        signing_input = f"{encode(head)}.{encode(payload)}"
        return f"{signing_input}.{b64url(self.key.sign(signing_input.encode()))}"


def sign_hs256(payload: Dict[str, Any], secret: str = SECRET) -> str:
    signing_input = f"{encode({'alg': 'HS256', 'typ': 'JWT'})}.{encode(payload)}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def claims(now: float = NOW, **extra: Any) -> Dict[str, Any]:
    """A Better Auth-like payload valid at ``now`` for an hour."""
    return {"sub": "user_1", "iss": ISSUER, "aud": AUDIENCE, "iat": int(now) - 60, "exp": int(now) + 3600,
            "role": "user", **extra}


RULES = [
    {"id": "own", "effect": "permit", "resource": "todo", "actions": ["read", "update", "delete"],
     "when": "resource.owner_id == principal.id"},
    {"id": "create", "effect": "permit", "resource": "todo", "actions": ["create"]},
    {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
     "when": "principal.claims has banned && principal.claims.banned == true"},
]


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="session")
def policy(signer: Signer) -> Dict[str, Any]:
    return {
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
        "keys": {"jwks": {"keys": [signer.jwk]}},
        "rules": RULES,
    }


@pytest.fixture(scope="session")
def engine(policy: Dict[str, Any]):
    from wardgate import Engine

    return Engine(policy)


@pytest.fixture()
def token(signer: Signer) -> str:
    """Valid now (by the real clock) and at ``NOW``."""
    return signer.sign(claims(now=time.time(), iat=NOW - 60))


def postgres_url() -> str:
    """The PostgreSQL server of the tests (``WARDGATE_TEST_POSTGRES_URL``, which
    ``scripts/with-postgres`` exports), as a SQLAlchemy URL with the psycopg (3) driver. The
    calling test is skipped without it, and fails without it under ``CI=true``."""
    url = os.environ.get("WARDGATE_TEST_POSTGRES_URL", "")
    if not url:
        message = "WARDGATE_TEST_POSTGRES_URL is not set (run the tests under scripts/with-postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: PostgreSQL is required under CI")
        pytest.skip(message)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
