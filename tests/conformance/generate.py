#!/usr/bin/env python3
"""Rebuild the Wardgate conformance vector files in this folder.

    pip install cryptography        # 44 or later (RFC 6979 ECDSA)
    python3 tests/conformance/generate.py

Key material lives in tests/keys/. Existing key files are reused; a missing
key file is created once (PKCS#8 PEM), so rerunning the script keeps the keys
and therefore the vectors. Every signature is deterministic as well (Ed25519,
RSASSA-PKCS1-v1_5, HMAC, ECDSA per RFC 6979, RSASSA-PSS with a salt derived
from the message), so with the same keys a rerun rewrites identical files.

Every token is assembled by hand: base64url without padding over the exact
JSON bytes chosen here, so headers, duplicate members, whitespace, encodings
and signatures are all under control.

Before anything is written, every vector is run through the small reference
model at the end of this file (policy loading, verification, claims, the
expression language and the decision). The script stops if an expectation
disagrees with the model, or if a configuration-error vector fails for
another reason than the one it was written for.
"""

import base64
import copy
import datetime
import hashlib
import hmac
import ipaddress
import json
import math
import re
import secrets
import string
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
KEY_DIR = HERE.parent / "keys"

NOW = 1764000000
ISS = "https://app.example.com"
AUD = "https://app.example.com"

HS_ALGS = ["HS256", "HS384", "HS512"]
RSA_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
EC_ALGS = ["ES256", "ES384", "ES512"]
ASYM_ALGS = RSA_ALGS + EC_ALGS + ["EdDSA"]
KNOWN_ALGS = HS_ALGS + ASYM_ALGS

# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

# kid, file, kind, published in jwks.json
KEY_FILES = [
    ("ed-1", "ed25519-1.pem", "Ed25519", True),
    ("ed-2", "ed25519-2.pem", "Ed25519", True),
    ("p256", "p256.pem", "P-256", True),
    ("p384", "p384.pem", "P-384", True),
    ("p521", "p521.pem", "P-521", True),
    ("rsa-2048", "rsa-2048.pem", 2048, True),
    ("rsa-3072", "rsa-3072.pem", 3072, True),
    ("rsa-1024", "rsa-1024.pem", 1024, False),
]
CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
CURVE_LEN = {"P-256": 32, "P-384": 48, "P-521": 66}
CURVE_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
CURVE_ORDER = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int(
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
        "581a0db248b0a77aecec196accc52973", 16),
    "P-521": int(
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e9138"
        "6409", 16),
}

KEYS_README = """\
# Test keys

Every key in this folder is a **test-only key**. They were generated for
Wardgate's own tests, are published on purpose, and have no value anywhere:
never use them to sign or protect anything real, and never trust a token
signed with them outside these tests.

| file | key | kid in `jwks.json` |
| --- | --- | --- |
| `ed25519-1.pem` | Ed25519 | `ed-1` |
| `ed25519-2.pem` | Ed25519 | `ed-2` |
| `p256.pem` | ECDSA P-256 | `p256` |
| `p384.pem` | ECDSA P-384 | `p384` |
| `p521.pem` | ECDSA P-521 | `p521` |
| `rsa-2048.pem` | RSA 2048 | `rsa-2048` |
| `rsa-3072.pem` | RSA 3072 | `rsa-3072` |
| `rsa-1024.pem` | RSA 1024, too small on purpose (configuration-error tests) | not published |
| `hmac-secret.txt` | HMAC secret: exactly 64 ASCII bytes, no trailing newline | (`keys.secret`) |

Private keys are unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
`jwks.json` holds the public halves of all keys but `rsa-1024`, with the kids
above. `tests/conformance/generate.py` creates a key file only when it is
absent and rewrites `jwks.json` from the PEM files, so the keys stay stable.
"""


def new_key(kind):
    if kind == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind in CURVES:
        return ec.generate_private_key(CURVES[kind]())
    return rsa.generate_private_key(public_exponent=65537, key_size=kind)


def key_matches(key, kind):
    if kind == "Ed25519":
        return isinstance(key, ed25519.Ed25519PrivateKey)
    if kind in CURVES:
        return isinstance(key, ec.EllipticCurvePrivateKey) and CURVE_NAMES.get(key.curve.name) == kind
    return isinstance(key, rsa.RSAPrivateKey) and key.key_size == kind


def load_keys():
    KEY_DIR.mkdir(parents=True, exist_ok=True)
    priv = {}
    for kid, name, kind, _ in KEY_FILES:
        path = KEY_DIR / name
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            key = new_key(kind)
            path.write_bytes(key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        if not key_matches(key, kind):
            sys.exit(f"{path}: not a {kind} key")
        priv[kid] = key
    secret_path = KEY_DIR / "hmac-secret.txt"
    if secret_path.exists():
        secret = secret_path.read_bytes()
    else:
        alphabet = string.ascii_letters + string.digits
        secret = "".join(secrets.choice(alphabet) for _ in range(64)).encode()
        secret_path.write_bytes(secret)
    if len(secret) != 64 or not secret.isascii():
        sys.exit(f"{secret_path}: expected exactly 64 ASCII bytes")
    return priv, secret


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def i2b(value, length=None):
    if length is None:
        length = max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(length, "big")


def public_jwk(key, kid=None):
    pub = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        crv = CURVE_NAMES[pub.curve.name]
        size = CURVE_LEN[crv]
        nums = pub.public_numbers()
        jwk = {"kty": "EC", "crv": crv, "x": b64u(i2b(nums.x, size)), "y": b64u(i2b(nums.y, size))}
    else:
        nums = pub.public_numbers()
        jwk = {"kty": "RSA", "n": b64u(i2b(nums.n)), "e": b64u(i2b(nums.e))}
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def pem_of(pub, fmt=serialization.PublicFormat.SubjectPublicKeyInfo):
    return pub.public_bytes(serialization.Encoding.PEM, fmt).decode()


def pem_wrap(label, der):
    body = base64.b64encode(der).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


PRIV, SECRET = load_keys()
JWK = {kid: public_jwk(PRIV[kid], kid) for kid, _, _, _ in KEY_FILES}
JWKS_KIDS = [kid for kid, _, _, published in KEY_FILES if published]


def jwk(name, drop_kid=False, **extra):
    """A copy of the public JWK of key `name`, optionally without its kid,
    with extra (or replaced) members."""
    j = copy.deepcopy(JWK[name])
    if drop_kid:
        j.pop("kid")
    for k, v in extra.items():
        j[k] = v
    return j


def okp_of_seed(i, kid):
    """The public JWK of an Ed25519 key derived from a counter (keys that only fill a set)."""
    seed = hashlib.sha256(f"wardgate extra key {i}".encode()).digest()
    raw = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw), "kid": kid}


