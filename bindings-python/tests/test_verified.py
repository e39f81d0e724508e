"""``authorize(verify(token))`` decides exactly as ``check(token)``, and so does a principal
rebuilt by hand from a verified one: over every decision vector, and over claims at the
edges of what JSON numbers hold (integers beyond 2^53 and beyond 64 bits, -0, floats at the
ends of the range), nested up to the 32-level limit, compared with a model of the core's
number semantics."""

from __future__ import annotations

import json
import random
import re
import struct
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

from wardgate import AuthError, ConfigError, Engine, Principal

from conftest import AUDIENCE, ISSUER, NOW, Signer, b64url, encode, project_vector_files, shared_vector_files

Outcome = Dict[str, Any]


def settle(call: Any) -> Outcome:
    """A call's decision as a dict, or its AuthError's fields."""
    try:
        return {"decision": call().to_dict()}
    except AuthError as e:
        return {"error": {"code": e.code, "status": e.status, "reason": e.reason, "detail": e.detail}}


def rebuilt(principal: Principal) -> List[Principal]:
    """Principals built by hand from a verified one, as user code would."""
    return [
        Principal(principal.id, principal.roles, principal.tenant, principal.claims),
        Principal(**principal.to_dict()),
        Principal(**principal),
        Principal(principal.id, list(principal.roles), principal.tenant, json.loads(json.dumps(principal.claims))),
    ]


def both_paths(engine: Engine, vector: Dict[str, Any], action: str, resource: Dict[str, Any],
               context: Optional[Dict[str, Any]], now: float) -> Tuple[Outcome, Outcome]:
    """``[authorize(verify(...)), check(...)]``; principals rebuilt by hand must decide as the verified one."""
    def verified() -> Principal:
        if "authorization" in vector:
            return engine.verify_authorization(vector["authorization"], now=now)
        return engine.verify(vector.get("token", ""), now=now)

    def via_verify() -> Any:
        principal = verified()
        decision = engine.authorize(principal, action, resource, context)
        for copy in rebuilt(principal):
            assert copy == principal
            assert engine.authorize(copy, action, resource, context) == decision
        return decision

    credential = vector["authorization"] if "authorization" in vector else vector.get("token", "")
    return settle(via_verify), settle(lambda: engine.check(credential, action, resource, context, now=now))


def compare_vectors(files: List[Path]) -> Tuple[int, int]:
    """How many decision vectors gave the same outcome on both paths (fails on one that does not)."""
    compared = decisions = 0
    for path in files:
        for vector in json.loads(path.read_text())["vectors"]:
            if "request" not in vector:
                continue
            decisions += 1
            try:
                engine = Engine(vector["policy"])
            except ConfigError:
                continue
            # check reads a value with whitespace (or `Bearer` alone) as an Authorization value
            # and anything else as a token; verify_authorization reads every value as a header.
            value = vector.get("authorization")
            if isinstance(value, str) and value not in ("", "Bearer") and not re.search(r"\s", value):
                continue
            request = vector["request"]
            via_verify, via_check = both_paths(engine, vector, request["action"], request.get("resource", {}),
                                               request.get("context"), vector["now"])
            assert via_verify == via_check, f"{path.name} {vector['id']}"
            compared += 1
    return compared, decisions


def test_every_project_decision_vector_decides_the_same_on_both_paths() -> None:
    compared, decisions = compare_vectors(project_vector_files())
    assert compared >= 100 and compared == decisions


def test_every_shared_decision_vector_decides_the_same_on_both_paths() -> None:
    compared, decisions = compare_vectors(shared_vector_files())
    assert compared > 0 and compared == decisions


# The model of the core's numbers: an integer text within i64 or u64 is exact, anything else a
# double (correctly rounded); integers compare exactly, anything with a double as doubles.
Number = Union[int, float]
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def number_of(text: str) -> Number:
    if INTEGER.fullmatch(text) and -(2**63) <= int(text) < 2**64 and text != "-0":
        return int(text)
    return float(text)


def compare(a: Number, b: Number) -> int:
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    x, y = float(a), float(b)
    return (x > y) - (x < y)


DEEP = 31  # objects under the payload: the innermost is at level 32, the limit
DEEP_PATH = "principal.claims" + ".d" * DEEP + ".n"


def deep_member(value: str) -> str:
    return '"d":' + '{"d":' * (DEEP - 1) + '{"n":' + value + "}" + "}" * (DEEP - 1)


def sign_raw(signer: Signer, members: str) -> str:
    """A token whose payload holds the standard claims and ``members``, raw JSON text."""
    base = json.dumps({"sub": "user_1", "iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 60, "exp": NOW + 3600,
                       "role": "user"}, separators=(",", ":"))
    signing_input = f"{encode({'alg': 'EdDSA', 'typ': 'JWT', 'kid': signer.kid})}.{b64url((base[:-1] + ',' + members + '}').encode())}"
    return f"{signing_input}.{b64url(signer.key.sign(signing_input.encode()))}"


