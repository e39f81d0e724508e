//! Hardening: when something fails, nothing a user of the crate can see holds the token,
//! a key or a secret (FORMAT.md: the `detail` "never contains the token, a key or a
//! secret").
//!
//! The failures come from data: every conformance vector (the project's, and the shared
//! ones beside the repository when present) goes through every public form of loading,
//! verifying and checking, once as written and once with its token's signature altered.
//! Each configuration error, refused token and denied decision is turned into every text
//! it can give (`Display`, `Debug`, JSON, outcome text), along with the `Debug` of the
//! engine, its key status and its key events, and each text is searched for the vector's
//! "needles": the token and its parts, the `Authorization` value, and every string under
//! the policy's `keys`. Remote key sets that serve private keys, garbage, errors or
//! oversized bodies are covered by the tests at the end.

mod http_stub;
mod needles;
mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use needles::{
    altered, assert_no_leaks, credential_needles, key_needles, prefix, project_vector_files, push, shared_vector_files,
    vectors, Needles,
};
use serde_json::{json, Value};
use wardgate::{AuthError, ConfigError, Decision, Engine, KeyNeed, KeyResponse, Principal, Request};

// ---------------------------------------------------------------------------------------
// The audit: every text a failure gives, searched for the needles.

/// What was looked at, and what was found.
#[derive(Default)]
struct Audit {
    /// Configuration errors looked at.
    config_errors: usize,
    /// Refused credentials looked at (`AuthError`s and `{"error": …}` outcomes).
    refusals: usize,
    /// Denied decisions looked at.
    denials: usize,
    /// Texts searched, of failures and of engines.
    texts: usize,
    /// The vectors that failed somewhere.
    failing_vectors: BTreeSet<String>,
    /// The key events looked at (they are logged by hosts).
    events: Vec<String>,
    /// One line per needle found: the vector, the place, the needle's kind and prefix.
    leaks: Vec<String>,
}

impl Audit {
    fn failures(&self) -> usize {
        self.config_errors + self.refusals + self.denials
    }

    /// Searches `text`, seen at `place`, for the needles of `case`.
    fn look(&mut self, case: &Case, place: &str, text: &str) {
        self.texts += 1;
        for needle in &case.needles {
            if text.contains(&needle.text) {
                self.leaks.push(format!(
                    "{}: {place} holds {} (starting {:?})",
                    case.id,
                    needle.what,
                    prefix(&needle.text)
                ));
            }
        }
    }

    fn config_error(&mut self, case: &Case, place: &str, e: &ConfigError) {
        self.config_errors += 1;
        self.failing_vectors.insert(case.vector.clone());
        self.look(case, &format!("{place}: Display"), &e.to_string());
        self.look(case, &format!("{place}: Debug"), &format!("{e:?}"));
        self.look(case, &format!("{place}: JSON"), &json_text(e));
        self.look(case, &format!("{place}: message"), e.problem());
    }

    fn refusal(&mut self, case: &Case, place: &str, e: &AuthError) {
        self.refusals += 1;
        self.failing_vectors.insert(case.vector.clone());
        self.look(case, &format!("{place}: Display"), &e.to_string());
        self.look(case, &format!("{place}: Debug"), &format!("{e:?}"));
        self.look(case, &format!("{place}: JSON"), &json_text(e));
        self.look(case, &format!("{place}: detail"), e.detail());
        let any: wardgate::Error = e.clone().into();
        self.look(case, &format!("{place}: Error Display"), &any.to_string());
    }

    fn decision(&mut self, case: &Case, place: &str, d: &Decision) {
        if d.allowed {
            return;
        }
        self.denials += 1;
        self.failing_vectors.insert(case.vector.clone());
        self.look(case, &format!("{place}: decision Debug"), &format!("{d:?}"));
        self.look(case, &format!("{place}: decision JSON"), &json_text(d));
        if let Some(e) = d.error() {
            self.look(case, &format!("{place}: decision error Display"), &e.to_string());
            self.look(case, &format!("{place}: decision error Debug"), &format!("{e:?}"));
        }
    }

