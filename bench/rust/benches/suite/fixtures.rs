//! The fixtures file `bench/fixtures.py` writes: tokens, keys and policies shared by every
//! harness; and the one signing the harness does itself (HS256, for the memory extra and
//! the claim checks).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde_json::Value;
use std::path::Path;

/// One algorithm's token, key and policy.
pub struct Case {
    pub alg: String,
    pub token: String,
    /// The public JWK (for HS256, the `oct` JWK of the secret).
    pub jwk: Value,
    /// The HMAC secret, for HS256.
    pub secret: Option<String>,
    pub policy: Value,
}

/// The verified-token cache case.
pub struct CacheCase {
    pub token: String,
    pub policy: Value,
}

/// One authorization request and the decision every side must reach.
pub struct AuthzRequest {
    pub name: String,
    pub action: String,
    /// `{"type", "id", "owner_id"}`.
    pub resource: Value,
    pub allowed: bool,
}

/// The authorization case: the token giving the principal, the policy with the four rules.
pub struct AuthorizeCase {
    pub token: String,
    pub policy: Value,
    pub requests: Vec<AuthzRequest>,
}

/// One principal the list filter is planned for, and the kind of filter it must get.
pub struct FilterPrincipal {
    pub name: String,
    pub token: String,
    /// `always`, `never` or `conditional`.
    pub kind: String,
}

/// The list endpoint's table: row `i` is (`todo_<i>`, `user_<i % owners>`, `Todo <i>`,
/// `i % 3 == 0`) as (id, owner_id, title, done).
pub struct ListCase {
    /// The name of the principal the endpoint lists for (one of [`FilterCase::principals`]).
    pub principal: String,
    pub rows: usize,
    /// The rows under `--quick`.
    pub quick_rows: usize,
    pub owners: usize,
}

/// The list-filter case: the example policy, the request planned, the principals, the
/// columns and the list endpoint.
pub struct FilterCase {
    pub policy: Value,
    pub action: String,
    pub resource_type: String,
    pub principals: Vec<FilterPrincipal>,
    /// `{"attr": "text", ...}`, as `Columns::from_value` reads it.
    pub columns: Value,
    pub list: ListCase,
}

/// The memory extras' inputs.
pub struct MemoryCase {
    pub engines: usize,
    pub engine_policy: Value,
    pub cached_tokens: usize,
    pub cache_policy: Value,
    pub claims: Value,
    pub secret: String,
}

/// The revocation case: one token with `sid` and `jti` claims, and the EdDSA policy without
/// and with a Redis source (`revocation.redis_url`), each without and with a cache.
pub struct RevocationCase {
    pub alg: String,
    pub token: String,
    /// The same claims with a revoked `sid`: the Redis engines must refuse it.
    pub revoked_token: String,
    pub policy: Value,
    pub redis_policy: Value,
    pub cache_policy: Value,
    pub redis_cache_policy: Value,
    /// How many entries the Redis server holds: what a Redis engine's mirror must report.
    pub entries: usize,
}

pub struct Fixtures {
    pub issuer: String,
    pub audience: String,
    pub cases: Vec<Case>,
    pub cache: CacheCase,
    pub authorize: AuthorizeCase,
    pub filter: FilterCase,
    pub memory: MemoryCase,
    pub revocation: RevocationCase,
}

