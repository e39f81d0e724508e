"""The Python API of the engine: loading, verifying, deciding, errors and types."""

from __future__ import annotations

import asyncio
import datetime
import json
import pickle

import pytest

import wardgate
from wardgate import (
    AuthError,
    ConfigError,
    Decision,
    Engine,
    InsufficientPermissions,
    Principal,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
)

from conftest import NOW, Signer, claims, sign_hs256


# Loading -------------------------------------------------------------------------------

def test_loads_from_dict_json_text_and_file(policy, tmp_path, signer, token):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    for engine in (Engine(policy), Engine(json.dumps(policy)), Engine.from_file(path), Engine.from_file(str(path))):
        assert engine.verify(token).id == "user_1"


def test_config_errors_name_the_field(policy):
    with pytest.raises(ConfigError) as err:
        Engine({**policy, "token": {**policy["token"], "audiance": "x"}})
    assert err.value.path == "token.audiance"
    assert err.value.problem == "unknown field (did you mean `audience`?)"
    assert str(err.value) == "token.audiance: unknown field (did you mean `audience`?)"
    assert isinstance(err.value, ValueError)


def test_a_rule_that_does_not_parse_names_rule_and_column(policy):
    bad = {**policy, "rules": [{"id": "r", "effect": "permit", "resource": "*", "actions": "*", "when": "principal.id =="}]}
    with pytest.raises(ConfigError) as err:
        Engine(bad)
    assert err.value.path.startswith("rules[0].when")
    assert "column" in str(err.value)


def test_bad_json_text_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not valid JSON"):
        Engine("{")
    with pytest.raises(ConfigError, match="cannot read"):
        Engine.from_file(tmp_path / "absent.json")


def test_a_policy_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="policy must be a dict or a JSON str, not list"):
        Engine([])  # type: ignore[arg-type]


def test_policy_values_must_be_json(policy):
    with pytest.raises(TypeError, match=r"policy\.token\.algorithms\[0\]: set is not JSON"):
        Engine({**policy, "token": {"algorithms": [{"EdDSA"}]}})
    with pytest.raises(ValueError, match=r"policy\.token\.leeway: not a finite number"):
        Engine({**policy, "token": {**policy["token"], "leeway": float("nan")}})


def test_warnings_are_path_message_pairs(policy):
    unguarded = {**policy, "rules": [{"id": "b", "effect": "forbid", "resource": "*", "actions": "*",
                                      "when": "principal.claims.banned == true"}]}
    warnings = Engine(unguarded).warnings()
    assert warnings and warnings[0][0] == "rules[0].when"


# Verifying -----------------------------------------------------------------------------

def test_verify_maps_the_principal(engine, signer):
    token = signer.sign(claims(role="user, editor", email="a@example.com"))
    p = engine.verify(token, now=NOW)
    assert (p.id, p.roles, p.tenant) == ("user_1", ("user", "editor"), None)
    assert p.claims["email"] == "a@example.com"
    assert p.has_role("editor") and not p.has_role("admin")
    assert p.to_dict()["roles"] == ["user", "editor"]


def test_each_code_has_its_exception_class(engine, signer):
    cases = [
        ("", TokenMissing, "TOKEN_MISSING", "missing"),
        (signer.sign(claims(exp=NOW - 1)), TokenExpired, "TOKEN_EXPIRED", "expired"),
        (signer.sign(claims(aud="https://other.example.com")), TokenInvalid, "TOKEN_INVALID", "audience_mismatch"),
        (Signer("k1").sign(claims()), TokenInvalid, "TOKEN_INVALID", "bad_signature"),
        ("abc.def", TokenInvalid, "TOKEN_INVALID", "malformed"),
    ]
    for token, cls, code, reason in cases:
        with pytest.raises(cls) as err:
            engine.verify(token, now=NOW)
        e = err.value
        assert isinstance(e, AuthError)
        assert (e.code, e.status, e.reason) == (code, 401, reason)
        assert e.to_dict() == {"detail": e.detail, "code": code, "status": 401, "reason": reason}
        assert str(e) == f"{code} ({reason}): {e.detail}"


def test_messages_never_contain_the_token(engine, signer):
    for token in [signer.sign(claims(exp=NOW - 1)), Signer().sign(claims()), signer.sign(claims(iss="evil"))]:
        with pytest.raises(AuthError) as err:
            engine.verify(token, now=NOW)
        for part in token.split("."):
            assert part not in str(err.value) and part not in repr(err.value)


