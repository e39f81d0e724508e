"""The differential cases: tokens of every algorithm and their mutations.

``python tests/differential/cases.py OUT.json [--repeat R] [--seed S]`` writes
``{"groups": {...}, "cases": [...]}``:

- a *group* is one configuration: a Wardgate policy (issuer, audience, allowed
  algorithms, leeway, keys). Each side of the comparison configures its library from
  that policy (``python_side.py`` for PyJWT, ``node_side.mjs`` for jose);
- a *case* is ``{id, group, alg, kind, token, now}``. ``kind`` names the mutation (see
  ``KINDS``): the known differences in ``known.json`` are stated per kind.

Every case is derived from a valid token of its group: signed by a key of the group
(``alg`` is the algorithm it was made for), then mutated: bits flipped, parts swapped,
claims changed and re-signed, other keys, odd headers, odd encodings. The same seed
gives the same cases, but for the random salts of RSA-PSS signatures.

Keys, signing and the reference model come from ``tests/conformance/generate.py``, so
one definition of each serves the conformance vectors and these cases.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "conformance"))
import generate as conf  # noqa: E402  (keys, signing, the reference model)

NOW = conf.NOW
ISS = conf.ISS
AUD = conf.AUD
SECRET = conf.SECRET.decode()

# The published keys of each algorithm family, as a key set holds them.
FAMILY_KIDS = {
    "EdDSA": ["ed-1", "ed-2"],
    "ES256": ["p256"],
    "ES384": ["p384"],
    "ES512": ["p521"],
    **{a: ["rsa-2048", "rsa-3072"] for a in conf.RSA_ALGS},
}


# ---------------------------------------------------------------------------
# Keys an attacker holds: never in any group's key set. Fixed, so the cases are
# reproducible: RFC 7520's RSA key, RFC 8037's Ed25519 key, EC keys from fixed scalars.
# ---------------------------------------------------------------------------

def _attacker_keys():
    rsa_key, _ec521, ed_key = conf.rfc7520_private_keys()
    keys = {"RSA": rsa_key, "EdDSA": ed_key}
    for alg, curve in (("ES256", ec.SECP256R1()), ("ES384", ec.SECP384R1()), ("ES512", ec.SECP521R1())):
        scalar = int.from_bytes(hashlib.sha512(b"wardgate differential " + alg.encode()).digest(), "big")
        keys[alg] = ec.derive_private_key(scalar % (conf.CURVE_ORDER[conf.CURVE_NAMES[curve.name]] - 1) + 1, curve)
    return keys


ATTACKER = _attacker_keys()
ATTACKER_SECRET = hashlib.sha512(b"not the configured secret").hexdigest().encode()  # 128 bytes


def attacker_key(alg):
    if alg.startswith("HS"):
        return ATTACKER_SECRET
    if alg in ("EdDSA", "ES256", "ES384", "ES512"):
        return ATTACKER[alg]
    return ATTACKER["RSA"]


# ---------------------------------------------------------------------------
# Groups: one configuration each
# ---------------------------------------------------------------------------

def _keys_for(algs):
    if all(a.startswith("HS") for a in algs):
        return {"secret": SECRET}
    kids = []
    for a in algs:
        kids += [k for k in FAMILY_KIDS[a] if k not in kids]
    return {"jwks": {"keys": [conf.JWK[k] for k in kids]}}


def groups():
    """Every group: one per algorithm, then a multi-algorithm key set with leeway, one
    with `typ` configured and one with lists of issuers and audiences."""
    out = {}
    for alg in conf.KNOWN_ALGS:
        out[alg] = {
            "algs": [alg],
            "policy": {"token": {"issuer": ISS, "audience": AUD, "algorithms": [alg]}, "keys": _keys_for([alg])},
        }
    out["asymmetric"] = {
        "algs": list(conf.ASYM_ALGS),
        "policy": {
            "token": {"issuer": ISS, "audience": AUD, "algorithms": list(conf.ASYM_ALGS), "leeway": 30},
            "keys": _keys_for(conf.ASYM_ALGS),
        },
    }
    out["typ"] = {
        "algs": ["EdDSA", "ES256"],
        "policy": {
            "token": {"issuer": ISS, "audience": AUD, "algorithms": ["EdDSA", "ES256"], "typ": "JWT"},
            "keys": _keys_for(["EdDSA", "ES256"]),
        },
    }
    out["lists"] = {
        "algs": ["EdDSA", "RS256"],
        "policy": {
            "token": {
                "issuer": ["https://accounts.example.com", ISS],
                "audience": ["https://api.example.com", AUD],
                "algorithms": ["EdDSA", "RS256"],
                "leeway": 5,
            },
            "keys": _keys_for(["EdDSA", "RS256"]),
        },
    }
    return out


# ---------------------------------------------------------------------------
# Building tokens
# ---------------------------------------------------------------------------

def sign(alg, key, msg: bytes) -> bytes:
    """The signature over `msg`: the conformance generator's, but RSA-PSS with a random
    salt through OpenSSL (its reproducible salts are computed in Python, too slow here)."""
    if alg.startswith("PS") and not isinstance(key, bytes):
        hcls = conf.HASH[alg[2:]][0]
        return key.sign(msg, padding.PSS(padding.MGF1(hcls()), hcls().digest_size), hcls())
    return conf.sign(alg, key, msg)


def b64u(data: bytes) -> str:
    return conf.b64u(data)


def dec(part: str) -> bytes:
    return conf.b64u_dec(part)


def js(value) -> bytes:
    return conf.js(value)


class Ctx:
    """One (group, algorithm) pair and a random source: what a mutation builds from."""

    def __init__(self, gid, group, alg, rng):
        self.gid, self.group, self.alg, self.rng = gid, group, alg, rng
        self.hs = alg.startswith("HS")
        kids = [k for k in FAMILY_KIDS.get(alg, []) if any(
            j.get("kid") == k for j in group["policy"]["keys"].get("jwks", {}).get("keys", []))]
        self.kid = None if self.hs else rng.choice(kids)
        self.key = conf.SECRET if self.hs else conf.PRIV[self.kid]
        token = group["policy"]["token"]
        self.leeway = token.get("leeway", 0)
        iss, aud = token["issuer"], token["audience"]
        self.iss = iss if isinstance(iss, str) else rng.choice(iss)
        self.aud = aud if isinstance(aud, str) else rng.choice(aud)

    # A Better Auth shaped payload, a little different each time.
    def claims(self, drop=(), **changes):
        rng = self.rng
        uid = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(8, 32)))
        c = {
            "iat": NOW - rng.randint(0, 600),
            "name": rng.choice(["Ada Lovelace", "Zoë Ünal", "李小龙", "O'Brien", ""]),
            "email": f"{uid}@example.com",
            "emailVerified": rng.choice([True, False]),
            "role": rng.choice(["user", "admin", "user, editor", ["user", "editor"]]),
            "id": uid,
            "sub": uid,
            "exp": NOW + rng.randint(60, 7 * 86400),
            "iss": self.iss,
            "aud": self.aud if rng.random() < 0.8 else [self.aud, "https://other.example.com"],
        }
        if rng.random() < 0.3:
            c["activeOrganizationId"] = "org_" + uid[:6]
        for k in drop:
            c.pop(k, None)
        c.update(changes)
        return c

    def header(self, drop=(), **changes):
        h = {"alg": self.alg, "typ": "JWT"}
        if self.kid is not None:
            h["kid"] = self.kid
        for k in drop:
            h.pop(k, None)
        h.update(changes)
        return h

    def sign_text(self, h_text: str, p_text: str, alg=None, key=None) -> str:
        """Signs the literal text `h_text.p_text` (with the case's key by default)."""
        alg = alg or self.alg
        key = self.key if key is None else key
        return h_text + "." + p_text + "." + b64u(sign(alg, key, (h_text + "." + p_text).encode()))

    def sign(self, header=None, payload=None, alg=None, key=None) -> str:
        """A token: header and payload (objects, or bytes taken as they are), signed."""
        h = self.header() if header is None else header
        p = self.claims() if payload is None else payload
        h = h if isinstance(h, bytes) else js(h)
        p = p if isinstance(p, bytes) else js(p)
        return self.sign_text(b64u(h), b64u(p), alg, key)

    def valid(self):
        return self.sign()

    def other_valid(self):
        return Ctx(self.gid, self.group, self.alg, self.rng).valid()


def parts(token):
    return token.split(".")


def with_part(token, index, value):
    p = parts(token)
    p[index] = value
    return ".".join(p)


def flip_bit(rng, token, index):
    p = parts(token)
    raw = bytearray(dec(p[index]))
    if not raw:
        return token
    bit = rng.randrange(len(raw) * 8)
    raw[bit // 8] ^= 1 << (bit % 8)
    p[index] = b64u(bytes(raw))
    return ".".join(p)


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def replace_char(rng, token):
    positions = [i for i, ch in enumerate(token) if ch != "."]
    i = rng.choice(positions)
    ch = rng.choice([c for c in B64URL if c != token[i]])
    return token[:i] + ch + token[i + 1:]


def text_payload(ctx, text: str) -> str:
    """A token whose payload is the literal JSON `text`, correctly signed."""
    return ctx.sign_text(b64u(js(ctx.header())), b64u(text.encode()))


def text_header(ctx, text: str, payload=None) -> str:
    p = js(ctx.claims() if payload is None else payload)
    return ctx.sign_text(b64u(text.encode()), b64u(p))


def claims_text(ctx, **raw) -> str:
    """The JSON text of the case's claims, where the members named in `raw` are given as
    raw JSON text (replacing a claim in place, or added at the end)."""
    c = ctx.claims()
    members = [(k, raw.get(k, json.dumps(v, ensure_ascii=False))) for k, v in c.items()]
    members += [(k, text) for k, text in raw.items() if k not in c]
    return "{" + ",".join(f"{json.dumps(k)}:{text}" for k, text in members) + "}"


def std_b64(part: str) -> str:
    return part.replace("-", "+").replace("_", "/")


def padded(part: str) -> str:
    return part + "=" * (-len(part) % 4)


def sig_noncanonical(token):
    p = parts(token)
    if len(p[2]) % 4 not in (2, 3):
        return None
    p[2] = conf.noncanonical(p[2])
    return ".".join(p)


def attacker_public_jwk(alg):
    key = attacker_key(alg)
    return conf.public_jwk(key, "attacker")


def public_pem(ctx):
    """The configured key's public half as PEM bytes: the secret of an HMAC confusion attack."""
    return ctx.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def the_public_jwk_text(ctx):
    return js(conf.JWK[ctx.kid])


# ---------------------------------------------------------------------------
# Mutations. Each takes a Ctx and returns a token (or None when it does not apply).
# RANDOM kinds are drawn `repeat` times per (group, algorithm); the rest once.
# ---------------------------------------------------------------------------

RANDOM = {
    "valid": lambda c: c.valid(),
    "sig-flip-bit": lambda c: flip_bit(c.rng, c.valid(), 2),
    "payload-flip-bit": lambda c: flip_bit(c.rng, c.valid(), 1),
    "header-flip-bit": lambda c: flip_bit(c.rng, c.valid(), 0),
    "char-replaced": lambda c: replace_char(c.rng, c.valid()),
}


def on_valid(fn):
    """A mutation of one valid token of the case."""
    return lambda c: fn(c.valid())


def asym(fn):
    """A mutation that applies to asymmetric algorithms only."""
    return lambda c: None if c.hs else fn(c)


ONCE = {
    # Valid variants: every side should accept these.
    "valid-aud-list": lambda c: c.sign(payload=c.claims(aud=["https://x.example.com", c.aud])),
    "valid-no-typ": lambda c: c.sign(header=c.header(drop=["typ"])),
    "valid-no-iat": lambda c: c.sign(payload=c.claims(drop=["iat"])),
    "valid-no-kid": lambda c: c.sign(header=c.header(drop=["kid"])),
    "valid-extra-header": lambda c: c.sign(header=c.header(cty="example", x_custom=[1, 2])),
    "valid-float-times": lambda c: c.sign(payload=c.claims(iat=NOW - 10.25, exp=NOW + 600.5, nbf=NOW - 20.5)),
    "valid-pretty-json": lambda c: c.sign_text(
        b64u(json.dumps(c.header(), indent=2).encode()), b64u(json.dumps(c.claims(), indent=2).encode())),
    "valid-escaped-strings": lambda c: text_payload(c, claims_text(
        c, iss=json.dumps(c.iss).replace("/", "\\/"), name='"\\u0041da"')),
    "valid-ascii-escapes": lambda c: text_payload(c, json.dumps(c.claims(), ensure_ascii=True)),
    "valid-nbf-past": lambda c: c.sign(payload=c.claims(nbf=NOW - 60)),
    "valid-exp-big": lambda c: c.sign(payload=c.claims(exp=NOW + 10 * 365 * 86400)),
    "valid-in-leeway": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway + 1)) if c.leeway else None,
    "valid-other-key-in-set": asym(lambda c: other_key_in_set(c)),
    # Structure
    "sig-noncanonical": lambda c: sig_noncanonical(c.valid()),
    "payload-noncanonical": lambda c: payload_noncanonical(c),
    "sig-std-base64": on_valid(lambda t: with_part(t, 2, std_b64(parts(t)[2])) if set("-_") & set(parts(t)[2]) else None),
    "sig-padded": on_valid(lambda t: with_part(t, 2, padded(parts(t)[2])) if len(parts(t)[2]) % 4 else None),
    "payload-padded": lambda c: payload_padded(c),
    "sig-truncated": on_valid(lambda t: with_part(t, 2, b64u(dec(parts(t)[2])[:-1]))),
    "sig-extended": on_valid(lambda t: with_part(t, 2, b64u(dec(parts(t)[2]) + b"\x00"))),
    "sig-empty": lambda c: with_part(c.valid(), 2, ""),
    "sig-zeros": on_valid(lambda t: with_part(t, 2, b64u(bytes(len(dec(parts(t)[2])))))),
    "whitespace-around": lambda c: " " + c.valid() + " ",
    "newline-inside": lambda c: c.valid().replace(".", ".\n", 1),
    "two-parts": lambda c: ".".join(parts(c.valid())[:2]),
    "four-parts": lambda c: c.valid() + ".e30",
    "trailing-dot": lambda c: c.valid() + ".",
    "empty-token": lambda c: "",
    "dots-only": lambda c: "..",
    "swap-header-payload": on_valid(lambda t: ".".join([parts(t)[1], parts(t)[0], parts(t)[2]])),
    "sig-from-other-token": lambda c: with_part(c.valid(), 2, parts(c.other_valid())[2]),
    "payload-from-other-token": lambda c: with_part(c.valid(), 1, parts(c.other_valid())[1]),
    # Header
    "alg-none": lambda c: ".".join([b64u(js(c.header(alg="none"))), b64u(js(c.claims())), ""]),
    "alg-NONE": lambda c: ".".join([b64u(js(c.header(alg="NONE"))), b64u(js(c.claims())), ""]),
    "alg-none-signed": lambda c: with_part(c.valid(), 0, b64u(js(c.header(alg="none")))),
    "alg-missing": lambda c: c.sign(header=c.header(drop=["alg"])),
    "alg-lowercase": lambda c: c.sign(header=c.header(alg=c.alg.lower())),
    "alg-number": lambda c: c.sign(header=c.header(alg=256)),
    "alg-hs-public-pem": asym(lambda c: c.sign(header=c.header(alg="HS256"), alg="HS256", key=public_pem(c))),
    "alg-hs-public-jwk": asym(lambda c: c.sign(header=c.header(alg="HS256"), alg="HS256", key=the_public_jwk_text(c))),
    "alg-sibling": lambda c: sibling_alg(c),
    "alg-other-family": lambda c: other_family(c),
    "crit-unknown": lambda c: c.sign(header=c.header(crit=["x-ext"], **{"x-ext": True})),
    "crit-empty": lambda c: c.sign(header=c.header(crit=[])),
    "crit-exp": lambda c: c.sign(header=c.header(crit=["exp"], exp=NOW + 60)),
    "b64-true": lambda c: c.sign(header=c.header(b64=True, crit=["b64"])),
    "b64-false": lambda c: c.sign(header=c.header(b64=False, crit=["b64"])),
    "b64-false-no-crit": lambda c: c.sign(header=c.header(b64=False)),
    "typ-lowercase": lambda c: c.sign(header=c.header(typ="jwt")),
    "typ-application": lambda c: c.sign(header=c.header(typ="application/jwt")),
    "typ-at-jwt": lambda c: c.sign(header=c.header(typ="at+jwt")),
    "typ-number": lambda c: c.sign(header=c.header(typ=1)),
    "typ-empty": lambda c: c.sign(header=c.header(typ="")),
    "kid-unknown": lambda c: c.sign(header=c.header(kid="no-such-key")),
    "kid-number": lambda c: c.sign(header=c.header(kid=7)),
    "kid-null": lambda c: c.sign(header=c.header(kid=None)),
    "kid-empty": lambda c: c.sign(header=c.header(kid="")),
    "kid-other-family": asym(lambda c: c.sign(header=c.header(kid=other_family_kid(c)))),
    "jku-attacker": lambda c: c.sign(header=c.header(kid="attacker", jku="https://attacker.example/jwks"),
                                     key=attacker_key(c.alg)),
    "x5u-attacker": lambda c: c.sign(header=c.header(kid="attacker", x5u="https://attacker.example/cert"),
                                     key=attacker_key(c.alg)),
    "jwk-attacker": asym(lambda c: c.sign(header=c.header(drop=["kid"], jwk=attacker_public_jwk(c.alg)),
                                          key=attacker_key(c.alg))),
    "jwk-attacker-kid": asym(lambda c: c.sign(header=c.header(jwk=attacker_public_jwk(c.alg)),
                                              key=attacker_key(c.alg))),
    "x5c-attacker": lambda c: c.sign(header=c.header(x5c=["MIIBdGVzdA=="]), key=attacker_key(c.alg)),
    "header-duplicate-alg": lambda c: text_header(
        c, js(c.header()).decode().replace('{"alg":', '{"alg":"none","alg":', 1)),
    "header-duplicate-kid": asym(lambda c: text_header(
        c, js(c.header()).decode().replace('{"alg":', '{"kid":"no-such-key","alg":', 1))),
    "header-array": lambda c: c.sign(header=b"[" + js(c.header()) + b"]"),
    "header-not-json": lambda c: c.sign(header=b"alg=" + c.alg.encode()),
    "header-bom": lambda c: c.sign(header=b"\xef\xbb\xbf" + js(c.header())),
    "header-trailing-space": lambda c: c.sign(header=js(c.header()) + b" "),
    "header-zip": lambda c: c.sign(header=c.header(zip="DEF")),
    "header-enc": lambda c: c.sign(header=c.header(enc="A256GCM")),
    "header-cty-jwt": lambda c: c.sign(header=c.header(cty="JWT")),
    "header-escaped-alg": lambda c: text_header(
        c, js(c.header()).decode().replace('"alg":"' + c.alg[0], '"alg":"\\u00' + format(ord(c.alg[0]), "02x"), 1)),
    "header-big": lambda c: c.sign(header=c.header(pad="x" * 3200)),
    # Claims, re-signed with the right key
    "exp-past": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway - 60)),
    "exp-now": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway)),
    "exp-next-second": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway + 1)),
    "exp-missing": lambda c: c.sign(payload=c.claims(drop=["exp"])),
    "exp-string": lambda c: c.sign(payload=c.claims(exp=str(NOW + 600))),
    "exp-bool": lambda c: c.sign(payload=c.claims(exp=True)),
    "exp-null": lambda c: c.sign(payload=c.claims(exp=None)),
    "exp-huge": lambda c: text_payload(c, claims_text(c, exp="1e300")),
    "exp-exponent": lambda c: text_payload(c, claims_text(c, exp="1.7641e9")),
    "exp-2pow64": lambda c: c.sign(payload=c.claims(exp=2 ** 64)),
    "exp-negative": lambda c: c.sign(payload=c.claims(exp=-1)),
    "exp-float-past": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway - 0.5)),
    "exp-float-future": lambda c: c.sign(payload=c.claims(exp=NOW - c.leeway + 0.5)),
    "exp-array": lambda c: c.sign(payload=c.claims(exp=[NOW + 600])),
    "nbf-future": lambda c: c.sign(payload=c.claims(nbf=NOW + c.leeway + 60)),
    "nbf-next-second": lambda c: c.sign(payload=c.claims(nbf=NOW + c.leeway + 1)),
    "nbf-now": lambda c: c.sign(payload=c.claims(nbf=NOW + c.leeway)),
    "nbf-string": lambda c: c.sign(payload=c.claims(nbf=str(NOW - 60))),
    "nbf-null": lambda c: c.sign(payload=c.claims(nbf=None)),
    "iat-future": lambda c: c.sign(payload=c.claims(iat=NOW + c.leeway + 60)),
    "iat-next-second": lambda c: c.sign(payload=c.claims(iat=NOW + c.leeway + 1)),
    "iat-string": lambda c: c.sign(payload=c.claims(iat=str(NOW - 60))),
    "iat-null": lambda c: c.sign(payload=c.claims(iat=None)),
    "iat-float": lambda c: c.sign(payload=c.claims(iat=NOW - 60.75)),
    "sub-missing": lambda c: c.sign(payload=c.claims(drop=["sub"])),
    "sub-number": lambda c: c.sign(payload=c.claims(sub=12345)),
    "sub-empty": lambda c: c.sign(payload=c.claims(sub="")),
    "sub-null": lambda c: c.sign(payload=c.claims(sub=None)),
    "iss-wrong": lambda c: c.sign(payload=c.claims(iss="https://evil.example.com")),
    "iss-missing": lambda c: c.sign(payload=c.claims(drop=["iss"])),
    "iss-number": lambda c: c.sign(payload=c.claims(iss=1)),
    "iss-null": lambda c: c.sign(payload=c.claims(iss=None)),
    "iss-case": lambda c: c.sign(payload=c.claims(iss=c.iss.upper())),
    "iss-trailing-slash": lambda c: c.sign(payload=c.claims(iss=c.iss + "/")),
    "iss-array": lambda c: c.sign(payload=c.claims(iss=[c.iss])),
    "aud-wrong": lambda c: c.sign(payload=c.claims(aud="https://evil.example.com")),
    "aud-missing": lambda c: c.sign(payload=c.claims(drop=["aud"])),
    "aud-empty-list": lambda c: c.sign(payload=c.claims(aud=[])),
    "aud-list-without": lambda c: c.sign(payload=c.claims(aud=["https://a.example.com", "https://b.example.com"])),
    "aud-number": lambda c: c.sign(payload=c.claims(aud=5)),
    "aud-list-mixed": lambda c: c.sign(payload=c.claims(aud=[c.aud, 5])),
    "aud-null": lambda c: c.sign(payload=c.claims(aud=None)),
    "aud-case": lambda c: c.sign(payload=c.claims(aud=c.aud.upper())),
    "role-number": lambda c: c.sign(payload=c.claims(role=7)),
    "role-object": lambda c: c.sign(payload=c.claims(role={"admin": True})),
    "payload-array": lambda c: c.sign(payload=b"[" + js(c.claims()) + b"]"),
    "payload-string": lambda c: c.sign(payload=b'"' + c.claims()["sub"].encode() + b'"'),
    "payload-null": lambda c: c.sign(payload=b"null"),
    "payload-not-json": lambda c: c.sign(payload=b"sub=user_1"),
    "payload-empty": lambda c: c.sign(payload=b""),
    "payload-empty-object": lambda c: c.sign(payload=b"{}"),
    "payload-duplicate-exp": lambda c: text_payload(c, claims_text(c, exp=str(NOW - 3600))[:-1] + f',"exp":{NOW + 3600}}}'),
    "payload-duplicate-exp-last-past": lambda c: text_payload(c, claims_text(c)[:-1] + f',"exp":{NOW - 3600}}}'),
    "payload-duplicate-sub": lambda c: text_payload(c, claims_text(c)[:-1] + ',"sub":"someone_else"}'),
    "payload-duplicate-iss": lambda c: text_payload(c, claims_text(c)[:-1] + ',"iss":"https://evil.example.com"}'),
    "payload-nan": lambda c: text_payload(c, claims_text(c)[:-1] + ',"score":NaN}'),
    "payload-infinity": lambda c: text_payload(c, claims_text(c)[:-1] + ',"score":Infinity}'),
    "payload-bom": lambda c: c.sign(payload=b"\xef\xbb\xbf" + js(c.claims())),
    "payload-trailing-space": lambda c: c.sign(payload=js(c.claims()) + b"\n"),
    "payload-trailing-garbage": lambda c: c.sign(payload=js(c.claims()) + b" x"),
    "payload-trailing-comma": lambda c: c.sign(payload=js(c.claims())[:-1] + b",}"),
    "payload-single-quotes": lambda c: c.sign(payload=js(c.claims()).replace(b'"sub"', b"'sub'")),
    "payload-comment": lambda c: c.sign(payload=js(c.claims())[:-1] + b"/* c */}"),
    "payload-deep": lambda c: text_payload(c, claims_text(c)[:-1] + ',"deep":' + "[" * 64 + "]" * 64 + "}"),
    "payload-depth-20": lambda c: text_payload(c, claims_text(c)[:-1] + ',"deep":' + "[" * 20 + "]" * 20 + "}"),
    "payload-invalid-utf8": lambda c: c.sign(payload=js(c.claims()).replace(b'"sub"', b'"s\xffub"', 1)),
    "payload-overlong-utf8": lambda c: c.sign(payload=js(c.claims()).replace(b'"sub"', b'"s\xc0\xafub"', 1)),
    "payload-lone-surrogate": lambda c: text_payload(c, claims_text(c, name='"\\ud800"')),
    "payload-escaped-sub-key": lambda c: text_payload(c, claims_text(c).replace('"sub"', '"\\u0073ub"', 1)),
    "payload-nul-in-string": lambda c: text_payload(c, claims_text(c, name='"a\\u0000b"')),
    "payload-control-char": lambda c: text_payload(c, claims_text(c, name='"a\tb"')),
    "payload-large": lambda c: c.sign(payload=c.claims(blob="x" * 7000)),
    "payload-big-int": lambda c: text_payload(c, claims_text(c)[:-1] + ',"n":' + "9" * 400 + "}"),
    # Other keys
    "key-attacker-same-kid": lambda c: c.sign(key=attacker_key(c.alg)),
    "key-attacker-own-kid": asym(lambda c: c.sign(header=c.header(kid="attacker"), key=attacker_key(c.alg))),
    "key-attacker-no-kid": lambda c: c.sign(header=c.header(drop=["kid"]), key=attacker_key(c.alg)),
    "key-other-in-set-wrong-kid": asym(lambda c: other_key_in_set(c, kid=c.kid)),
    "secret-prefix": lambda c: c.sign(key=conf.SECRET[:32]) if c.hs else None,
    "secret-with-newline": lambda c: c.sign(key=conf.SECRET + b"\n") if c.hs else None,
}


