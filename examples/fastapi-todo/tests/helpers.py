"""Token minting and assertions shared by the tests."""

import base64
import json
import time
from typing import Any, Dict

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = AUDIENCE = "http://localhost:3000"
KID = "test-key"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Ed25519PrivateKey, kid: str = KID) -> Dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "use": "sig"}


def sign(key: Ed25519PrivateKey, claims: Dict[str, Any], kid: str = KID) -> str:
    """A compact JWS (EdDSA), as Better Auth's JWT plugin issues them."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    parts = [b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)]
    signing_input = ".".join(parts)
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


def better_auth_claims(sub: str, **overrides: Any) -> Dict[str, Any]:
    """A Better Auth-like payload, valid for 15 minutes from now."""
    now = int(time.time())
    claims = {
        "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 900,
        "name": sub.title(), "email": f"{sub}@example.com", "emailVerified": True,
        "role": "user", "banned": False,
    }
    claims.update(overrides)
    return claims


def assert_error(response: Any, status: int, code: str, reason: str) -> None:
    """The error body every refusal has: ``{"detail", "code", "status", "reason"}``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "code", "status", "reason"}
    assert (body["code"], body["status"], body["reason"]) == (code, status, reason)
    assert isinstance(body["detail"], str) and body["detail"]