    /// A verification: only a refusal is a failure.
    fn verified(&mut self, case: &Case, place: &str, result: Result<Principal, AuthError>) {
        if let Err(e) = result {
            self.refusal(case, place, &e);
        }
    }

    /// A check: a refusal or a denial.
    fn checked(&mut self, case: &Case, place: &str, result: Result<Decision, AuthError>) {
        match result {
            Ok(d) => self.decision(case, place, &d),
            Err(e) => self.refusal(case, place, &e),
        }
    }

    /// An outcome's JSON text: `{"error": …}` and denying `{"decision": …}` are failures.
    fn outcome(&mut self, case: &Case, place: &str, text: Option<String>) {
        let Some(text) = text else { return };
        let value: Value = serde_json::from_str(&text).expect("an outcome is JSON");
        if value.get("error").is_some() {
            self.refusals += 1;
        } else if value["decision"]["allowed"] == false {
            self.denials += 1;
        } else {
            return;
        }
        self.failing_vectors.insert(case.vector.clone());
        self.look(case, &format!("{place}: outcome text"), &text);
    }

    /// What the engine itself shows: its `Debug`, key status, warnings, key events.
    fn engine(&mut self, case: &Case, engine: &Engine) {
        self.look(case, "Engine Debug", &format!("{engine:?}"));
        self.look(case, "Engine Debug (pretty)", &format!("{engine:#?}"));
        let status = engine.key_status();
        self.look(case, "key_status Debug", &format!("{status:?}"));
        self.look(case, "key_status JSON", &json_text(&status));
        self.look(case, "warnings", &format!("{:?}", engine.warnings()));
        self.look(case, "cache_status", &format!("{:?}", engine.cache_status()));
        for event in engine.key_events() {
            self.look(case, "key event Debug", &format!("{event:?}"));
            self.look(case, "key event JSON", &json_text(&event));
            self.events.push(event.message);
        }
    }

    fn assert_clean(&self) {
        assert_no_leaks(&self.leaks);
    }
}

fn json_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("serialises")
}

// ---------------------------------------------------------------------------------------
// Cases: a vector's credential, as written and with its signature altered.

/// The credential a case presents.
#[derive(Clone)]
enum Credential {
    Token(String),
    Authorization(String),
    Nothing,
}

/// One run of a vector: its policy, clock, request and credential, and the needles.
struct Case {
    /// `file:id` of the vector.
    vector: String,
    /// The vector, and which variant of its credential this is.
    id: String,
    /// Whether this is the vector as written (the other variant only alters the token).
    as_written: bool,
    policy: Value,
    now: f64,
    request: Option<Value>,
    credential: Credential,
    needles: Needles,
}

/// The URLs of a `revocation` section, which may hold a password (`redis_url`) or a key in
/// their query (`url`): neither may show in any message. A `url` without its query is shown
/// on purpose (`revocation_status().url`), as `keys.jwks_url` is; with a query, the whole
/// URL is a needle too.
fn revocation_needles(section: &Value, out: &mut Needles) {
    for member in ["redis_url", "url"] {
        if let Some(url) = section[member].as_str() {
            if member == "redis_url" || url.contains(['?', '@']) {
                push(out, &format!("revocation.{member}"), url);
            }
            if let Some((_, query)) = url.split_once('?') {
                push(out, &format!("the query of revocation.{member}"), query);
            }
            if let Some((userinfo, _)) = url.split_once("://").and_then(|(_, rest)| rest.split_once('@')) {
                push(out, &format!("the user info of revocation.{member}"), userinfo);
            }
        }
    }
}