def other_key_in_set(c, kid=None):
    """Signed by another key of the group's key set usable with the algorithm."""
    kids = [j["kid"] for j in c.group["policy"]["keys"]["jwks"]["keys"]
            if j["kid"] in FAMILY_KIDS.get(c.alg, []) and j["kid"] != c.kid]
    if not kids:
        return None
    other = c.rng.choice(kids)
    return c.sign(header=c.header(kid=kid or other), key=conf.PRIV[other])


def other_family_kid(c):
    jwks = c.group["policy"]["keys"]["jwks"]["keys"]
    others = [j["kid"] for j in jwks if j["kid"] not in FAMILY_KIDS[c.alg]]
    return c.rng.choice(others) if others else "ed-1" if c.alg != "EdDSA" else "p256"


def sibling_alg(c):
    """The same key type with another hash: allowed or not depending on the group."""
    family = {"HS": conf.HS_ALGS, "RS": ["RS256", "RS384", "RS512"], "PS": ["PS256", "PS384", "PS512"]}
    alg = c.alg
    if alg[:2] in family:
        other = c.rng.choice([a for a in family[alg[:2]] if a != alg])
        return c.sign(header=c.header(alg=other), alg=other)
    if alg.startswith("ES"):
        other = c.rng.choice([a for a in conf.EC_ALGS if a != alg])
        return c.sign(header=c.header(alg=other), alg=other)  # the wrong hash for the curve
    return c.sign(header=c.header(alg="ES256"), alg="ES256", key=conf.PRIV["p256"])