impl Fixtures {
    /// Reads and checks the fixtures file; any missing member is fatal.
    pub fn load(path: &Path) -> Fixtures {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read the fixtures {}: {e} (run bench/fixtures.py)", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let cases = array(&doc, "cases")
            .iter()
            .map(|c| Case {
                alg: string(c, "alg"),
                token: string(c, "token"),
                jwk: member(c, "jwk").clone(),
                secret: c.get("secret").and_then(Value::as_str).map(str::to_owned),
                policy: member(c, "policy").clone(),
            })
            .collect();
        let cache = member(&doc, "cache");
        let authorize = member(&doc, "authorize");
        let filter = member(&doc, "filter");
        let list = member(filter, "list");
        let memory = member(&doc, "memory");
        let revocation = member(&doc, "revocation");
        Fixtures {
            issuer: string(&doc, "issuer"),
            audience: string(&doc, "audience"),
            cases,
            cache: CacheCase { token: string(cache, "token"), policy: member(cache, "policy").clone() },
            authorize: AuthorizeCase {
                token: string(authorize, "token"),
                policy: member(authorize, "policy").clone(),
                requests: array(authorize, "requests")
                    .iter()
                    .map(|r| AuthzRequest {
                        name: string(r, "name"),
                        action: string(r, "action"),
                        resource: member(r, "resource").clone(),
                        allowed: member(r, "allowed").as_bool().expect("authorize.requests[].allowed is a boolean"),
                    })
                    .collect(),
            },
            filter: FilterCase {
                policy: member(filter, "policy").clone(),
                action: string(filter, "action"),
                resource_type: string(filter, "resource_type"),
                principals: array(filter, "principals")
                    .iter()
                    .map(|p| FilterPrincipal {
                        name: string(p, "name"),
                        token: string(p, "token"),
                        kind: string(p, "kind"),
                    })
                    .collect(),
                columns: member(filter, "columns").clone(),
                list: ListCase {
                    principal: string(list, "principal"),
                    rows: count(list, "rows"),
                    quick_rows: count(list, "quick_rows"),
                    owners: count(list, "owners"),
                },
            },
            memory: MemoryCase {
                engines: count(memory, "engines"),
                engine_policy: member(memory, "engine_policy").clone(),
                cached_tokens: count(memory, "cached_tokens"),
                cache_policy: member(memory, "cache_policy").clone(),
                claims: member(memory, "claims").clone(),
                secret: string(memory, "secret"),
            },
            revocation: RevocationCase {
                alg: string(revocation, "alg"),
                token: string(revocation, "token"),
                revoked_token: string(revocation, "revoked_token"),
                policy: member(revocation, "policy").clone(),
                redis_policy: member(revocation, "redis_policy").clone(),
                cache_policy: member(revocation, "cache_policy").clone(),
                redis_cache_policy: member(revocation, "redis_cache_policy").clone(),
                entries: count(member(revocation, "entries"), "total"),
            },
        }
    }

    /// The case of `alg`.
    pub fn case(&self, alg: &str) -> &Case {
        self.cases.iter().find(|c| c.alg == alg).unwrap_or_else(|| panic!("the fixtures have no {alg} case"))
    }
}

fn member<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or_else(|| panic!("the fixtures lack `{key}`"))
}

fn string(v: &Value, key: &str) -> String {
    member(v, key).as_str().unwrap_or_else(|| panic!("fixtures: `{key}` is not a string")).to_owned()
}

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    member(v, key).as_array().unwrap_or_else(|| panic!("fixtures: `{key}` is not an array"))
}

fn count(v: &Value, key: &str) -> usize {
    member(v, key).as_u64().unwrap_or_else(|| panic!("fixtures: `{key}` is not a count")) as usize
}

/// The three base64url segments of a compact JWS.
pub fn segments(token: &str) -> [&str; 3] {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => [h, p, s],
        _ => panic!("not a compact JWS: {token}"),
    }
}

/// `token` with its payload changed (`"role": "admin"`) and the signature kept.
pub fn tampered_payload(token: &str) -> String {
    let [header, payload, signature] = segments(token);
    let mut claims: Value = serde_json::from_slice(&B64.decode(payload).expect("base64url payload")).unwrap();
    claims["role"] = Value::from("admin");
    format!("{header}.{}.{signature}", B64.encode(serde_json::to_vec(&claims).unwrap()))
}

/// `token` with one byte of its signature flipped.
pub fn tampered_signature(token: &str) -> String {
    let [header, payload, signature] = segments(token);
    let mut sig = B64.decode(signature).expect("base64url signature");
    sig[0] ^= 0x01;
    format!("{header}.{payload}.{}", B64.encode(sig))
}

/// An HS256 JWT of `claims` under `secret`'s bytes, header `{"alg":"HS256","typ":"JWT"}`.
pub fn sign_hs256(key: &ring::hmac::Key, claims: &Value) -> String {
    let mut token = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    token.push('.');
    token.push_str(&B64.encode(serde_json::to_vec(claims).expect("claims serialize")));
    let tag = ring::hmac::sign(key, token.as_bytes());
    token.push('.');
    token.push_str(&B64.encode(tag.as_ref()));
    token
}

/// The HMAC-SHA256 key of `secret`'s bytes.
pub fn hmac_key(secret: &str) -> ring::hmac::Key {
    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes())
}