/// The cases of one vector.
fn cases(file: &str, vector: &Value) -> Vec<Case> {
    let id = vector["id"].as_str().unwrap_or("?");
    let policy = vector["policy"].clone();
    let mut key_set = BTreeSet::new();
    key_needles(&policy["keys"], "keys", &mut key_set);
    revocation_needles(&policy["revocation"], &mut key_set);
    let credential = match (&vector["token"], &vector["authorization"]) {
        (Value::String(t), _) => Credential::Token(t.clone()),
        (_, Value::String(h)) => Credential::Authorization(h.clone()),
        _ => Credential::Nothing,
    };
    let mut variants = vec![("", credential.clone())];
    let text = match &credential {
        Credential::Token(t) => Some(t.clone()),
        Credential::Authorization(h) => h.split_whitespace().last().map(str::to_owned),
        Credential::Nothing => None,
    };
    if let Some(tampered) = text.as_deref().and_then(altered) {
        variants.push((" (signature altered)", Credential::Token(tampered)));
    }
    variants
        .into_iter()
        .map(|(variant, credential)| {
            let mut needles = key_set.clone();
            match &credential {
                Credential::Token(t) => credential_needles("the token", t, &mut needles),
                Credential::Authorization(h) => credential_needles("the Authorization value", h, &mut needles),
                Credential::Nothing => {}
            }
            Case {
                vector: format!("{file}:{id}"),
                id: format!("{file}:{id}{variant}"),
                as_written: variant.is_empty(),
                policy: policy.clone(),
                now: vector["now"].as_f64().unwrap_or(1_764_000_000.0),
                request: vector.get("request").cloned(),
                credential,
                needles,
            }
        })
        .collect()
}

/// The vector's request, or one that no vector's rules permit (so that every verified
/// token also gives a denied decision).
fn request_of(case: &Case) -> Request {
    match &case.request {
        Some(r) => Request::new(r["action"].as_str().unwrap_or(""), r.get("resource").cloned().unwrap_or(json!({})))
            .with_context(r.get("context").cloned().unwrap_or(Value::Null)),
        None => Request::new("leak-check", json!({"type": "leak-check", "owner_id": "nobody"})),
    }
}

/// Loads the case's policy every way there is, then runs its credential through every
/// form of verification and check.
fn run(audit: &mut Audit, case: &Case) {
    if case.as_written {
        let text = case.policy.to_string();
        if let Err(problems) = Engine::validate(&case.policy) {
            for e in &problems {
                audit.config_error(case, "Engine::validate", e);
            }
        }
        if let Err(e) = Engine::from_json(&text) {
            audit.config_error(case, "Engine::from_json", &e);
        }
        // The policy text cut short: not JSON, with the keys inside the text.
        if let Err(e) = Engine::from_json(&text[..text.len() - 1]) {
            audit.config_error(case, "Engine::from_json (cut short)", &e);
        }
    }
    let engine = match Engine::from_value(&case.policy) {
        Ok(engine) => engine,
        Err(e) if case.as_written => return audit.config_error(case, "Engine::from_value", &e),
        Err(_) => return,
    };
    let request = request_of(case);
    let now = case.now;
    let (token, header) = match &case.credential {
        Credential::Token(t) => (Some(t.as_str()), format!("Bearer {t}")),
        Credential::Authorization(h) => (None, h.clone()),
        Credential::Nothing => (Some(""), String::new()),
    };
    if let Some(t) = token {
        audit.verified(case, "verify", engine.verify(t, now));
        audit.verified(
            case,
            "verify_cached",
            engine.verify(t, wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached)),
        );
        if let Some(result) =
            support::ready(engine.verify(t, wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady)))
        {
            audit.verified(case, "verify_if_ready", result);
        }
        audit.checked(case, "check", engine.check(t, &request, now));
        audit.checked(
            case,
            "check_cached",
            engine.check(t, &request, wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached)),
        );
        if let Some(result) =
            support::ready(engine.check(t, &request, wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady)))
        {
            audit.checked(case, "check_if_ready", result);
        }
        audit.outcome(
            case,
            "verify_outcome",
            Some(wardgate::ffi::settled(wardgate::ffi::verify(
                &engine,
                wardgate::Credential::Token(t),
                wardgate::Options::at(now),
            ))),
        );
        audit.outcome(
            case,
            "verify_cached_outcome",
            Some(wardgate::ffi::settled(wardgate::ffi::verify(
                &engine,
                wardgate::Credential::Token(t),
                wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached),
            ))),
        );
        audit.outcome(
            case,
            "verify_outcome_if_ready",
            wardgate::ffi::verify(
                &engine,
                wardgate::Credential::Token(t),
                wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady),
            ),
        );
        let _ = engine.verify(t, wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady));
    }
    audit.verified(case, "verify_authorization", engine.verify(wardgate::Credential::Authorization(&header), now));
    audit.checked(
        case,
        "check_authorization",
        engine.check(wardgate::Credential::Authorization(&header), &request, now),
    );
    audit.outcome(
        case,
        "verify_authorization_cached_outcome",
        Some(wardgate::ffi::settled(wardgate::ffi::verify(
            &engine,
            wardgate::Credential::Authorization(&header),
            wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached),
        ))),
    );
    // The outcome forms of check take a token or a whole Authorization value.
    let credential = token.unwrap_or(&header);
    audit.outcome(
        case,
        "check_outcome",
        Some(wardgate::ffi::settled(wardgate::ffi::check(
            &engine,
            wardgate::Credential::either(credential),
            &request,
            wardgate::Options::at(now),
        ))),
    );
    audit.outcome(
        case,
        "check_cached_outcome",
        Some(wardgate::ffi::settled(wardgate::ffi::check(
            &engine,
            wardgate::Credential::either(credential),
            &request,
            wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached),
        ))),
    );
    audit.outcome(
        case,
        "check_outcome_if_ready",
        wardgate::ffi::check(
            &engine,
            wardgate::Credential::either(credential),
            &request,
            wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady),
        ),
    );
    let verified = match token {
        Some(t) => engine.verify(t, now),
        None => engine.verify(wardgate::Credential::Authorization(&header), now),
    };
    if let Ok(principal) = verified {
        audit.decision(case, "authorize", &engine.authorize(&principal, &request));
    }
    audit.engine(case, &engine);
}

