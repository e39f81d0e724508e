"""The Python side of the differential test: Wardgate (the Python extension), PyJWT,
and the reference model of the conformance generator, on every case.

``python tests/differential/python_side.py CASES.json OUT.json`` writes
``{"wardgate-python": [...], "pyjwt": [...], "model": [...]}``, one result per case
in the order of the cases: ``{"ok": true, "sub": ...}`` or ``{"ok": false, "why": ...}``
(``why``: Wardgate's reason, the name of PyJWT's exception; the model gives ``null``
where the contract leaves the answer open).

PyJWT is configured as a FastAPI app would configure it from the same policy:
``jwt.decode(token, key, algorithms=..., issuer=..., audience=..., leeway=...,
options={"require": required_claims})``, with the key found as ``PyJWKClient`` finds it
(the signing key whose ``kid`` is the token's) or, for ``keys.secret``, the secret. Its
clock is pinned to the case's ``now``: PyJWT has no parameter for it.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import jwt
import jwt.api_jwt

import wardgate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "conformance"))
import generate as conf  # noqa: E402  (the reference model)


class PinnedClock(datetime.datetime):
    """What `jwt.api_jwt` sees as `datetime`: its `now()` is the case's time."""

    at = 0.0

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.fromtimestamp(cls.at, tz)


jwt.api_jwt.datetime = PinnedClock


def pyjwt_side(policy):
    """A verifier configured from `policy` as an app using PyJWT would configure it."""
    t = policy["token"]
    keys = policy["keys"]
    jwk_set = jwt.PyJWKSet.from_dict(keys["jwks"]) if "jwks" in keys else None
    options = {
        "algorithms": t["algorithms"],
        "issuer": t.get("issuer"),
        "audience": t.get("audience"),
        "leeway": t.get("leeway", 0),
        "options": {"require": t.get("required_claims", ["sub", "exp"])},
    }

    def key_for(token):
        if jwk_set is None:
            return keys["secret"]
        # PyJWKClient.get_signing_key_from_jwt: the signing key with the token's kid.
        kid = jwt.get_unverified_header(token).get("kid")
        for key in jwk_set.keys:
            if key.public_key_use in ("sig", None) and key.key_id and key.key_id == kid:
                return key.key
        raise LookupError("no signing key with this kid")

    def verify(token, now):
        PinnedClock.at = now
        try:
            claims = jwt.decode(token, key_for(token), **options)
        except Exception as e:  # noqa: BLE001  (every failure is a refusal; the class says which)
            return {"ok": False, "why": type(e).__name__}
        return {"ok": True, "sub": claims.get("sub")}

    return verify


def wardgate_side(policy):
    engine = wardgate.Engine(policy)

    def verify(token, now):
        try:
            principal = engine.verify(token, now=now)
        except wardgate.AuthError as e:
            return {"ok": False, "why": e.reason}
        return {"ok": True, "sub": principal.id}

    return verify


def model_side(policy):
    def verify(token, now):
        try:
            got = conf.model_run({"policy": policy, "token": token, "now": now})
        except conf.Ambiguous:
            return None
        if got.get("ok"):
            return {"ok": True, "sub": got["principal"]["id"]}
        return {"ok": False, "why": got.get("reason", "config_error")}

    return verify


SIDES = {"wardgate-python": wardgate_side, "pyjwt": pyjwt_side, "model": model_side}


def main(argv):
    cases_path, out_path = argv
    doc = json.loads(Path(cases_path).read_text())
    out = {}
    for name, make in SIDES.items():
        verifiers = {gid: make(g["policy"]) for gid, g in doc["groups"].items()}
        out[name] = [verifiers[c["group"]](c["token"], c["now"]) for c in doc["cases"]]
    Path(out_path).write_text(json.dumps(out))
    print(f"python side: PyJWT {jwt.__version__}, wardgate {wardgate.__version__}")


if __name__ == "__main__":
    main(sys.argv[1:])
