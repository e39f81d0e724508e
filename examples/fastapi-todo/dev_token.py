#!/usr/bin/env python3
"""Prints a token that the shipped policy.json accepts, for trying the API by hand.

It is signed with the repository's test-only key tests/keys/ed25519-1.pem (kid "ed-1",
published on purpose): never deploy policy.json with that key. In real use Better Auth
issues the tokens and policy.json holds the keys from its JWKS endpoint.

    python dev_token.py alice                 # role "user"
    python dev_token.py root --role admin
    python dev_token.py carol --banned
"""

import argparse
import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_FILE = Path(__file__).resolve().parents[2] / "tests" / "keys" / "ed25519-1.pem"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sub", help="the user id")
    parser.add_argument("--role", default="user")
    parser.add_argument("--banned", action="store_true")
    parser.add_argument("--minutes", type=int, default=15, help="lifetime (default 15)")
    args = parser.parse_args()

    now = int(time.time())
    header = {"alg": "EdDSA", "typ": "JWT", "kid": "ed-1"}
    claims = {"sub": args.sub, "iss": "http://localhost:3000", "aud": "http://localhost:3000",
              "iat": now, "exp": now + 60 * args.minutes, "role": args.role, "banned": args.banned}
    signing_input = ".".join(b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
    key = serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    print(f"{signing_input}.{b64url(key.sign(signing_input.encode()))}")


if __name__ == "__main__":
    main()