def number_case(signer: Signer, n: str, m: str) -> Tuple[str, Dict[str, Any], Dict[str, Any], List[str]]:
    """A token holding the number texts ``n`` and ``m``, a policy of forbid rules comparing
    them (and ``resource.v``, the float or int of ``m``), the request, and the rules the model
    says apply."""
    a, b = number_of(n), number_of(m)
    v = b
    rules: List[Dict[str, Any]] = [{"id": "all", "effect": "permit", "resource": "*", "actions": "*"}]
    expected: List[str] = []

    def forbid(rule_id: str, when: str, applies: bool) -> None:
        rules.append({"id": rule_id, "effect": "forbid", "resource": "*", "actions": "*", "when": when})
        if applies:
            expected.append(rule_id)

    c = compare(a, b)
    for name, left in (("n", "principal.claims.n"), ("nested", "principal.claims.nested.a.b"), ("deep", DEEP_PATH)):
        forbid(f"{name}==m", f"{left} == principal.claims.m", c == 0)
        forbid(f"{name}<m", f"{left} < principal.claims.m", c < 0)
        forbid(f"{name}>m", f"{left} > principal.claims.m", c > 0)
    forbid("n in list", "principal.claims.n in principal.claims.list", c == 0)
    forbid("n==v", "principal.claims.n == resource.v", compare(a, v) == 0)
    if isinstance(b, int) and b < 2**63:
        forbid("n==M", f"principal.claims.n == {m}", c == 0)
        forbid("n>=M", f"principal.claims.n >= {m}", c >= 0)
    token = sign_raw(signer, f'"n":{n},"m":{m},"list":[{m}],"nested":{{"a":{{"b":{n}}}}},{deep_member(n)}')
    policy = {"token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
              "keys": {"jwks": {"keys": [signer.jwk]}}, "rules": rules}
    return token, policy, {"type": "doc", "v": v}, expected or ["all"]


def check_pairs(signer: Signer, pairs: List[Tuple[str, str]]) -> None:
    for n, m in pairs:
        token, policy, resource, expected = number_case(signer, n, m)
        engine = Engine(policy)
        via_verify, via_check = both_paths(engine, {"token": token}, "read", resource, None, NOW)
        what = f"n = {n}, m = {m}"
        assert "decision" in via_check, f"{what}: {via_check}"
        assert via_verify == via_check, what
        assert sorted(via_check["decision"]["rules"]) == sorted(expected), what
        assert via_check["decision"]["errors"] == [], what


NAMED_PAIRS = [
    ("9007199254740993", "9007199254740993"),
    ("9007199254740993", "9007199254740992"),
    ("-9007199254740993", "-9007199254740992"),
    ("9007199254740993", "9007199254740993.0"),
    ("9223372036854775807", "9223372036854775806"),
    ("9223372036854775808", "9223372036854775807"),
    ("-9223372036854775808", "-9223372036854775807"),
    ("-9223372036854775809", "-9223372036854775808"),
    ("18446744073709551615", "18446744073709551614"),
    ("18446744073709551616", "18446744073709551615"),
    ("123456789012345678901234567890", "123456789012345678901234567891"),
    ("1e16", "10000000000000001"),
    ("10000000000000001", "1e16"),
    ("-0", "0"),
    ("-0.0", "0"),
    ("0", "-0.0"),
    ("1e21", "1e+21"),
    ("5e-324", "0"),
    ("5e-324", "1e-323"),
    ("1.7976931348623157e308", "1.7976931348623155e308"),
    ("2.2250738585072014e-308", "2.225073858507201e-308"),
    ("0.1", "0.30000000000000004"),
    ("11148.284766321629", "11148.284766321629"),
    ("-2.0908611559865462e-95", "-2.0908611559865465e-95"),
]


def test_numbers_at_the_edges_decide_as_the_core_reads_them_on_both_paths(signer: Signer) -> None:
    check_pairs(signer, NAMED_PAIRS)


def random_pairs(count: int, seed: int) -> List[Tuple[str, str]]:
    """Integers around 2^53, 2^63, 2^64 and beyond, and any finite double, with a neighbour."""
    rng = random.Random(seed)
    pairs: List[Tuple[str, str]] = []
    while len(pairs) < count:
        kind = rng.randrange(4)
        if kind < 2:
            x = rng.choice([1, -1]) * (rng.choice([2**53, 2**63, 2**64, 2**70, 10**20]) + rng.randrange(-2048, 2048))
            y = x + rng.randrange(-2, 3)
            pairs.append((str(x), str(y) if kind == 0 else f"{y}.0"))
        else:
            bits = rng.getrandbits(64)
            (d,) = struct.unpack("<d", struct.pack("<Q", bits))
            (after,) = struct.unpack("<d", struct.pack("<Q", (bits + 1) % 2**64))
            if d != d or abs(d) == float("inf"):
                continue
            other = rng.choice([d, after if after == after and abs(after) != float("inf") else d])
            pairs.append((repr(d), repr(other) if kind == 2 else str(int(max(min(d, 1e25), -1e25)))))
    return pairs