/// Runs every vector of `files` and returns the audit.
fn audit_files(files: &[PathBuf]) -> Audit {
    let mut audit = Audit::default();
    for (name, vector) in vectors(files) {
        for case in cases(&name, &vector) {
            run(&mut audit, &case);
        }
    }
    audit
}

#[test]
fn the_projects_vectors_leak_nothing() {
    let audit = audit_files(&project_vector_files());
    audit.assert_clean();
    // Not vacuous: every kind of failure was looked at, many times.
    assert!(audit.config_errors >= 500, "{} configuration errors", audit.config_errors);
    assert!(audit.refusals >= 5_000, "{} refusals", audit.refusals);
    assert!(audit.denials >= 200, "{} denials", audit.denials);
    assert!(audit.failing_vectors.len() >= 700, "{} failing vectors", audit.failing_vectors.len());
    eprintln!(
        "leaks: {} failures ({} configuration errors, {} refusals, {} denials) of {} vectors, {} texts searched",
        audit.failures(),
        audit.config_errors,
        audit.refusals,
        audit.denials,
        audit.failing_vectors.len(),
        audit.texts
    );
}

#[test]
fn the_shared_vectors_leak_nothing() {
    let Some(files) = shared_vector_files() else { return };
    let audit = audit_files(&files);
    audit.assert_clean();
    assert!(audit.failures() >= 100, "only {} failures", audit.failures());
}

/// The needles are found where they are: a check of the check.
#[test]
fn the_audit_finds_a_needle() {
    let vector = json!({"id": "v", "now": 0, "token": "aaaaaaaaaa.bbbbbbbbbb.cccccccccc",
                        "policy": {"keys": {"secret": "s3cr3t-s3cr3t", "jwk": {"kid": "a-public-name", "d": "dddddddddd"}}}});
    let case = cases("f", &vector).remove(0);
    let mut audit = Audit::default();
    audit.look(&case, "here", "no secret at all, a-public-name");
    assert!(audit.leaks.is_empty());
    for (text, what) in
        [("x bbbbbbbbbb x", "the token (part 2)"), ("s3cr3t-s3cr3t", "keys.secret"), ("dddddddddd", "keys.jwk.d")]
    {
        audit.look(&case, "here", text);
        let leak = audit.leaks.pop().unwrap_or_default();
        assert!(leak.starts_with("f:v: here holds ") && leak.contains(what), "{leak}");
    }
}

// ---------------------------------------------------------------------------------------
// Keys that vectors do not cover: the Debug of engines, remote key sets.

