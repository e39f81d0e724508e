#!/usr/bin/env python3
"""Writes the benchmark fixtures: the tokens, keys and policies every side of `bench/run` uses.

    python bench/fixtures.py --redis-url redis://127.0.0.1:PORT/0 OUT.json

One token per algorithm (EdDSA, ES256, ES512, RS256, PS256, HS256), signed here with the
test-only keys in ``tests/keys/`` and shaped like a Better Auth JWT, valid for a day from
now; beside each, the wardgate policy (iss/aud/exp checks, one key), the public JWK (or
the HMAC secret) and the public key in PEM, so every library in every runtime is handed the
very same key. Also the cache, authorization, list-filter and memory cases, and the
revocation case: it writes a set of revoked entries into the (empty) Redis server at
``--redis-url`` (bench/run starts one), which the case's policies name. See bench/README.md.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Sequence
from urllib.parse import urlsplit

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
#: The revocation case: how many revoked entries of each kind the Redis server holds, and
#: their time to live (the tokens' lifetime, as an application would give them).
REVOKED_PER_KIND, REVOKED_TTL = 1000, 86400
#: The layout of the Redis source (core/src/revocation/redis.rs).
REVOKED_PREFIX = "wardgate:revoked:"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def session_id(seed: str) -> str:
    """A session id shaped like Better Auth's (32 characters), derived from ``seed``."""
    return hashlib.sha256(f"session {seed}".encode()).hexdigest()[:32]


def token_id(seed: str) -> str:
    """A ``jti`` shaped like a random UUID, derived from ``seed``."""
    return str(uuid.UUID(bytes=hashlib.sha256(f"token {seed}".encode()).digest()[:16], version=4))


def revoked_set(now: int) -> Dict[str, Any]:
    """The revoked entries the Redis server is loaded with: ``REVOKED_PER_KIND`` session ids,
    token ids and subjects (each revoked an hour ago), none of them the benchmark token's."""
    return {
        "sid": [session_id(str(i)) for i in range(REVOKED_PER_KIND)],
        "jti": [token_id(str(i)) for i in range(REVOKED_PER_KIND)],
        "sub": {f"user_{10_000 + i}": now - 3600 for i in range(REVOKED_PER_KIND)},
    }


def resp(*words: str) -> bytes:
    """One command in the Redis protocol."""
    parts = [b"*%d\r\n" % len(words)]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def load_redis(url: str, revoked: Dict[str, Any]) -> str:
    """Writes ``revoked`` into the Redis server at ``url`` (``redis://HOST:PORT/DB``) with the
    key layout any program uses (``SET wardgate:revoked:<kind>:<id> <value> EX <ttl>``), in
    one pipeline, and checks the database holds exactly those keys; returns the server's
    version. Plain sockets: the fixtures need no Redis client."""
    parts = urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname or not parts.port:
        raise SystemExit(f"fixtures.py: --redis-url must be redis://HOST:PORT/DB, not {url}")
    db = parts.path.strip("/") or "0"
    commands: List[Sequence[str]] = [("SELECT", db)]
    for sid in revoked["sid"]:
        commands.append(("SET", f"{REVOKED_PREFIX}sid:{sid}", "1", "EX", str(REVOKED_TTL)))
    for jti in revoked["jti"]:
        commands.append(("SET", f"{REVOKED_PREFIX}jti:{jti}", "1", "EX", str(REVOKED_TTL)))
    for sub, before in revoked["sub"].items():
        commands.append(("SET", f"{REVOKED_PREFIX}sub:{sub}", str(before), "EX", str(REVOKED_TTL)))
    commands += [("DBSIZE",), ("INFO", "server")]
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(b"".join(resp(*c) for c in commands))
        answers = conn.makefile("rb")
        replies = [answers.readline().decode().rstrip("\r\n") for _ in commands[:-1]]
        info_header = answers.readline().decode()
        info = answers.read(int(info_header[1:])).decode() if info_header.startswith("$") else ""
    failed = [r for r in replies if r.startswith("-")]
    if failed:
        raise SystemExit(f"fixtures.py: the Redis server at {url} refused the revoked set: {failed[0]}")
    expected = len(revoked["sid"]) + len(revoked["jti"]) + len(revoked["sub"])
    if replies[-1] != f":{expected}":
        raise SystemExit(f"fixtures.py: the Redis database at {url} holds {replies[-1][1:]} keys, expected the "
                         f"{expected} just written (bench/run starts an empty server)")
    version = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                    if line.startswith("redis_version:")), "unknown")
    return version


def main(out: Path, redis_url: str) -> None:
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

    # The revocation case: an EdDSA token with `sid` and `jti` claims (so that all three
    # lookups happen), against the EdDSA policy without and with a Redis source holding
    # REVOKED_PER_KIND entries of each kind; `revoked_token` has a revoked `sid`.
    revoked = revoked_set(now)
    live_sid, live_jti = session_id("live"), token_id("live")
    assert live_sid not in revoked["sid"] and live_jti not in revoked["jti"] and claims["sub"] not in revoked["sub"]
    server = load_redis(redis_url, revoked)
    redis_section = {"redis_url": redis_url}
    cache_section = {"max_entries": 10000}

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
        # Revocation: the same verification and cache hit without and with
        # `revocation.redis_url` (the Redis server bench/run started, loaded above); the
        # harnesses wait for the Redis engines' revocation_status() to be `ready` with
        # `entries` entries before timing.
        "revocation": {
            "alg": "EdDSA",
            "token": ed_token(sid=live_sid, jti=live_jti),
            "revoked_token": ed_token(sid=revoked["sid"][REVOKED_PER_KIND // 2], jti=live_jti),
            "policy": eddsa["policy"],
            "redis_policy": {**eddsa["policy"], "revocation": redis_section},
            "cache_policy": {**eddsa["policy"], "cache": cache_section},
            "redis_cache_policy": {**eddsa["policy"], "cache": cache_section, "revocation": redis_section},
            "redis_url": redis_url,
            "server": f"redis-server {server}",
            "entries": {"sids": len(revoked["sid"]), "jtis": len(revoked["jti"]), "subjects": len(revoked["sub"]),
                        "total": len(revoked["sid"]) + len(revoked["jti"]) + len(revoked["sub"])},
            "ttl": REVOKED_TTL,
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixtures, indent=1) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-url", required=True,
                        help="an empty Redis database to load the revoked set into (bench/run starts one)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    main(args.out, args.redis_url)
