#!/usr/bin/env python3
"""Writes the benchmark fixtures: the tokens, keys and policies every side of `bench/run` uses.

    python bench/fixtures.py OUT.json

One token per algorithm (EdDSA, ES256, ES512, RS256, PS256, HS256), signed here with the
test-only keys in ``tests/keys/`` and shaped like a Better Auth JWT, valid for a day from
now; beside each, the wardgate policy (iss/aud/exp checks, one key), the public JWK (or
the HMAC secret) and the public key in PEM, so every library in every runtime is handed the
very same key. Also the cache, authorization, list-filter and memory cases. See
bench/README.md.
"""
from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import jwt
from cryptography.hazmat.primitives import serialization

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "tests" / "keys"
ISSUER = AUDIENCE = "https://app.example.com"
#: alg -> (private key file, kid in jwks.json); None: the HMAC secret.
ALGORITHMS: Dict[str, Any] = {
    "EdDSA": ("ed25519-1.pem", "ed-1"),
    "ES256": ("p256.pem", "p256"),
    "ES512": ("p521.pem", "p521"),
    "RS256": ("rsa-2048.pem", "rsa-2048"),
    "PS256": ("rsa-2048.pem", "rsa-2048"),
    "HS256": (None, None),
}
#: The four ownership rules of the shared decisions vectors (four_rules in core/tests/support);
#: bench/rust/benches/suite/todo.cedar states the same rules in Cedar.
RULES = [
    {"id": "own-todos", "effect": "permit", "resource": "todo", "actions": ["read", "update", "delete"],
     "when": "resource.owner_id == principal.id"},
    {"id": "create-todos", "effect": "permit", "resource": "todo", "actions": ["create"],
     "when": "principal.claims.emailVerified == true"},
    {"id": "admins", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"},
    {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
     "when": "principal.claims has banned && principal.claims.banned == true"},
]


#: The list-filter case plans against the example policy (its key is tests/keys/ed25519-1.pem).
EXAMPLE_POLICY = ROOT / "examples" / "policy.json"
#: The list endpoint's table, which every harness builds the same way (see ``list`` below).
LIST_ROWS, LIST_QUICK_ROWS, LIST_OWNERS = 100_000, 10_000, 100


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main(out: Path) -> None:
    now = int(time.time())
    secret = (KEYS / "hmac-secret.txt").read_text()
    jwks: Dict[str, Any] = {k["kid"]: k for k in json.loads((KEYS / "jwks.json").read_text())["keys"]}
    claims: Dict[str, Any] = {
        "sub": "user_1", "iss": ISSUER, "aud": AUDIENCE, "iat": now - 60, "exp": now + 86400,
        "role": "user", "name": "Alice", "email": "alice@example.com", "emailVerified": True,
    }
    token_checks = {"issuer": ISSUER, "audience": AUDIENCE}
    cases: List[Dict[str, Any]] = []
    for alg, (pem, kid) in ALGORITHMS.items():
        keys: Dict[str, Any]
        if pem is None:
            token = jwt.encode(claims, secret.encode(), algorithm=alg)
            keys, jwk, public_pem = {"secret": secret}, {"kty": "oct", "k": b64(secret.encode())}, None
        else:
            private: Any = serialization.load_pem_private_key((KEYS / pem).read_bytes(), password=None)
            token = jwt.encode(claims, private, algorithm=alg, headers={"kid": kid})
            jwk = jwks[kid]
            keys = {"jwks": {"keys": [jwk]}}
            public_pem = private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        cases.append({
            "alg": alg, "kid": kid, "token": token, "jwk": jwk,
            "secret": secret if pem is None else None, "public_pem": public_pem,
            "policy": {"token": {**token_checks, "algorithms": [alg]}, "keys": keys, "rules": []},
        })
    eddsa = cases[0]
    ed_key: Any = serialization.load_pem_private_key((KEYS / "ed25519-1.pem").read_bytes(), password=None)

    def ed_token(**changes: Any) -> str:
        return jwt.encode({**claims, **changes}, ed_key, algorithm="EdDSA", headers={"kid": "ed-1"})

    fixtures: Dict[str, Any] = {
        "generated_at": now,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "cases": cases,
        # A verified-token cache hit: the EdDSA token against the EdDSA policy with a cache.
        "cache": {"alg": "EdDSA", "token": eddsa["token"],
                  "policy": {**eddsa["policy"], "cache": {"max_entries": 10000}}},
        # authorize: the EdDSA token's principal against the four ownership rules.
        "authorize": {
            "token": eddsa["token"],
            "policy": {**eddsa["policy"], "rules": RULES},
            "requests": [
                {"name": "allow-owner", "action": "read",
                 "resource": {"type": "todo", "id": "todo_1", "owner_id": "user_1"}, "allowed": True},
                {"name": "deny-other", "action": "delete",
                 "resource": {"type": "todo", "id": "todo_2", "owner_id": "user_2"}, "allowed": False},
            ],
        },
        # List filters: examples/policy.json (an ownership permit, an admin permit, a banned
        # forbid) planned for `read` on `todo` for three principals, one per kind of filter;
        # the columns a list endpoint's SQL is written for; and the list endpoint's table:
        # `rows` todos (`quick_rows` under --quick), row i being ("todo_<i>", "user_<i % owners>",
        # "Todo <i>", i % 3 == 0) as (id, owner_id, title, done), so the `list` principal
        # (user_1) owns 1 row in `owners`; an index on owner_id.
        "filter": {
            "policy": json.loads(EXAMPLE_POLICY.read_text()),
            "action": "read",
            "resource_type": "todo",
            "principals": [
                {"name": "user", "token": ed_token(), "kind": "conditional"},
                {"name": "admin", "token": ed_token(sub="user_2", role="admin"), "kind": "always"},
                {"name": "banned", "token": ed_token(sub="user_3", banned=True), "kind": "never"},
            ],
            "columns": {"id": "text", "owner_id": "text", "title": "text", "done": "boolean"},
            "list": {"principal": "user", "rows": LIST_ROWS, "quick_rows": LIST_QUICK_ROWS, "owners": LIST_OWNERS},
        },
        # Memory: 1,000 engines over the EdDSA policy; 100,000 distinct HS256 tokens
        # (claims as above with "sub": "user_<i>", signed by the harness) through one
        # engine whose cache holds them all.
        "memory": {
            "engines": 1000,
            "engine_policy": eddsa["policy"],
            "cached_tokens": 100000,
            "cache_policy": {**cases[-1]["policy"], "cache": {"max_entries": 100000}},
            "claims": claims,
            "secret": secret,
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixtures, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fixtures.py OUT.json")
    main(Path(sys.argv[1]))