def test_verify_authorization_reads_bearer_values(engine, token):
    assert engine.verify_authorization(f"Bearer {token}", now=NOW).id == "user_1"
    assert engine.verify_authorization(f"bearer   {token}", now=NOW).id == "user_1"
    for header in [None, "", "Bearer", f"Basic {token}", token]:
        with pytest.raises(TokenMissing):
            engine.verify_authorization(header, now=NOW)


def test_now_takes_numbers_aware_datetimes_or_the_clock(engine, signer):
    token = signer.sign(claims())
    assert engine.verify(token, now=NOW).id == "user_1"
    assert engine.verify(token, now=NOW + 0.5).id == "user_1"
    aware = datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc)
    assert engine.verify(token, now=aware).id == "user_1"
    with pytest.raises(TokenExpired):
        engine.verify(token)  # the real clock is long past NOW + 3600
    with pytest.raises(TypeError, match="timezone-aware"):
        engine.verify(token, now=datetime.datetime(2025, 11, 24))
    with pytest.raises(TypeError, match="not bool"):
        engine.verify(token, now=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not str"):
        engine.verify(token, now="1764000000")  # type: ignore[arg-type]


def test_bad_argument_types_are_type_errors(engine, token):
    with pytest.raises(TypeError, match="token must be a str, not bytes"):
        engine.verify(token.encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="header must be a str, not int"):
        engine.verify_authorization(1)  # type: ignore[arg-type]


def test_hmac_policies_work_too():
    engine = Engine({"token": {"algorithms": ["HS256"]}, "keys": {"secret": "a-test-secret-that-is-long-enough-for-hs256"}})
    assert engine.verify(sign_hs256({"sub": "u9", "exp": NOW + 10}), now=NOW).id == "u9"
    with pytest.raises(TokenInvalid) as err:
        engine.verify(sign_hs256({"sub": "u9", "exp": NOW + 10}, secret="another-secret-that-is-long-enough-xxxx"), now=NOW)
    assert err.value.reason == "bad_signature"


# Deciding ------------------------------------------------------------------------------

def test_authorize_decides_by_the_rules(engine, signer):
    p = engine.verify(signer.sign(claims()), now=NOW)
    mine = engine.authorize(p, "update", {"type": "todo", "owner_id": "user_1"})
    assert (mine.allowed, mine.status, mine.code, mine.reason, mine.rules) == (True, 200, None, None, ("own",))
    theirs = engine.authorize(p, "update", {"type": "todo", "owner_id": "user_2"})
    assert (theirs.allowed, theirs.status, theirs.code, theirs.reason) == (False, 403, "INSUFFICIENT_PERMISSIONS", "denied")
    with pytest.raises(InsufficientPermissions) as err:
        theirs.raise_if_denied()
    assert err.value.to_dict() == {"detail": "no permit rule applies to this request",
                                   "code": "INSUFFICIENT_PERMISSIONS", "status": 403, "reason": "denied"}
    assert mine.raise_if_denied() is None


def test_forbid_wins_and_is_named(engine, signer):
    p = engine.verify(signer.sign(claims(banned=True)), now=NOW)
    d = engine.authorize(p, "read", {"type": "todo", "owner_id": "user_1"})
    assert (d.allowed, d.reason, d.rules) == (False, "forbidden", ("banned",))
    assert d.to_dict() == {"allowed": False, "code": "INSUFFICIENT_PERMISSIONS", "status": 403,
                           "reason": "forbidden", "rules": ["banned"], "errors": [],
                           "detail": "a forbid rule applies to this request"}


def test_evaluation_errors_are_reported(engine):
    p = Principal("user_1")
    d = engine.authorize(p, "read", {"type": "todo"})  # no owner_id: the permit cannot apply
    assert not d.allowed
    assert d.errors == ({"rule": "own", "message": d.errors[0]["message"]},)
    assert "owner_id" in d.errors[0]["message"]


def test_context_is_visible_to_rules(policy):
    engine = Engine({**policy, "rules": [{"id": "office", "effect": "permit", "resource": "*", "actions": "*",
                                          "when": "context.ip == '10.0.0.1'"}]})
    p = Principal("u1")
    assert engine.authorize(p, "read", {"type": "doc"}, {"ip": "10.0.0.1"}).allowed
    assert not engine.authorize(p, "read", {"type": "doc"}, {"ip": "10.0.0.2"}).allowed
    assert not engine.authorize(p, "read", {"type": "doc"}).allowed


def test_authorize_arguments_are_checked(engine):
    p = Principal("u1")
    with pytest.raises(TypeError, match="principal must be a wardgate.Principal, not dict"):
        engine.authorize({"id": "u1"}, "read", {"type": "todo"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="resource must be a dict, not str"):
        engine.authorize(p, "read", "todo")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"resource\.tags\[1\]: object is not JSON"):
        engine.authorize(p, "read", {"type": "todo", "tags": ["a", object()]})
    with pytest.raises(TypeError, match="resource: keys must be str, not int"):
        engine.authorize(p, "read", {"type": "todo", 1: "x"})
    with pytest.raises(ValueError, match="resource.n: integer does not fit in 64 bits"):
        engine.authorize(p, "read", {"type": "todo", "n": 2**70})
    deep: dict = {"type": "todo"}
    deep["self"] = deep
    with pytest.raises(ValueError, match="nested more than"):
        engine.authorize(p, "read", deep)
    with pytest.raises(TypeError, match="action must be a str"):
        engine.authorize(p, None, {"type": "todo"})  # type: ignore[arg-type]


def test_check_takes_a_token_or_a_header(engine, signer):
    token = signer.sign(claims())
    resource = {"type": "todo", "owner_id": "user_1"}
    assert engine.check(token, "read", resource, now=NOW).allowed
    assert engine.check(f"Bearer {token}", "read", resource, now=NOW).allowed
    assert not engine.check(token, "read", {"type": "todo", "owner_id": "x"}, now=NOW).allowed
    with pytest.raises(TokenMissing):
        engine.check(f"Basic {token}", "read", resource, now=NOW)
    with pytest.raises(TokenExpired):
        engine.check(token, "read", resource, now=NOW + 7200)


def test_coroutines(engine, signer):
    token = signer.sign(claims())

    async def main():
        p = await engine.averify(token, now=NOW)
        d = await asyncio.create_task(engine.acheck(token, "read", {"type": "todo", "owner_id": p.id}, now=NOW))
        with pytest.raises(TokenExpired):
            await engine.averify(token, now=NOW + 7200)
        return p, d

    p, d = asyncio.run(main())
    assert p.id == "user_1" and d.allowed


# Types ---------------------------------------------------------------------------------

def test_principal_and_decision_are_immutable(engine, signer):
    p = engine.verify(signer.sign(claims()), now=NOW)
    with pytest.raises(AttributeError):
        p.id = "admin"  # type: ignore[misc]
    p.claims["sub"] = "someone-else"
    assert p.claims["sub"] == "user_1"
    d = engine.authorize(p, "read", {"type": "todo", "owner_id": "user_1"})
    with pytest.raises(AttributeError):
        d.allowed = False  # type: ignore[misc]


def test_reprs_help_without_leaking_claims(engine, signer):
    p = engine.verify(signer.sign(claims(email="secret@example.com")), now=NOW)
    assert repr(p) == "Principal(id='user_1', roles=('user',), tenant=None)"
    d = engine.authorize(p, "read", {"type": "todo", "owner_id": "user_1"})
    assert repr(d) == "Decision(allowed=True, reason=None, rules=('own',))"
    assert repr(engine) == "Engine(...)"


def test_principals_built_by_hand(engine):
    p = Principal("u1", roles=["admin"], tenant="org_1", claims={"plan": "pro"})
    assert (p.id, p.roles, p.tenant, p.claims) == ("u1", ("admin",), "org_1", {"plan": "pro"})
    assert p == Principal("u1", ["admin"], "org_1", {"plan": "pro"})
    with pytest.raises(TypeError, match=r"roles\[0\] must be a str"):
        Principal("u1", roles=[1])  # type: ignore[list-item]


def test_errors_pickle_and_form_one_hierarchy():
    e = TokenExpired("the token has expired", "TOKEN_EXPIRED", 401, "expired")
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is TokenExpired and again.to_dict() == e.to_dict()
    for cls in (TokenMissing, TokenExpired, TokenInvalid, InsufficientPermissions):
        assert issubclass(cls, AuthError)
    assert wardgate.__version__ == "0.1.0"
    assert isinstance(Decision, type)


def test_the_verified_token_cache_answers_repeats_and_reports_its_counters(policy, token, engine):
    assert engine.cache_status() is None
    cached = Engine({**policy, "cache": {"max_entries": 100}})
    first = cached.verify(token, now=NOW)
    second = cached.verify(token, now=NOW)
    assert first.to_dict() == second.to_dict()
    # A hit re-checks expiry with the caller's clock.
    with pytest.raises(TokenExpired):
        cached.verify(token, now=NOW + 10**9)
    assert cached.cache_status() == {"max_entries": 100, "entries": 1, "hits": 2, "misses": 1}


def test_revoked_sessions_tokens_and_subjects_are_refused_on_every_call(policy, signer, engine):
    assert engine.revocation_status() is None and engine.revocation_set() is None
    revocation = {"inline": {"sid": ["s-gone"], "jti": ["j-gone"], "subjects": {"banned": NOW - 60}}}
    no_iat = claims(sub="banned")
    del no_iat["iat"]
    refused = [
        signer.sign(claims(sid="s-gone")),
        signer.sign(claims(jti="j-gone")),
        signer.sign(claims(sub="banned", iat=NOW - 60)),
        signer.sign(no_iat),
    ]
    for cache in (None, {"max_entries": 10}):
        revoking = Engine({**policy, "revocation": revocation, **({"cache": cache} if cache else {})})
        for _ in range(3):
            for token in refused:
                with pytest.raises(TokenInvalid) as err:
                    revoking.verify(token, now=NOW)
                assert err.value.to_dict() == {"detail": "the token has been revoked", "code": "TOKEN_INVALID",
                                               "status": 401, "reason": "revoked"}
                assert err.value.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                with pytest.raises(TokenInvalid, match="revoked"):
                    revoking.check(token, "read", {"type": "todo"}, now=NOW)
                with pytest.raises(TokenInvalid, match="revoked"):
                    asyncio.run(revoking.averify(token, now=NOW))
            assert revoking.verify(signer.sign(claims(sub="banned", iat=NOW - 59)), now=NOW).id == "banned"
            assert revoking.verify(signer.sign(claims(sid="s-live", jti="j-live")), now=NOW).id == "user_1"
        # Revocation comes after the claim checks: an expired, revoked token is expired.
        with pytest.raises(TokenExpired):
            revoking.verify(signer.sign(claims(sid="s-gone", exp=NOW)), now=NOW)
        assert revoking.revocation_status() == {"source": "inline", "url": None, "state": "ready", "entries": 3,
                                                "sids": 1, "jtis": 1, "subjects": 1, "last_sync": None,
                                                "age": None, "last_error": None}
        assert revoking.revocation_set() == {"sid": ["s-gone"], "jti": ["j-gone"], "subjects": {"banned": NOW - 60}}
        if cache:
            assert revoking.cache_status()["entries"] == 2


def test_revocation_section_errors_name_the_field(policy):
    # A URL's password is never repeated (the Redis source itself: test_revocation_redis.py).
    for revocation, path, problem in [
        ({"redis_url": "http://:pw-secret@127.0.0.1:6379/0"}, "revocation.redis_url", "must be a redis://"),
        ({"redis_url": "redis://:pw-secret@/0"}, "revocation.redis_url", "is not a URL the Redis client accepts"),
        ({"redis_url": "redis://:pw-secret@127.0.0.1:6379/0", "stale_for": 1.5}, "revocation.stale_for",
         "not a fraction"),
        ({"url": "http://revoked.example/set?key=pw-secret"}, "revocation.url", "must use https"),
    ]:
        with pytest.raises(ConfigError) as err:
            Engine({**policy, "revocation": revocation})
        assert err.value.path == path and problem in err.value.problem
        assert "pw-secret" not in str(err.value) + repr(err.value)
    with pytest.raises(ConfigError) as err:
        Engine({**policy, "revocation": {"inline": {"subjects": {"u1": 1.5}}}})
    assert err.value.path == "revocation.inline.subjects.u1"
    with pytest.raises(ConfigError, match=r"did you mean `inline`"):
        Engine({**policy, "revocation": {"inlined": {}}})


def test_errors_carry_the_headers_of_their_http_answer_from_the_engine():
    import wardgate

    cases = {
        wardgate.TokenMissing: ("TOKEN_MISSING", 401, {"WWW-Authenticate": "Bearer"}),
        wardgate.TokenExpired: ("TOKEN_EXPIRED", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}),
        wardgate.TokenInvalid: ("TOKEN_INVALID", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}),
        wardgate.InsufficientPermissions: ("INSUFFICIENT_PERMISSIONS", 403, {}),
        wardgate.KeysUnavailable: ("KEYS_UNAVAILABLE", 503, {"Retry-After": "5"}),
        wardgate.RevocationUnavailable: ("REVOCATION_UNAVAILABLE", 503, {"Retry-After": "5"}),
    }
    for cls, (code, status, headers) in cases.items():
        assert cls("why", code, status, "r").headers == headers
    with pytest.raises(wardgate.TokenMissing) as err:
        Engine(POLICY_FOR_HEADERS).verify("")
    assert err.value.headers == {"WWW-Authenticate": "Bearer"}


POLICY_FOR_HEADERS = {
    "token": {"algorithms": ["EdDSA"]},
    "keys": {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
}
