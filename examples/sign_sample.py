#!/usr/bin/env python3
"""Writes examples/token.jwt: a sample EdDSA token signed with the test-only key
tests/keys/ed25519-1.pem (kid "ed-1"), valid from 1763999940 to 1764086400.

    pip install cryptography && python3 examples/sign_sample.py
"""
import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parent.parent


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


key = serialization.load_pem_private_key((ROOT / "tests/keys/ed25519-1.pem").read_bytes(), None)
header = {"alg": "EdDSA", "typ": "JWT", "kid": "ed-1"}
claims = {
    "sub": "user_1", "iss": "https://app.example.com", "aud": "https://app.example.com",
    "iat": 1763999940, "exp": 1764086400, "role": "user", "emailVerified": True,
}
signing_input = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + b64(
    json.dumps(claims, separators=(",", ":")).encode())
token = signing_input + "." + b64(key.sign(signing_input.encode()))
(ROOT / "examples/token.jwt").write_text(token + "\n")
print(token)