def ed_decode(encoded):
    """(x, y) of an Ed25519 point encoding (RFC 8032 section 5.1.3)."""
    y, sign = int.from_bytes(encoded, "little") & ((1 << 255) - 1), encoded[31] >> 7
    xx = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    x = pow(xx, (ED_P + 3) // 8, ED_P)
    if x * x % ED_P != xx:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    assert x * x % ED_P == xx
    return (ED_P - x if x & 1 != sign else x), y


def ed_add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = ED_D * x1 * x2 * y1 * y2 % ED_P
    return ((x1 * y2 + y1 * x2) * pow(1 + t, ED_P - 2, ED_P) % ED_P,
            (y1 * y2 + x1 * x2) * pow(1 - t, ED_P - 2, ED_P) % ED_P)


def spki(kid):
    return pem_of(PRIV[kid].public_key())


def pkcs1(kid):
    return pem_of(PRIV[kid].public_key(), serialization.PublicFormat.PKCS1)


def write_key_files():
    doc = {"keys": [JWK[kid] for kid in JWKS_KIDS]}
    (KEY_DIR / "jwks.json").write_text(json.dumps(doc, indent=2) + "\n")
    (KEY_DIR / "README.md").write_text(KEYS_README)


# ---------------------------------------------------------------------------
# Signing and token assembly
# ---------------------------------------------------------------------------

HASH = {
    "256": (hashes.SHA256, hashlib.sha256),
    "384": (hashes.SHA384, hashlib.sha384),
    "512": (hashes.SHA512, hashlib.sha512),
}
ALG_KID = {
    "EdDSA": "ed-1", "ES256": "p256", "ES384": "p384", "ES512": "p521",
    **{a: "rsa-2048" for a in RSA_ALGS},
}


def mgf1(seed, length, hfun):
    out = b""
    counter = 0
    while len(out) < length:
        out += hfun(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def pss_sign(key, msg, hcls, hfun):
    """RSASSA-PSS (RFC 8017 9.1.1), salt length = hash length, with a salt
    derived from the message so that the output is reproducible."""
    nums = key.private_numbers()
    n, d = nums.public_numbers.n, nums.d
    mod_bits = n.bit_length()
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    hlen = hfun().digest_size
    salt = hfun(b"wardgate conformance salt" + msg).digest()[:hlen]
    h = hfun(b"\x00" * 8 + hfun(msg).digest() + salt).digest()
    db = b"\x00" * (em_len - 2 * hlen - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, mgf1(h, em_len - hlen - 1, hfun)))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    em = bytes(masked) + h + b"\xbc"
    sig = i2b(pow(int.from_bytes(em, "big"), d, n), (mod_bits + 7) // 8)
    key.public_key().verify(sig, msg, padding.PSS(padding.MGF1(hcls()), hlen), hcls())
    return sig


def sign(alg, key, msg):
    if alg == "EdDSA":
        return key.sign(msg)
    hcls, hfun = HASH[alg[2:]]
    if alg.startswith("HS"):
        return hmac.new(key, msg, hfun).digest()
    if alg.startswith("RS"):
        return key.sign(msg, padding.PKCS1v15(), hcls())
    if alg.startswith("PS"):
        return pss_sign(key, msg, hcls, hfun)
    if alg.startswith("ES"):
        der = key.sign(msg, ec.ECDSA(hcls(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = CURVE_LEN[CURVE_NAMES[key.curve.name]]
        return i2b(r, size) + i2b(s, size)
    raise ValueError(alg)


def default_key(alg):
    return SECRET if alg.startswith("HS") else PRIV[ALG_KID[alg]]


def js(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def as_bytes(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode()
    return js(x)


def signed(h_text, p_text, alg, key):
    """Sign the literal text `h_text.p_text` (whatever its encoding)."""
    si = h_text + "." + p_text
    return si + "." + b64u(sign(alg, key, si.encode()))


def jws(header, payload, alg=None, key=None, sig=None):
    h = b64u(as_bytes(header))
    p = b64u(as_bytes(payload))
    if sig is not None:
        return f"{h}.{p}.{b64u(sig)}"
    if alg is None:
        alg = header["alg"]
    if key is None:
        key = default_key(alg)
    return signed(h, p, alg, key)


DROP = object()
DEFAULT = object()


def claims(drop=(), **kw):
    c = {"sub": "user_1", "iss": ISS, "aud": AUD, "iat": NOW - 60, "exp": NOW + 840}
    for k in drop:
        c.pop(k, None)
    c.update(kw)
    return c


def hdr(alg="EdDSA", kid=DEFAULT, typ="JWT", **extra):
    h = {"alg": alg}
    if typ is not None:
        h["typ"] = typ
    if kid is DEFAULT:
        kid = None if alg.startswith("HS") else ALG_KID.get(alg)
    if kid is not None:
        h["kid"] = kid
    h.update(extra)
    return h


def tok(payload=None, alg="EdDSA", kid=DEFAULT, typ="JWT", key=None, sign_alg=None, **hextra):
    """A token with header {alg, typ, kid, ...}; signed by `key` (default: the
    key for `alg`) with `sign_alg` (default: `alg`)."""
    h = hdr(alg, kid, typ, **hextra)
    payload = claims() if payload is None else payload
    sa = sign_alg or alg
    return jws(h, payload, sa, key if key is not None else default_key(sa))


def tamper_sig(token, index=5):
    """Flip one bit of the decoded signature (same length, wrong value)."""
    h, p, s = token.split(".")
    raw = bytearray(b64u_dec(s))
    raw[index] ^= 0x01
    return f"{h}.{p}.{b64u(bytes(raw))}"


# ---------------------------------------------------------------------------
# Policies, vectors, expectations
# ---------------------------------------------------------------------------

K_ED = {"jwks": {"keys": [JWK["ed-1"], JWK["ed-2"]]}}
K_ED1 = {"jwks": {"keys": [JWK["ed-1"]]}}
K_ALL = {"jwks": {"keys": [JWK[k] for k in JWKS_KIDS]}}
K_SECRET = {"secret": SECRET.decode()}


def pol(algs=("EdDSA",), keys=None, principal=None, rules=None, **token):
    t = {"issuer": ISS, "audience": AUD, "algorithms": list(algs), "leeway": 0}
    for k, v in token.items():
        if v is DROP:
            t.pop(k, None)
        else:
            t[k] = v
    p = {"token": t, "keys": copy.deepcopy(K_ED if keys is None else keys)}
    if principal is not None:
        p["principal"] = principal
    if rules is not None:
        p["rules"] = rules
    return copy.deepcopy(p)


def V(vid, desc, policy, expect, token=None, auth=None, request=None, now=NOW, why=None):
    v = {"id": vid, "description": desc, "policy": policy, "now": now}
    if token is not None:
        v["token"] = token
    if auth is not None:
        v["authorization"] = auth
    if request is not None:
        v["request"] = request
    v["expect"] = expect
    if why is not None:
        v["_why"] = why
    return v


REASON_CODE = {
    "missing": ("TOKEN_MISSING", 401),
    "expired": ("TOKEN_EXPIRED", 401),
    "denied": ("INSUFFICIENT_PERMISSIONS", 403),
    "forbidden": ("INSUFFICIENT_PERMISSIONS", 403),
    "keys_unavailable": ("KEYS_UNAVAILABLE", 503),
}
TOKEN_INVALID_REASONS = [
    "malformed", "token_too_large", "invalid_header", "algorithm_not_allowed",
    "unknown_key", "bad_signature", "missing_claim", "invalid_claim",
    "not_yet_valid", "too_old", "issuer_mismatch", "audience_mismatch", "revoked",
]


def code_of(reason):
    if reason in REASON_CODE:
        return REASON_CODE[reason]
    assert reason in TOKEN_INVALID_REASONS, reason
    return ("TOKEN_INVALID", 401)


def OK(uid="user_1", roles=(), tenant=None):
    return {"ok": True, "principal": {"id": uid, "roles": list(roles), "tenant": tenant}}


def FAIL(reason):
    code, status = code_of(reason)
    return {"ok": False, "code": code, "status": status, "reason": reason}


def ALLOW(rules, uid="user_1", roles=(), tenant=None):
    e = OK(uid, roles, tenant)
    e["allowed"] = True
    e["rules"] = list(rules)
    return e


def DENY():
    return {"ok": True, "allowed": False, "code": "INSUFFICIENT_PERMISSIONS", "status": 403,
            "reason": "denied"}


def FORBID(rules):
    e = DENY()
    e["reason"] = "forbidden"
    e["rules"] = list(rules)
    return e


CFG = {"config_error": True}
BASE_TOKEN = None  # set in build()


def rule(rid, effect="permit", resource="*", actions="*", when=None):
    r = {"id": rid, "effect": effect, "resource": resource, "actions": actions}
    if when is not None:
        r["when"] = when
    return r


def req(action="read", resource=None, context=None):
    r = {"action": action,
         "resource": {"type": "todo", "owner_id": "user_1"} if resource is None else resource}
    if context is not None:
        r["context"] = context
    return r


# ---------------------------------------------------------------------------
# tokens-algorithms.json
# ---------------------------------------------------------------------------

def algorithms_vectors():
    out = []
    for alg in HS_ALGS:
        out.append(V(f"secret-{alg}", f"{alg} token with a 64-byte shared secret verifies",
                     pol([alg], K_SECRET), OK(), tok(alg=alg)))
    out.append(V("secret-all-hs-HS384", "HS384 token, all three HS algorithms allowed",
                 pol(HS_ALGS, K_SECRET), OK(), tok(alg="HS384")))
    for alg in ASYM_ALGS:
        kid = ALG_KID[alg]
        out.append(V(f"jwks-{alg}", f"{alg} token, key chosen by kid from a JWKS of seven keys",
                     pol(ASYM_ALGS, K_ALL), OK(), tok(alg=alg)))
    for alg in ASYM_ALGS:
        kid = ALG_KID[alg]
        out.append(V(f"jwk-{alg}", f"{alg} token without kid, one JWK without kid",
                     pol([alg], {"jwk": jwk(kid, drop_kid=True)}), OK(), tok(alg=alg, kid=None)))
    for alg in ASYM_ALGS:
        kid = ALG_KID[alg]
        what = {"ed-1": "Ed25519", "p256": "EC P-256", "p384": "EC P-384", "p521": "EC P-521",
                "rsa-2048": "RSA"}[kid]
        out.append(V(f"pem-{alg}", f"{alg} token without kid, {what} SPKI PEM key",
                     pol([alg], {"pem": spki(kid)}), OK(), tok(alg=alg, kid=None)))
    for alg in ("RS256", "RS512", "PS256", "PS384"):
        out.append(V(f"pem-pkcs1-{alg}", f"{alg} token, PKCS#1 RSA PUBLIC KEY PEM",
                     pol([alg], {"pem": pkcs1("rsa-2048")}), OK(), tok(alg=alg, kid=None)))
    for alg in ("RS256", "PS512", "RS384", "PS256"):
        out.append(V(f"jwks-rsa-3072-{alg}", f"{alg} token signed by the 3072-bit RSA key",
                     pol(RSA_ALGS, K_ALL), OK(),
                     tok(alg=alg, kid="rsa-3072", key=PRIV["rsa-3072"])))
    out.append(V("pem-rsa-3072-PS384", "PS384 token, 3072-bit RSA SPKI PEM",
                 pol(["PS384"], {"pem": spki("rsa-3072")}), OK(),
                 tok(alg="PS384", kid=None, key=PRIV["rsa-3072"])))

    # alg names
    ed = tok()
    h, p, s = ed.split(".")
    out.append(V("alg-lowercase-es256", "alg es256: names are case-sensitive",
                 pol(["ES256"], K_ALL), FAIL("algorithm_not_allowed"),
                 tok(alg="es256", kid="p256", sign_alg="ES256")))
    out.append(V("alg-uppercase-eddsa", "alg EDDSA is not EdDSA",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 tok(alg="EDDSA", kid="ed-1", sign_alg="EdDSA")))
    out.append(V("alg-ed25519-name", "alg Ed25519 is not a name of the allowlist",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 tok(alg="Ed25519", kid="ed-1", sign_alg="EdDSA")))
    out.append(V("alg-hs256-lowercase", "alg hs256 with HS256 allowed",
                 pol(["HS256"], K_SECRET), FAIL("algorithm_not_allowed"),
                 tok(alg="hs256", kid=None, sign_alg="HS256")))
    out.append(V("alg-none", "alg none with an empty signature",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": "none", "typ": "JWT"}, claims(), sig=b"")))
    out.append(V("alg-NONE", "alg NONE with an empty signature",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": "NONE"}, claims(), sig=b"")))
    out.append(V("alg-nOnE-signed", "alg nOnE even with a real signature attached",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 tok(alg="nOnE", kid="ed-1", sign_alg="EdDSA")))
    out.append(V("alg-none-hs", "alg none against a shared-secret policy",
                 pol(["HS256"], K_SECRET), FAIL("algorithm_not_allowed"),
                 jws({"alg": "none", "typ": "JWT"}, claims(), sig=b"")))
    out.append(V("alg-missing", "header without alg",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"typ": "JWT", "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("alg-null", "alg null",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": None, "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("alg-number", "alg is a number",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": 256, "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("alg-array", "alg is an array holding an allowed name",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": ["EdDSA"], "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("alg-empty-string", "alg is an empty string",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 jws({"alg": "", "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("alg-not-in-allowlist", "RS256 token, only EdDSA and ES256 allowed",
                 pol(["EdDSA", "ES256"], K_ALL), FAIL("algorithm_not_allowed"), tok(alg="RS256")))
    out.append(V("alg-ps-not-in-allowlist", "PS256 token, only RS256 allowed, same RSA key",
                 pol(["RS256"], K_ALL), FAIL("algorithm_not_allowed"), tok(alg="PS256")))
    out.append(V("alg-confusion-hs256-pem", "HS256 keyed with the RSA public PEM text",
                 pol(["RS256"], {"pem": spki("rsa-2048")}), FAIL("algorithm_not_allowed"),
                 tok(alg="HS256", kid=None, key=spki("rsa-2048").encode())))
    x_raw = b64u_dec(JWK["ed-1"]["x"])
    out.append(V("alg-confusion-hs256-jwks", "HS256 keyed with the Ed25519 public key bytes, kid ed-1",
                 pol(["EdDSA"], K_ED), FAIL("algorithm_not_allowed"),
                 tok(alg="HS256", kid="ed-1", key=x_raw)))

    # signatures that do not verify
    rs = tok(alg="RS256")
    out.append(V("alg-swap-rs256-signature-as-ps256", "header PS256, signature made with RS256",
                 pol(["RS256", "PS256"], K_ALL), FAIL("bad_signature"),
                 tok(alg="PS256", sign_alg="RS256", key=PRIV["rsa-2048"])))
    out.append(V("alg-swap-ps256-signature-as-rs256", "header RS256, signature made with PS256",
                 pol(["RS256", "PS256"], K_ALL), FAIL("bad_signature"),
                 tok(alg="RS256", sign_alg="PS256", key=PRIV["rsa-2048"])))
    out.append(V("alg-swap-rs256-signature-as-rs512", "header RS512, signature made with RS256",
                 pol(RSA_ALGS, K_ALL), FAIL("bad_signature"),
                 tok(alg="RS512", sign_alg="RS256", key=PRIV["rsa-2048"])))
    out.append(V("alg-swap-hs256-signature-as-hs384", "header HS384, HMAC-SHA256 signature",
                 pol(HS_ALGS, K_SECRET), FAIL("bad_signature"),
                 tok(alg="HS384", sign_alg="HS256", key=SECRET)))
    out.append(V("hs256-wrong-secret", "HS256 signed with another 64-byte secret",
                 pol(["HS256"], K_SECRET), FAIL("bad_signature"),
                 tok(alg="HS256", key=b"x" * 64)))
    out.append(V("hs256-empty-signature", "HS256 without signature",
                 pol(["HS256"], K_SECRET), FAIL("bad_signature"),
                 ".".join(tok(alg="HS256").split(".")[:2]) + "."))
    out.append(V("hs512-truncated-signature", "HS512 signature cut to 32 bytes",
                 pol(["HS512"], K_SECRET), FAIL("bad_signature"),
                 (lambda t: ".".join(t.split(".")[:2]) + "." + b64u(b64u_dec(t.split(".")[2])[:32]))(
                     tok(alg="HS512"))))
    out.append(V("rs256-empty-signature", "RS256 without signature",
                 pol(["RS256"], K_ALL), FAIL("bad_signature"), ".".join(rs.split(".")[:2]) + "."))
    out.append(V("rs256-tampered-signature", "RS256 signature with one bit flipped",
                 pol(["RS256"], K_ALL), FAIL("bad_signature"), tamper_sig(rs)))
    out.append(V("ps256-tampered-signature", "PS256 signature with one bit flipped",
                 pol(["PS256"], K_ALL), FAIL("bad_signature"), tamper_sig(tok(alg="PS256"))))
    out.append(V("rs256-wrong-rsa-key", "signed by the 3072-bit key, kid names the 2048-bit key",
                 pol(["RS256"], K_ALL), FAIL("bad_signature"),
                 tok(alg="RS256", kid="rsa-2048", key=PRIV["rsa-3072"])))
    es = tok(alg="ES256")
    eh, ep, esig = es.split(".")
    raw = b64u_dec(esig)
    r = int.from_bytes(raw[:32], "big")
    s_ = int.from_bytes(raw[32:], "big")
    der = encode_dss_signature(r, s_)
    out.append(V("es256-der-signature", "ES256 signature in DER instead of raw r||s",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"), f"{eh}.{ep}.{b64u(der)}"))
    out.append(V("es256-short-signature", "ES256 signature of 63 bytes",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"), f"{eh}.{ep}.{b64u(raw[:63])}"))
    out.append(V("es256-long-signature", "ES256 signature with a zero byte appended",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"), f"{eh}.{ep}.{b64u(raw + bytes(1))}"))
    out.append(V("es256-tampered-signature", "ES256 signature with one bit flipped",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"), tamper_sig(es)))
    out.append(V("es256-signature-from-other-payload", "valid ES256 signature of another payload",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"),
                 f"{eh}.{b64u(js(claims(sub='admin')))}.{esig}"))
    for alg, crv in (("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521")):
        t = tok(alg=alg)
        th, tp, _ = t.split(".")
        size = CURVE_LEN[crv]
        out.append(V(f"psychic-{alg}", f"{alg} signature r = s = 0 (CVE-2022-21449)",
                     pol([alg], K_ALL), FAIL("bad_signature"), f"{th}.{tp}.{b64u(bytes(2 * size))}"))
    n256 = CURVE_ORDER["P-256"]
    out.append(V("es256-r-s-equal-order", "ES256 signature r = s = n (the group order)",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"),
                 f"{eh}.{ep}.{b64u(i2b(n256, 32) * 2)}"))
    out.append(V("es256-r-s-equal-one", "ES256 signature r = s = 1",
                 pol(["ES256"], K_ALL), FAIL("bad_signature"),
                 f"{eh}.{ep}.{b64u(i2b(1, 32) * 2)}"))
    e512 = tok(alg="ES512")
    out.append(V("es512-tampered-signature", "ES512 signature with one bit flipped",
                 pol(["ES512"], K_ALL), FAIL("bad_signature"), tamper_sig(e512, 70)))
    out.append(V("es384-signature-by-p256-key", "ES256 signature bytes under an ES384 header, kid p384",
                 pol(["ES384"], K_ALL), FAIL("bad_signature"),
                 f"{tok(alg='ES384').split('.')[0]}.{ep}.{esig}"))
    edsig = b64u_dec(s)
    out.append(V("eddsa-truncated-signature", "Ed25519 signature of 63 bytes",
                 pol(["EdDSA"], K_ED), FAIL("bad_signature"), f"{h}.{p}.{b64u(edsig[:63])}"))
    out.append(V("eddsa-tampered-signature", "Ed25519 signature with one bit flipped",
                 pol(["EdDSA"], K_ED), FAIL("bad_signature"), tamper_sig(ed, 40)))
    out.append(V("eddsa-zero-signature", "Ed25519 signature of 64 zero bytes",
                 pol(["EdDSA"], K_ED), FAIL("bad_signature"), f"{h}.{p}.{b64u(bytes(64))}"))
    out.append(V("eddsa-pem-wrong-key", "Ed25519 PEM of ed-1, token signed by ed-2",
                 pol(["EdDSA"], {"pem": spki("ed-1")}), FAIL("bad_signature"),
                 tok(kid=None, key=PRIV["ed-2"])))
    return out


# ---------------------------------------------------------------------------
# tokens-structure.json
# ---------------------------------------------------------------------------

B64_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def noncanonical(part):
    """Same bytes under a lenient decoder, but with non-zero unused bits."""
    assert len(part) % 4 in (2, 3)
    idx = B64_ALPHABET.index(part[-1])
    unused = 4 if len(part) % 4 == 2 else 2
    assert idx % (1 << unused) == 0
    return part[:-1] + B64_ALPHABET[idx | 1]


def structure_vectors():
    out = []
    P = pol(["EdDSA"], K_ED)
    good = tok()
    h, p, s = good.split(".")
    M = FAIL("malformed")

    out.append(V("valid-baseline", "the well-formed token the other vectors start from", P, OK(), good))
    out.append(V("one-part", "a single base64url part", P, M, h))
    out.append(V("two-parts", "header and payload only", P, M, f"{h}.{p}"))
    out.append(V("four-parts", "an extra empty part", P, M, good + "."))
    out.append(V("five-parts", "JWE-like five parts", P, M, f"{h}.{p}.{s}.{p}.{s}"))
    out.append(V("only-dots", "two dots and nothing else", P, M, ".."))
    out.append(V("not-a-jwt", "plain text", P, M, "hello world"))
    out.append(V("empty-header-part", "header part empty", P, M, f".{p}.{s}"))
    out.append(V("empty-payload-part", "payload part empty",
                 P, M, signed(h, "", "EdDSA", PRIV["ed-1"])))

    def with_header(hbytes):
        return signed(b64u(hbytes), p, "EdDSA", PRIV["ed-1"])

    def with_payload(pbytes):
        return signed(h, b64u(pbytes), "EdDSA", PRIV["ed-1"])

    out.append(V("header-not-json", "header is text", P, M, with_header(b"not json")))
    out.append(V("header-json-array", "header is a JSON array", P, M,
                 with_header(b'["EdDSA","ed-1"]')))
    out.append(V("header-json-string", "header is a JSON string", P, M, with_header(b'"EdDSA"')))
    out.append(V("header-json-null", "header is JSON null", P, M, with_header(b"null")))
    out.append(V("header-trailing-comma", "header object with a trailing comma", P, M,
                 with_header(b'{"alg":"EdDSA","kid":"ed-1",}')))
    out.append(V("header-trailing-data", "header object followed by more text", P, M,
                 with_header(b'{"alg":"EdDSA","kid":"ed-1"}x')))
    out.append(V("header-two-objects", "two JSON objects in the header", P, M,
                 with_header(b'{"alg":"EdDSA","kid":"ed-1"}{}')))
    out.append(V("header-invalid-utf8", "header bytes are not UTF-8", P, M,
                 with_header(b'{"alg":"EdDSA","kid":"ed-1","x":"\xff\xfe"}')))
    out.append(V("header-duplicate-alg", "header names alg twice", P, M,
                 with_header(b'{"alg":"HS256","alg":"EdDSA","kid":"ed-1"}')))
    out.append(V("header-duplicate-kid", "header names kid twice", P, M,
                 with_header(b'{"alg":"EdDSA","kid":"ed-2","kid":"ed-1"}')))
    out.append(V("header-duplicate-escaped", "alg and \\u0061lg are the same member", P, M,
                 with_header(b'{"alg":"EdDSA","\\u0061lg":"EdDSA","kid":"ed-1"}')))
    out.append(V("payload-not-json", "payload is text", P, M, with_payload(b"Payload")))
    out.append(V("payload-json-array", "payload is a JSON array", P, M, with_payload(b"[1,2,3]")))
    out.append(V("payload-json-string", "payload is a JSON string", P, M,
                 with_payload(b'"user_1"')))
    out.append(V("payload-json-number", "payload is a JSON number", P, M, with_payload(b"1764000840")))
    out.append(V("payload-json-null", "payload is JSON null", P, M, with_payload(b"null")))
    base_payload = js(claims())
    out.append(V("payload-trailing-data", "payload object followed by more text", P, M,
                 with_payload(base_payload + b"]")))
    out.append(V("payload-nan", "NaN is not JSON", P, M,
                 with_payload(js(claims(drop=("exp",)))[:-1] + b',"exp":NaN}')))
    out.append(V("payload-single-quotes", "single-quoted strings are not JSON", P, M,
                 with_payload(b"{'sub':'user_1','exp':1764000840}")))
    out.append(V("payload-invalid-utf8", "payload bytes are not UTF-8", P, M,
                 with_payload(base_payload[:-1] + b',"name":"\xc3\x28"}')))
    out.append(V("payload-duplicate-sub", "payload names sub twice", P, M,
                 with_payload(base_payload[:-1] + b',"sub":"admin"}')))
    out.append(V("payload-duplicate-exp", "payload names exp twice", P, M,
                 with_payload(base_payload[:-1] + b',"exp":1764999999}')))
    out.append(V("payload-duplicate-escaped", "sub and s\\u0075b are the same member", P, M,
                 with_payload(base_payload[:-1] + b',"s\\u0075b":"admin"}')))
    out.append(V("payload-duplicate-nested", "duplicate member inside a nested object", P, M,
                 with_payload(base_payload[:-1] + b',"org":{"id":"a","id":"b"}}')))
    out.append(V("payload-bom", "a byte order mark before the payload is not JSON here", P, M,
                 with_payload(b"\xef\xbb\xbf" + base_payload)))
    out.append(V("header-bom", "a byte order mark before the header is not JSON here", P, M,
                 with_header(b'\xef\xbb\xbf{"alg":"EdDSA","kid":"ed-1"}')))
    out.append(V("payload-lone-surrogate", "an escaped UTF-16 surrogate without its pair is not text", P, M,
                 with_payload(base_payload[:-1] + b',"name":"\\ud800"}')))
    out.append(V("payload-surrogate-pair", "an escaped surrogate pair is one character", P, OK(),
                 with_payload(base_payload[:-1] + b',"name":"\\ud83d\\ude00"}')))
    out.append(V("payload-number-out-of-range", "a number beyond the range of a double", P, M,
                 with_payload(base_payload[:-1] + b',"n":1' + b"0" * 400 + b'}')))
    out.append(V("payload-exponent-out-of-range", "1e400 is beyond the range of a double", P, M,
                 with_payload(base_payload[:-1] + b',"n":1e400}')))
    out.append(V("payload-large-integer", "an integer beyond 64 bits but within a double's range", P, OK(),
                 with_payload(base_payload[:-1] + b',"n":' + str(2 ** 70).encode() + b'}')))
    out.append(V("payload-surrounding-whitespace", "JSON whitespace around and inside the payload is fine",
                 P, OK(), with_payload(b' \r\n {"sub" : "user_1",\r\n "iss":"https://app.example.com",'
                                       b'\t"aud":"https://app.example.com", "exp":1764000840 } \n')))
    out.append(V("header-whitespace", "JSON whitespace inside the header is fine", P, OK(),
                 with_header(b'{ "alg" : "EdDSA" ,\n "kid" : "ed-1" }')))

    # nesting
    def nested_obj(total):
        v = {}
        for _ in range(total - 2):
            v = {"n": v}
        return v

    def nested_arr(total):
        v = []
        for _ in range(total - 2):
            v = [v]
        return v

    out.append(V("payload-depth-32", "payload nested 32 levels deep (objects)", P, OK(),
                 tok(claims(n=nested_obj(32)))))
    out.append(V("payload-depth-33", "payload nested 33 levels deep (objects)", P, M,
                 tok(claims(n=nested_obj(33)))))
    out.append(V("payload-depth-32-arrays", "payload nested 32 levels deep (arrays)", P, OK(),
                 tok(claims(a=nested_arr(32)))))
    out.append(V("payload-depth-33-arrays", "payload nested 33 levels deep (arrays)", P, M,
                 tok(claims(a=nested_arr(33)))))
    out.append(V("header-depth-33", "header nested 33 levels deep", P, M,
                 jws(hdr(n=nested_obj(33)), claims(), "EdDSA")))
    out.append(V("header-depth-32", "header nested 32 levels deep", P, OK(),
                 jws(hdr(n=nested_obj(32)), claims(), "EdDSA")))

    # base64url encoding
    def padded(part):
        pad = -len(part) % 4
        assert pad, "part needs padding for this vector"
        return part + "=" * pad

    # pick header and payload texts whose encodings need padding
    hp = next(hh for hh in (hdr(), hdr(x="a"), hdr(x="ab"), hdr(x="abc")) if len(b64u(js(hh))) % 4)
    hp_text = b64u(js(hp))
    out.append(V("padding-header", "header part with = padding (signature over the padded text)",
                 P, M, signed(padded(hp_text), p, "EdDSA", PRIV["ed-1"])))
    pp = next(pl for pl in (claims(), claims(x="a"), claims(x="ab")) if len(b64u(js(pl))) % 4)
    out.append(V("padding-payload", "payload part with = padding", P, M,
                 signed(h, padded(b64u(js(pp))), "EdDSA", PRIV["ed-1"])))
    out.append(V("padding-signature", "signature part with = padding", P, M, f"{h}.{p}.{padded(s)}"))

    def find_with(chars, make):
        for i in range(1000):
            text = make(i)
            if any(c in text for c in chars):
                return text
        raise RuntimeError("no candidate")

    std = str.maketrans("-_", "+/")
    h_std = find_with("-_", lambda i: b64u(js(hdr(n="~" * (i % 7) + "?" * (i // 7)))))
    out.append(V("standard-alphabet-header", "header part uses + or / (standard base64)", P, M,
                 signed(h_std.translate(std), p, "EdDSA", PRIV["ed-1"])))
    p_std = find_with("-_", lambda i: b64u(js(claims(note="?" * i + ">"))))
    out.append(V("standard-alphabet-payload", "payload part uses + or / (standard base64)", P, M,
                 signed(h, p_std.translate(std), "EdDSA", PRIV["ed-1"])))
    for i in range(1000):
        cand = tok(claims(jti=f"j{i}"))
        if any(c in cand.split(".")[2] for c in "-_"):
            ch, cp, cs = cand.split(".")
            out.append(V("standard-alphabet-signature", "signature part uses + or / (standard base64)",
                         P, M, f"{ch}.{cp}.{cs.translate(std)}"))
            break

    hn = next(hh for hh in (hdr(), hdr(x="a"), hdr(x="ab"), hdr(x="abc")) if len(b64u(js(hh))) % 4)
    out.append(V("noncanonical-header", "header part with non-zero unused bits", P, M,
                 signed(noncanonical(b64u(js(hn))), p, "EdDSA", PRIV["ed-1"])))
    pn = next(pl for pl in (claims(), claims(x="a"), claims(x="ab")) if len(b64u(js(pl))) % 4)
    out.append(V("noncanonical-payload", "payload part with non-zero unused bits", P, M,
                 signed(h, noncanonical(b64u(js(pn))), "EdDSA", PRIV["ed-1"])))
    out.append(V("noncanonical-signature", "signature part with non-zero unused bits", P, M,
                 f"{h}.{p}.{noncanonical(s)}"))
    out.append(V("signature-impossible-length", "signature part one character short (length 4n+1)",
                 P, M, f"{h}.{p}.{s[:-1]}"))
    out.append(V("invalid-character-payload", "a $ inside the payload part", P, M,
                 signed(h, p[:10] + "$" + p[11:], "EdDSA", PRIV["ed-1"])))
    out.append(V("space-inside-token", "a space between two parts", P, M, f"{h} .{p}.{s}"))
    out.append(V("leading-space", "token with a leading space", P, M, " " + good))
    out.append(V("trailing-space", "token with a trailing space", P, M, good + " "))
    out.append(V("trailing-newline", "token with a trailing newline", P, M, good + "\n"))
    out.append(V("leading-tab", "token with a leading tab", P, M, "\t" + good))

    # size limits
    def header_of_size(size):
        base = hdr(pad="")
        return hdr(pad="x" * (size - len(js(base))))

    h4096 = header_of_size(4096)
    assert len(js(h4096)) == 4096
    out.append(V("header-4096-bytes", "decoded header of exactly 4096 bytes", P, OK(),
                 jws(h4096, claims(), "EdDSA")))
    h4097 = header_of_size(4097)
    assert len(js(h4097)) == 4097
    out.append(V("header-4097-bytes", "decoded header of 4097 bytes", P, FAIL("token_too_large"),
                 jws(h4097, claims(), "EdDSA")))
    out.append(V("max-length-exact", "token exactly max_length bytes long",
                 pol(["EdDSA"], K_ED, max_length=len(good)), OK(), good))
    out.append(V("max-length-one-over", "token one byte over max_length",
                 pol(["EdDSA"], K_ED, max_length=len(good) - 1), FAIL("token_too_large"), good))
    big = tok(claims(blob="x" * 8000))
    assert len(big) > 8192
    out.append(V("default-max-length", "token over the default 8192 bytes", P,
                 FAIL("token_too_large"), big))
    mid = next(t for t in (tok(claims(blob="x" * n)) for n in range(5800, 6000)) if len(t) == 8192)
    out.append(V("default-max-length-exact", "token of exactly 8192 bytes, the default max_length", P, OK(), mid))
    over = next(t for t in (tok(claims(blob="x" * n)) for n in range(5800, 6000)) if len(t) == 8193)
    out.append(V("default-max-length-one-over", "token of 8193 bytes", P, FAIL("token_too_large"), over))
    out.append(V("max-length-counts-bytes", "max_length counts UTF-8 bytes, not characters",
                 pol(["EdDSA"], K_ED, max_length=len(good)), FAIL("token_too_large"),
                 good[:20] + "\u00e9" + good[21:]))
    return out


# ---------------------------------------------------------------------------
# tokens-header.json (header members and the Authorization header)
# ---------------------------------------------------------------------------

def header_vectors():
    out = []
    P = pol(["EdDSA"], K_ED)
    IH = FAIL("invalid_header")

    def typ_case(vid, desc, configured, header_typ, expect):
        p = pol(["EdDSA"], K_ED, typ=configured) if configured is not None else P
        out.append(V(vid, desc, p, expect, tok(typ=header_typ)))

    typ_case("typ-exact", "typ JWT required, header typ JWT", "JWT", "JWT", OK())
    typ_case("typ-lowercase", "typ compared case-insensitively", "JWT", "jwt", OK())
    typ_case("typ-application-prefix", "header application/jwt matches JWT", "JWT", "application/jwt", OK())
    typ_case("typ-application-prefix-uppercase", "header APPLICATION/JWT matches JWT", "JWT",
             "APPLICATION/JWT", OK())
    typ_case("typ-configured-with-prefix", "configured application/JWT matches header jwt",
             "application/JWT", "jwt", OK())
    typ_case("typ-at-jwt", "configured at+jwt matches application/at+jwt", "at+jwt",
             "application/AT+JWT", OK())
    typ_case("typ-mismatch", "typ JWT required, header typ at+jwt", "JWT", "at+jwt", IH)
    typ_case("typ-mismatch-reverse", "typ at+jwt required, header typ JWT", "at+jwt", "JWT", IH)
    typ_case("typ-missing", "typ required, header has no typ", "JWT", None, IH)
    typ_case("typ-empty", "typ required, header typ is empty", "JWT", "", IH)
    typ_case("typ-trailing-space", "typ 'JWT ' is not JWT", "JWT", "JWT ", IH)
    typ_case("typ-other-prefix", "typ text/jwt: only application/ is ignored", "JWT", "text/jwt", IH)
    typ_case("typ-not-configured", "no typ configured: any string typ is fine", None, "dpop+jwt", OK())
    typ_case("typ-not-configured-absent", "no typ configured, no typ in header", None, None, OK())
    out.append(V("typ-number", "typ is a number (no typ configured)", P, IH, tok(typ=1)))
    out.append(V("typ-number-configured", "typ is a number (typ configured)",
                 pol(["EdDSA"], K_ED, typ="JWT"), IH, tok(typ=1)))
    out.append(V("typ-object", "typ is an object", P, IH, tok(typ={"v": "JWT"})))
    out.append(V("kid-number", "kid is a number", P, IH, tok(kid=1)))
    out.append(V("kid-array", "kid is an array", P, IH, tok(kid=["ed-1"])))
    out.append(V("kid-object", "kid is an object", P, IH, tok(kid={"id": "ed-1"})))
    out.append(V("kid-null", "kid null is present and not a string", P, IH,
                 jws({"alg": "EdDSA", "typ": "JWT", "kid": None}, claims(), "EdDSA")))
    out.append(V("typ-null", "typ null is present and not a string", P, IH,
                 jws({"alg": "EdDSA", "typ": None, "kid": "ed-1"}, claims(), "EdDSA")))
    out.append(V("crit-null", "crit present with the value null", P, IH,
                 jws({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1", "crit": None}, claims(), "EdDSA")))
    out.append(V("kid-number-with-pem", "kid is a number, key from a PEM", pol(["EdDSA"], {"pem": spki("ed-1")}),
                 IH, tok(kid=7)))
    out.append(V("crit-exp", "crit names a member the engine does not understand", P, IH,
                 tok(crit=["exp"], exp=1764000840)))
    out.append(V("crit-empty-array", "crit present as an empty array", P, IH, tok(crit=[])))
    out.append(V("crit-string", "crit present as a string", P, IH, tok(crit="b64")))
    out.append(V("crit-b64", "crit [b64] with b64 false (RFC 7797)", P, IH,
                 tok(crit=["b64"], b64=False)))
    out.append(V("b64-true", "b64 present (true), no crit", P, IH, tok(b64=True)))
    out.append(V("b64-false", "b64 present (false), no crit", P, IH, tok(b64=False)))
    out.append(V("jku-ignored", "jku pointing elsewhere is ignored", P, OK(),
                 tok(jku="https://attacker.example/jwks.json")))
    out.append(V("x5u-ignored", "x5u is ignored", P, OK(), tok(x5u="https://attacker.example/cert.pem")))
    out.append(V("x5c-ignored", "x5c is ignored", P, OK(), tok(x5c=["MIIBdGVzdA=="])))
    out.append(V("jwk-own-key-ignored", "header jwk equal to the real key is ignored", P, OK(),
                 tok(jwk=JWK["ed-1"])))
    out.append(V("jwk-attacker-key", "header jwk with the signer's key (kid ed-1) is never trusted", P,
                 FAIL("bad_signature"), tok(jwk=jwk("ed-2", kid="ed-1"), key=PRIV["ed-2"])))
    out.append(V("jwk-attacker-key-no-kid", "header jwk without kid, single trusted Ed25519 key", pol(["EdDSA"], K_ED1),
                 FAIL("bad_signature"), tok(kid=None, jwk=jwk("ed-2", drop_kid=True), key=PRIV["ed-2"])))
    out.append(V("jku-and-jwk-attacker", "jku and jwk naming attacker keys", P, FAIL("bad_signature"),
                 tok(jku="https://attacker.example/jwks.json", jwk=jwk("ed-2", kid="ed-1"),
                     key=PRIV["ed-2"])))
    out.append(V("unknown-header-members", "unknown header members are ignored", P, OK(),
                 tok(foo="bar", n={"a": [1, 2]})))
    out.append(V("header-without-typ", "no typ, none required", P, OK(), tok(typ=None)))

    # Authorization header
    good = tok()
    out.append(V("missing-no-credential", "no token and no Authorization header", P, FAIL("missing")))
    out.append(V("missing-empty-token", "token is the empty string", P, FAIL("missing"), ""))
    for vid, desc, value, expect in [
        ("auth-bearer", "Bearer scheme", "Bearer " + good, OK()),
        ("auth-bearer-lowercase", "scheme is case-insensitive: bearer", "bearer " + good, OK()),
        ("auth-bearer-uppercase", "scheme is case-insensitive: BEARER", "BEARER " + good, OK()),
        ("auth-bearer-mixed-case", "scheme is case-insensitive: bEaReR", "bEaReR " + good, OK()),
        ("auth-several-spaces", "several spaces after the scheme", "Bearer    " + good, OK()),
        ("auth-surrounding-spaces", "spaces around the whole value are trimmed",
         "   Bearer " + good + "   ", OK()),
        ("auth-no-space", "no space between scheme and token", "Bearer" + good, FAIL("missing")),
        ("auth-tab-separator", "a tab is not the space the scheme needs", "Bearer\t" + good,
         FAIL("missing")),
        ("auth-scheme-only", "Bearer and nothing else", "Bearer", FAIL("missing")),
        ("auth-scheme-and-spaces", "Bearer followed by spaces only", "Bearer    ", FAIL("missing")),
        ("auth-basic", "Basic credentials", "Basic dXNlcjpwYXNz", FAIL("missing")),
        ("auth-other-scheme", "Token scheme", "Token " + good, FAIL("missing")),
        ("auth-bearer-colon", "Bearer: is not the Bearer scheme", "Bearer: " + good, FAIL("missing")),
        ("auth-bearer-prefix-word", "Bearerx scheme", "Bearerx " + good, FAIL("missing")),
        ("auth-token-without-scheme", "a bare token is not a Bearer header", good, FAIL("missing")),
        ("auth-empty", "empty header value", "", FAIL("missing")),
        ("auth-spaces-only", "header of spaces", "   ", FAIL("missing")),
        ("auth-bearer-garbage", "Bearer with something that is not a JWT", "Bearer abc",
         FAIL("malformed")),
        ("auth-bearer-expired", "Bearer with an expired token", "Bearer " + tok(claims(exp=NOW - 5)),
         FAIL("expired")),
        ("auth-bearer-bad-signature", "Bearer with a tampered token", "Bearer " + tamper_sig(good),
         FAIL("bad_signature")),
    ]:
        out.append(V(vid, desc, P, expect, auth=value))
    out.append(V("auth-max-length-counts-token", "max_length counts the token, not the header value",
                 pol(["EdDSA"], K_ED, max_length=len(good)), OK(), auth="Bearer  " + good + " "))
    out.append(V("auth-max-length-token-over", "token in the header one byte over max_length",
                 pol(["EdDSA"], K_ED, max_length=len(good) - 1), FAIL("token_too_large"),
                 auth="Bearer " + good))
    return out


# ---------------------------------------------------------------------------
# tokens-claims.json
# ---------------------------------------------------------------------------

def claims_vectors():
    out = []
    P = pol(["EdDSA"], K_ED)

    def c(vid, desc, payload, expect, policy=None):
        out.append(V(vid, desc, P if policy is None else policy, expect,
                     tok(payload) if isinstance(payload, dict) else payload))

    def L(**kw):
        return pol(["EdDSA"], K_ED, **kw)

    raw_tok = lambda b: jws(hdr(), b, "EdDSA")

    # exp
    c("exp-past", "exp 10 s ago", claims(exp=NOW - 10), FAIL("expired"))
    c("exp-equals-now", "exp == now is expired", claims(exp=NOW), FAIL("expired"))
    c("exp-one-second-left", "exp one second after now", claims(exp=NOW + 1), OK())
    c("exp-negative", "exp before 1970", claims(exp=-1), FAIL("expired"))
    c("exp-zero", "exp 0", claims(exp=0), FAIL("expired"))
    c("exp-fraction-future", "exp half a second after now", claims(exp=NOW + 0.5), OK())
    c("exp-fraction-past", "exp half a second before now", claims(exp=NOW - 0.5), FAIL("expired"))
    c("exp-leeway-boundary", "exp == now - leeway is expired", claims(exp=NOW - 30), FAIL("expired"),
      L(leeway=30))
    c("exp-within-leeway", "exp 29 s ago with 30 s leeway", claims(exp=NOW - 29), OK(), L(leeway=30))
    c("exp-exponent-notation", "exp written 1.76400084e9", raw_tok(
        b'{"sub":"user_1","iss":"https://app.example.com","aud":"https://app.example.com",'
        b'"iat":1763999940,"exp":1.76400084e9}'), OK())
    c("exp-integral-float", "exp written 1764000840.0", raw_tok(
        b'{"sub":"user_1","iss":"https://app.example.com","aud":"https://app.example.com",'
        b'"exp":1764000840.0}'), OK())
    c("exp-string", "exp as a numeric string", claims(exp=str(NOW + 840)), FAIL("invalid_claim"))
    c("exp-true", "exp true", claims(exp=True), FAIL("invalid_claim"))
    c("exp-null", "exp null", claims(exp=None), FAIL("invalid_claim"))
    c("exp-array", "exp in an array", claims(exp=[NOW + 840]), FAIL("invalid_claim"))
    c("exp-object", "exp as an object", claims(exp={"t": NOW + 840}), FAIL("invalid_claim"))
    c("exp-missing", "no exp; required by default", claims(drop=("exp",)), FAIL("missing_claim"))
    c("exp-missing-not-required", "no exp and required_claims []", claims(drop=("exp",)), OK(),
      L(required_claims=[]))
    c("exp-string-not-required", "exp must be a number even when not required",
      claims(exp="soon"), FAIL("invalid_claim"), L(required_claims=["sub"]))
    # nbf
    c("nbf-future", "nbf one second after now", claims(nbf=NOW + 1), FAIL("not_yet_valid"))
    c("nbf-now", "nbf == now", claims(nbf=NOW), OK())
    c("nbf-past", "nbf an hour ago", claims(nbf=NOW - 3600), OK())
    c("nbf-leeway-boundary", "nbf == now + leeway", claims(nbf=NOW + 30), OK(), L(leeway=30))
    c("nbf-beyond-leeway", "nbf == now + leeway + 1", claims(nbf=NOW + 31), FAIL("not_yet_valid"),
      L(leeway=30))
    c("nbf-fraction-future", "nbf half a second after now", claims(nbf=NOW + 0.5), FAIL("not_yet_valid"))
    c("nbf-string", "nbf as a string", claims(nbf=str(NOW)), FAIL("invalid_claim"))
    c("nbf-false", "nbf false", claims(nbf=False), FAIL("invalid_claim"))
    c("nbf-null", "nbf null", claims(nbf=None), FAIL("invalid_claim"))
    # iat
    c("iat-future", "iat one second after now", claims(iat=NOW + 1), FAIL("not_yet_valid"))
    c("iat-now", "iat == now", claims(iat=NOW), OK())
    c("iat-future-within-leeway", "iat 10 s ahead with 10 s leeway", claims(iat=NOW + 10), OK(),
      L(leeway=10))
    c("iat-future-beyond-leeway", "iat 11 s ahead with 10 s leeway", claims(iat=NOW + 11),
      FAIL("not_yet_valid"), L(leeway=10))
    c("iat-string", "iat as a string", claims(iat=str(NOW)), FAIL("invalid_claim"))
    c("iat-null", "iat null", claims(iat=None), FAIL("invalid_claim"))
    c("iat-absent", "no iat, no max_age", claims(drop=("iat",)), OK())
    c("iat-very-old", "iat long ago without max_age is fine", claims(iat=1), OK())
    # max_age
    c("max-age-boundary", "now - iat == max_age", claims(iat=NOW - 3600), OK(), L(max_age=3600))
    c("max-age-exceeded", "now - iat == max_age + 1", claims(iat=NOW - 3601), FAIL("too_old"),
      L(max_age=3600))
    c("max-age-fraction", "now - iat == max_age + 0.5", claims(iat=NOW - 3600.5), FAIL("too_old"),
      L(max_age=3600))
    c("max-age-leeway-boundary", "now - iat == max_age + leeway", claims(iat=NOW - 3660), OK(),
      L(max_age=3600, leeway=60))
    c("max-age-leeway-exceeded", "now - iat == max_age + leeway + 1", claims(iat=NOW - 3661),
      FAIL("too_old"), L(max_age=3600, leeway=60))
    c("max-age-zero-now", "max_age 0, iat == now", claims(iat=NOW), OK(), L(max_age=0))
    c("max-age-zero-one-second", "max_age 0, iat one second ago", claims(iat=NOW - 1),
      FAIL("too_old"), L(max_age=0))
    c("max-age-no-iat", "max_age configured, no iat", claims(drop=("iat",)), FAIL("missing_claim"),
      L(max_age=3600))
    # iss
    c("iss-mismatch", "another issuer", claims(iss="https://evil.example.com"), FAIL("issuer_mismatch"))
    c("iss-missing", "no iss while an issuer is configured", claims(drop=("iss",)),
      FAIL("issuer_mismatch"))
    c("iss-case", "issuer comparison is exact", claims(iss="https://APP.example.com"),
      FAIL("issuer_mismatch"))
    c("iss-trailing-slash", "issuer with a trailing slash", claims(iss=ISS + "/"),
      FAIL("issuer_mismatch"))
    c("iss-empty", "empty iss", claims(iss=""), FAIL("issuer_mismatch"))
    c("iss-list-second", "configured issuer list, token uses the second",
      claims(iss="https://auth.example.com"), OK(), L(issuer=[ISS, "https://auth.example.com"]))
    c("iss-list-none", "configured issuer list, token uses neither", claims(iss="https://x.example.com"),
      FAIL("issuer_mismatch"), L(issuer=[ISS, "https://auth.example.com"]))
    c("iss-not-configured", "no issuer configured: any iss", claims(iss="anything"), OK(), L(issuer=DROP))
    c("iss-not-configured-absent", "no issuer configured, no iss", claims(drop=("iss",)), OK(),
      L(issuer=DROP))
    c("iss-number", "iss is a number", claims(iss=42), FAIL("invalid_claim"))
    c("iss-array", "iss is an array", claims(iss=[ISS]), FAIL("invalid_claim"))
    c("iss-number-not-configured", "iss must be a string even when not checked", claims(iss=42),
      FAIL("invalid_claim"), L(issuer=DROP))
    # aud
    c("aud-mismatch", "another audience", claims(aud="https://other.example.com"),
      FAIL("audience_mismatch"))
    c("aud-missing", "no aud while an audience is configured", claims(drop=("aud",)),
      FAIL("audience_mismatch"))
    c("aud-empty-array", "aud []", claims(aud=[]), FAIL("audience_mismatch"))
    c("aud-array-contains", "aud array containing ours", claims(aud=["https://other.example.com", AUD]),
      OK())
    c("aud-array-without", "aud array without ours", claims(aud=["https://other.example.com"]),
      FAIL("audience_mismatch"))
    c("aud-case", "audience comparison is exact", claims(aud="https://App.example.com"),
      FAIL("audience_mismatch"))
    c("aud-config-list", "configured audience list, token aud is the second",
      claims(aud="api://todos"), OK(), L(audience=[AUD, "api://todos"]))
    c("aud-config-list-array", "configured list and token array overlap in one value",
      claims(aud=["x", "api://todos"]), OK(), L(audience=[AUD, "api://todos"]))
    c("aud-config-list-none", "configured list and token array do not overlap",
      claims(aud=["x", "y"]), FAIL("audience_mismatch"), L(audience=[AUD, "api://todos"]))
    c("aud-number", "aud is a number", claims(aud=1), FAIL("invalid_claim"))
    c("aud-array-with-number", "aud array holding a number", claims(aud=[AUD, 1]), FAIL("invalid_claim"))
    c("aud-object", "aud is an object", claims(aud={"a": AUD}), FAIL("invalid_claim"))
    c("aud-not-configured", "no audience configured: any aud", claims(aud=["x", "y"]), OK(),
      L(audience=DROP))
    c("aud-number-not-configured", "aud type is checked even when aud is not", claims(aud=5),
      FAIL("invalid_claim"), L(audience=DROP))
    # sub and the principal id
    c("sub-missing", "no sub", claims(drop=("sub",)), FAIL("missing_claim"))
    c("sub-empty", "empty sub", claims(sub=""), FAIL("invalid_claim"))
    c("sub-number", "sub is a number", claims(sub=1), FAIL("invalid_claim"))
    c("sub-array", "sub is an array", claims(sub=["user_1"]), FAIL("invalid_claim"))
    c("sub-null", "sub null is present and not a string", claims(sub=None), FAIL("invalid_claim"))
    c("iss-null", "iss null is present and not a string", claims(iss=None), FAIL("invalid_claim"))
    c("aud-null", "aud null is present and neither a string nor an array", claims(aud=None),
      FAIL("invalid_claim"))
    c("sub-unicode", "sub with non-ASCII characters", claims(sub="usér_\u2603"), OK(uid="usér_\u2603"))
    PU = lambda **kw: pol(["EdDSA"], K_ED, principal={"id": "uid"}, **kw)
    c("principal-id-custom", "principal.id from claim uid", claims(uid="u-42"), OK(uid="u-42"), PU())
    c("principal-id-custom-missing", "claim uid missing", claims(), FAIL("missing_claim"), PU())
    c("principal-id-custom-number", "claim uid is a number", claims(uid=42), FAIL("invalid_claim"), PU())
    c("principal-id-custom-empty", "claim uid is empty", claims(uid=""), FAIL("invalid_claim"), PU())
    c("principal-id-custom-null", "claim uid is null", claims(uid=None), FAIL("invalid_claim"), PU())
    c("principal-id-custom-no-sub", "uid present, no sub, sub not required", claims(drop=("sub",), uid="u-7"),
      OK(uid="u-7"), PU(required_claims=["exp"]))
    c("principal-id-custom-sub-required", "uid present, sub missing but required by default",
      claims(drop=("sub",), uid="u-7"), FAIL("missing_claim"), PU())
    # required claims
    c("required-email-present", "required email present", claims(email="a@example.com"), OK(),
      L(required_claims=["sub", "exp", "email"]))
    c("required-email-missing", "required email missing", claims(), FAIL("missing_claim"),
      L(required_claims=["sub", "exp", "email"]))
    c("required-email-null", "required email present as null", claims(email=None), OK(),
      L(required_claims=["sub", "exp", "email"]))
    c("required-nbf-missing", "nbf required but absent", claims(), FAIL("missing_claim"),
      L(required_claims=["nbf"]))
    c("required-iat-present", "iat required and present", claims(), OK(), L(required_claims=["iat", "exp"]))
    c("required-empty-no-sub", "required_claims [] still needs the principal id", claims(drop=("sub",)),
      FAIL("missing_claim"), L(required_claims=[]))
    # roles
    R = lambda **kw: pol(["EdDSA"], K_ED, principal={"id": "sub", "roles": "role"}, **kw)
    c("roles-comma-string", "role 'user, admin'", claims(role="user, admin"), OK(roles=["user", "admin"]))
    c("roles-single-string", "role 'admin'", claims(role="admin"), OK(roles=["admin"]))
    c("roles-empty-pieces", "role ' a ,, b , ': trimmed, empty pieces dropped", claims(role=" a ,, b , "),
      OK(roles=["a", "b"]))
    c("roles-empty-string", "role ''", claims(role=""), OK(roles=[]))
    c("roles-only-commas", "role ' , ,'", claims(role=" , ,"), OK(roles=[]))
    c("roles-array", "role ['user', 'admin']", claims(role=["user", "admin"]), OK(roles=["user", "admin"]))
    c("roles-array-not-split", "array members are not split on commas", claims(role=["a,b", "c"]),
      OK(roles=["a,b", "c"]), R())
    c("roles-empty-array", "role []", claims(role=[]), OK(roles=[]))
    c("roles-null", "role null", claims(role=None), OK(roles=[]))
    c("roles-absent", "no role claim", claims(), OK(roles=[]))
    c("roles-number", "role is a number", claims(role=1), FAIL("invalid_claim"))
    c("roles-true", "role is true", claims(role=True), FAIL("invalid_claim"))
    c("roles-object", "role is an object", claims(role={"admin": True}), FAIL("invalid_claim"))
    c("roles-array-with-number", "role array holding a number", claims(role=["user", 2]),
      FAIL("invalid_claim"))
    c("roles-array-with-null", "role array holding null", claims(role=["user", None]),
      FAIL("invalid_claim"))
    PR = pol(["EdDSA"], K_ED, principal={"roles": "permissions"})
    c("roles-custom-claim", "principal.roles from permissions", claims(permissions=["todo:read"], role="admin"),
      OK(roles=["todo:read"]), PR)
    c("roles-custom-claim-absent", "custom roles claim absent, role ignored", claims(role="admin"),
      OK(roles=[]), PR)
    c("roles-custom-claim-bad", "custom roles claim is a number", claims(permissions=3),
      FAIL("invalid_claim"), PR)
    c("roles-default-ignores-bad-other", "an unmapped claim of any type is fine",
      claims(permissions=3), OK())
    # tenant
    PT = pol(["EdDSA"], K_ED, principal={"tenant": "activeOrganizationId"})
    c("tenant-present", "tenant from activeOrganizationId", claims(activeOrganizationId="org_1"),
      OK(tenant="org_1"), PT)
    c("tenant-absent", "tenant claim absent", claims(), OK(tenant=None), PT)
    c("tenant-null", "tenant claim null", claims(activeOrganizationId=None), OK(tenant=None), PT)
    c("tenant-number", "tenant claim is a number", claims(activeOrganizationId=5), FAIL("invalid_claim"), PT)
    c("tenant-array", "tenant claim is an array", claims(activeOrganizationId=["org_1"]),
      FAIL("invalid_claim"), PT)
    c("tenant-not-configured", "no tenant configured: null even if the claim exists",
      claims(activeOrganizationId="org_1"), OK(tenant=None))
    c("all-principal-claims", "id, roles and tenant from custom claims",
      claims(uid="u-9", perms="a, b", org="o-1"), OK(uid="u-9", roles=["a", "b"], tenant="o-1"),
      pol(["EdDSA"], K_ED, principal={"id": "uid", "roles": "perms", "tenant": "org"}))
    # other claims
    c("extra-claims", "unknown claims of every JSON type are kept",
      claims(flag=True, n=1.5, o={"a": [1, {"b": None}]}, s="x", z=None), OK())
    c("jti-and-nonstandard", "jti and other registered claims are not checked",
      claims(jti=5, azp=[1], scope=True), OK())
    return out


# ---------------------------------------------------------------------------
# tokens-order.json: two things wrong at once, the earlier check wins
# ---------------------------------------------------------------------------

def order_vectors():
    out = []
    P = pol(["EdDSA"], K_ED)
    good = tok()
    h, p, s = good.split(".")
    bad_sig = lambda t: tamper_sig(t, 3)

    def o(vid, desc, token, expect, policy=None, **kw):
        out.append(V(vid, desc, P if policy is None else policy, expect, token, **kw))

    o("too-large-and-malformed", "over max_length and not a JWT", "x" * 200, FAIL("token_too_large"),
      pol(["EdDSA"], K_ED, max_length=100))
    o("too-large-and-alg-none", "over max_length and alg none",
      jws({"alg": "none"}, claims(), sig=b""), FAIL("token_too_large"), pol(["EdDSA"], K_ED, max_length=100))
    o("too-large-and-expired", "over max_length and expired", tok(claims(exp=NOW - 1)),
      FAIL("token_too_large"), pol(["EdDSA"], K_ED, max_length=100))
    o("malformed-payload-and-bad-signature", "payload not JSON, signature wrong",
      f"{h}.{b64u(b'not json')}.{s}", FAIL("malformed"))
    o("malformed-payload-and-alg-none", "payload a JSON array, alg none",
      jws({"alg": "none"}, b"[]", sig=b""), FAIL("malformed"))
    o("malformed-payload-and-unknown-kid", "payload not JSON, unknown kid",
      jws(hdr(kid="nope"), b"{", "EdDSA"), FAIL("malformed"))
    o("malformed-header-duplicate-and-crit", "duplicate header member and crit",
      signed(b64u(b'{"alg":"EdDSA","kid":"ed-1","kid":"ed-1","crit":["x"]}'), p, "EdDSA", PRIV["ed-1"]),
      FAIL("malformed"))
    o("malformed-signature-encoding-and-expired", "signature not base64url, token expired",
      f"{tok(claims(exp=NOW - 1)).rsplit('.', 1)[0]}.@@@@", FAIL("malformed"))
    o("alg-not-allowed-and-unknown-kid", "alg outside the allowlist and unknown kid",
      tok(alg="ES256", kid="nope", sign_alg="ES256"), FAIL("algorithm_not_allowed"))
    o("alg-none-and-unknown-kid", "alg none and unknown kid",
      jws({"alg": "none", "kid": "nope"}, claims(), sig=b""), FAIL("algorithm_not_allowed"))
    o("crit-and-unknown-kid", "crit present and unknown kid", tok(kid="nope", crit=["exp"]),
      FAIL("invalid_header"))
    o("typ-mismatch-and-unknown-kid", "typ mismatch and unknown kid", tok(kid="nope", typ="at+jwt"),
      FAIL("invalid_header"), pol(["EdDSA"], K_ED, typ="JWT"))
    o("b64-and-bad-signature", "b64 present and the signature wrong", bad_sig(tok(b64=True)),
      FAIL("invalid_header"))
    o("kid-number-and-bad-signature", "kid not a string and the signature wrong", bad_sig(tok(kid=5)),
      FAIL("invalid_header"))
    o("unknown-kid-and-bad-signature", "unknown kid and garbage signature",
      bad_sig(tok(kid="nope")), FAIL("unknown_key"))
    o("key-type-mismatch-and-bad-signature", "kid ed-1 with alg ES256, signature garbage",
      bad_sig(tok(alg="ES256", kid="ed-1")), FAIL("algorithm_not_allowed"),
      pol(["EdDSA", "ES256"], K_ALL))
    o("no-usable-key-and-expired", "no key for ES384, token also expired",
      tok(claims(exp=NOW - 1), alg="ES384", kid=None), FAIL("unknown_key"),
      pol(["EdDSA", "ES384"], K_ED))
    o("bad-signature-and-expired", "signature wrong and token expired",
      bad_sig(tok(claims(exp=NOW - 100))), FAIL("bad_signature"))
    o("bad-signature-and-missing-sub", "signature wrong and no sub",
      bad_sig(tok(claims(drop=("sub",)))), FAIL("bad_signature"))
    o("bad-signature-and-exp-string", "signature wrong and exp a string",
      bad_sig(tok(claims(exp="never"))), FAIL("bad_signature"))
    o("bad-signature-and-issuer", "signature wrong and issuer wrong",
      bad_sig(tok(claims(iss="https://evil.example.com"))), FAIL("bad_signature"))
    o("wrong-key-and-nbf-future", "signed by another key, nbf in the future",
      tok(claims(nbf=NOW + 100), key=PRIV["ed-2"]), FAIL("bad_signature"))
    o("iss-type-and-expired", "iss a number and token expired", tok(claims(iss=1, exp=NOW - 1)),
      FAIL("invalid_claim"))
    o("aud-type-and-expired", "aud a number and token expired", tok(claims(aud=1, exp=NOW - 1)),
      FAIL("invalid_claim"))
    o("required-missing-and-expired", "required email missing and token expired",
      tok(claims(exp=NOW - 1)), FAIL("missing_claim"),
      pol(["EdDSA"], K_ED, required_claims=["sub", "exp", "email"]))
    o("sub-missing-and-expired", "no sub and token expired", tok(claims(drop=("sub",), exp=NOW - 1)),
      FAIL("missing_claim"))
    o("sub-empty-and-expired", "empty sub and token expired", tok(claims(sub="", exp=NOW - 1)),
      FAIL("invalid_claim"))
    o("role-type-and-expired", "role a number and token expired", tok(claims(role=7, exp=NOW - 1)),
      FAIL("invalid_claim"))
    o("exp-type-and-required-missing", "exp a string and required email missing",
      tok(claims(exp="later")), FAIL("invalid_claim"),
      pol(["EdDSA"], K_ED, required_claims=["sub", "exp", "email"]))
    o("nbf-type-and-sub-missing", "nbf a string and no sub", tok(claims(drop=("sub",), nbf="now")),
      FAIL("invalid_claim"))
    o("required-missing-and-role-type", "required email missing and role a number",
      tok(claims(role=7)), FAIL("missing_claim"),
      pol(["EdDSA"], K_ED, required_claims=["sub", "exp", "email"]))
    o("required-missing-and-tenant-type", "required email missing and tenant a number",
      tok(claims(org=7)), FAIL("missing_claim"),
      pol(["EdDSA"], K_ED, required_claims=["sub", "exp", "email"], principal={"tenant": "org"}))
    o("expired-and-nbf-future", "expired and nbf in the future", tok(claims(exp=NOW - 1, nbf=NOW + 100)),
      FAIL("expired"))
    o("expired-and-iat-future", "expired and iat in the future", tok(claims(exp=NOW - 1, iat=NOW + 100)),
      FAIL("expired"))
    o("expired-and-too-old", "expired and older than max_age", tok(claims(exp=NOW - 1, iat=NOW - 7200)),
      FAIL("expired"), pol(["EdDSA"], K_ED, max_age=3600))
    o("expired-and-issuer", "expired and wrong issuer",
      tok(claims(exp=NOW - 1, iss="https://evil.example.com")), FAIL("expired"))
    o("expired-and-audience", "expired and wrong audience", tok(claims(exp=NOW - 1, aud="x")),
      FAIL("expired"))
    o("nbf-future-and-too-old", "nbf in the future and iat older than max_age",
      tok(claims(nbf=NOW + 100, iat=NOW - 7200)), FAIL("not_yet_valid"), pol(["EdDSA"], K_ED, max_age=3600))
    o("nbf-future-and-issuer", "nbf in the future and wrong issuer",
      tok(claims(nbf=NOW + 100, iss="https://evil.example.com")), FAIL("not_yet_valid"))
    o("iat-future-and-audience", "iat in the future and wrong audience",
      tok(claims(iat=NOW + 100, aud="x")), FAIL("not_yet_valid"))
    o("too-old-and-issuer", "older than max_age and wrong issuer",
      tok(claims(iat=NOW - 7200, iss="https://evil.example.com")), FAIL("too_old"),
      pol(["EdDSA"], K_ED, max_age=3600))
    o("issuer-and-audience", "wrong issuer and wrong audience",
      tok(claims(iss="https://evil.example.com", aud="x")), FAIL("issuer_mismatch"))
    o("issuer-missing-and-audience-missing", "no iss and no aud", tok(claims(drop=("iss", "aud"))),
      FAIL("issuer_mismatch"))
    dp = pol(["EdDSA"], K_ED, rules=[rule("all")])
    o("audience-before-decision", "wrong audience with a request that would be allowed",
      tok(claims(aud="x")), FAIL("audience_mismatch"), dp, request=req())
    o("expired-before-decision", "expired token with a request that would be allowed",
      tok(claims(exp=NOW - 1)), FAIL("expired"), dp, request=req())
    out.append(V("missing-before-decision", "no credential with a request", dp, FAIL("missing"),
                 request=req()))
    o("valid-then-decision", "the same request with a good token is allowed", good,
      ALLOW(["all"]), dp, request=req())
    return out


# ---------------------------------------------------------------------------
# keys.json: key selection
# ---------------------------------------------------------------------------

def key_vectors():
    out = []
    A = FAIL("algorithm_not_allowed")
    U = FAIL("unknown_key")

    def k(vid, desc, policy, expect, token):
        out.append(V(vid, desc, policy, expect, token))

    k("kid-selects-second", "kid ed-2 selects the second Ed25519 key", pol(["EdDSA"], K_ED),
      OK(uid="user_2"), tok(claims(sub="user_2"), kid="ed-2", key=PRIV["ed-2"]))
    k("kid-unknown", "kid not in the set", pol(["EdDSA"], K_ED), U, tok(kid="ed-3"))
    k("kid-case-sensitive", "kid ED-1 does not name ed-1", pol(["EdDSA"], K_ED), U, tok(kid="ED-1"))
    k("kid-empty-string", "kid '' names no key", pol(["EdDSA"], K_ED), U, tok(kid=""))
    k("kid-signed-by-other-key", "kid ed-1, signed by ed-2", pol(["EdDSA"], K_ED),
      FAIL("bad_signature"), tok(kid="ed-1", key=PRIV["ed-2"]))
    k("kid-names-ed-key-alg-es256", "kid names the Ed25519 key, alg ES256", pol(["EdDSA", "ES256"], K_ALL),
      A, tok(alg="ES256", kid="ed-1"))
    k("kid-names-p256-alg-es384", "kid names the P-256 key, alg ES384", pol(EC_ALGS, K_ALL), A,
      tok(alg="ES384", kid="p256"))
    k("kid-names-p521-alg-es256", "kid names the P-521 key, alg ES256", pol(EC_ALGS, K_ALL), A,
      tok(alg="ES256", kid="p521"))
    k("kid-names-rsa-alg-es256", "kid names the RSA key, alg ES256", pol(["RS256", "ES256"], K_ALL), A,
      tok(alg="ES256", kid="rsa-2048"))
    k("kid-names-ed-key-alg-rs256", "kid names the Ed25519 key, alg RS256", pol(["RS256", "EdDSA"], K_ALL),
      A, tok(alg="RS256", kid="ed-1"))
    k("kid-names-ec-key-alg-eddsa", "kid names the P-256 key, alg EdDSA", pol(["ES256", "EdDSA"], K_ALL),
      A, tok(alg="EdDSA", kid="p256"))
    k("no-kid-tries-every-key", "no kid: the second Ed25519 key verifies", pol(["EdDSA"], K_ED),
      OK(uid="user_2"), tok(claims(sub="user_2"), kid=None, key=PRIV["ed-2"]))
    k("no-kid-first-key", "no kid: the first Ed25519 key verifies", pol(["EdDSA"], K_ED), OK(),
      tok(kid=None))
    k("no-kid-no-key-verifies", "no kid, no trusted key made the signature",
      pol(["EdDSA"], K_ED1), FAIL("bad_signature"), tok(kid=None, key=PRIV["ed-2"]))
    k("no-kid-picks-by-type", "no kid: only the P-256 key is tried for ES256", pol(ASYM_ALGS, K_ALL), OK(),
      tok(alg="ES256", kid=None))
    k("no-kid-rsa-two-keys", "no kid: RS256 from the second of two RSA keys", pol(RSA_ALGS, K_ALL), OK(),
      tok(alg="RS256", kid=None, key=PRIV["rsa-3072"]))
    k("no-kid-no-usable-key", "no kid, no P-384 key in the set", pol(["EdDSA", "ES256", "ES384"],
      {"jwks": {"keys": [JWK["ed-1"], JWK["p256"]]}}), U, tok(alg="ES384", kid=None))
    k("no-kid-no-rsa-key", "no kid, RS256 allowed, only Ed25519 keys", pol(["EdDSA", "RS256"], K_ED), U,
      tok(alg="RS256", kid=None))
    many = [jwk("ed-1")] + [okp_of_seed(i, f"extra-{i}") for i in range(MAX_KEYS_WITHOUT_KID)]
    k("no-kid-at-most-8-keys", f"no kid, {MAX_KEYS_WITHOUT_KID} Ed25519 keys: every one is tried",
      pol(["EdDSA"], {"jwks": {"keys": many[:MAX_KEYS_WITHOUT_KID]}}), OK(), tok(kid=None))
    k("no-kid-more-than-8-keys", f"no kid, {MAX_KEYS_WITHOUT_KID + 1} Ed25519 keys: the token must name its key",
      pol(["EdDSA"], {"jwks": {"keys": many}}), U, tok(kid=None))
    k("kid-in-more-than-8-keys", f"kid ed-1 among {MAX_KEYS_WITHOUT_KID + 1} Ed25519 keys",
      pol(["EdDSA"], {"jwks": {"keys": many}}), OK(), tok(kid="ed-1"))
    k("no-kid-8-keys-of-its-alg", f"no kid, {MAX_KEYS_WITHOUT_KID} Ed25519 keys and a P-256 key: only keys of the "
      "token's alg count", pol(["EdDSA", "ES256"], {"jwks": {"keys": many[:MAX_KEYS_WITHOUT_KID] + [JWK["p256"]]}}),
      OK(), tok(kid=None))
    k("jwks-without-kids-token-kid", "the token's kid selects only keys with that kid",
      pol(["EdDSA"], {"jwks": {"keys": [jwk("ed-1", drop_kid=True)]}}), U, tok(kid="ed-1"))
    k("jwks-without-kids-token-no-kid", "keys without kid, token without kid",
      pol(["EdDSA"], {"jwks": {"keys": [jwk("ed-2", drop_kid=True), jwk("ed-1", drop_kid=True)]}}), OK(),
      tok(kid=None))
    shared = {"jwks": {"keys": [jwk("ed-1", kid="shared"), jwk("ed-2", kid="shared")]}}
    k("duplicate-kid-second-verifies", "two keys share the kid, the second made the signature",
      pol(["EdDSA"], shared), OK(), tok(kid="shared", key=PRIV["ed-2"]))
    k("duplicate-kid-first-verifies", "two keys share the kid, the first made the signature",
      pol(["EdDSA"], shared), OK(), tok(kid="shared"))
    mixed = {"jwks": {"keys": [jwk("p256", kid="k"), jwk("ed-1", kid="k")]}}
    k("kid-two-types-usable-one", "kid matches a P-256 and an Ed25519 key, EdDSA token",
      pol(["EdDSA", "ES256"], mixed), OK(), tok(kid="k"))
    k("kid-two-types-none-usable", "kid matches a P-256 and an Ed25519 key, ES384 token",
      pol(["EdDSA", "ES256", "ES384"], mixed), A, tok(alg="ES384", kid="k"))
    rs_only = {"jwks": {"keys": [jwk("rsa-2048", alg="RS256")]}}
    k("jwk-alg-member-allows", "RSA key with alg RS256, RS256 token", pol(["RS256", "PS256"], rs_only), OK(),
      tok(alg="RS256"))
    k("jwk-alg-member-restricts", "RSA key with alg RS256, PS256 token with its kid",
      pol(["RS256", "PS256"], rs_only), A, tok(alg="PS256"))
    k("jwk-alg-member-restricts-no-kid", "RSA key with alg RS256, PS256 token without kid",
      pol(["RS256", "PS256"], rs_only), U, tok(alg="PS256", kid=None))
    k("jwk-alg-member-restricts-hash", "RSA key with alg RS256, RS512 token",
      pol(["RS256", "RS512"], rs_only), A, tok(alg="RS512"))
    two_algs = {"jwks": {"keys": [jwk("rsa-2048", kid="r", alg="RS256"), jwk("rsa-2048", kid="r", alg="PS256")]}}
    k("same-key-two-alg-members", "the same RSA key listed for RS256 and for PS256", pol(["RS256", "PS256"], two_algs),
      OK(), tok(alg="PS256", kid="r"))
    k("ec-alg-member", "P-256 key with alg ES256", pol(["ES256"], {"jwks": {"keys": [jwk("p256", alg="ES256")]}}),
      OK(), tok(alg="ES256"))
    k("okp-alg-member", "Ed25519 key with alg EdDSA", pol(["EdDSA"], {"jwks": {"keys": [jwk("ed-1", alg="EdDSA")]}}),
      OK(), tok())
    k("jwk-use-and-key-ops", "key with use sig and key_ops [verify]",
      pol(["EdDSA"], {"jwks": {"keys": [jwk("ed-1", use="sig", key_ops=["verify"])]}}), OK(), tok())
    k("jwk-unknown-members", "unknown JWK members are ignored",
      pol(["ES256"], {"jwks": {"keys": [jwk("p256", x5t="abc", note={"any": [1]}, ext=True)]}}), OK(),
      tok(alg="ES256"))
    # single jwk
    k("single-jwk-no-kid-token-kid", "one JWK without kid: the token's kid is ignored",
      pol(["EdDSA"], {"jwk": jwk("ed-1", drop_kid=True)}), OK(), tok(kid="whatever"))
    k("single-jwk-kid-match", "one JWK with kid, token with the same kid",
      pol(["EdDSA"], {"jwk": jwk("ed-1")}), OK(), tok(kid="ed-1"))
    k("single-jwk-kid-mismatch", "one JWK with kid ed-1, token kid ed-2",
      pol(["EdDSA"], {"jwk": jwk("ed-1")}), U, tok(kid="ed-2", key=PRIV["ed-2"]))
    k("single-jwk-kid-token-without", "one JWK with kid, token without kid",
      pol(["EdDSA"], {"jwk": jwk("ed-1")}), OK(), tok(kid=None))
    k("single-jwk-wrong-key", "one JWK, token signed by another key",
      pol(["EdDSA"], {"jwk": jwk("ed-1", drop_kid=True)}), FAIL("bad_signature"), tok(kid=None, key=PRIV["ed-2"]))
    k("single-jwk-kid-match-wrong-type", "one JWK with kid p256, EdDSA token with that kid",
      pol(["ES256", "EdDSA"], {"jwk": jwk("p256")}), A, tok(kid="p256"))
    k("single-jwk-rsa-3072", "one 3072-bit RSA JWK, PS512",
      pol(["PS512"], {"jwk": jwk("rsa-3072", drop_kid=True)}), OK(),
      tok(alg="PS512", kid=None, key=PRIV["rsa-3072"]))
    # pem and secret
    k("pem-token-kid-ignored", "PEM key: the token's kid is ignored",
      pol(["ES384"], {"pem": spki("p384")}), OK(), tok(alg="ES384", kid="not-a-kid"))
    k("pkcs1-token-kid-ignored", "RSA PUBLIC KEY PEM: the token's kid is ignored",
      pol(["RS256"], {"pem": pkcs1("rsa-2048")}), OK(), tok(alg="RS256", kid="x"))
    k("secret-token-kid-ignored", "shared secret: the token's kid is ignored",
      pol(["HS256"], K_SECRET), OK(), tok(alg="HS256", kid="some-kid"))
    k("pem-wrong-key", "PEM of the P-256 key, token signed by another P-256 key",
      pol(["ES256"], {"pem": spki("p256")}), FAIL("bad_signature"),
      tok(alg="ES256", kid=None, key=ec.derive_private_key(7, ec.SECP256R1())))
    return out


# ---------------------------------------------------------------------------
# config.json: policy documents
# ---------------------------------------------------------------------------

def config_vectors():
    out = []

    def bad(vid, desc, policy, why):
        out.append(V(vid, desc, policy, CFG, BASE_TOKEN, why=why))

    def fine(vid, desc, policy, token, expect=None):
        out.append(V(vid, desc, policy, OK() if expect is None else expect, token))

    def with_token(**kw):
        p = pol(["EdDSA"], K_ED1)
        p["token"].update(kw)
        return p

    def drop(p, *path):
        d = p
        for key in path[:-1]:
            d = d[key]
        del d[path[-1]]
        return p

    # document shape
    p = pol(); p["version"] = 1
    bad("unknown-top-level", "unknown top-level member version", p, "unknown-field")
    bad("unknown-in-token", "unknown token member clock_skew", with_token(clock_skew=30), "unknown-field")
    bad("unknown-in-token-typo", "audiences instead of audience", with_token(audiences=[AUD]), "unknown-field")
    p = pol(keys={"jwks": {"keys": [JWK["ed-1"]]}, "jwks_uri": "https://x.example/jwks"})
    bad("unknown-in-keys", "unknown keys member jwks_uri", p, "unknown-field")
    bad("unknown-in-principal", "unknown principal member email", pol(principal={"id": "sub", "email": "email"}),
        "unknown-field")
    bad("unknown-in-rule", "unknown rule member priority",
        pol(rules=[{"id": "r", "effect": "permit", "resource": "*", "actions": "*", "priority": 1}]),
        "unknown-field")
    bad("unknown-in-rule-description", "rules have no description member",
        pol(rules=[{"id": "r", "effect": "permit", "resource": "*", "actions": "*", "description": "x"}]),
        "unknown-field")
    bad("missing-token", "no token section", drop(pol(), "token"), "missing-token")
    bad("missing-keys", "no keys section", drop(pol(), "keys"), "missing-keys")
    bad("token-not-object", "token is an array", dict(pol(), token=[]), "not-object")
    bad("principal-not-object", "principal is a string", dict(pol(), principal="sub"), "not-object")
    bad("rules-not-list", "rules is an object", dict(pol(), rules={"r": {"effect": "permit"}}), "rules")
    fine("minimal-policy", "only token.algorithms and keys", {"token": {"algorithms": ["EdDSA"]}, "keys": K_ED1},
         tok())
    fine("rules-empty-list", "rules [] is allowed", pol(rules=[]), tok())

    # the verified-token cache (an extension of the document): its settings only
    fine("cache-max-entries", "a verified-token cache of 10000 entries", dict(pol(), cache={"max_entries": 10000}),
         tok())
    fine("cache-one-entry", "a cache of one entry", dict(pol(), cache={"max_entries": 1}), tok())
    fine("cache-expired-token", "a cache does not change the outcome of an expired token",
         dict(pol(), cache={"max_entries": 10}), tok(claims(exp=NOW - 1)), FAIL("expired"))
    bad("cache-zero", "cache.max_entries 0", dict(pol(), cache={"max_entries": 0}), "cache")
    bad("cache-over-limit", "cache.max_entries over 1,000,000", dict(pol(), cache={"max_entries": 1_000_001}),
        "cache")
    bad("cache-fraction", "cache.max_entries 1.5", dict(pol(), cache={"max_entries": 1.5}), "cache")
    bad("cache-missing-max", "cache without max_entries", dict(pol(), cache={}), "cache")
    bad("cache-unknown-member", "cache.ttl is not a setting", dict(pol(), cache={"max_entries": 10, "ttl": 60}),
        "unknown-field")
    bad("cache-not-object", "cache is a number", dict(pol(), cache=10000), "not-object")
    # algorithms
    bad("algorithms-missing", "token without algorithms", drop(pol(), "token", "algorithms"), "algorithms")
    bad("algorithms-empty", "algorithms []", pol([]), "algorithms")
    bad("algorithms-string", "algorithms as a string", with_token(algorithms="EdDSA"), "algorithms")
    bad("algorithm-unknown", "ES256K is not a v1 name", pol(["EdDSA", "ES256K"]), "algorithms")
    bad("algorithm-wrong-case", "eddsa is not a v1 name", pol(["eddsa"]), "algorithms")
    bad("algorithm-none", "none in the allowlist", pol(["EdDSA", "none"]), "algorithms")
    bad("algorithm-None-case", "None in the allowlist", pol(["None"]), "algorithms")
    bad("algorithm-number", "a number in the allowlist", pol(["EdDSA", 256]), "algorithms")
    bad("hs-with-jwks", "HS256 with a JWKS", pol(["HS256"], K_ED1), "hs-mix")
    bad("hs-with-jwk", "HS256 with a single JWK", pol(["HS256"], {"jwk": JWK["ed-1"]}), "hs-mix")
    bad("hs-with-pem", "HS256 beside RS256 with a PEM", pol(["RS256", "HS256"], {"pem": spki("rsa-2048")}),
        "hs-mix")
    bad("rs-with-secret", "RS256 with a shared secret", pol(["RS256"], K_SECRET), "hs-mix")
    bad("hs-and-eddsa-with-secret", "HS256 and EdDSA with a shared secret", pol(["HS256", "EdDSA"], K_SECRET),
        "hs-mix")
    # secret
    s64 = SECRET.decode()
    hs = lambda alg, secret: jws(hdr(alg), claims(), alg, secret.encode())
    bad("secret-40-hs384", "40-byte secret with HS384", pol(["HS384"], {"secret": s64[:40]}), "secret")
    fine("secret-40-hs256", "40-byte secret with HS256 only", pol(["HS256"], {"secret": s64[:40]}),
         hs("HS256", s64[:40]))
    bad("secret-40-hs256-hs384", "40-byte secret, HS256 and HS384 allowed", pol(["HS256", "HS384"], {"secret": s64[:40]}),
        "secret")
    bad("secret-31-hs256", "31-byte secret with HS256", pol(["HS256"], {"secret": s64[:31]}), "secret")
    fine("secret-32-hs256", "32-byte secret with HS256", pol(["HS256"], {"secret": s64[:32]}), hs("HS256", s64[:32]))
    bad("secret-47-hs384", "47-byte secret with HS384", pol(["HS384"], {"secret": s64[:47]}), "secret")
    fine("secret-48-hs384", "48-byte secret with HS384", pol(["HS384"], {"secret": s64[:48]}), hs("HS384", s64[:48]))
    bad("secret-63-hs512", "63-byte secret with HS512", pol(["HS512"], {"secret": s64[:63]}), "secret")
    bad("secret-32-hs256-hs512", "32-byte secret with HS256 and HS512", pol(["HS256", "HS512"], {"secret": s64[:32]}),
        "secret")
    fine("secret-64-all-hs", "64-byte secret with all HS algorithms", pol(HS_ALGS, {"secret": s64}), hs("HS512", s64))
    bad("secret-empty", "empty secret", pol(["HS256"], {"secret": ""}), "secret")
    bad("secret-number", "secret is a number", pol(["HS256"], {"secret": 42}),
        "secret")
    utf = "\u00e9" * 16
    fine("secret-multibyte-32-bytes", "16 characters, 32 UTF-8 bytes: enough for HS256",
         pol(["HS256"], {"secret": utf}), hs("HS256", utf))
    bad("secret-multibyte-46-bytes-hs384", "23 two-byte characters with HS384",
        pol(["HS384"], {"secret": "\u00e9" * 23}), "secret")
    # token fields
    for vid, desc, kw, why in [
        ("leeway-negative", "leeway -1", {"leeway": -1}, "leeway"),
        ("leeway-fraction", "leeway 1.5", {"leeway": 1.5}, "leeway"),
        ("leeway-string", "leeway '30'", {"leeway": "30"}, "leeway"),
        ("leeway-bool", "leeway true", {"leeway": True}, "leeway"),
        ("max-age-negative", "max_age -1", {"max_age": -1}, "max_age"),
        ("max-age-string", "max_age '3600'", {"max_age": "3600"}, "max_age"),
        ("max-age-fraction", "max_age 0.5", {"max_age": 0.5}, "max_age"),
        ("max-length-zero", "max_length 0", {"max_length": 0}, "max_length"),
        ("max-length-negative", "max_length -5", {"max_length": -5}, "max_length"),
        ("max-length-too-big", "max_length 1048577", {"max_length": 1048577}, "max_length"),
        ("max-length-string", "max_length '8192'", {"max_length": "8192"}, "max_length"),
        ("typ-empty", "typ ''", {"typ": ""}, "typ"),
        ("typ-number", "typ 1", {"typ": 1}, "typ"),
        ("issuer-empty", "issuer ''", {"issuer": ""}, "issuer"),
        ("issuer-empty-list", "issuer []", {"issuer": []}, "issuer"),
        ("issuer-list-with-empty", "issuer [ISS, '']", {"issuer": [ISS, ""]}, "issuer"),
        ("issuer-number", "issuer 1", {"issuer": 1}, "issuer"),
        ("audience-empty", "audience ''", {"audience": ""}, "audience"),
        ("audience-list-with-number", "audience [AUD, 1]", {"audience": [AUD, 1]}, "audience"),
        ("audience-object", "audience {}", {"audience": {}}, "audience"),
        ("required-claims-string", "required_claims 'sub'", {"required_claims": "sub"}, "required_claims"),
        ("required-claims-number", "required_claims [1]", {"required_claims": ["sub", 1]}, "required_claims"),
    ]:
        bad(vid, desc, with_token(**kw), why)
    fine("max-length-maximum", "max_length 1048576 is allowed", with_token(max_length=1048576), tok())
    fine("max-length-one", "max_length 1 is allowed (and every token is too large)", with_token(max_length=1),
         tok(), FAIL("token_too_large"))
    fine("leeway-zero-max-age-zero", "leeway 0 and max_age 0 are allowed", with_token(leeway=0, max_age=0),
         tok(claims(iat=NOW)))
    fine("issuer-audience-lists", "issuer and audience as lists",
         with_token(issuer=["a", ISS], audience=[AUD, "b"]), tok())
    # keys section
    bad("keys-two-sources", "jwks and pem together", pol(keys={"jwks": K_ED1["jwks"], "pem": spki("ed-1")}),
        "keys-source")
    bad("keys-jwk-and-jwks", "jwk and jwks together", pol(keys={"jwks": K_ED1["jwks"], "jwk": JWK["ed-1"]}),
        "keys-source")
    bad("keys-secret-and-jwk", "secret and jwk together", pol(["HS256"], {"secret": s64, "jwk": JWK["ed-1"]}),
        "keys-source")
    bad("keys-none", "keys {}", pol(keys={}), "keys-source")
    bad("keys-not-object", "keys is a list", pol(keys=[JWK["ed-1"]]), "keys-source")
    bad("jwks-empty", "jwks with no keys", pol(keys={"jwks": {"keys": []}}), "jwks")
    bad("jwks-no-keys-member", "jwks without a keys member", pol(keys={"jwks": {}}), "jwks")
    bad("jwks-array", "jwks is an array of keys", pol(keys={"jwks": [JWK["ed-1"]]}), "jwks")
    bad("jwks-keys-not-array", "jwks.keys is an object", pol(keys={"jwks": {"keys": JWK["ed-1"]}}), "jwks")

    def jbad(vid, desc, key, why, algs=("EdDSA",)):
        bad(vid, desc, pol(algs, {"jwks": {"keys": [JWK["ed-1"], key]}}), why)

    jbad("jwk-kty-oct", "an oct key (with k) in the JWKS", {"kty": "oct", "k": b64u(b"0123456789abcdef" * 4), "kid": "h"},
         "jwk-private")
    jbad("jwk-kty-oct-no-k", "kty oct (shared secrets go in keys.secret)", {"kty": "oct", "kid": "h"}, "jwk-kty")
    jbad("jwk-kty-missing", "JWK without kty", {"crv": "Ed25519", "x": JWK["ed-2"]["x"], "kid": "e"}, "jwk-kty")
    jbad("jwk-kty-unknown", "kty DSA", {"kty": "DSA", "kid": "d"}, "jwk-kty")
    jbad("jwk-kty-lowercase", "kty okp", jwk("ed-2", kty="okp"), "jwk-kty")
    jbad("jwk-okp-x25519", "OKP X25519 is not a signing key", jwk("ed-2", crv="X25519"), "jwk-crv")
    jbad("jwk-okp-ed448", "OKP Ed448 is not supported", jwk("ed-2", crv="Ed448"), "jwk-crv")
    jbad("jwk-okp-x-short", "Ed25519 x of 31 bytes", jwk("ed-2", x=b64u(b64u_dec(JWK["ed-2"]["x"])[:31])),
         "jwk-size")
    jbad("jwk-okp-x-missing", "Ed25519 JWK without x", {"kty": "OKP", "crv": "Ed25519", "kid": "e"}, "jwk-size")
    def okp(x_bytes, kid="weak"):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64u(x_bytes), "kid": kid}

    for vid, desc, y, sign in [
        ("jwk-okp-all-zero", "Ed25519 x of 32 zero bytes (order 4): R = identity, S = 0 would forge tokens", 0, 0),
        ("jwk-okp-order-4-sign", "Ed25519 y = 0 with the sign bit (order 4)", 0, 1),
        ("jwk-okp-identity", "Ed25519 identity point (y = 1)", 1, 0),
        ("jwk-okp-order-2", "Ed25519 point of order 2 (y = p - 1)", ED_P - 1, 0),
        ("jwk-okp-order-8-a", "Ed25519 point of order 8", ED_Y8, 0),
        ("jwk-okp-order-8-a-sign", "Ed25519 point of order 8, sign bit set", ED_Y8, 1),
        ("jwk-okp-order-8-b", "Ed25519 point of order 8 (y = p - Y8)", ED_P - ED_Y8, 0),
        ("jwk-okp-order-8-b-sign", "Ed25519 point of order 8 (y = p - Y8), sign bit set", ED_P - ED_Y8, 1),
        ("jwk-okp-identity-negative-zero", "Ed25519 identity with the sign bit (x = -0)", 1, 1),
        ("jwk-okp-order-2-negative-zero", "Ed25519 order-2 point with the sign bit (x = -0)", ED_P - 1, 1),
        ("jwk-okp-y-is-p", "Ed25519 y = p (non-canonical 0)", ED_P, 0),
        ("jwk-okp-y-is-p-plus-1", "Ed25519 y = p + 1 (non-canonical identity)", ED_P + 1, 0),
        ("jwk-okp-y-max", "Ed25519 y = 2^255 - 1 (non-canonical)", (1 << 255) - 1, 1),
        ("jwk-okp-not-a-point", "Ed25519 y = 2, which is on no point of the curve", 2, 0),
    ]:
        jbad(vid, desc, okp(ed_point(y, sign)), "ed25519-point")
    bad("single-jwk-okp-all-zero", "keys.jwk: Ed25519 x of 32 zero bytes",
        pol(keys={"jwk": okp(bytes(32))}), "ed25519-point")
    ed_spki = bytes.fromhex("302a300506032b6570032100")
    bad("pem-ed25519-all-zero", "SPKI of the all-zero Ed25519 key (small order)",
        pol(keys={"pem": pem_wrap("PUBLIC KEY", ed_spki + bytes(32))}), "pem")
    bad("pem-ed25519-non-canonical", "SPKI of an Ed25519 key with y = p + 1",
        pol(keys={"pem": pem_wrap("PUBLIC KEY", ed_spki + ed_point(ED_P + 1))}), "pem")
    mx, my = ed_add(ed_decode(b64u_dec(JWK["ed-1"]["x"])), ed_decode(ed_point(ED_Y8)))
    fine("jwk-okp-mixed-order", "an Ed25519 point with a small-order component has large order: it loads (and "
         "verifies nothing ed-1 signed)", pol(["EdDSA"], {"jwks": {"keys": [okp(ed_point(my, mx & 1), kid="ed-1")]}}),
         BASE_TOKEN, FAIL("bad_signature"))

    def ec_off(name, crv_len):
        y = bytearray(b64u_dec(JWK[name]["y"]))
        y[-1] ^= 1
        return jwk(name, kid="off", y=b64u(bytes(y)))

    jbad("jwk-ec-p256-off-curve", "P-256 point with y changed by one", ec_off("p256", 32), "ec-point", ("ES256",))
    jbad("jwk-ec-p384-off-curve", "P-384 point with y changed by one", ec_off("p384", 48), "ec-point", ("ES384",))
    jbad("jwk-ec-p521-off-curve", "P-521 point with y changed by one", ec_off("p521", 66), "ec-point", ("ES512",))
    jbad("jwk-ec-p256-zero", "P-256 point (0, 0)", jwk("p256", kid="z", x=b64u(bytes(32)), y=b64u(bytes(32))),
         "ec-point", ("ES256",))
    p256_p = (2**256 - 2**224 + 2**192 + 2**96 - 1).to_bytes(32, "big")
    jbad("jwk-ec-p256-x-is-p", "P-256 x = p (not a field element)", jwk("p256", kid="p", x=b64u(p256_p)),
         "ec-point", ("ES256",))
    p256_prefix = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
    off = b"\x04" + b64u_dec(JWK["p256"]["x"]) + b64u_dec(ec_off("p256", 32)["y"])
    bad("pem-ec-p256-off-curve", "SPKI of a P-256 point off the curve", pol(["ES256"], {"pem": pem_wrap(
        "PUBLIC KEY", p256_prefix + off)}), "pem")
    jbad("jwk-ec-secp256k1", "EC secp256k1", jwk("p256", crv="secp256k1"), "jwk-crv", ("ES256",))
    jbad("jwk-ec-crv-null", "EC with crv null", jwk("p256", crv=None), "jwk-crv", ("ES256",))
    jbad("jwk-ec-x-short", "P-256 x of 31 bytes", jwk("p256", x=b64u(b64u_dec(JWK["p256"]["x"])[1:])), "jwk-size",
         ("ES256",))
    jbad("jwk-ec-p521-x-65-bytes", "P-521 x of 65 bytes", jwk("p521", x=b64u(b64u_dec(JWK["p521"]["x"])[1:])),
         "jwk-size", ("ES512",))
    jbad("jwk-ec-p384-y-49-bytes", "P-384 y of 49 bytes", jwk("p384", y=b64u(b"\x00" + b64u_dec(JWK["p384"]["y"]))),
         "jwk-size", ("ES384",))
    p256_no_y = jwk("p256"); del p256_no_y["y"]
    jbad("jwk-ec-y-missing", "P-256 JWK without y", p256_no_y, "jwk-size", ("ES256",))
    jbad("jwk-rsa-1024", "RSA key of 1024 bits", jwk("rsa-1024"), "jwk-rsa-size", ("RS256",))
    jbad("jwk-rsa-roca", "RSA key with the ROCA fingerprint (CVE-2017-15361)",
         {"kty": "RSA", "n": ROCA_N, "e": "AQAB", "kid": "roca"}, "jwk-rsa-roca", ("RS256",))
    rsa_no_e = jwk("rsa-2048", kid="r2"); del rsa_no_e["e"]
    jbad("jwk-rsa-missing-e", "RSA JWK without e", rsa_no_e, "jwk-rsa", ("RS256",))
    rsa_no_n = jwk("rsa-2048", kid="r2"); del rsa_no_n["n"]
    jbad("jwk-rsa-missing-n", "RSA JWK without n", rsa_no_n, "jwk-rsa", ("RS256",))
    jbad("jwk-use-enc", "use enc", jwk("ed-2", use="enc"), "jwk-use")
    jbad("jwk-use-number", "use 1", jwk("ed-2", use=1), "jwk-use")
    jbad("jwk-key-ops-sign-only", "key_ops [sign]", jwk("ed-2", key_ops=["sign"]), "jwk-key-ops")
    jbad("jwk-key-ops-empty", "key_ops []", jwk("ed-2", key_ops=[]), "jwk-key-ops")
    jbad("jwk-key-ops-encrypt", "key_ops [encrypt, decrypt]", jwk("ed-2", key_ops=["encrypt", "decrypt"]),
         "jwk-key-ops")
    dummy = b64u(b"\x01" * 32)
    jbad("jwk-private-d-okp", "Ed25519 JWK with d", jwk("ed-2", d=dummy), "jwk-private")
    jbad("jwk-private-d-ec", "P-256 JWK with d", jwk("p256", d=dummy), "jwk-private", ("ES256",))
    jbad("jwk-private-d-rsa", "RSA JWK with d", jwk("rsa-2048", d=dummy), "jwk-private", ("RS256",))
    for member in ("p", "q", "dp", "dq", "qi"):
        jbad(f"jwk-private-{member}", f"RSA JWK with {member}", jwk("rsa-2048", **{member: dummy}), "jwk-private",
             ("RS256",))
    jbad("jwk-private-oth", "RSA JWK with oth", jwk("rsa-2048", oth=[{"r": dummy, "d": dummy, "t": dummy}]),
         "jwk-private", ("RS256",))
    jbad("jwk-private-k", "Ed25519 JWK with k", jwk("ed-2", k=dummy), "jwk-private")
    jbad("jwk-alg-wrong-curve", "P-256 key with alg ES384", jwk("p256", alg="ES384"), "jwk-alg", ("ES256", "ES384"))
    jbad("jwk-alg-p521-es256", "P-521 key with alg ES256", jwk("p521", alg="ES256"), "jwk-alg", ("ES256", "ES512"))
    jbad("jwk-alg-rsa-on-ec", "P-256 key with alg RS256", jwk("p256", alg="RS256"), "jwk-alg", ("ES256", "RS256"))
    jbad("jwk-alg-hs-on-rsa", "RSA key with alg HS256", jwk("rsa-2048", alg="HS256"), "jwk-alg", ("RS256",))
    jbad("jwk-alg-eddsa-on-rsa", "RSA key with alg EdDSA", jwk("rsa-2048", alg="EdDSA"), "jwk-alg", ("RS256",))
    jbad("jwk-alg-es256-on-okp", "Ed25519 key with alg ES256", jwk("ed-2", alg="ES256"), "jwk-alg")
    jbad("jwk-alg-unknown", "alg RS1", jwk("rsa-2048", alg="RS1"), "jwk-alg", ("RS256",))
    jbad("jwk-alg-none", "alg none", jwk("ed-2", alg="none"), "jwk-alg")
    jbad("jwk-alg-number", "alg 256", jwk("ed-2", alg=256), "jwk-alg")
    jbad("jwk-kid-number", "kid 2", jwk("ed-2", kid=2), "jwk-kid")
    jbad("jwk-not-object", "a string in the keys array", "ed-2", "jwk-kty")
    bad("single-jwk-private", "keys.jwk with d", pol(keys={"jwk": jwk("ed-1", d=dummy)}), "jwk-private")
    bad("single-jwk-oct", "keys.jwk of kty oct", pol(keys={"jwk": {"kty": "oct", "kid": "h"}}), "jwk-kty")
    bad("single-jwk-use-enc", "keys.jwk with use enc", pol(keys={"jwk": jwk("ed-1", use="enc")}), "jwk-use")
    bad("single-jwk-rsa-1024", "keys.jwk RSA 1024", pol(["RS256"], {"jwk": jwk("rsa-1024")}), "jwk-rsa-size")
    fine("jwk-use-sig", "use sig is fine", pol(keys={"jwk": jwk("ed-1", use="sig")}), tok())
    fine("jwk-key-ops-sign-verify", "key_ops [sign, verify] contains verify",
         pol(keys={"jwk": jwk("ed-1", key_ops=["sign", "verify"])}), tok())
    fine("jwk-alg-ps256", "RSA key with alg PS256", pol(["PS256"], {"jwk": jwk("rsa-2048", alg="PS256")}),
         tok(alg="PS256"))
    fine("jwk-unknown-members", "unknown JWK members are kept and ignored",
         pol(keys={"jwk": jwk("ed-1", x5t="abc", foo={"bar": [1, 2]}, exp=5)}), tok())
    fine("jwks-keys-of-unused-types", "EdDSA only, JWKS also holds EC and RSA keys", pol(["EdDSA"], K_ALL), tok())
    # pem
    p256_pub = PRIV["p256"].public_key()
    compressed = p256_pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    compressed_spki = pem_wrap("PUBLIC KEY", bytes.fromhex(
        "3039301306072a8648ce3d020106082a8648ce3d030107032200") + compressed)
    bad("pem-ec-compressed", "P-256 SPKI with a compressed point", pol(["ES256"], {"pem": compressed_spki}), "pem")
    bad("pem-private-pkcs8", "a PKCS#8 private key PEM", pol(keys={"pem": PRIV["ed-1"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()}),
        "pem")
    bad("pem-private-sec1", "an EC PRIVATE KEY PEM", pol(["ES256"], {"pem": PRIV["p256"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()}), "pem")
    bad("pem-private-rsa", "an RSA PRIVATE KEY PEM", pol(["RS256"], {"pem": PRIV["rsa-2048"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()}), "pem")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wardgate test certificate")])
    utc = datetime.timezone.utc
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(PRIV["ed-1"].public_key()).serial_number(1)
            .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=utc))
            .not_valid_after(datetime.datetime(2035, 1, 1, tzinfo=utc))
            .sign(PRIV["ed-1"], None))
    bad("pem-certificate", "a certificate PEM", pol(keys={"pem": cert.public_bytes(serialization.Encoding.PEM).decode()}),
        "pem")
    bad("pem-garbage", "text that is not PEM", pol(keys={"pem": "not a key"}), "pem")
    bad("pem-bad-base64", "PUBLIC KEY armour around garbage",
        pol(keys={"pem": "-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n"}), "pem")
    bad("pem-rsa-1024-spki", "SPKI of a 1024-bit RSA key", pol(["RS256"], {"pem": spki("rsa-1024")}), "pem")
    bad("pem-rsa-1024-pkcs1", "PKCS#1 of a 1024-bit RSA key", pol(["RS256"], {"pem": pkcs1("rsa-1024")}), "pem")
    roca_pub = rsa.RSAPublicNumbers(65537, int.from_bytes(b64u_dec(ROCA_N), "big")).public_key()
    bad("pem-rsa-roca", "SPKI of an RSA key with the ROCA fingerprint", pol(["RS256"], {"pem": pem_of(roca_pub)}), "pem")
    bad("pem-not-string", "pem is an object", pol(keys={"pem": {"key": spki("ed-1")}}), "pem")
    bad("pem-empty", "pem is empty", pol(keys={"pem": ""}), "pem")
    # principal
    bad("principal-id-empty", "principal.id ''", pol(principal={"id": ""}), "principal")
    bad("principal-id-number", "principal.id 1", pol(principal={"id": 1}), "principal")
    bad("principal-roles-number", "principal.roles 5", pol(principal={"roles": 5}), "principal")
    bad("principal-roles-list", "principal.roles ['role']", pol(principal={"roles": ["role"]}), "principal")
    bad("principal-tenant-empty", "principal.tenant ''", pol(principal={"tenant": ""}), "principal")
    # rules
    R = lambda **kw: {**{"id": "r", "effect": "permit", "resource": "todo", "actions": ["read"]}, **kw}

    def rbad(vid, desc, rules, why):
        bad(vid, desc, pol(rules=rules), why)

    r_no_id = R(); del r_no_id["id"]
    rbad("rule-missing-id", "rule without id", [r_no_id], "rule-id")
    rbad("rule-id-empty", "rule id ''", [R(id="")], "rule-id")
    rbad("rule-id-number", "rule id 1", [R(id=1)], "rule-id")
    rbad("rule-id-duplicate", "two rules with id r", [R(), R(effect="forbid")], "rule-dup")
    r_no_eff = R(); del r_no_eff["effect"]
    rbad("rule-effect-missing", "rule without effect", [r_no_eff], "rule-effect")
    rbad("rule-effect-allow", "effect allow", [R(effect="allow")], "rule-effect")
    rbad("rule-effect-deny", "effect deny", [R(effect="deny")], "rule-effect")
    rbad("rule-effect-case", "effect Permit", [R(effect="Permit")], "rule-effect")
    rbad("rule-resource-empty", "resource ''", [R(resource="")], "rule-resource")
    rbad("rule-resource-number", "resource 1", [R(resource=1)], "rule-resource")
    r_no_res = R(); del r_no_res["resource"]
    rbad("rule-resource-missing", "rule without resource", [r_no_res], "rule-resource")
    rbad("rule-actions-string", "actions 'read' (only '*' may be a string)", [R(actions="read")], "rule-actions")
    rbad("rule-actions-empty-string", "actions ['read', '']", [R(actions=["read", ""])], "rule-actions")
    rbad("rule-actions-number", "actions [1]", [R(actions=[1])], "rule-actions")
    r_no_act = R(); del r_no_act["actions"]
    rbad("rule-actions-missing", "rule without actions", [r_no_act], "rule-actions")
    rbad("rule-when-not-string", "when true (a boolean, not an expression)", [R(when=True)], "rule-when")
    rbad("rule-not-object", "a rule that is a string", ["r"], "rules")
    for vid, desc, when in [
        ("when-incomplete", "ends after ==", "principal.id == "),
        ("when-empty", "empty expression", ""),
        ("when-blank", "only spaces", "   "),
        ("when-unknown-root", "root user", "user.id == 'u1'"),
        ("when-bare-principal", "bare principal", "principal == null"),
        ("when-principal-unknown-field", "principal.email", "principal.email == 'a@example.com'"),
        ("when-principal-id-member", "principal.id.x", "principal.id.x == 1"),
        ("when-action-member", "action.name", "action.name == 'read'"),
        ("when-float-literal", "1.5 is not a literal of v1", "principal.claims.score > 1.5"),
        ("when-chained-equality", "a == b == c", "principal.id == resource.owner_id == true"),
        ("when-chained-less", "1 < 2 < 3", "1 < 2 < 3"),
        ("when-unbalanced-open", "missing )", "(principal.id == 'u1'"),
        ("when-unbalanced-close", "extra )", "principal.id == 'u1')"),
        ("when-unterminated-string", "string never closed", "principal.id == 'u1"),
        ("when-single-equals", "= is not an operator", "principal.id = 'u1'"),
        ("when-single-ampersand", "& is not an operator", "true & false"),
        ("when-leading-and", "starts with &&", "&& true"),
        ("when-trailing-or", "ends with ||", "true ||"),
        ("when-has-number", "has needs a name", "resource has 5"),
        ("when-has-literal-left", "has needs a path on the left", "'x' has y"),
        ("when-function-call", "no functions in v1", "contains(principal.roles, 'admin')"),
        ("when-two-values", "two values side by side", "true false"),
        ("when-unclosed-list", "list without ]", "action in ['read', 'list'"),
        ("when-dot-end", "path ending in a dot", "resource. == 1"),
        ("when-too-long", "expression of 5000 bytes",
         "principal.id == '" + "a" * 4982 + "'"),
        ("when-too-deep", "100 nested parentheses", "(" * 100 + "true" + ")" * 100),
        ("when-4097-bytes", "expression of 4097 bytes", "principal.id == '" + "a" * 4079 + "'"),
    ]:
        if vid == "when-too-long":
            assert len(when) > 4096
        if vid == "when-4097-bytes":
            assert len(when.encode()) == 4097
        rbad(vid, desc, [R(when=when)], "when")
    fine("when-deep-enough", "a few nested parentheses are fine",
         pol(rules=[R(when="((((principal.id == 'user_1'))))")]), tok())
    fine("when-long-enough", "an expression of 4000 bytes is fine",
         pol(rules=[R(when="principal.id == '" + "a" * 3982 + "'")]), tok())
    w4096 = "principal.id == '" + "a" * 4078 + "'"
    assert len(w4096.encode()) == 4096
    fine("when-4096-bytes", "an expression of exactly 4096 bytes is fine", pol(rules=[R(when=w4096)]), tok())
    return out


# ---------------------------------------------------------------------------
# decisions-expr.json: the decision and the expression language
# ---------------------------------------------------------------------------

def decision_vectors():
    out = []
    PRN = {"id": "sub", "roles": "role", "tenant": "org"}

    def d(vid, desc, rules, expect, payload=None, request=None, principal=PRN, policy=None):
        p = policy if policy is not None else pol(["EdDSA"], K_ED, principal=principal, rules=rules)
        out.append(V(vid, desc, p, expect, tok(claims() if payload is None else payload),
                     request=req() if request is None else request))

    P = lambda when, rid="p": [rule(rid, when=when)]
    FP = lambda when: [rule("f", "forbid", when=when), rule("p")]
    todo = lambda **kw: {"type": "todo", **kw}

    # precedence
    d("prec-not-looser-than-eq", "!a == b parses as !(a == b)", P("!principal.id == 'user_2'"), ALLOW(["p"]))
    d("prec-not-eq-string-claim", "!claim == true with a string claim is !(claim == true)",
      P("!principal.claims.flag == true"), ALLOW(["p"]), claims(flag="x"))
    d("prec-not-tighter-than-and", "!a && b parses as (!a) && b", P("!principal.claims.a && principal.claims.b"),
      DENY(), claims(a=False, b=False))
    d("prec-not-looser-than-in", "!'admin' in roles parses as !('admin' in roles)",
      P("!'admin' in principal.roles"), ALLOW(["p"], roles=["user"]), claims(role="user"))
    d("prec-in-tighter-than-eq", "'admin' in roles == true parses as ('admin' in roles) == true",
      P("'admin' in principal.roles == true"), ALLOW(["p"], roles=["admin"]), claims(role="admin"))
    d("prec-has-tighter-than-eq", "resource has owner_id == true parses as (resource has owner_id) == true",
      P("resource has owner_id == true"), ALLOW(["p"]))
    d("prec-and-tighter-than-or", "a || b && false parses as a || (b && false)",
      P("principal.id == 'user_1' || principal.id == 'nobody' && false"), ALLOW(["p"]))
    d("prec-parentheses", "parentheses group before &&", P("principal.id == 'nobody' && (true || true)"), DENY())
    d("prec-double-not", "!!flag", P("!!principal.claims.flag"), ALLOW(["p"]), claims(flag=True))
    d("prec-not-parenthesised", "!(a || b)", P("!(principal.claims.a || principal.claims.b)"), ALLOW(["p"]),
      claims(a=False, b=False))
    # short-circuit
    guard = "principal.claims has banned && principal.claims.banned == true"
    d("guard-no-claim", "has-guard: no banned claim, no error, the permit applies",
      [rule("f", "forbid", when=guard), rule("p")], ALLOW(["p"]))
    d("guard-claim-true", "has-guard: banned true", [rule("f", "forbid", when=guard), rule("p")], FORBID(["f"]),
      claims(banned=True))
    d("guard-claim-false", "has-guard: banned false", [rule("f", "forbid", when=guard), rule("p")], ALLOW(["p"]),
      claims(banned=False))
    d("short-circuit-false-and-number", "false && 5 is false, not an error", FP("false && 5"), ALLOW(["p"]))
    d("short-circuit-true-or-number", "true || 5 is true", P("true || 5"), ALLOW(["p"]))
    d("short-circuit-or-missing-path", "right side with a missing path is not evaluated",
      P("principal.id == 'user_1' || resource.nope == 1"), ALLOW(["p"]))
    d("short-circuit-and-missing-path", "resource has locked guards resource.locked",
      FP("resource has locked && resource.locked == true"), ALLOW(["p"]))
    d("and-non-boolean-right", "true && 5 is an error: the permit does not apply", P("true && 5"), DENY())
    d("or-non-boolean-left", "5 || true is an error", P("5 || true"), DENY())
    d("not-non-boolean", "!principal.id is an error", P("!principal.id"), DENY())
    d("and-non-boolean-forbid", "true && 'yes' in a forbid: the forbid applies", FP("true && 'yes'"), FORBID(["f"]))
    # equality across types
    d("eq-string-vs-number", "3 == '3' is false", P("principal.claims.level == '3'"), DENY(), claims(level=3))
    d("neq-string-vs-number", "3 != '3' is true", P("principal.claims.level != '3'"), ALLOW(["p"]), claims(level=3))
    d("eq-bool-vs-number", "true == 1 is false", P("principal.claims.flag == 1"), DENY(), claims(flag=True))
    d("eq-null-vs-false", "null == false is false", P("principal.claims.gone == false"), DENY(), claims(gone=None))
    d("eq-null-literal", "null == null", P("principal.claims.gone == null"), ALLOW(["p"]), claims(gone=None))
    d("eq-string-vs-list", "'user_1' == ['user_1'] is false", P("principal.id == ['user_1']"), DENY())
    d("neq-null", "tenant != null with a tenant", P("principal.tenant != null"), ALLOW(["p"], tenant="org_1"),
      claims(org="org_1"))
    d("neq-same-type", "status != 'archived'", P("resource.status != 'archived'"), ALLOW(["p"]),
      request=req(resource=todo(status="open")))
    d("eq-case-sensitive", "string equality is case-sensitive", P("principal.id == 'USER_1'"), DENY())
    d("eq-double-quotes", "double-quoted literal", P('principal.id == "user_1"'), ALLOW(["p"]))
    # numbers
    d("eq-int-literal-fraction-claim", "claim 1.0 == 1", P("principal.claims.score == 1"), ALLOW(["p"]),
      claims(score=1.0))
    d("gt-fraction-claim", "1.5 > 1", P("principal.claims.score > 1"), ALLOW(["p"]), claims(score=1.5))
    d("lt-fraction-claim", "1.5 < 1 is false", P("principal.claims.score < 1"), DENY(), claims(score=1.5))
    d("ge-equal-int", "18 >= 18", P("principal.claims.age >= 18"), ALLOW(["p"]), claims(age=18))
    d("le-int", "18 <= 17 is false", P("principal.claims.age <= 17"), DENY(), claims(age=18))
    d("gt-equal-int", "18 > 18 is false", P("principal.claims.age > 18"), DENY(), claims(age=18))
    d("lt-two-fraction-claims", "1.5 < 2.25", P("principal.claims.score < principal.claims.limit"), ALLOW(["p"]),
      claims(score=1.5, limit=2.25))
    d("negative-literal", "-3 > -5", P("context.delta > -5"), ALLOW(["p"]), request=req(context={"delta": -3}))
    d("fraction-context-vs-int", "99.5 < 100", P("context.amount < 100"), ALLOW(["p"]),
      request=req(context={"amount": 99.5}))
    d("lt-on-strings-permit", "'user_1' < 'z' is an error", P("principal.id < 'z'"), DENY())
    d("lt-on-strings-forbid", "'user_1' < 'z' in a forbid", FP("principal.id < 'z'"), FORBID(["f"]))
    d("ge-null-forbid", "null >= 1 in a forbid", FP("principal.claims.gone >= 1"), FORBID(["f"]), claims(gone=None))
    d("lt-booleans-forbid", "true < false in a forbid", FP("true < false"), FORBID(["f"]))
    d("gt-numeric-string-permit", "'5' > 1 is an error", P("principal.claims.n > 1"), DENY(), claims(n="5"))
    # in
    d("in-on-string-permit", "in on a string is an error", P("'user' in principal.id"), DENY())
    d("in-on-string-forbid", "in on a string in a forbid", FP("'user' in principal.id"), FORBID(["f"]))
    d("in-on-object-forbid", "in on the resource object in a forbid", FP("'owner_id' in resource"), FORBID(["f"]))
    d("in-on-null-forbid", "in on null in a forbid", FP("'x' in principal.tenant"), FORBID(["f"]))
    d("in-roles-comma-string", "role 'user, admin'", P("'admin' in principal.roles"),
      ALLOW(["p"], roles=["user", "admin"]), claims(role="user, admin"))
    d("in-roles-array", "role array", P("'admin' in principal.roles"), ALLOW(["p"], roles=["editor", "admin"]),
      claims(role=["editor", "admin"]))
    d("in-roles-absent", "no role claim: roles []", P("'admin' in principal.roles"), DENY())
    d("in-roles-empty-pieces", "role 'user,,admin, '", P("'admin' in principal.roles"),
      ALLOW(["p"], roles=["user", "admin"]), claims(role="user,,admin, "))
    d("in-roles-not-substring", "role 'administrator' is not 'admin'", P("'admin' in principal.roles"), DENY(),
      claims(role="administrator"))
    d("in-roles-custom-claim", "roles from a custom claim", P("'todo:write' in principal.roles"),
      ALLOW(["p"], roles=["todo:read", "todo:write"]), claims(perms="todo:read,todo:write"),
      principal={"roles": "perms"})
    d("in-list-literal", "action in a list literal", P("action in ['read', 'list']"), ALLOW(["p"]))
    d("in-list-literal-miss", "action not in the list literal", P("action in ['read', 'list']"), DENY(),
      request=req("delete"))
    d("in-list-integers", "3 in [1, 2, 3]", P("principal.claims.level in [1, 2, 3]"), ALLOW(["p"]), claims(level=3))
    d("in-list-cross-type", "3 in ['3'] is false", P("principal.claims.level in ['3']"), DENY(), claims(level=3))
    d("in-claim-array", "'b' in a claim array", P("'b' in principal.claims.groups"), ALLOW(["p"]),
      claims(groups=["a", "b"]))
    d("in-empty-list", "x in [] is false", P("principal.id in []"), DENY())
    # paths
    d("missing-path-permit", "resource.owner_id missing: the permit does not apply",
      P("resource.owner_id == principal.id"), DENY(), request=req(resource=todo()))
    d("missing-path-forbid", "resource.locked missing: the forbid applies", FP("resource.locked == true"),
      FORBID(["f"]))
    d("missing-claim-forbid", "principal.claims.banned missing without a guard: the forbid applies",
      FP("principal.claims.banned == true"), FORBID(["f"]))
    d("path-through-string", "claims.company.name where company is a string", P("principal.claims.company.name == 'acme'"),
      DENY(), claims(company="acme"))
    d("path-through-list-forbid", "resource.tags.first where tags is a list", FP("resource.tags.first == 'a'"),
      FORBID(["f"]), request=req(resource=todo(tags=["a"])))
    d("nested-resource-path", "resource.meta.owner.id", P("resource.meta.owner.id == principal.id"), ALLOW(["p"]),
      request=req(resource=todo(meta={"owner": {"id": "user_1"}})))
    d("nested-claim-path", "principal.claims.membership.role", P("principal.claims.membership.role == 'owner'"),
      ALLOW(["p"]), claims(membership={"role": "owner"}))
    d("keyword-prefixed-member", "member in_stock is a name, not the in operator", P("resource.in_stock == true"),
      ALLOW(["p"]), request=req(resource=todo(in_stock=True)))
    d("keyword-prefixed-has", "has hash: a member name starting with has", P("resource has hash"), ALLOW(["p"]),
      request=req(resource=todo(hash="x")))
    d("whitespace", "spaces around tokens", P("  principal.id   ==   'user_1'  "), ALLOW(["p"]))
    d("owner-allow", "owner reads own todo", P("resource.owner_id == principal.id"), ALLOW(["p"]))
    d("owner-deny", "someone else's todo", P("resource.owner_id == principal.id"), DENY(),
      request=req(resource=todo(owner_id="user_2")))
    # tenant, context, action
    d("tenant-match", "principal.tenant == resource.org_id", P("principal.tenant == resource.org_id"),
      ALLOW(["p"], tenant="org_1"), claims(org="org_1"), req(resource=todo(org_id="org_1")))
    d("tenant-mismatch", "tenant differs from the resource's", P("principal.tenant == resource.org_id"), DENY(),
      claims(org="org_2"), req(resource=todo(org_id="org_1")))
    d("tenant-absent-null", "no tenant claim: principal.tenant is null", P("principal.tenant == null"),
      ALLOW(["p"]))
    d("tenant-not-configured-null", "no tenant configured: principal.tenant is null",
      P("principal.tenant == null"), ALLOW(["p"]), claims(org="org_1"), principal={"id": "sub"})
    d("context-value", "context.mfa == true", P("context.mfa == true"), ALLOW(["p"]),
      request=req(context={"mfa": True}))
    d("context-missing-member", "context.mfa missing", P("context.mfa == true"), DENY(), request=req(context={}))
    d("context-has", "context has trace", P("context has trace"), ALLOW(["p"]), request=req(context={"trace": "t"}))
    d("action-path", "action == 'read'", P("action == 'read'"), ALLOW(["p"]))
    d("action-path-other", "action == 'read' for a write", P("action == 'read'"), DENY(), request=req("write"))
    # matching
    d("resource-without-type", "request resource without type is denied", [rule("p")], DENY(),
      request=req(resource={"owner_id": "user_1"}))
    d("resource-type-number", "request resource type is a number", [rule("p")], DENY(),
      request=req(resource={"type": 5}))
    d("resource-type-null", "request resource type is null", [rule("p")], DENY(),
      request=req(resource={"type": None}))
    d("resource-star", "resource '*' matches any type", [rule("p", actions=["read"])], ALLOW(["p"]),
      request=req(resource={"type": "invoice"}))
    d("actions-star", "actions '*' matches any action", [rule("p", resource="todo")], ALLOW(["p"]),
      request=req("archive"))
    d("resource-type-mismatch", "rule for note, request for todo", [rule("p", resource="note")], DENY())
    d("resource-type-case", "resource types are case-sensitive", [rule("p", resource="Todo")], DENY())
    d("action-not-listed", "action delete not in [read]", [rule("p", resource="todo", actions=["read"])], DENY(),
      request=req("delete"))
    d("action-case", "actions are case-sensitive", [rule("p", actions=["read"])], DENY(), request=req("READ"))
    d("multiple-permits", "every applying permit is listed",
      [rule("p1"), rule("p2", resource="todo", actions=["read"]), rule("p3", resource="todo", when="false"),
       rule("p4", resource="note"), rule("p5", actions=["read", "list"], when="resource.owner_id == principal.id")],
      ALLOW(["p1", "p2", "p5"]))
    d("multiple-forbids", "every applying forbid is listed, permits are not",
      [rule("f1", "forbid", when="principal.claims.banned == true"), rule("f2", "forbid", resource="todo"),
       rule("f3", "forbid", resource="note"), rule("p")], FORBID(["f1", "f2"]), claims(banned=True))
    d("forbid-overrides-permit", "a forbid beats a permit", [rule("p"), rule("f", "forbid", "todo", ["read"])],
      FORBID(["f"]))
    d("forbid-other-action", "forbid for delete does not touch read",
      [rule("f", "forbid", actions=["delete"]), rule("p")], ALLOW(["p"]))
    d("forbid-error-other-resource", "an erroring forbid for another type does not apply",
      [rule("f", "forbid", resource="note", when="1 < 'a'"), rule("p")], ALLOW(["p"]))
    d("permit-error-other-permit", "one permit errors, another applies",
      [rule("p1", when="1 < 'a'"), rule("p2")], ALLOW(["p2"]))
    d("when-non-boolean-permit", "a when yielding a string is an error", P("principal.id"), DENY())
    d("when-non-boolean-forbid", "a forbid when yielding a number applies", FP("principal.claims.count"),
      FORBID(["f"]), claims(count=2))
    d("when-null-forbid", "a forbid when yielding null applies", FP("principal.tenant"), FORBID(["f"]))
    d("when-literal-false", "when false", P("false"), DENY())
    d("no-when", "a permit without when", [rule("p", resource="todo", actions=["read"])], ALLOW(["p"]))
    d("no-rules", "rules []", [], DENY())
    d("no-rules-member", "a policy without rules denies", None, DENY(),
      policy=pol(["EdDSA"], K_ED, principal=PRN))
    # has
    d("has-quoted-name", "has with a quoted member name", P("principal.claims has 'email-verified'"), ALLOW(["p"]),
      {**claims(), "email-verified": True})
    d("has-double-quoted-name", "has with a double-quoted member name", P('principal.claims has "email-verified"'),
      ALLOW(["p"]), {**claims(), "email-verified": True})
    d("has-absent", "has on an absent claim is false", P("principal.claims has banned"), DENY())
    d("has-null-member", "a member holding null exists", P("principal.claims has gone"), ALLOW(["p"]),
      claims(gone=None))
    d("has-left-missing", "resource.meta has owner, no meta: error", P("resource.meta has owner"), DENY())
    d("has-left-missing-forbid", "the same in a forbid", FP("resource.meta has owner"), FORBID(["f"]))
    d("has-left-string", "has on a string is false", P("!(principal.id has length)"), ALLOW(["p"]))
    d("has-left-list", "has on a list is false", P("!(principal.roles has length)"), ALLOW(["p"], roles=["a"]),
      claims(role="a"))
    d("has-nested-object", "resource.meta has owner", P("resource.meta has owner"), ALLOW(["p"]),
      request=req(resource=todo(meta={"owner": None})))
    d("bare-principal-claims", "principal.claims as a whole", P("principal.claims has sub"), ALLOW(["p"]))
    d("bare-context", "context as a whole", P("context has ip && context.ip == '10.0.0.1'"), ALLOW(["p"]),
      request=req(context={"ip": "10.0.0.1"}))
    return out


# ---------------------------------------------------------------------------
# rfc7515.json: the examples of RFC 7515 appendix A
# ---------------------------------------------------------------------------

RFC_A2_N = ("ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ")
RFC_A2_E = "AQAB"
RFC_A1_PAYLOAD = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
RFC_A2 = ("eyJhbGciOiJSUzI1NiJ9." + RFC_A1_PAYLOAD + ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw")
RFC_A3_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
RFC_A3_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
RFC_A3 = ("eyJhbGciOiJFUzI1NiJ9." + RFC_A1_PAYLOAD + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
RFC_A4_X = "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk"
RFC_A4_Y = "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"
RFC_A4 = ("eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn")
RFC_EXP = 1300819380
RFC_NOW = 1300819000


def check_rfc_texts():
    """The example texts are only used if their signatures verify, which
    proves every character of key, header, payload and signature."""
    payload = b64u_dec(RFC_A1_PAYLOAD)
    assert payload == b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}', payload
    n = int.from_bytes(b64u_dec(RFC_A2_N), "big")
    rsa_pub = rsa.RSAPublicNumbers(65537, n).public_key()
    si, sig = RFC_A2.rsplit(".", 1)
    rsa_pub.verify(b64u_dec(sig), si.encode(), padding.PKCS1v15(), hashes.SHA256())
    for text, x, y, curve, size, h in ((RFC_A3, RFC_A3_X, RFC_A3_Y, ec.SECP256R1(), 32, hashes.SHA256()),
                                       (RFC_A4, RFC_A4_X, RFC_A4_Y, ec.SECP521R1(), 66, hashes.SHA512())):
        pub = ec.EllipticCurvePublicNumbers(int.from_bytes(b64u_dec(x), "big"),
                                            int.from_bytes(b64u_dec(y), "big"), curve).public_key()
        si, sig = text.rsplit(".", 1)
        raw = b64u_dec(sig)
        assert len(raw) == 2 * size
        pub.verify(encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")),
                   si.encode(), ec.ECDSA(h))
    assert b64u_dec(RFC_A4.split(".")[1]) == b"Payload"
    return rsa_pub


def rfc_vectors():
    out = []
    rsa_pub = check_rfc_texts()
    A2_JWK = {"kty": "RSA", "n": RFC_A2_N, "e": RFC_A2_E}
    A3_JWK = {"kty": "EC", "crv": "P-256", "x": RFC_A3_X, "y": RFC_A3_Y}
    A4_JWK = {"kty": "EC", "crv": "P-521", "x": RFC_A4_X, "y": RFC_A4_Y}

    def rp(algs, keys, principal=None, rules=None, **token):
        t = {"algorithms": algs, "required_claims": ["exp"]}
        t.update(token)
        p = {"token": t, "keys": keys, "principal": {"id": "iss"} if principal is None else principal}
        if rules is not None:
            p["rules"] = rules
        return copy.deepcopy(p)

    def r(vid, desc, policy, expect, token, now=RFC_NOW, request=None):
        out.append(V(vid, desc, policy, expect, token, now=now, request=request))

    joe = OK(uid="joe")
    r("a2-rs256-jwk", "A.2 RS256 example, key as a JWK", rp(["RS256"], {"jwk": A2_JWK}), joe, RFC_A2)
    r("a2-rs256-jwks", "A.2 RS256 example, key in a JWKS without kid",
      rp(["RS256"], {"jwks": {"keys": [A2_JWK]}}), joe, RFC_A2)
    r("a2-rs256-pem", "A.2 RS256 example, key as SPKI PEM", rp(["RS256"], {"pem": pem_of(rsa_pub)}), joe, RFC_A2)
    r("a2-rs256-pkcs1", "A.2 RS256 example, key as PKCS#1 PEM",
      rp(["RS256"], {"pem": pem_of(rsa_pub, serialization.PublicFormat.PKCS1)}), joe, RFC_A2)
    r("a2-rs256-at-exp", "A.2 example checked at its exp", rp(["RS256"], {"jwk": A2_JWK}), FAIL("expired"),
      RFC_A2, now=RFC_EXP)
    r("a2-rs256-leeway", "A.2 example 10 s after exp with 60 s leeway", rp(["RS256"], {"jwk": A2_JWK}, leeway=60),
      joe, RFC_A2, now=RFC_EXP + 10)
    r("a2-rs256-issuer", "A.2 example with issuer joe configured", rp(["RS256"], {"jwk": A2_JWK}, issuer="joe"),
      joe, RFC_A2)
    r("a2-rs256-issuer-mismatch", "A.2 example with issuer jane configured",
      rp(["RS256"], {"jwk": A2_JWK}, issuer="jane"), FAIL("issuer_mismatch"), RFC_A2)
    r("a2-rs256-audience", "A.2 example has no aud", rp(["RS256"], {"jwk": A2_JWK}, audience="x"),
      FAIL("audience_mismatch"), RFC_A2)
    r("a2-rs256-default-claims", "A.2 example has no sub; required_claims [sub, exp]",
      rp(["RS256"], {"jwk": A2_JWK}, required_claims=["sub", "exp"]), FAIL("missing_claim"), RFC_A2)
    r("a2-rs256-default-principal", "A.2 example with the default principal id sub",
      rp(["RS256"], {"jwk": A2_JWK}, principal={}), FAIL("missing_claim"), RFC_A2)
    r("a2-rs256-not-allowed", "A.2 example with only PS256 allowed", rp(["PS256"], {"jwk": A2_JWK}),
      FAIL("algorithm_not_allowed"), RFC_A2)
    r("a2-rs256-typ-required", "A.2 example has no typ", rp(["RS256"], {"jwk": A2_JWK}, typ="JWT"),
      FAIL("invalid_header"), RFC_A2)
    tampered = b64u(b64u_dec(RFC_A1_PAYLOAD).replace(b'"joe"', b'"eve"'))
    h2, _, s2 = RFC_A2.split(".")
    r("a2-rs256-payload-changed", "A.2 signature over a changed payload", rp(["RS256"], {"jwk": A2_JWK}),
      FAIL("bad_signature"), f"{h2}.{tampered}.{s2}")
    r("a2-rs256-decision", "A.2 example: has with a quoted claim name",
      rp(["RS256"], {"jwk": A2_JWK}, rules=[rule("root", when="principal.claims has 'http://example.com/is_root'")]),
      ALLOW(["root"], uid="joe"), RFC_A2, request={"action": "read", "resource": {"type": "doc"}})
    r("a3-es256-jwk", "A.3 ES256 example, key as a JWK", rp(["ES256"], {"jwk": A3_JWK}), joe, RFC_A3)
    r("a3-es256-jwk-alg", "A.3 ES256 example, JWK with alg ES256 and use sig",
      rp(["ES256"], {"jwk": {**A3_JWK, "alg": "ES256", "use": "sig"}}), joe, RFC_A3)
    r("a3-es256-at-exp", "A.3 example one second after its exp", rp(["ES256"], {"jwk": A3_JWK}), FAIL("expired"),
      RFC_A3, now=RFC_EXP + 1)
    r("a3-es256-signature-changed", "A.3 signature with one bit flipped", rp(["ES256"], {"jwk": A3_JWK}),
      FAIL("bad_signature"), tamper_sig(RFC_A3, 10))
    r("a3-es256-jwks-token-without-kid", "A.3 example (no kid) against a JWKS key with a kid, ES384 allowed too",
      rp(["ES256", "ES384"], {"jwks": {"keys": [{**A3_JWK, "kid": "a3"}]}}), joe, RFC_A3)
    r("a4-es512-payload-not-json", "A.4 ES512 example: payload 'Payload' is not a JSON object",
      rp(["ES512"], {"jwk": A4_JWK}), FAIL("malformed"), RFC_A4)
    r("a4-es512-payload-not-json-bad-signature", "A.4 with a wrong signature is still malformed first",
      rp(["ES512"], {"jwk": A4_JWK}), FAIL("malformed"), tamper_sig(RFC_A4, 20))
    return out


# ---------------------------------------------------------------------------
# Reference model (used only to check the vectors before writing them)
# ---------------------------------------------------------------------------

class ConfigError(Exception):
    """Policy rejected; args[0] is a short tag saying why."""


class Fail(Exception):
    """Verification failed; args[0] is the reason."""


class Ambiguous(Exception):
    """A case the contract leaves open: no vector may depend on it."""


class ExprError(Exception):
    pass


class EvalError(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_nonempty_str(v):
    return isinstance(v, str) and v != ""


def need(cond, tag):
    if not cond:
        raise ConfigError(tag)


def only_fields(obj, allowed, tag="not-object"):
    need(isinstance(obj, dict), tag)
    need(set(obj) <= set(allowed), "unknown-field")


B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b64_strict(text):
    if not isinstance(text, str) or not B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        return None
    data = b64u_dec(text)
    return data if b64u(data) == text else None


class DuplicateMember(Exception):
    pass


def json_depth(v):
    if isinstance(v, dict):
        return 1 + max((json_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((json_depth(x) for x in v), default=0)
    return 0


def strict_json_object(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None

    def pairs(items):
        names = [k for k, _ in items]
        if len(set(names)) != len(names):
            raise DuplicateMember()
        return dict(items)

    def no_constant(_):
        raise ValueError("not JSON")

    def number(parse):
        # A number beyond the range of a double is not read as JSON.
        def read(text):
            if math.isinf(float(text)):
                raise ValueError("number out of range")
            return parse(text)
        return read

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant,
                           parse_int=number(int), parse_float=number(float))
    except (ValueError, DuplicateMember):
        return None
    if not isinstance(value, dict) or json_depth(value) > 32 or has_lone_surrogate(value):
        return None
    return value


def has_lone_surrogate(v):
    """An escaped UTF-16 surrogate without its pair (`"\\ud800"`) is not a character."""
    if isinstance(v, str):
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in v)
    if isinstance(v, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(x) for k, x in v.items())
    if isinstance(v, list):
        return any(has_lone_surrogate(x) for x in v)
    return False


class Key:
    def __init__(self, kind, usable, pub, kid=None):
        self.kind, self.usable, self.pub, self.kid = kind, usable, pub, kid


PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
# A token without kid is tried against at most this many keys of a JWK Set.
MAX_KEYS_WITHOUT_KID = 8


def model_jwk(j):
    need(isinstance(j, dict), "jwk-kty")
    for m in PRIVATE_MEMBERS:
        need(m not in j, "jwk-private")
    kty = j.get("kty")
    need(kty in ("OKP", "EC", "RSA"), "jwk-kty")
    if "use" in j:
        need(j["use"] == "sig", "jwk-use")
    if "key_ops" in j:
        need(isinstance(j["key_ops"], list) and "verify" in j["key_ops"], "jwk-key-ops")
    if "kid" in j:
        need(isinstance(j["kid"], str), "jwk-kid")
    if "alg" in j:
        need(j["alg"] in KNOWN_ALGS, "jwk-alg")
    if kty == "OKP":
        need(j.get("crv") == "Ed25519", "jwk-crv")
        x = b64_strict(j.get("x"))
        need(x is not None and len(x) == 32, "jwk-size")
        model_ed25519_point(x, "ed25519-point")
        usable = ["EdDSA"]
        pub = ed25519.Ed25519PublicKey.from_public_bytes(x)
    elif kty == "EC":
        crv = j.get("crv")
        need(crv in CURVE_LEN, "jwk-crv")
        x, y = b64_strict(j.get("x")), b64_strict(j.get("y"))
        need(x is not None and y is not None and len(x) == len(y) == CURVE_LEN[crv], "jwk-size")
        usable = [CURVE_ALG[crv]]
        try:
            pub = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                                CURVES[crv]()).public_key()
        except ValueError:  # not a point of the curve
            raise ConfigError("ec-point")
    else:
        n, e = b64_strict(j.get("n")), b64_strict(j.get("e"))
        need(n is not None and e is not None, "jwk-rsa")
        n_int = int.from_bytes(n, "big")
        need(2048 <= n_int.bit_length() <= 8192, "jwk-rsa-size")
        need(not roca_fingerprint(n_int), "jwk-rsa-roca")
        usable = list(RSA_ALGS)
        pub = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), n_int).public_key()
    if "alg" in j:
        need(j["alg"] in usable, "jwk-alg")
        usable = [j["alg"]]
    return Key(kty, usable, pub, j.get("kid"))


ED_P = 2**255 - 19
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
# The y of the eight Ed25519 points of small order: 1 (the identity), p - 1 (order 2),
# 0 (order 4), and Y8 and p - Y8 (order 8; libsodium's blocklist).
ED_Y8 = int.from_bytes(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little")
ED_SMALL_ORDER_Y = {1, ED_P - 1, 0, ED_Y8, ED_P - ED_Y8}


def ed_point(y, sign=0):
    """The 32-byte encoding of y with the sign bit of x."""
    return (y | (sign << 255)).to_bytes(32, "little")


def model_ed25519_point(x, tag):
    """A canonical encoding (y < p, no sign on x = 0) of a curve point of large order."""
    y, sign = int.from_bytes(x, "little") & ((1 << 255) - 1), x[31] >> 7
    need(y < ED_P, tag)
    u, v = (y * y - 1) % ED_P, (ED_D * y * y + 1) % ED_P
    w = u * v % ED_P
    need(w == 0 or pow(w, (ED_P - 1) // 2, ED_P) == 1, tag)  # x^2 = u / v has a root
    need(not (u == 0 and sign), tag)
    need(y not in ED_SMALL_ORDER_Y, tag)


PEM_RE = re.compile(r"-----BEGIN ([A-Z ]+)-----\n([A-Za-z0-9+/=\n]+)\n-----END \1-----\n?")


# The public modulus of an RSA key with the ROCA fingerprint (CVE-2017-15361), from
# Project Wycheproof's json_web_key_test.json (tcId 7).
ROCA_N = "AanFpofbj7KjD4Lf-N2hVMKR7yewSyXhhbirIMTGpfYEhZ_lnt5UoK98DnKIgArXGTu3MaW_HhFw16HGaTDUHqPrId7fe4r11CqRw09yBFuW79V8sYIwHdzCaWflUI6auImYbVfoN9_nD5n8N8SY9DwXw7mwZM9wREPXoDPgOoIWl6q_MPsp7n0zs3Z5ZaiQWOOzl1S9OhwAfSiiOwz6efnXEaxuTEtPd7BjSx7NaFka8Dx9U7YqXy2RFj1O9PjyaDGuRh7YXsX3iMUSP_wSyHQg_c_qHRtKUsNSGCT7OZg0hzm2KphtjnayKJvC64vAbROBR4Ubg6Bxg9IQVZ-QYyE"
ROCA_PRIMES = [p for p in range(3, 702) if all(p % q for q in range(2, p))]  # the odd primes to 701


def roca_fingerprint(n):
    """n mod p lies in the subgroup generated by 65537 for every odd prime p to 701 (Nemec et al. 2017)."""
    def in_subgroup(x, p):
        g, power = 65537 % p, 1
        while True:
            if power == x:
                return True
            power = power * g % p
            if power == 1:
                return False
    return all(in_subgroup(n % p, p) for p in ROCA_PRIMES)


def model_pem(text):
    need(isinstance(text, str), "pem")
    m = PEM_RE.fullmatch(text)
    need(m is not None and m.group(1) in ("PUBLIC KEY", "RSA PUBLIC KEY"), "pem")
    try:
        pub = serialization.load_pem_public_key(text.encode())
    except ValueError:
        raise ConfigError("pem")
    if isinstance(pub, rsa.RSAPublicKey):
        need(2048 <= pub.key_size <= 8192, "pem")
        need(not roca_fingerprint(pub.public_numbers().n), "pem")
        return Key("RSA", list(RSA_ALGS), pub)
    need(m.group(1) == "PUBLIC KEY", "pem")
    if isinstance(pub, ed25519.Ed25519PublicKey):
        model_ed25519_point(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw), "pem")
        return Key("OKP", ["EdDSA"], pub)
    need(isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name in CURVE_NAMES, "pem")
    der = base64.b64decode(m.group(2).replace("\n", ""))
    canonical = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    need(der == canonical, "pem")  # uncompressed point only
    return Key("EC", [CURVE_ALG[CURVE_NAMES[pub.curve.name]]], pub)


def names_or_list(v):
    if isinstance(v, str):
        return v != ""
    return isinstance(v, list) and v != [] and all(is_nonempty_str(x) for x in v)


KEY_SOURCES = ("jwks", "jwk", "pem", "secret", "jwks_url")


JWKS_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
JWKS_QUERY = r"(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?]|%[0-9A-Fa-f]{2})+"


def model_jwks_url(url):
    """keys.jwks_url: https:, or http: to a loopback host, read the same by the core, http::Uri
    and WHATWG's URL parser: printable ASCII without \\ or #; scheme://host[:port]; no
    userinfo; a host name of LDH/_ labels (no xn--), or dotted-decimal IPv4 when the last label
    is a number, or a bracketed IPv6 address; a port of 1 to 65535; RFC 3986 path and query
    characters (no ' in the query), no dot segment, no encoded separator or control in the
    path, no empty query."""
    need(is_nonempty_str(url) and all(0x20 < ord(c) < 0x7F for c in url) and not set("\\#") & set(url), "jwks_url")
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?]*)([^?]*)(?:\?(.*))?", url)
    need(m and m.group(1).lower() in ("http", "https"), "jwks_url")
    scheme, authority, path, query = m.groups()
    h = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?|([A-Za-z0-9_.-]+)(?::(\d+))?", authority)
    need(h, "jwks_url")
    port = h.group(2) if h.group(1) is not None else h.group(4)
    need(port is None or 1 <= int(port) <= 65535, "jwks_url")
    if h.group(1) is not None:
        try:
            loopback = ipaddress.IPv6Address(h.group(1)).is_loopback
        except ValueError:
            need(False, "jwks_url")
    else:
        name = h.group(3).lower()
        labels = name.split(".")
        need(len(name) <= 253 and all(0 < len(x) <= 63 and x[0] != "-" and x[-1] != "-" for x in labels), "jwks_url")
        if re.fullmatch(r"\d+|0x[0-9a-f]*", labels[-1]):
            need(len(labels) == 4 and all(re.fullmatch(r"0|[1-9]\d{0,2}", x) and int(x) < 256 for x in labels),
                 "jwks_url")
            loopback = labels[0] == "127"
        else:
            need(not any(x.startswith("xn--") for x in labels), "jwks_url")
            loopback = name == "localhost" or name.endswith(".localhost")
    need(re.fullmatch(rf"(?:/{JWKS_PCHAR}*)*", path), "jwks_url")
    for segment in path.split("/"):
        need(segment.lower() not in (".", "%2e", "..", ".%2e", "%2e.", "%2e%2e"), "jwks_url")
        escaped = [int(x, 16) for x in re.findall(r"%([0-9A-Fa-f]{2})", segment)]
        need(not any(b < 0x20 or b in (0x2F, 0x5C, 0x7F) for b in escaped), "jwks_url")
    need(query is None or re.fullmatch(JWKS_QUERY, query), "jwks_url")
    need(scheme.lower() == "https" or loopback, "jwks_url")


def model_refresh(refresh):
    """keys.refresh: whole seconds; timeout 1..60, the others at most a year."""
    only_fields(refresh, ("max_age", "cooldown", "timeout", "stale_for"))
    for name, value in refresh.items():
        top = 60 if name == "timeout" else 366 * 24 * 3600
        need(is_int(value) and (1 if name == "timeout" else 0) <= value <= top, "refresh")


REVOCATION_SOURCES = ("inline", "redis_url", "url")
MAX_REVOKED_BEFORE = 2**53 - 1


def model_redis_url(url):
    """revocation.redis_url: redis:// or rediss:// (any case), a host, no whitespace."""
    need(is_nonempty_str(url), "revocation-url")
    need(not any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url), "revocation-url")
    scheme, sep, rest = url.partition("://")
    need(sep and scheme.lower() in ("redis", "rediss"), "revocation-url")
    need(rest and rest[0] not in "/?#", "revocation-url")


def model_revocation(section):
    """The revocation section: the inline set ({"sid", "jti", "subjects"}), or None for no
    section. redis_url and url are read for their shape; stale_for (whole seconds, at most a
    year) and refresh (max_age, cooldown, timeout as in keys.refresh) belong to them only.
    A well-formed url loads everywhere, but its set comes from a server; a well-formed
    redis_url loads where the runtime has a Redis client and is refused where it has none
    (WebAssembly). No vector has either."""
    only_fields(section, REVOCATION_SOURCES + ("stale_for", "refresh"))
    sources = [k for k in REVOCATION_SOURCES if k in section]
    need(len(sources) == 1, "revocation-source")
    source = sources[0]
    if source == "inline":
        inline = section["inline"]
        only_fields(inline, ("sid", "jti", "subjects"))
        for name in ("sid", "jti"):
            if name in inline:
                need(isinstance(inline[name], list) and all(is_nonempty_str(x) for x in inline[name]),
                     "revocation-ids")
        subjects = inline.get("subjects", {})
        need(isinstance(subjects, dict), "revocation-subjects")
        for who, t in subjects.items():
            need(who != "" and is_int(t) and 0 <= t <= MAX_REVOKED_BEFORE, "revocation-subjects")
        need("stale_for" not in section and "refresh" not in section, "revocation-stale-for")
        return {"sid": set(inline.get("sid", [])), "jti": set(inline.get("jti", [])), "subjects": dict(subjects)}
    if source == "redis_url":
        model_redis_url(section["redis_url"])
    else:
        try:
            model_jwks_url(section["url"])
        except ConfigError:
            raise ConfigError("revocation-url")
    if "stale_for" in section:
        need(is_int(section["stale_for"]) and 0 <= section["stale_for"] <= 366 * 24 * 3600, "revocation-stale-for")
    if "refresh" in section:
        need(isinstance(section["refresh"], dict), "not-object")
        only_fields(section["refresh"], ("max_age", "cooldown", "timeout"))
        for name, value in section["refresh"].items():
            top = 60 if name == "timeout" else 366 * 24 * 3600
            need(is_int(value) and (1 if name == "timeout" else 0) <= value <= top, "revocation-refresh")
    if source == "redis_url":
        raise NotImplementedError("a well-formed redis_url: the outcome depends on the runtime")
    raise NotImplementedError("a well-formed url: the set comes from a server")


def model_revoked(P, c):
    """The last step of verification: a listed string sid or jti, or a principal id revoked
    before T with iat <= T (or no iat), is revoked."""
    R = P["revocation"]
    if R is None:
        return
    text = lambda name: c[name] if isinstance(c.get(name), str) else None
    if text("sid") in R["sid"] or text("jti") in R["jti"]:
        raise Fail("revoked")
    who = text(P["principal"].get("id", "sub"))
    if who in R["subjects"] and ("iat" not in c or c["iat"] <= R["subjects"][who]):
        raise Fail("revoked")


def model_policy(doc):
    only_fields(doc, ("token", "keys", "principal", "rules", "cache", "revocation"))
    if "cache" in doc:
        only_fields(doc["cache"], ("max_entries",))
        n = doc["cache"].get("max_entries")
        need(is_int(n) and 1 <= n <= 1_000_000, "cache")
    revocation = model_revocation(doc["revocation"]) if "revocation" in doc else None
    need("token" in doc, "missing-token")
    need("keys" in doc, "missing-keys")
    t = doc["token"]
    only_fields(t, ("issuer", "audience", "algorithms", "leeway", "max_age", "required_claims", "typ",
                    "max_length"))
    algs = t.get("algorithms")
    need(isinstance(algs, list) and algs and all(a in KNOWN_ALGS for a in algs), "algorithms")
    for name in ("leeway", "max_age"):
        if name in t:
            need(is_int(t[name]) and t[name] >= 0, name)
    if "max_length" in t:
        need(is_int(t["max_length"]) and 1 <= t["max_length"] <= 1048576, "max_length")
    if "typ" in t:
        need(is_nonempty_str(t["typ"]), "typ")
    for name in ("issuer", "audience"):
        if name in t:
            need(names_or_list(t[name]), name)
    if "required_claims" in t:
        rc = t["required_claims"]
        need(isinstance(rc, list) and all(isinstance(x, str) for x in rc), "required_claims")
    keys = doc["keys"]
    need(isinstance(keys, dict), "keys-source")
    need(set(keys) <= set(KEY_SOURCES) | {"refresh"}, "unknown-field")
    sources = [k for k in keys if k in KEY_SOURCES]
    need(len(sources) == 1, "keys-source")
    source = sources[0]
    need(source == "jwks_url" or "refresh" not in keys, "refresh")
    hs = [a for a in algs if a.startswith("HS")]
    if source == "jwks_url":
        need(not hs, "hs-mix")
        model_jwks_url(keys["jwks_url"])
        model_refresh(keys.get("refresh", {}))
        key_list = None
    elif source == "secret":
        need(len(hs) == len(algs), "hs-mix")
        secret = keys["secret"]
        need(is_nonempty_str(secret), "secret")
        strongest = max(int(a[2:]) for a in hs) // 8
        need(len(secret.encode()) >= strongest, "secret")
        key_list = [Key("oct", list(HS_ALGS), secret.encode())]
    else:
        need(not hs, "hs-mix")
        if source == "jwks":
            jwks = keys["jwks"]
            need(isinstance(jwks, dict) and set(jwks) == {"keys"} and isinstance(jwks["keys"], list)
                 and jwks["keys"], "jwks")
            key_list = [model_jwk(j) for j in jwks["keys"]]
        elif source == "jwk":
            key_list = [model_jwk(keys["jwk"])]
        else:
            key_list = [model_pem(keys["pem"])]
    principal = doc.get("principal", {})
    only_fields(principal, ("id", "roles", "tenant"))
    for name in ("id", "roles", "tenant"):
        if name in principal:
            need(is_nonempty_str(principal[name]), "principal")
    rules = doc.get("rules", [])
    need(isinstance(rules, list), "rules")
    seen = set()
    parsed = []
    for r in rules:
        need(isinstance(r, dict), "rules")
        need(set(r) <= {"id", "effect", "resource", "actions", "when"}, "unknown-field")
        need(is_nonempty_str(r.get("id")), "rule-id")
        need(r["id"] not in seen, "rule-dup")
        seen.add(r["id"])
        need(r.get("effect") in ("permit", "forbid"), "rule-effect")
        need(is_nonempty_str(r.get("resource")), "rule-resource")
        acts = r.get("actions")
        need(acts == "*" or (isinstance(acts, list) and all(is_nonempty_str(a) for a in acts)), "rule-actions")
        ast = None
        if "when" in r:
            need(isinstance(r["when"], str), "rule-when")
            try:
                ast = Parser(r["when"]).parse()
            except ExprError:
                raise ConfigError("when")
        parsed.append((r, ast))
    return {"token": t, "algs": algs, "source": source, "keys": key_list, "principal": principal,
            "rules": parsed, "revocation": revocation}


# -- expression language ----------------------------------------------------

CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")


def lex(src):
    toks = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        two = src[i:i + 2]
        if two in ("||", "&&", "==", "!=", "<=", ">="):
            toks.append(("op", two))
            i += 2
            continue
        if c in "!<>()[],.":
            toks.append(("op", c))
            i += 1
            continue
        if c in "'\"":
            j = src.find(c, i + 1)
            if j < 0:
                raise ExprError("unterminated string")
            toks.append(("str", src[i + 1:j]))
            i = j + 1
            continue
        if c.isdigit() or (c == "-" and i + 1 < n and src[i + 1].isdigit()):
            j = i + 1
            while j < n and src[j].isdigit():
                j += 1
            if j < n and (src[j] == "." or src[j].isalpha() or src[j] == "_"):
                raise ExprError("not an integer")
            toks.append(("num", int(src[i:j])))
            i = j
            continue
        if c.isalpha() or c == "_":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            word = src[i:j]
            toks.append(("kw" if word in ("true", "false", "null", "in", "has") else "id", word))
            i = j
            continue
        raise ExprError(f"unexpected {c!r}")
    toks.append(("end", None))
    return toks


class Parser:
    def __init__(self, src):
        if len(src.encode()) > 4096:
            raise ExprError("too long")
        self.toks = lex(src)
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def accept(self, kind, value=None):
        t = self.peek()
        if t[0] == kind and (value is None or t[1] == value):
            self.i += 1
            return True
        return False

    def expect(self, kind, value=None):
        if not self.accept(kind, value):
            raise ExprError(f"expected {value or kind}")

    def nest(self, delta):
        self.depth += delta
        if self.depth > 32:
            raise ExprError("too deep")

    def parse(self):
        e = self.parse_or()
        if self.peek()[0] != "end":
            raise ExprError("trailing input")
        return e

    def parse_or(self):
        left = self.parse_and()
        while self.accept("op", "||"):
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self):
        left = self.parse_not()
        while self.accept("op", "&&"):
            left = ("and", left, self.parse_not())
        return left

    def parse_not(self):
        if self.accept("op", "!"):
            self.nest(1)
            e = ("not", self.parse_not())
            self.nest(-1)
            return e
        return self.parse_cmp()

    def parse_cmp(self):
        left = self.parse_in()
        t = self.peek()
        if t[0] == "op" and t[1] in CMP_OPS:
            self.take()
            right = self.parse_in()
            t2 = self.peek()
            if t2[0] == "op" and t2[1] in CMP_OPS:
                raise ExprError("comparisons do not chain")
            return ("cmp", t[1], left, right)
        return left

    def parse_in(self):
        left = self.parse_has()
        if self.accept("kw", "in"):
            right = self.parse_has()
            if self.peek() == ("kw", "in"):
                raise Ambiguous("chained in")
            return ("in", left, right)
        return left

    def parse_has(self):
        left = self.parse_primary()
        if self.accept("kw", "has"):
            if left[0] != "path":
                raise ExprError("has needs a path")
            t = self.take()
            if t[0] not in ("id", "str"):
                raise ExprError("has needs a name")
            return ("has", left, t[1])
        return left

    def parse_primary(self):
        t = self.take()
        if t == ("op", "("):
            self.nest(1)
            e = self.parse_or()
            self.expect("op", ")")
            self.nest(-1)
            return e
        if t == ("op", "["):
            self.nest(1)
            items = []
            if not self.accept("op", "]"):
                while True:
                    items.append(self.parse_or())
                    if self.accept("op", ","):
                        continue
                    self.expect("op", "]")
                    break
            self.nest(-1)
            return ("list", items)
        if t[0] in ("str", "num"):
            return ("lit", t[1])
        if t[0] == "kw" and t[1] in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[t[1]])
        if t[0] == "id":
            segs = [t[1]]
            while self.accept("op", "."):
                s = self.take()
                if s[0] != "id":
                    raise ExprError("expected a name after .")
                segs.append(s[1])
            check_path(segs)
            return ("path", segs)
        raise ExprError(f"unexpected {t}")


def check_path(segs):
    root = segs[0]
    if root == "principal":
        if len(segs) == 2 and segs[1] in ("id", "roles", "tenant"):
            return
        if len(segs) >= 2 and segs[1] == "claims":
            return
        raise ExprError("bad principal path")
    if root in ("resource", "context"):
        return
    if root == "action" and len(segs) == 1:
        return
    raise ExprError("bad path root")


def kind_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if is_num(v):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "list"
    return "obj"


def values_equal(a, b):
    ka, kb = kind_of(a), kind_of(b)
    if ka != kb:
        return False
    if ka in ("list", "obj"):
        raise Ambiguous("equality of lists or objects")
    return a == b


def lookup(segs, env):
    root = segs[0]
    if root == "action":
        return env["action"]
    if root == "principal":
        if segs[1] != "claims":
            return env["principal"][segs[1]]
        cur, rest = env["principal"]["claims"], segs[2:]
    else:
        if env.get(root) is None:
            raise Ambiguous(f"{root} absent from the request")
        cur, rest = env[root], segs[1:]
    for s in rest:
        if isinstance(cur, dict) and s in cur:
            cur = cur[s]
        else:
            raise EvalError("missing path")
    return cur


def evaluate(node, env):
    k = node[0]
    if k == "lit":
        return node[1]
    if k == "list":
        return [evaluate(x, env) for x in node[1]]
    if k == "path":
        return lookup(node[1], env)
    if k == "not":
        v = evaluate(node[1], env)
        if not isinstance(v, bool):
            raise EvalError("! needs a boolean")
        return not v
    if k in ("and", "or"):
        left = evaluate(node[1], env)
        if not isinstance(left, bool):
            raise EvalError("needs booleans")
        if (k == "and" and not left) or (k == "or" and left):
            return left
        right = evaluate(node[2], env)
        if not isinstance(right, bool):
            raise EvalError("needs booleans")
        return right
    if k == "cmp":
        op, a, b = node[1], evaluate(node[2], env), evaluate(node[3], env)
        if op == "==":
            return values_equal(a, b)
        if op == "!=":
            return not values_equal(a, b)
        if not (is_num(a) and is_num(b)):
            raise EvalError("ordering needs two numbers")
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if k == "in":
        a, b = evaluate(node[1], env), evaluate(node[2], env)
        if not isinstance(b, list):
            raise EvalError("in needs a list")
        return any(values_equal(a, x) for x in b)
    if k == "has":
        obj = lookup(node[1][1], env)
        return isinstance(obj, dict) and node[2] in obj
    raise AssertionError(node)


# -- verification -----------------------------------------------------------

def bearer_token(value):
    s = value.strip(" ")
    if len(s) < 7 or s[:6].lower() != "bearer" or s[6] != " ":
        return None
    t = s[6:].lstrip(" ")
    return t or None


def norm_typ(t):
    t = t.lower()
    return t[len("application/"):] if t.startswith("application/") else t


def check_signature(alg, key, msg, sig):
    if alg.startswith("HS"):
        return hmac.compare_digest(hmac.new(key.pub, msg, HASH[alg[2:]][1]).digest(), sig)
    try:
        if alg == "EdDSA":
            if len(sig) != 64:
                return False
            key.pub.verify(sig, msg)
        elif alg.startswith("ES"):
            crv = CURVE_NAMES[key.pub.curve.name]
            size = CURVE_LEN[crv]
            if len(sig) != 2 * size:
                return False
            r, s = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            order = CURVE_ORDER[crv]
            if not (0 < r < order and 0 < s < order):
                return False
            key.pub.verify(encode_dss_signature(r, s), msg, ec.ECDSA(HASH[alg[2:]][0]()))
        else:
            if len(sig) != (key.pub.key_size + 7) // 8:
                return False
            hcls = HASH[alg[2:]][0]
            pad = padding.PKCS1v15() if alg.startswith("RS") else \
                padding.PSS(padding.MGF1(hcls()), hcls().digest_size)
            key.pub.verify(sig, msg, pad, hcls())
        return True
    except InvalidSignature:
        return False


def model_verify(P, v):
    t = P["token"]
    if "token" in v:
        token = v["token"]
    elif "authorization" in v:
        token = bearer_token(v["authorization"])
    else:
        token = None
    if not token:
        raise Fail("missing")
    if len(token.encode()) > t.get("max_length", 8192):
        raise Fail("token_too_large")
    parts = token.split(".")
    if len(parts) != 3:
        raise Fail("malformed")
    raw = [b64_strict(x) for x in parts]
    if any(x is None for x in raw):
        raise Fail("malformed")
    if len(raw[0]) > 4096:
        raise Fail("token_too_large")
    header, payload = strict_json_object(raw[0]), strict_json_object(raw[1])
    if header is None or payload is None:
        raise Fail("malformed")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg not in P["algs"]:
        raise Fail("algorithm_not_allowed")
    problems = []
    if "kid" in header and not isinstance(header["kid"], str):
        problems.append("kid")
    if "typ" in header and not isinstance(header["typ"], str):
        problems.append("typ")
    if "crit" in header:
        problems.append("crit")
    if "b64" in header:
        problems.append("b64")
    if "typ" in t and not problems:
        if "typ" not in header or norm_typ(header["typ"]) != norm_typ(t["typ"]):
            problems.append("typ")
    if problems:  # several problems give the same reason
        raise Fail("invalid_header")
    kid = header.get("kid")
    keys = P["keys"]
    if P["source"] == "jwks_url":
        # Vectors point jwks_url at a loopback port where nothing listens.
        raise Fail("keys_unavailable")
    if P["source"] == "jwks":
        if kid is not None:
            named = [k for k in keys if k.kid == kid]
            if not named:
                raise Fail("unknown_key")
            cands = [k for k in named if alg in k.usable]
            if not cands:
                raise Fail("algorithm_not_allowed")
        else:
            cands = [k for k in keys if alg in k.usable]
            if not cands or len(cands) > MAX_KEYS_WITHOUT_KID:
                raise Fail("unknown_key")
    else:
        k = keys[0]
        if P["source"] == "jwk" and k.kid is not None and kid is not None and kid != k.kid:
            raise Fail("unknown_key")
        if alg not in k.usable:
            if P["source"] == "jwk" and k.kid is not None and kid is not None:
                raise Fail("algorithm_not_allowed")
            raise Ambiguous("single key not usable with the token's alg")
        cands = [k]
    msg = (parts[0] + "." + parts[1]).encode()
    if not any(check_signature(alg, k, msg, raw[2]) for k in cands):
        raise Fail("bad_signature")
    principal = model_claims(P, payload, v["now"])
    model_revoked(P, payload)
    return principal


def model_claims(P, c, now):
    t = P["token"]
    pr = P["principal"]
    leeway = t.get("leeway", 0)
    for name in ("exp", "nbf", "iat"):
        if name in c and not is_num(c[name]):
            raise Fail("invalid_claim")
    for name in ("iss", "sub"):
        if name in c and not isinstance(c[name], str):
            raise Fail("invalid_claim")
    if "aud" in c:
        aud = c["aud"]
        if not (isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud))):
            raise Fail("invalid_claim")
    for name in t.get("required_claims", ["sub", "exp"]):
        if name not in c:
            raise Fail("missing_claim")
    id_claim = pr.get("id", "sub")
    if id_claim not in c:
        raise Fail("missing_claim")
    if not is_nonempty_str(c[id_claim]):
        raise Fail("invalid_claim")
    roles_claim = pr.get("roles", "role")
    rv = c.get(roles_claim)
    if rv is None:
        roles = []
    elif isinstance(rv, str):
        roles = [x.strip() for x in rv.split(",") if x.strip()]
    elif isinstance(rv, list) and all(isinstance(x, str) for x in rv):
        roles = list(rv)
    else:
        raise Fail("invalid_claim")
    tenant = None
    if "tenant" in pr:
        tv = c.get(pr["tenant"])
        if tv is not None and not isinstance(tv, str):
            raise Fail("invalid_claim")
        tenant = tv
    if "exp" in c and c["exp"] <= now - leeway:
        raise Fail("expired")
    if ("nbf" in c and c["nbf"] > now + leeway) or ("iat" in c and c["iat"] > now + leeway):
        raise Fail("not_yet_valid")
    if "max_age" in t:
        if "iat" not in c:
            raise Fail("missing_claim")
        if now - c["iat"] > t["max_age"] + leeway:
            raise Fail("too_old")
    if "issuer" in t:
        allowed = [t["issuer"]] if isinstance(t["issuer"], str) else t["issuer"]
        if c.get("iss") not in allowed:
            raise Fail("issuer_mismatch")
    if "audience" in t:
        allowed = [t["audience"]] if isinstance(t["audience"], str) else t["audience"]
        got = c.get("aud")
        got = [] if got is None else ([got] if isinstance(got, str) else got)
        if not set(got) & set(allowed):
            raise Fail("audience_mismatch")
    return {"id": c[id_claim], "roles": roles, "tenant": tenant, "claims": c}


def model_decide(P, principal, request):
    resource = request.get("resource")
    if not isinstance(resource, dict) or not isinstance(resource.get("type"), str):
        return False, "denied", []
    action = request.get("action")
    env = {"principal": principal, "resource": resource, "context": request.get("context"), "action": action}
    permits, forbids = [], []
    for r, ast in P["rules"]:
        if r["resource"] != "*" and r["resource"] != resource["type"]:
            continue
        if r["actions"] != "*" and action not in r["actions"]:
            continue
        if ast is None:
            applies = True
        else:
            try:
                value = evaluate(ast, env)
                if not isinstance(value, bool):
                    raise EvalError("when must be a boolean")
                applies = value
            except EvalError:
                applies = r["effect"] == "forbid"
        if applies:
            (forbids if r["effect"] == "forbid" else permits).append(r["id"])
    if forbids:
        return False, "forbidden", forbids
    if permits:
        return True, None, permits
    return False, "denied", []


def model_run(v):
    try:
        P = model_policy(v["policy"])
    except ConfigError as e:
        return {"config_error": True, "why": e.args[0]}
    try:
        principal = model_verify(P, v)
    except Fail as e:
        code, status = code_of(e.args[0])
        return {"ok": False, "code": code, "status": status, "reason": e.args[0]}
    got = {"ok": True, "principal": {k: principal[k] for k in ("id", "roles", "tenant")}}
    if "request" in v:
        allowed, reason, rules = model_decide(P, principal, v["request"])
        got["allowed"] = allowed
        got["rules"] = rules
        if not allowed:
            got.update(code="INSUFFICIENT_PERMISSIONS", status=403, reason=reason)
    return got


def check_vector(v):
    """Return a list of problems (empty when the expectation holds)."""
    exp = v["expect"]
    got = model_run(v)
    if exp.get("config_error"):
        if not got.get("config_error"):
            return [f"expected a configuration error, model says {got}"]
        if v.get("_why") and got["why"] != v["_why"]:
            return [f"configuration error for {got['why']!r}, written for {v['_why']!r}"]
        return []
    if got.get("config_error"):
        return [f"model rejects the policy ({got['why']})"]
    if set(exp) - {"ok", "principal", "allowed", "rules", "code", "status", "reason"}:
        return ["unexpected expect members"]
    if not exp["ok"]:
        keys = ("ok", "code", "status", "reason")
        return [] if all(exp[k] == got.get(k) for k in keys) else [f"expected {exp}, model says {got}"]
    if not got["ok"]:
        return [f"expected ok, model says {got}"]
    problems = []
    for k, val in exp.get("principal", {}).items():
        if got["principal"][k] != val:
            problems.append(f"principal.{k}: expected {val!r}, model says {got['principal'][k]!r}")
    if ("request" in v) != ("allowed" in exp):
        problems.append("allowed must be given exactly when there is a request")
    if "allowed" in exp:
        if exp["allowed"] != got["allowed"]:
            problems.append(f"allowed: expected {exp['allowed']}, model says {got}")
        elif not exp["allowed"] and (exp.get("code"), exp.get("status"), exp.get("reason")) != (
                got["code"], got["status"], got["reason"]):
            problems.append(f"decision: expected {exp}, model says {got}")
        if "rules" in exp and sorted(exp["rules"]) != sorted(got["rules"]):
            problems.append(f"rules: expected {exp['rules']}, model says {got['rules']}")
        if (exp["allowed"] or exp.get("reason") == "forbidden") and "rules" not in exp:
            problems.append("allow and forbid expectations list their rules")
    return problems


# rfc7520.json: RFC 7520 section 4 (RS256, PS384, ES512, HS256) and RFC 8037 A.4
# (Ed25519). Their payloads are text, not JSON claims, so every example is refused
# at the structure step; their keys then sign JSON claims here, which must verify.
# The keys are RFC 7520 section 3 (the `alg` members some copies carry dropped) and
# RFC 8037 A.1; check_rfc7520_texts proves every character by verifying the examples.
RFC7520_RSA = {"kty": "RSA", "kid": "bilbo.baggins@hobbiton.example", "use": "sig", "n": "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw", "e": "AQAB", "d": "bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ", "p": "3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k", "q": "uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc", "dp": "B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik", "dq": "CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8", "qi": "3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4"}
RFC7520_EC = {"kty": "EC", "kid": "bilbo.baggins@hobbiton.example", "use": "sig", "crv": "P-521", "x": "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt", "y": "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1", "d": "AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"}
RFC7520_HMAC_K = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"
RFC7520_4_1 = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg"
RFC7520_4_2 = "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"
RFC7520_4_3 = "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"
RFC7520_4_4 = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_A4 = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

def rfc7520_private_keys():
    """The private keys of RFC 7520 section 3 and RFC 8037 A.1, as cryptography objects."""
    n = lambda jwk, m: int.from_bytes(b64u_dec(jwk[m]), "big")
    r = RFC7520_RSA
    rsa_key = rsa.RSAPrivateNumbers(n(r, "p"), n(r, "q"), n(r, "d"), n(r, "dp"), n(r, "dq"), n(r, "qi"),
                                    rsa.RSAPublicNumbers(n(r, "e"), n(r, "n"))).private_key()
    ec_key = ec.derive_private_key(n(RFC7520_EC, "d"), ec.SECP521R1())
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(b64u_dec(RFC8037_D))
    return rsa_key, ec_key, ed_key


def check_rfc7520_texts():
    """The examples are only used if their signatures verify under the keys (and the
    public halves match the private ones), which proves every character."""
    rsa_key, ec_key, ed_key = rfc7520_private_keys()
    pub = lambda key: key.public_key()
    si, sig = RFC7520_4_1.rsplit(".", 1)
    pub(rsa_key).verify(b64u_dec(sig), si.encode(), padding.PKCS1v15(), hashes.SHA256())
    si, sig = RFC7520_4_2.rsplit(".", 1)
    pub(rsa_key).verify(b64u_dec(sig), si.encode(),
                        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48), hashes.SHA384())
    si, sig = RFC7520_4_3.rsplit(".", 1)
    raw = b64u_dec(sig)
    pub(ec_key).verify(encode_dss_signature(int.from_bytes(raw[:66], "big"), int.from_bytes(raw[66:], "big")),
                       si.encode(), ec.ECDSA(hashes.SHA512()))
    si, sig = RFC7520_4_4.rsplit(".", 1)
    assert hmac.compare_digest(hmac.new(b64u_dec(RFC7520_HMAC_K), si.encode(), hashlib.sha256).digest(), b64u_dec(sig))
    si, sig = RFC8037_A4.rsplit(".", 1)
    pub(ed_key).verify(b64u_dec(sig), si.encode())
    assert b64u(pub(ed_key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)) == RFC8037_X
    for text in (RFC7520_4_1, RFC7520_4_2, RFC7520_4_3, RFC7520_4_4):
        assert b64u_dec(text.split(".")[1]).decode().startswith("It\u2019s a dangerous business, Frodo")
    assert b64u_dec(RFC8037_A4.split(".")[1]) == b"Example of Ed25519 signing"
    return rsa_key, ec_key, ed_key


def rfc7520_vectors():
    out = []
    rsa_key, ec_key, ed_key = check_rfc7520_texts()
    public = lambda jwk: {m: v for m, v in jwk.items() if m not in ("d", "p", "q", "dp", "dq", "qi")}
    rsa_jwk, ec_jwk = public(RFC7520_RSA), public(RFC7520_EC)
    ed_jwk = {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    kid = RFC7520_RSA["kid"]

    def rp(alg, keys):
        return pol((alg,), keys=keys)

    def r(vid, desc, policy, expect, token):
        out.append(V(vid, desc, policy, expect, token))

    text = FAIL("malformed")
    r("7520-4.1-rs256", "RFC 7520 4.1 RS256: its payload is text, not JSON claims", rp("RS256", {"jwk": rsa_jwk}),
      text, RFC7520_4_1)
    r("7520-4.2-ps384", "RFC 7520 4.2 PS384: its payload is text, not JSON claims", rp("PS384", {"jwk": rsa_jwk}),
      text, RFC7520_4_2)
    r("7520-4.3-es512", "RFC 7520 4.3 ES512: its payload is text, not JSON claims", rp("ES512", {"jwk": ec_jwk}),
      text, RFC7520_4_3)
    # keys.secret is UTF-8 text and RFC 7520's HMAC key is binary: the example is refused at
    # the structure step, before any key is used, whatever secret is configured.
    r("7520-4.4-hs256", "RFC 7520 4.4 HS256: its payload is text, not JSON claims", rp("HS256", {"secret": SECRET.decode()}),
      text, RFC7520_4_4)
    r("8037-a4-eddsa", "RFC 8037 A.4 Ed25519: its payload is text, not JSON claims", rp("EdDSA", {"jwk": ed_jwk}),
      text, RFC8037_A4)

    # The same keys over JSON claims, signed here.
    for alg, key, jwk_ in (("RS256", rsa_key, rsa_jwk), ("PS384", rsa_key, rsa_jwk), ("ES512", ec_key, ec_jwk),
                           ("EdDSA", ed_key, ed_jwk)):
        name = "8037" if alg == "EdDSA" else "7520"
        header = {"alg": alg, "kid": kid} if alg != "EdDSA" else {"alg": alg}
        good = jws(header, claims(), alg, key)
        r(f"{name}-{alg.lower()}-claims", f"RFC {name} key, {alg} over JSON claims", rp(alg, {"jwk": jwk_}), OK(), good)
        r(f"{name}-{alg.lower()}-claims-jwks", f"RFC {name} key in a JWKS, {alg} over JSON claims",
          rp(alg, {"jwks": {"keys": [jwk_]}}), OK(), good)
        r(f"{name}-{alg.lower()}-claims-tampered", f"RFC {name} key, {alg} signature with one bit flipped",
          rp(alg, {"jwk": jwk_}), FAIL("bad_signature"), tamper_sig(good, 7))
    return out


def remote_key_vectors():
    """keys.jwks_url and keys.refresh. Nothing listens at the URLs used here (port 9 of
    127.0.0.1 is the discard port), so a token that gets as far as key selection is
    refused with keys_unavailable (503), and earlier failures keep their own reasons
    without any fetch."""
    out = []
    url = "http://127.0.0.1:9/api/auth/jwks"

    def remote(refresh=None, algs=("EdDSA",), **keys):
        k = {"jwks_url": url, **keys}
        if refresh is not None:
            k["refresh"] = refresh
        return pol(algs, k)

    def bad(vid, desc, policy, why):
        out.append(V(vid, desc, policy, CFG, BASE_TOKEN, why=why))

    # A policy with a remote host loads; the malformed token shows it without any fetch.
    for vid, u in [
        ("https-any-host", "https://auth.example.com/api/auth/jwks"),
        ("https-port-query", "https://auth.example.com:8443/jwks?tenant=a"),
        ("https-upper-case-scheme", "HTTPS://auth.example.com/jwks"),
    ]:
        out.append(V(f"url-{vid}", f"jwks_url {u} loads (checked with a malformed token: nothing is fetched)",
                     pol(["EdDSA"], {"jwks_url": u}), FAIL("malformed"), "not-a-token"))
    for vid, u in [
        ("http-127", url),
        ("http-localhost", "http://localhost:9/api/auth/jwks"),
        ("http-loopback-v6", "http://[::1]:9/api/auth/jwks"),
        ("http-127-8", "http://127.8.9.10:9/jwks"),
        ("https-loopback", "https://127.0.0.1:9/jwks"),
        # Kept in their canonical form (http://localhost:9/..., http://[::1]:9/...).
        ("http-canonical-case-and-port", "HTTP://LOCALHOST:0009/api/auth/jwks"),
        ("http-canonical-v6", "http://[0:0:0:0:0:0:0:1]:9/api/auth/jwks"),
    ]:
        out.append(V(f"url-{vid}", f"jwks_url {u} loads; the token waits on keys that cannot be fetched",
                     pol(["EdDSA"], {"jwks_url": u}), FAIL("keys_unavailable"), tok()))
    out.append(V("refresh-all-settings", "every refresh setting given",
                 remote({"max_age": 60, "cooldown": 0, "timeout": 1, "stale_for": 0}), FAIL("keys_unavailable"),
                 tok()))
    out.append(V("unreachable-authorization", "a Bearer value, keys unavailable",
                 remote(), FAIL("keys_unavailable"), auth="Bearer " + tok()))
    out.append(V("unreachable-with-request", "a request is never decided without keys",
                 remote(), FAIL("keys_unavailable"), tok(), request={"action": "read", "resource": {"type": "todo"}}))
    # Failures before key selection are reported as such, with nothing fetched.
    out.append(V("malformed-before-keys", "a malformed token is malformed, not keys_unavailable",
                 remote(), FAIL("malformed"), "not-a-token"))
    out.append(V("missing-before-keys", "no credential", remote(), FAIL("missing"), auth="Basic dXNlcg=="))
    out.append(V("alg-before-keys", "an alg outside token.algorithms", remote(), FAIL("algorithm_not_allowed"),
                 tok(alg="ES256", key=None)))
    out.append(V("crit-before-keys", "crit in the header is invalid_header before key selection",
                 remote(), FAIL("invalid_header"), tok(crit=["exp"])))
    out.append(V("too-large-before-keys", "a token over max_length",
                 dict(remote(), token=dict(remote()["token"], max_length=64)), FAIL("token_too_large"), tok()))

    for vid, u in [
        ("http-remote-host", "http://auth.example.com/api/auth/jwks"),
        ("http-private-ip", "http://10.0.0.1/jwks"),
        ("http-v6-not-loopback", "http://[::2]/jwks"),
        ("http-localhost-suffix-trick", "http://localhost.evil.example/jwks"),
        ("http-127-out-of-range", "http://127.0.0.256/jwks"),
        ("ftp", "ftp://auth.example.com/jwks"),
        ("relative", "/api/auth/jwks"),
        ("no-host", "https:///jwks"),
        ("credentials", "https://user:pw@auth.example.com/jwks"),
        ("bad-port", "https://auth.example.com:99999/jwks"),
        ("empty-port", "https://auth.example.com:/jwks"),
        ("fragment", "https://auth.example.com/jwks#keys"),
        ("space", "https://auth.example.com/ jwks"),
        ("empty", ""),
        # Issue 16: URLs that WHATWG's parser (the WebAssembly build's fetch) reads otherwise.
        ("backslash-as-slash", "http://evil.example\\.localhost/jwks"),
        ("tab-stripped", "http://local\thost:9/jwks"),
        ("unicode-host-mapped", "http://\u24dbocalhost:9/jwks"),
        ("percent-encoded-host", "http://%6cocalhost:9/jwks"),
        ("ipv4-shorthand", "http://127.1:9/jwks"),
        ("ipv4-hex", "https://0x7f.1/jwks"),
        ("ipv4-integer", "http://2130706433/jwks"),
        ("one-slash", "https:/auth.example.com/jwks"),
        ("userinfo-before-host", "http://localhost@evil.example/jwks"),
        ("trailing-dot", "http://localhost.:9/jwks"),
        ("ipv6-zone", "http://[fe80::1%25lo]/jwks"),
        ("punycode-host", "https://xn--bcher-kva.example/jwks"),
        ("dot-segment", "https://auth.example.com/a/../jwks"),
        ("encoded-slash", "https://auth.example.com/a%2Fjwks"),
        ("quote-in-query", "https://auth.example.com/jwks?x='y'"),
        ("empty-query", "https://auth.example.com/jwks?"),
    ]:
        bad(f"url-{vid}", f"jwks_url {u!r} is refused", pol(["EdDSA"], {"jwks_url": u}), "jwks_url")
    bad("url-not-string", "jwks_url is an object", pol(["EdDSA"], {"jwks_url": {"href": url}}), "jwks_url")
    bad("url-and-jwks", "jwks_url and jwks together", remote(jwks=K_ED1["jwks"]), "keys-source")
    bad("url-with-hs", "HS256 cannot use a JWKS endpoint", remote(algs=("HS256",)), "hs-mix")
    bad("refresh-without-url", "refresh applies only to jwks_url",
        pol(["EdDSA"], {"jwks": K_ED1["jwks"], "refresh": {"max_age": 60}}), "refresh")
    bad("refresh-alone", "refresh is not a key source", pol(["EdDSA"], {"refresh": {}}), "keys-source")
    for vid, refresh in [
        ("unknown-member", {"maxage": 60}),
        ("timeout-zero", {"timeout": 0}),
        ("timeout-over-60", {"timeout": 61}),
        ("negative", {"cooldown": -1}),
        ("fraction", {"max_age": 0.5}),
        ("string", {"stale_for": "1d"}),
        ("over-a-year", {"stale_for": 366 * 24 * 3600 + 1}),
    ]:
        bad(f"refresh-{vid}", f"refresh {json.dumps(refresh)} is refused", remote(refresh), "refresh" if vid !=
            "unknown-member" else "unknown-field")
    bad("refresh-not-object", "refresh is a number", remote(600), "not-object")
    return out


def revocation_vectors():
    """The policy's revocation section with an inline set (redis_url and url are read for
    their shape; a well-formed one needs a server, so no vector has one). A token is revoked when its sid or jti is
    listed, or when its principal id has a "revoked before T" entry and its iat is at or
    before T (no iat: revoked); only string claims match; revocation is the last step, after
    every claim check; with a cache section the runners verify each credential twice, and a
    revoked token is refused both times."""
    out = []
    T = NOW - 60  # the iat of claims()

    def rp(inline=None, cache=None, **policy_kw):
        p = pol(**policy_kw)
        if cache is not None:
            p["cache"] = cache
        p["revocation"] = {"inline": inline if inline is not None else {}}
        return p

    def r(vid, desc, policy, expect, token=None, **kw):
        out.append(V(vid, desc, policy, expect, token, **kw))

    def bad(vid, desc, section, why):
        p = pol()
        p["revocation"] = section
        out.append(V(vid, desc, p, CFG, BASE_TOKEN, why=why))

    no_iat = claims(drop=("iat",))
    sids = {"sid": ["sess-1", "sess-2", "sess-3"]}
    jtis = {"jti": ["tok-1", "tok-2"]}

    # sid
    r("sid-revoked", "the token's sid is revoked", rp(sids), FAIL("revoked"), tok(claims(sid="sess-2")))
    r("sid-not-listed", "another sid", rp(sids), OK(), tok(claims(sid="sess-4")))
    r("sid-absent", "a token without sid against a sid list", rp(sids), OK(), tok())
    r("sid-exact-case", "sids compare exactly: SESS-1 is not sess-1", rp(sids), OK(), tok(claims(sid="SESS-1")))
    r("sid-not-a-string", "a numeric sid never matches the string entry", rp({"sid": ["7"]}), OK(),
      tok(claims(sid=7)))
    r("sid-list-not-a-string", "a list-valued sid never matches", rp(sids), OK(), tok(claims(sid=["sess-1"])))
    r("sid-in-jti-list", "a sid listed under jti only is not revoked", rp({"jti": ["sess-1"]}), OK(),
      tok(claims(sid="sess-1")))
    # jti
    r("jti-revoked", "the token's jti is revoked", rp(jtis), FAIL("revoked"), tok(claims(jti="tok-1")))
    r("jti-not-listed", "another jti", rp(jtis), OK(), tok(claims(jti="tok-3")))
    r("jti-absent", "a token without jti against a jti list", rp(jtis), OK(), tok())
    r("jti-in-sid-list", "a jti listed under sid only is not revoked", rp({"sid": ["tok-1"]}), OK(),
      tok(claims(jti="tok-1")))
    r("sid-live-jti-revoked", "a live sid does not save a revoked jti", rp({**sids, **jtis}), FAIL("revoked"),
      tok(claims(sid="sess-9", jti="tok-2")))
    # subjects: revoked before T, T inclusive
    subj = lambda t, who="user_1": {"subjects": {who: t}}
    r("subject-iat-equal", "iat equal to the subject's T is revoked", rp(subj(T)), FAIL("revoked"), tok())
    r("subject-iat-before", "iat one second before T is revoked", rp(subj(T + 1)), FAIL("revoked"), tok())
    r("subject-iat-after", "iat one second after T is not revoked", rp(subj(T - 1)), OK(), tok())
    r("subject-iat-fraction-before", "iat half a second before T is revoked", rp(subj(T)), FAIL("revoked"),
      tok(claims(iat=T - 0.5)))
    r("subject-iat-fraction-after", "iat half a second after T is not revoked", rp(subj(T)), OK(),
      tok(claims(iat=T + 0.5)))
    r("subject-no-iat", "a token without iat of a revoked subject counts as revoked", rp(subj(T - 3600)),
      FAIL("revoked"), tok(no_iat))
    r("subject-no-iat-time-zero", "without iat even T = 0 revokes", rp(subj(0)), FAIL("revoked"), tok(no_iat))
    r("subject-time-zero", "T = 0 revokes no token issued since", rp(subj(0)), OK(), tok())
    r("subject-future-time", "T in the future revokes every token issued until then", rp(subj(NOW + 3600)),
      FAIL("revoked"), tok(claims(iat=NOW)))
    r("subject-other", "another subject's entry", rp(subj(NOW, "user_2")), OK(), tok())
    r("subject-other-no-iat", "another subject's entry, token without iat", rp(subj(NOW, "user_2")), OK(),
      tok(no_iat))
    r("subject-exact-case", "principal ids compare exactly", rp(subj(NOW, "User_1")), OK(), tok())
    r("subject-several", "one of several subjects", rp({"subjects": {"user_0": NOW, "user_1": T, "user_2": NOW}}),
      FAIL("revoked"), tok())
    uid = {"id": "uid"}
    r("subject-is-principal-id", "the subject is the principal.id claim (uid), not sub",
      rp(subj(T, "member-7"), principal=uid), FAIL("revoked"), tok(claims(uid="member-7")))
    r("subject-sub-when-id-is-uid", "with principal.id uid, an entry for the sub value is another subject",
      rp(subj(T, "user_1"), principal=uid), OK("member-7"), tok(claims(uid="member-7")))
    r("subject-not-the-sid", "a subject entry does not match the sid claim", rp(subj(NOW, "sess-1")), OK(),
      tok(claims(sid="sess-1")))
    # whole sets
    r("inline-empty", "an empty inline section revokes nothing", rp({}), OK(), tok())
    r("inline-empty-lists", "empty lists and no subjects", rp({"sid": [], "jti": [], "subjects": {}}), OK(),
      tok(claims(sid="sess-1", jti="tok-1")))
    every = {**sids, **jtis, "subjects": {"user_2": NOW, "user_1": T - 1}}
    r("all-kinds-none-matching", "every kind listed, none matching the token", rp(every), OK(),
      tok(claims(sid="sess-9", jti="tok-9")))
    r("all-kinds-subject-matching", "every kind listed, the subject matching", rp(every), FAIL("revoked"),
      tok(claims(sid="sess-9", jti="tok-9", iat=T - 1)))
    r("authorization-header", "a Bearer value of a revoked token", rp(sids), FAIL("revoked"),
      auth="Bearer " + tok(claims(sid="sess-1")))
    rules = [rule("read", resource="todo", actions=["read"])]
    r("request-revoked", "a revoked token's request is never decided", rp(sids, rules=rules), FAIL("revoked"),
      tok(claims(sid="sess-1")), request=req())
    r("request-not-revoked", "a live token's request is decided", rp(sids, rules=rules), ALLOW(["read"]),
      tok(claims(sid="sess-4")), request=req())
    r("hs256-jti-revoked", "a shared-secret policy revokes the same way", rp(jtis, algs=("HS256",), keys=K_SECRET),
      FAIL("revoked"), tok(claims(jti="tok-2"), alg="HS256"))
    r("es256-subject-revoked", "an ES256 policy revokes the same way", rp(subj(T), algs=("ES256",), keys=K_ALL),
      FAIL("revoked"), tok(alg="ES256"))

    # order: revocation is the last step
    r("expired-and-revoked", "expired and revoked (sid): expired", rp(sids), FAIL("expired"),
      tok(claims(sid="sess-1", exp=NOW)))
    r("expired-and-subject-revoked", "expired and its subject revoked: expired", rp(subj(NOW)), FAIL("expired"),
      tok(claims(exp=NOW - 1)))
    r("expired-no-iat-subject-revoked", "expired, no iat, subject revoked: expired", rp(subj(NOW)),
      FAIL("expired"), tok(claims(drop=("iat",), exp=NOW - 1)))
    r("within-leeway-and-revoked", "exp passed within the leeway, sid revoked: revoked", rp(sids, leeway=30),
      FAIL("revoked"), tok(claims(sid="sess-1", exp=NOW - 10)))
    r("nbf-future-and-revoked", "nbf in the future and revoked: not_yet_valid", rp(sids), FAIL("not_yet_valid"),
      tok(claims(sid="sess-1", nbf=NOW + 60)))
    r("iat-future-and-revoked", "iat in the future and its subject revoked up to then: not_yet_valid",
      rp(subj(NOW + 3600)), FAIL("not_yet_valid"), tok(claims(iat=NOW + 60)))
    r("too-old-and-revoked", "older than max_age and revoked: too_old", rp(sids, max_age=30), FAIL("too_old"),
      tok(claims(sid="sess-1")))
    r("max-age-no-iat-and-subject-revoked", "max_age without iat, subject revoked: missing_claim",
      rp(subj(NOW), max_age=3600), FAIL("missing_claim"), tok(no_iat))
    r("issuer-and-revoked", "wrong issuer and revoked: issuer_mismatch", rp(jtis), FAIL("issuer_mismatch"),
      tok(claims(jti="tok-1", iss="https://other.example.com")))
    r("audience-and-revoked", "wrong audience and revoked: audience_mismatch", rp(jtis), FAIL("audience_mismatch"),
      tok(claims(jti="tok-1", aud="https://other.example.com")))
    r("invalid-iat-and-subject-revoked", "iat not a number, subject revoked: invalid_claim", rp(subj(NOW)),
      FAIL("invalid_claim"), tok(claims(iat="yesterday")))
    r("missing-principal-id-and-revoked", "no principal id claim, sid revoked: missing_claim",
      rp(sids, principal=uid), FAIL("missing_claim"), tok(claims(sid="sess-1")))
    r("bad-signature-and-revoked", "bad signature and revoked: bad_signature", rp(sids), FAIL("bad_signature"),
      tamper_sig(tok(claims(sid="sess-1"))))
    r("unknown-kid-and-revoked", "unknown kid and revoked: unknown_key", rp(sids), FAIL("unknown_key"),
      tok(claims(sid="sess-1"), kid="nope"))
    r("malformed-and-revoked", "a malformed token is malformed", rp(sids), FAIL("malformed"), "not-a-token")
    r("missing-credential", "no credential at all", rp(sids), FAIL("missing"), auth="")

    # the verified-token cache: runners verify each credential twice through one engine
    cache = {"max_entries": 10}
    r("cache-sid-revoked", "with a cache, a revoked sid is refused every time", rp(sids, cache=cache),
      FAIL("revoked"), tok(claims(sid="sess-3")))
    r("cache-jti-revoked", "with a cache, a revoked jti is refused every time", rp(jtis, cache=cache),
      FAIL("revoked"), tok(claims(jti="tok-2")))
    r("cache-subject-revoked", "with a cache, a revoked subject is refused every time", rp(subj(T), cache=cache),
      FAIL("revoked"), tok())
    r("cache-subject-no-iat", "with a cache, a revoked subject's token without iat is refused every time",
      rp(subj(0), cache=cache), FAIL("revoked"), tok(no_iat))
    r("cache-one-entry-revoked", "a cache of one entry, a revoked token", rp(sids, cache={"max_entries": 1}),
      FAIL("revoked"), tok(claims(sid="sess-1")))
    r("cache-live-token", "with a cache, a live token verifies every time (the second a hit)",
      rp(every, cache=cache), OK(), tok(claims(sid="sess-9", jti="tok-9")))
    r("cache-subject-after", "with a cache, a token issued after its subject's T verifies every time",
      rp(subj(T - 1), cache=cache), OK(), tok())
    r("cache-revoked-request", "with a cache, a revoked token's request is never decided",
      rp(jtis, cache=cache, rules=rules), FAIL("revoked"), tok(claims(jti="tok-1")), request=req())
    r("cache-expired-and-revoked", "with a cache, expired and revoked: expired", rp(sids, cache=cache),
      FAIL("expired"), tok(claims(sid="sess-1", exp=NOW)))

    # the section itself
    bad("not-object", "revocation is a list", [], "not-object")
    bad("string", "revocation is a string", "inline", "not-object")
    bad("no-source", "revocation without a source", {}, "revocation-source")
    bad("stale-for-alone", "stale_for is not a source", {"stale_for": 60}, "revocation-source")
    bad("inline-and-url", "two sources", {"inline": {}, "url": "https://app.example.com/api/auth/revoked"},
        "revocation-source")
    bad("inline-and-redis", "two sources", {"inline": {}, "redis_url": "redis://127.0.0.1:6379/0"},
        "revocation-source")
    bad("redis-and-url", "two sources", {"redis_url": "redis://127.0.0.1:6379/0", "url": "https://a.example/r"},
        "revocation-source")
    bad("unknown-member", "revocation.ttl is not a member", {"inline": {}, "ttl": 60}, "unknown-field")
    bad("unknown-member-typo", "inlin instead of inline", {"inlin": {}}, "unknown-field")
    bad("refresh-unknown-member", "refresh.stale_for is not a member (stale_for is beside refresh)",
        {"url": "https://a.example/r", "refresh": {"stale_for": 60}}, "unknown-field")
    bad("refresh-not-object", "refresh is a number", {"url": "https://a.example/r", "refresh": 30}, "not-object")
    for vid, refresh in [("timeout-zero", {"timeout": 0}), ("timeout-over-60", {"timeout": 61}),
                         ("max-age-negative", {"max_age": -1}), ("cooldown-fraction", {"cooldown": 0.5}),
                         ("max-age-string", {"max_age": "30"})]:
        bad(f"refresh-{vid}", f"refresh {json.dumps(refresh)} is refused",
            {"redis_url": "redis://127.0.0.1:6379/0", "refresh": refresh}, "revocation-refresh")
    bad("inline-refresh", "refresh beside inline", {"inline": {}, "refresh": {"max_age": 5}}, "revocation-stale-for")
    bad("inline-not-object", "inline is a list", {"inline": ["sess-1"]}, "not-object")
    bad("inline-null", "inline is null", {"inline": None}, "not-object")
    bad("inline-unknown-member", "sids instead of sid", {"inline": {"sids": ["sess-1"]}}, "unknown-field")
    bad("inline-sub-member", "sub is not a member (subjects is)", {"inline": {"sub": {"user_1": T}}},
        "unknown-field")
    bad("sid-string", "sid is a string", {"inline": {"sid": "sess-1"}}, "revocation-ids")
    bad("sid-empty-string", "an empty sid", {"inline": {"sid": ["sess-1", ""]}}, "revocation-ids")
    bad("sid-number", "a numeric sid entry", {"inline": {"sid": [7]}}, "revocation-ids")
    bad("jti-null-entry", "a null jti entry", {"inline": {"jti": [None]}}, "revocation-ids")
    bad("jti-object", "jti is an object", {"inline": {"jti": {"tok-1": True}}}, "revocation-ids")
    bad("subjects-list", "subjects is a list", {"inline": {"subjects": ["user_1"]}}, "revocation-subjects")
    bad("subjects-empty-id", "an empty principal id", {"inline": {"subjects": {"": T}}}, "revocation-subjects")
    for vid, t in [("negative", -1), ("fraction", T + 0.5), ("string", "2025-11-24T00:00:00Z"), ("null", None),
                   ("boolean", True), ("over-2-53", 2**53), ("list", [T])]:
        bad(f"subject-time-{vid}", f"a subject's time {json.dumps(t)}", {"inline": {"subjects": {"user_1": t}}},
            "revocation-subjects")
    bad("inline-stale-for", "stale_for beside inline", {"inline": {}, "stale_for": 60}, "revocation-stale-for")
    # redis_url: its shape, stale_for and refresh are checked everywhere; a well-formed one
    # loads where the runtime has a Redis client (tested against a real server in each).
    for vid, u in [("http", "http://127.0.0.1:6379"), ("no-scheme", "127.0.0.1:6379"), ("no-host", "redis://"),
                   ("path-only", "redis:///0"), ("space", "redis://127.0.0.1 :6379"), ("empty", ""),
                   ("number", 6379), ("null", None)]:
        bad(f"redis-url-{vid}", f"redis_url {json.dumps(u)} is refused", {"redis_url": u}, "revocation-url")
    for vid, stale in [("negative", -1), ("fraction", 0.5), ("string", "60"), ("over-a-year", 366 * 24 * 3600 + 1)]:
        bad(f"stale-for-{vid}", f"stale_for {json.dumps(stale)} is refused",
            {"redis_url": "redis://127.0.0.1:6379/0", "stale_for": stale}, "revocation-stale-for")
    # url: its shape, stale_for and refresh are checked everywhere; a well-formed one loads
    # everywhere, and its set comes from a server (tested against a real one in each runtime).
    bad("url-stale-for-fraction", "url with stale_for 0.5",
        {"url": "https://app.example.com/api/auth/revoked", "stale_for": 0.5}, "revocation-stale-for")
    bad("url-refresh-timeout-zero", "url with refresh.timeout 0",
        {"url": "https://app.example.com/api/auth/revoked?key=s3cret-value", "refresh": {"timeout": 0}},
        "revocation-refresh")
    for vid, u in [("http-remote", "http://app.example.com/api/auth/revoked"), ("relative", "/api/auth/revoked"),
                   ("credentials", "https://user:pw@app.example.com/revoked"), ("empty", ""),
                   ("object", {"href": "https://app.example.com/revoked"})]:
        bad(f"url-{vid}", f"url {json.dumps(u)} is refused", {"url": u}, "revocation-url")
    p = pol()
    p["revokation"] = {"inline": {}}
    out.append(V("top-level-typo", "revokation instead of revocation", p, CFG, BASE_TOKEN, why="unknown-field"))
    return out


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

SUITES = [
    ("tokens-algorithms.json", "tokens-algorithms", algorithms_vectors),
    ("tokens-structure.json", "tokens-structure", structure_vectors),
    ("tokens-header.json", "tokens-header", header_vectors),
    ("tokens-claims.json", "tokens-claims", claims_vectors),
    ("tokens-order.json", "tokens-order", order_vectors),
    ("keys.json", "keys", key_vectors),
    ("config.json", "config", config_vectors),
    ("decisions-expr.json", "decisions-expr", decision_vectors),
    ("rfc7515.json", "rfc7515", rfc_vectors),
    ("rfc7520.json", "rfc7520", rfc7520_vectors),
    ("keys-remote.json", "keys-remote", remote_key_vectors),
    ("revocation.json", "revocation", revocation_vectors),
]


def build():
    global BASE_TOKEN
    BASE_TOKEN = tok()
    write_key_files()
    failures = 0
    total = 0
    for filename, suite, make in SUITES:
        vectors = make()
        ids = [v["id"] for v in vectors]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            sys.exit(f"{filename}: duplicate ids {sorted(dupes)}")
        for v in vectors:
            try:
                problems = check_vector(v)
            except Ambiguous as e:
                problems = [f"depends on a case the contract leaves open: {e}"]
            for p in problems:
                failures += 1
                print(f"MODEL {filename} {v['id']}: {p}", file=sys.stderr)
            v.pop("_why", None)
        total += len(vectors)
        text = json.dumps({"suite": suite, "vectors": vectors}, indent=1, ensure_ascii=True) + "\n"
        if not failures:
            (HERE / filename).write_text(text)
        print(f"{filename}: {len(vectors)} vectors")
    if failures:
        sys.exit(f"{failures} expectation(s) disagree with the reference model; nothing written")
    print(f"{total} vectors in {len(SUITES)} files")


if __name__ == "__main__":
    build()
