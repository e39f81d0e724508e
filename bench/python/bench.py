#!/usr/bin/env python3
"""Python benchmark: ``portcullis.Engine.verify`` beside PyJWT's ``jwt.decode``.

For EdDSA, ES256, RS256 and HS256 both libraries verify the same token, signed with the
test-only keys in ``tests/keys/`` and checked against the same public key: signature, ``iss``,
``aud`` and ``exp`` (and ``sub`` present), at the real current time. Each side is called the
way an application would call it, with its key loaded once outside the timed loop:

    engine.verify(token)
    jwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS, options=...)

Before timing, both must accept every token and reject a tampered, an expired, a
wrong-issuer and a wrong-audience one, so no failing path is measured. The timing runs
rounds; in each round each side runs one batch (sized to about ``--batch-ms``), in
alternating order so machine noise hits both. The report gives the median time per call of
each side over the rounds and the ratio of the medians (PyJWT / portcullis), beside the bare
signature check PyJWT makes (``cryptography`` or ``hmac``): the floor under PyJWT. The garbage
collector stays on, as in an application.

    bench/python/run [--quick] [--rounds N] [--batch-ms MS] [--json FILE]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import cryptography
import jwt
import portcullis
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "keys"
ISS = AUD = "https://app.example.com"
#: PyJWT's options: the claims portcullis requires too (``sub``, ``exp``; ``iss`` and
#: ``aud`` because the policy names them).
PYJWT_OPTIONS = {"require": ["exp", "sub", "iss", "aud"]}
#: Per algorithm: private key file, kid in ``jwks.json`` (None: the HMAC secret).
ALGORITHMS = {
    "EdDSA": ("ed25519-1.pem", "ed-1"),
    "ES256": ("p256.pem", "p256"),
    "RS256": ("rsa-2048.pem", "rsa-2048"),
    "HS256": (None, None),
}
#: Minimum speed-up (PyJWT median / portcullis median) the project aims for.
TARGETS = {"EdDSA": 2.5, "HS256": 8.0}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Case:
    """One algorithm: its signing key, the two verifiers, and the bare signature check."""

    def __init__(self, alg: str, now: int) -> None:
        self.alg = alg
        pem, kid = ALGORITHMS[alg]
        if pem is None:
            # keys/README.md: exactly 64 ASCII bytes, used as is for keys.secret.
            secret = (KEYS / "hmac-secret.txt").read_text().strip()
            self.signing_key = secret.encode()
            keys = {"secret": secret}
            jwk = {"kty": "oct", "k": b64(secret.encode())}
            headers = None
        else:
            self.signing_key = serialization.load_pem_private_key((KEYS / pem).read_bytes(), None)
            jwks = json.loads((KEYS / "jwks.json").read_text())["keys"]
            jwk = next(k for k in jwks if k["kid"] == kid)
            keys = {"jwk": jwk}
            headers = {"kid": kid}
        self.headers = headers
        self.now = now
        self.engine = portcullis.Engine(
            {"token": {"issuer": ISS, "audience": AUD, "algorithms": [alg]}, "keys": keys, "rules": []}
        )
        self.pyjwt_key = jwt.PyJWK(jwk, algorithm=alg)
        self.token = self.sign()

    def sign(self, **changes: object) -> str:
        """A token like a Better Auth JWT: issued a minute ago, expiring in ten years."""
        claims = {"sub": "user_1", "iss": ISS, "aud": AUD, "iat": self.now - 60,
                  "exp": self.now + 10 * 365 * 86400, "role": "user"}
        claims.update(changes)
        return jwt.encode(claims, self.signing_key, algorithm=self.alg, headers=self.headers)

    def portcullis_verify(self, token: str) -> Dict[str, object]:
        return self.engine.verify(token).claims

    def pyjwt_verify(self, token: str) -> Dict[str, object]:
        return jwt.decode(token, self.pyjwt_key, algorithms=[self.alg], audience=AUD,
                          issuer=ISS, options=PYJWT_OPTIONS)

    def check(self) -> None:
        """Both sides accept the token and reject bad ones (else the timing would be moot)."""
        for verify in (self.portcullis_verify, self.pyjwt_verify):
            if verify(self.token)["sub"] != "user_1":
                raise AssertionError(f"{self.alg}: {verify.__name__} returned the wrong claims")
        header, payload, signature = self.token.split(".")
        forged = json.dumps({**json.loads(b64decode(payload)), "role": "admin"}, separators=(",", ":"))
        bad = {
            "tampered": f"{header}.{b64(forged.encode())}.{signature}",
            "expired": self.sign(exp=self.now - 3600, iat=self.now - 7200),
            "wrong issuer": self.sign(iss="https://evil.example.com"),
            "wrong audience": self.sign(aud="https://evil.example.com"),
        }
        for name, token in bad.items():
            for verify, refusal in ((self.portcullis_verify, portcullis.AuthError),
                                    (self.pyjwt_verify, jwt.InvalidTokenError)):
                try:
                    verify(token)
                except refusal:
                    continue
                raise AssertionError(f"{self.alg}: {verify.__name__} accepted the {name} token")

    def crypto_floor(self) -> Callable[[], None]:
        """The bare check of the token's signature with the calls PyJWT makes (``cryptography``,
        that is OpenSSL, for EdDSA, ES256 and RS256; ``hmac`` for HS256): the floor under PyJWT.
        Decoding the signature is done here, outside the timing."""
        signing_input, _, sig = self.token.rpartition(".")
        message, signature = signing_input.encode(), b64decode(sig)
        if self.alg == "HS256":
            secret = self.signing_key

            def check() -> None:
                if not hmac.compare_digest(hmac.new(secret, message, hashlib.sha256).digest(), signature):
                    raise AssertionError("HS256 signature does not verify")

            return check
        public = self.signing_key.public_key()
        if self.alg == "EdDSA":
            return lambda: public.verify(signature, message)
        if self.alg == "ES256":
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                       int.from_bytes(signature[32:], "big"))
            ecdsa = ec.ECDSA(hashes.SHA256())
            return lambda: public.verify(der, message, ecdsa)
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return lambda: public.verify(signature, message, pkcs1, sha256)


def timer_portcullis(case: Case) -> Callable[[int], int]:
    verify, token = case.engine.verify, case.token

    def run(n: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(n):
            verify(token)
        return time.perf_counter_ns() - start

    return run


def timer_pyjwt(case: Case) -> Callable[[int], int]:
    decode, token, key, algorithms = jwt.decode, case.token, case.pyjwt_key, [case.alg]

    def run(n: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(n):
            decode(token, key, algorithms=algorithms, audience=AUD, issuer=ISS, options=PYJWT_OPTIONS)
        return time.perf_counter_ns() - start

    return run


def timer_call(check: Callable[[], None]) -> Callable[[int], int]:
    def run(n: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(n):
            check()
        return time.perf_counter_ns() - start

    return run


def batch_size(run: Callable[[int], int], batch_ns: int) -> int:
    """Calls per batch so that one batch takes about ``batch_ns`` (this also warms up)."""
    n = 1
    while True:
        elapsed = run(n)
        if elapsed >= batch_ns / 2:
            return max(1, round(n * batch_ns / elapsed))
        n *= 2


def measure(timers: Dict[str, Callable[[int], int]], rounds: int, batch_ns: int) -> Dict[str, List[float]]:
    """Per-call times (ns), one per round and timer; the order rotates every round."""
    sizes = {name: batch_size(run, batch_ns) for name, run in timers.items()}
    names = list(timers)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append(timers[name](sizes[name]) / sizes[name])
    return samples


def fmt(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def versions() -> Dict[str, str]:
    return {
        "python": platform.python_version(),
        "portcullis": portcullis.__version__,
        "pyjwt": jwt.__version__,
        "cryptography": cryptography.__version__,
        "openssl": openssl_backend.openssl_version_text(),
        "machine": f"{platform.system()} {platform.machine()}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (5 rounds of 5 ms batches)")
    parser.add_argument("--rounds", type=int, help="rounds per algorithm (default 30)")
    parser.add_argument("--batch-ms", type=float, help="length of one batch (default 20 ms)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 30)
    batch_ns = int((args.batch_ms or (5 if args.quick else 20)) * 1e6)

    now = int(time.time())
    info = versions()
    print("  ".join(f"{k} {v}" for k, v in info.items()))
    print(f"{rounds} rounds of ~{batch_ns / 1e6:g} ms batches per side; medians per call\n")
    results = []
    for alg in ALGORITHMS:
        case = Case(alg, now)
        case.check()
        samples = measure({"portcullis": timer_portcullis(case), "pyjwt": timer_pyjwt(case),
                           "cryptography": timer_call(case.crypto_floor())}, rounds, batch_ns)
        medians = {name: statistics.median(values) for name, values in samples.items()}
        ratios = sorted(p / q for p, q in zip(samples["pyjwt"], samples["portcullis"]))
        results.append({
            "alg": alg,
            "median_ns": medians,
            "ratio": medians["pyjwt"] / medians["portcullis"],
            "round_ratio_min": ratios[0],
            "round_ratio_max": ratios[-1],
            "target": TARGETS.get(alg),
            "samples_ns": samples,
        })

    header = ("alg", "portcullis", "PyJWT", "ratio", "round ratios", "target", "raw check",
              "PyJWT / raw")
    rows = [header]
    for r in results:
        m, target = r["median_ns"], r["target"]
        verdict = "—" if target is None else f"≥ {target:g} " + ("met" if r["ratio"] >= target else "MISSED")
        rows.append((r["alg"], fmt(m["portcullis"]), fmt(m["pyjwt"]), f"{r['ratio']:.2f}x",
                     f"{r['round_ratio_min']:.2f}–{r['round_ratio_max']:.2f}", verdict,
                     fmt(m["cryptography"]), f"{m['pyjwt'] / m['cryptography']:.2f}x"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("\nratio = PyJWT median / portcullis median (higher: portcullis faster); round ratios:"
          " lowest and highest per-round ratio;\nraw check: the bare signature check PyJWT makes"
          " (cryptography for EdDSA, ES256, RS256; hmac for HS256)")

    if args.json:
        document = {"versions": info, "rounds": rounds, "batch_ms": batch_ns / 1e6, "results": results}
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    missed = [r["alg"] for r in results if r["target"] is not None and r["ratio"] < r["target"]]
    if missed:
        print(f"below target: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