def test_random_numbers_decide_as_the_core_reads_them_on_both_paths(signer: Signer) -> None:
    check_pairs(signer, random_pairs(400, 0x5EED_2026))


def test_nesting_at_the_limit_decides_on_both_paths_and_one_more_level_is_malformed(signer: Signer) -> None:
    engine = Engine({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks": {"keys": [signer.jwk]}},
                     "rules": [{"id": "deep", "effect": "forbid", "resource": "*", "actions": "*",
                                "when": f"{DEEP_PATH} == 9223372036854775807"}]})
    token = sign_raw(signer, deep_member("9223372036854775807"))
    via_verify, via_check = both_paths(engine, {"token": token}, "read", {"type": "doc"}, None, NOW)
    assert via_verify == via_check
    assert via_check["decision"]["rules"] == ["deep"]
    with pytest.raises(AuthError) as err:
        engine.verify(sign_raw(signer, '"x":{' + deep_member("1") + "}"), now=NOW)
    assert err.value.reason == "malformed"


def test_the_claims_of_a_verified_principal_keep_their_types(signer: Signer) -> None:
    engine = Engine({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks": {"keys": [signer.jwk]}}})
    p = engine.verify(sign_raw(signer, '"big":9007199254740993,"u":18446744073709551615,"huge":18446744073709551616,'
                                       '"z":-0,"f":1e16,"tiny":5e-324'), now=NOW)
    claims = p.claims
    assert claims["big"] == 9007199254740993 and isinstance(claims["big"], int)
    assert claims["u"] == 2**64 - 1 and isinstance(claims["u"], int)
    assert claims["huge"] == float(2**64) and isinstance(claims["huge"], float)
    assert isinstance(claims["z"], float) and str(claims["z"]) == "-0.0"
    assert isinstance(claims["f"], float) and claims["f"] == 1e16
    assert claims["tiny"] == 5e-324


# Principal(roles=...) ------------------------------------------------------------------

@pytest.mark.parametrize("roles", ["admin", b"admin", bytearray(b"admin"), memoryview(b"admin")])
def test_a_string_or_bytes_for_roles_is_a_type_error_naming_roles(roles: Any) -> None:
    with pytest.raises(TypeError, match=r"^roles must be an iterable of str \(a list or a tuple\), not "):
        Principal("u1", roles)


def test_roles_that_are_not_iterable_are_a_type_error_naming_roles() -> None:
    with pytest.raises(TypeError, match=r"^roles must be an iterable of str \(a list or a tuple\), not int$"):
        Principal("u1", 7)  # type: ignore[arg-type]


def test_roles_take_any_iterable_of_str() -> None:
    for roles in (["a", "b"], ("a", "b"), iter(["a", "b"]), (r for r in "a b".split())):
        assert Principal("u1", roles).roles == ("a", "b")
    assert Principal("u1", None).roles == ()
    with pytest.raises(TypeError, match=r"^roles\[1\] must be a str, not bytes$"):
        Principal("u1", ["a", b"b"])  # type: ignore[list-item]


# Principal as a read-only mapping --------------------------------------------------------

def test_a_principal_is_a_read_only_mapping_of_its_dict(signer: Signer) -> None:
    from collections.abc import Mapping

    engine = Engine({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks": {"keys": [signer.jwk]}}})
    p = engine.verify(sign_raw(signer, '"big":9007199254740993,"u":18446744073709551615,'
                                       '"n":-9223372036854775808,"huge":18446744073709551616'), now=NOW)
    expected = p.to_dict()
    assert isinstance(p, Mapping) and len(p) == 4 and bool(p)
    assert list(p) == list(p.keys()) == ["id", "roles", "tenant", "claims"]
    assert dict(p) == {**p} == dict(p.items()) == expected
    assert list(p.values()) == list(expected.values())
    assert p["id"] == p.get("id") == "user_1" and p["roles"] == ["user"] and p["tenant"] is None
    claims = p["claims"]
    assert (claims["big"], claims["u"], claims["n"]) == (9007199254740993, 2**64 - 1, -(2**63))
    assert isinstance(claims["huge"], float)  # beyond 64 bits the core holds a double
    assert "claims" in p and "sub" not in p and 1 not in p
    assert p.get("sub") is None and p.get("sub", 0) == 0 and p.get(1, "x") == "x"
    for key in ("sub", 1, None):
        with pytest.raises(KeyError):
            p[key]  # type: ignore[index]
    # Values are copies: changing them changes nothing in the principal.
    p["claims"]["big"] = 0
    p["roles"].append("admin")
    assert p.to_dict() == expected and not p.has_role("admin")
    with pytest.raises(TypeError):
        p["id"] = "other"  # type: ignore[index]
    assert Principal(**p) == p


def test_the_conformance_runner_refuses_one_str_for_its_list_of_paths(tmp_path: Path) -> None:
    from wardgate import conformance

    with pytest.raises(TypeError, match=r"^paths must be a list of file paths, not str$"):
        conformance.run_files("vectors.json")
    with pytest.raises(TypeError, match=r"^argv must be a list of arguments, not str$"):
        conformance.main("vectors.json")