/// Ways a key's bytes could show: the text, and the Debug, hex and base64url of its bytes.
fn byte_needles(what: &str, bytes: &[u8], out: &mut Needles) {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let list = format!("{bytes:?}");
    push(out, &format!("{what} (bytes)"), &list[1..list.len() - 1]);
    push(out, &format!("{what} (hex)"), &hex);
    push(out, &format!("{what} (base64url)"), &URL_SAFE_NO_PAD.encode(bytes));
    if let Ok(text) = std::str::from_utf8(bytes) {
        push(out, what, text);
    }
}

fn case_of(id: &str, needles: Needles) -> Case {
    Case {
        vector: id.to_owned(),
        id: id.to_owned(),
        as_written: true,
        policy: Value::Null,
        now: support::NOW as f64,
        request: None,
        credential: Credential::Nothing,
        needles,
    }
}

#[test]
fn the_debug_of_an_engine_shows_no_key() {
    const SECRET: &str = "an-hs256-secret-that-must-stay-inside-0123456789";
    let signer = support::Signer::ed25519();
    let jwk = signer.jwk("k1").unwrap();
    let mut needles = BTreeSet::new();
    byte_needles("keys.secret", SECRET.as_bytes(), &mut needles);
    byte_needles("the Ed25519 public key", signer.public_key(), &mut needles);
    let case = case_of("Debug of engines", needles);
    let mut audit = Audit::default();
    for (algorithms, keys) in [
        (json!(["HS256"]), json!({"secret": SECRET})),
        (json!(["HS256"]), json!({"secret": SECRET, "refresh": {}})), // a configuration error
        (json!(["EdDSA"]), json!({"jwk": jwk})),
        (json!(["EdDSA"]), json!({"jwks": {"keys": [jwk]}})),
    ] {
        let policy = json!({"token": {"algorithms": algorithms}, "keys": keys, "cache": {"max_entries": 4}});
        match Engine::from_value(&policy) {
            Ok(engine) => {
                // A verified token in the cache, and a refused one.
                let hs = support::Signer::hs256(SECRET).sign("k1", &support::claims("u1"));
                let ed = signer.sign("k1", &support::claims("u1"));
                let _ = (engine.verify(&hs, support::NOW), engine.verify(&ed, support::NOW));
                audit.engine(&case, &engine);
            }
            Err(e) => audit.config_error(&case, "Engine::from_value", &e),
        }
    }
    audit.assert_clean();
    assert_eq!(audit.config_errors, 1);
}

/// A credential in the JWKS URL's query.
const URL_TOKEN: &str = "url-query-credential-7f3e9a";
/// Something secret-looking in a body that is not a key set.
const BODY_SECRET: &str = "cookie-secret-from-a-misconfigured-server-4c1d";

/// Key material that looks real: the base64url SHA-256 of `label`.
fn material(label: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, label.as_bytes()))
}