def other_family(c):
    """A valid token of another algorithm family, signed by a published key of it."""
    if c.hs:
        return c.sign(header={"alg": "EdDSA", "typ": "JWT", "kid": "ed-1"}, alg="EdDSA", key=conf.PRIV["ed-1"])
    if c.alg.startswith(("RS", "PS")):
        return c.sign(header={"alg": "ES256", "typ": "JWT", "kid": "p256"}, alg="ES256", key=conf.PRIV["p256"])
    return c.sign(header={"alg": "RS256", "typ": "JWT", "kid": "rsa-2048"}, alg="RS256", key=conf.PRIV["rsa-2048"])


def payload_noncanonical(c):
    h = b64u(js(c.header()))
    p = b64u(js(c.claims()))
    if len(p) % 4 not in (2, 3):
        return None
    return c.sign_text(h, conf.noncanonical(p))


def payload_padded(c):
    h = b64u(js(c.header()))
    p = b64u(js(c.claims()))
    if not len(p) % 4:
        return None
    return c.sign_text(h, padded(p))


KINDS = list(RANDOM) + list(ONCE)


# ---------------------------------------------------------------------------

def build(repeat: int, seed: int):
    rng = random.Random(seed)
    gs = groups()
    cases = []
    for gid, group in gs.items():
        for alg in group["algs"]:
            made = []
            for kind, fn in RANDOM.items():
                for _ in range(repeat):
                    made.append((kind, fn(Ctx(gid, group, alg, rng))))
            for kind, fn in ONCE.items():
                made.append((kind, fn(Ctx(gid, group, alg, rng))))
            for kind, token in made:
                if token is None:
                    continue
                cases.append({"id": f"{gid}/{alg}/{kind}/{len(cases)}", "group": gid, "alg": alg,
                              "kind": kind, "token": token, "now": NOW})
    return {"groups": {g: {"policy": v["policy"]} for g, v in gs.items()}, "cases": cases}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--repeat", type=int, default=60, help="draws of each random kind per group and algorithm")
    ap.add_argument("--seed", type=int, default=7520)
    args = ap.parse_args(argv)
    doc = build(args.repeat, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc))
    print(f"{len(doc['cases'])} cases in {len(doc['groups'])} groups, {len(KINDS)} kinds -> {args.out}")


if __name__ == "__main__":
    main()