/// Key set responses that must be refused or trimmed: what each is, its status, its body.
fn bad_responses(good: &Value) -> Vec<(&'static str, u16, String)> {
    let mut private_ed = good.clone();
    private_ed["d"] = json!(material("d"));
    let private_rsa = json!({"kty": "RSA", "kid": "rsa", "n": material("n").repeat(8), "e": "AQAB",
        "d": material("rsa d"), "p": material("p"), "q": material("q"),
        "dp": material("dp"), "dq": material("dq"), "qi": material("qi")});
    let short_x = URL_SAFE_NO_PAD.encode(BODY_SECRET);
    let padding = BODY_SECRET.repeat(1024 * 1024 / BODY_SECRET.len() + 1);
    let body = |v: Value| v.to_string();
    vec![
        ("a private Ed25519 key (d)", 200, body(json!({"keys": [private_ed]}))),
        ("a private RSA key", 200, body(json!({"keys": [good, private_rsa]}))),
        ("a symmetric key (k)", 200, body(json!({"keys": [good, {"kty": "oct", "kid": "hs", "k": BODY_SECRET}]}))),
        ("garbage", 200, format!("<html><body>{BODY_SECRET}</body></html>")),
        ("JSON without keys", 200, body(json!({"error": BODY_SECRET}))),
        ("keys that are not a list", 200, body(json!({"keys": BODY_SECRET}))),
        (
            "a key that is not base64url",
            200,
            body(json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": BODY_SECRET}]})),
        ),
        ("a key of the wrong length", 200, body(json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": short_x}]}))),
        ("a 500", 500, body(json!({"error": BODY_SECRET}))),
        ("a redirect", 302, BODY_SECRET.to_owned()),
        ("an oversized body", 200, body(json!({"keys": [good], "padding": padding}))),
        // One good key and bad ones beside it: the set is served, the others skipped and logged.
        (
            "a good key among bad ones",
            200,
            body(json!({"keys": [good,
            {"kty": "OKP", "crv": "Ed25519", "x": short_x, "kid": "short"},
            {"kty": "EC", "crv": "P-256", "x": BODY_SECRET, "y": BODY_SECRET, "kid": "ec"},
            {"kty": "OKP", "crv": "Ed25519", "x": good["x"], "use": "enc", "note": BODY_SECRET}]})),
        ),
    ]
}

/// Every way of refusing a key set shows in the events looked at: not vacuous.
fn assert_every_refusal_seen(audit: &Audit) {
    for why in [
        "private or symmetric key material",
        "is not JSON",
        "is not a JWK Set",
        "no usable key",
        "HTTP 500",
        "HTTP 302 (redirects are not followed)",
        "larger than",
        "skipped a key",
        "serving the 1 cached key(s)",
        "no keys are cached",
    ] {
        assert!(audit.events.iter().any(|e| e.contains(why)), "no key event says {why:?}");
    }
}

/// The needles of a served body: its key material when it is JSON, and the secrets planted
/// in it either way, also as the bytes, hex and base64url a `Debug` of the body could show.
fn served_needles(body: &str, out: &mut Needles) {
    if let Ok(doc) = serde_json::from_str::<Value>(body) {
        // The served set's public keys are not secret, but nothing shows them either.
        key_needles(&doc, "served", out);
        out.retain(|n| !n.what.starts_with("served.padding"));
    }
    byte_needles("a secret in the served body", BODY_SECRET.as_bytes(), out);
    byte_needles("the served d", material("d").as_bytes(), out);
}

/// A remote key set's policy: every verification may refetch (`max_age` and `cooldown` 0).
fn remote_policy(url: &str) -> Value {
    json!({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks_url": url, "refresh": {"max_age": 0, "cooldown": 0}}})
}

/// Looks at everything a remote engine shows after a fetch: the verification of a good
/// token and of one with its signature altered, the key status, events, the engine.
fn after_fetch(audit: &mut Audit, case: &Case, engine: &Engine, tokens: &[String]) {
    for token in tokens {
        audit.verified(
            case,
            "verify_cached",
            engine.verify(token, wardgate::Options::at(support::NOW).keys(wardgate::KeyAccess::Cached)),
        );
        audit.outcome(
            case,
            "verify_cached_outcome",
            Some(wardgate::ffi::settled(wardgate::ffi::verify(
                engine,
                wardgate::Credential::Token(token),
                wardgate::Options::at(support::NOW).keys(wardgate::KeyAccess::Cached),
            ))),
        );
    }
    audit.engine(case, engine);
}

/// The host's side of a fetch, as the WebAssembly build does it: `key_need`, then the
/// response handed to `key_response`.
#[test]
fn misbehaving_key_set_responses_leak_nothing() {
    let signer = support::Signer::ed25519();
    let good = signer.jwk("k1").unwrap();
    let token = signer.sign("k1", &support::claims("u1"));
    let tokens = [token.clone(), altered(&token).unwrap()];
    let url = format!("http://127.0.0.1:9/jwks?access_token={URL_TOKEN}");
    let ok_body = json!({"keys": [good]}).to_string();
    // The host's side: the need and its ticket, the response; their Debug is looked at too.
    let respond = |audit: &mut Audit, case: &Case, engine: &Engine, response: KeyResponse| {
        let need = engine.key_need(&token);
        audit.look(case, "KeyNeed Debug", &format!("{need:?}"));
        let KeyNeed::Fetch(ticket) = need else { panic!("a fetch is due") };
        audit.look(case, "KeyFetch Debug", &format!("{ticket:?}"));
        audit.look(case, "KeyResponse Debug", &format!("{response:?}"));
        engine.key_response(&ticket, response);
    };
    let http = |status: u16, body: &str| KeyResponse::Http {
        status,
        cache_control: Some("max-age=0".into()),
        content_encoding: None,
        body: body.as_bytes().to_vec(),
    };
    let mut audit = Audit::default();
    let mut responses = bad_responses(&good);
    responses.push(("no response", 0, String::new()));
    for (what, status, body) in responses {
        let mut needles = BTreeSet::new();
        key_needles(&remote_policy(&url)["keys"], "keys", &mut needles);
        credential_needles("the token", &tokens[1], &mut needles);
        served_needles(&body, &mut needles);
        let case = case_of(&format!("remote: {what}"), needles);
        // Nothing cached before, then good keys cached before: both ways of failing.
        for cached in [false, true] {
            let engine = Engine::from_value(&remote_policy(&url)).unwrap();
            if cached {
                respond(&mut audit, &case, &engine, http(200, &ok_body));
            }
            let response =
                if status == 0 { KeyResponse::Failed("connection refused".into()) } else { http(status, &body) };
            respond(&mut audit, &case, &engine, response);
            after_fetch(&mut audit, &case, &engine, &tokens);
        }
    }
    audit.assert_clean();
    assert_every_refusal_seen(&audit);
    assert!(audit.refusals >= 40, "{} refusals", audit.refusals);
}

/// The same responses from a real endpoint on 127.0.0.1, fetched by the core itself.
#[cfg(feature = "http")]
#[test]
fn misbehaving_key_set_endpoints_leak_nothing() {
    use http_stub::{read_request_head, write_json_response};
    use std::sync::{Arc, Mutex};

    let signer = support::Signer::ed25519();
    let good = signer.jwk("k1").unwrap();
    let token = signer.sign("k1", &support::claims("u1"));
    let tokens = [token.clone(), altered(&token).unwrap()];

    // The endpoint: answers every request with the current status and body.
    let answer = Arc::new(Mutex::new((200u16, String::new())));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks?access_token={URL_TOKEN}", listener.local_addr().unwrap());
    let serving = Arc::clone(&answer);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            // Answered even when the head is cut short.
            let _ = read_request_head(&mut stream);
            let (status, body) = serving.lock().unwrap().clone();
            write_json_response(&mut stream, &format!("{status} X"), "location: /elsewhere\r\n", &body);
        }
    });

    let mut audit = Audit::default();
    for (what, status, body) in bad_responses(&good) {
        let mut needles = BTreeSet::new();
        key_needles(&remote_policy(&url)["keys"], "keys", &mut needles);
        credential_needles("the token", &tokens[1], &mut needles);
        served_needles(&body, &mut needles);
        let case = case_of(&format!("remote endpoint: {what}"), needles);
        for cached in [false, true] {
            let engine = Engine::from_value(&remote_policy(&url)).unwrap();
            if cached {
                *answer.lock().unwrap() = (200, json!({"keys": [good]}).to_string());
                assert!(engine.verify(&token, support::NOW).is_ok());
            }
            *answer.lock().unwrap() = (status, body.clone());
            for t in &tokens {
                audit.verified(&case, "verify", engine.verify(t, support::NOW));
            }
            // A host that fetches for itself, with the crate's client.
            if let KeyNeed::Fetch(ticket) = engine.key_need(&token) {
                let response = wardgate::fetch_keys(&ticket);
                audit.look(&case, "KeyFetch Debug", &format!("{ticket:?}"));
                audit.look(&case, "KeyResponse Debug (fetch_keys)", &format!("{response:?}"));
                engine.key_response(&ticket, response);
            }
            after_fetch(&mut audit, &case, &engine, &tokens);
        }
    }
    audit.assert_clean();
    assert_every_refusal_seen(&audit);
    assert!(audit.refusals >= 40, "{} refusals", audit.refusals);
}
