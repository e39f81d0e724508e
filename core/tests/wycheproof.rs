//! Project Wycheproof vectors (`../shared/wycheproof/`, see its README) through the core's
//! signature verification.
//!
//! How each file is run:
//! - Raw signature and MAC files (Ed25519, ECDSA P1363 and DER, RSASSA-PKCS1-v1_5,
//!   RSASSA-PSS, HMAC): no message is a JWS signing input (`BASE64URL(header) "."
//!   BASE64URL(payload)`), so each signature is checked over the message's bytes with
//!   [`wardgate::verify_signature`], which reads the group's key as the policy reads
//!   `keys.jwk` and calls the verifier `Engine::verify` calls. A message that is a signing
//!   input would be run as a compact JWS instead, like the JOSE files below (counted as
//!   "as compact JWS"). HMAC keys are given as `oct` JWKs, which `verify_signature` holds to
//!   the rules of `keys.secret` (the vectors' keys are binary, and `keys.secret` is text).
//!   RSASSA-PSS groups whose parameters are not PS256/PS384/PS512 (hash, MGF1 with the same
//!   hash, salt as long as the hash) would be skipped with that reason; there are none.
//! - `json_web_signature_test.json` and `json_web_key_test.json`: each compact JWS goes
//!   through `Engine::verify` with a policy holding the group's key (the public part in
//!   `keys.jwk`, a set of several keys in `keys.jwks`, a lone `oct` key in `keys.secret`, with
//!   a stand-in secret when its bytes are not UTF-8). No payload of these files is a claims
//!   set, so the engine refuses every token as given (`malformed`); the engine then checks
//!   the token's own header and signature parts with an empty claims set as payload (a probe
//!   that must fail at the signature and nowhere earlier), the payload part must be
//!   base64url, and the signature over the token's own signing input is checked with
//!   `verify_signature` and the key the engine would select.
//!
//! Expected results: every `valid` vector verifies and every `invalid` one does not, except
//! the `valid` vectors a JWS verifier refuses by rule, counted apart ("valid, refused by
//! rule"):
//! - ECDSA in DER (`ecdsa_secp256r1_sha256_test.json`, 174 valid): a JWS signature is the
//!   fixed-size `r || s` (RFC 7518 section 3.4), so every one fails;
//! - HMAC with a truncated tag (`tagSize` below the hash output, 30 valid per file): a JWS
//!   MAC is the whole HMAC output (RFC 7518 section 3.2), so they fail;
//! - HMAC keys shorter than the hash output (6 valid per file) and RSA keys under 2048 bits
//!   (none in this selection): the key is refused ("refused key"), never counted as verified;
//! - the JOSE cases of [`JOSE_REFUSED`], each with the rule that refuses it; where the rule
//!   is the key's `alg` member, the signature is shown to verify with that member set aside.
//!
//! Two `invalid` vectors of `json_web_signature_test.json` (tcId 367 and 370, "invalid
//! base64 padding") are the very JWS and key of the `valid` tcId 357; they contradict it and
//! are skipped with that reason. [`JOSE_REFUSED_KEYS`] lists the `invalid` vectors whose key
//! must be refused for a named reason (one: an RSA key with the ROCA fingerprint).
//!
//! `acceptable` vectors are run and their outcome printed and counted by flag. In this
//! selection there are six, one per RSASSA-PKCS1-v1_5 file (tcId 8, flag `MissingNull`, a
//! DigestInfo without the NULL parameters): all six are rejected (`bad_signature`), which
//! RFC 8017 section 8.2.2 allows.
//!
//! Under `CI=true` a missing vector folder fails the tests; otherwise they are skipped
//! with a message. Run with `-- --nocapture` to see the per-file counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use wardgate::{verify_signature, Algorithm, Engine, Error, Reason};

const NOW: i64 = 1_764_000_000;

/// The Wycheproof-`valid` JOSE vectors that the project refuses, each with the rule that
/// refuses it: (file, tcId, expected outcome, whether the signature verifies on its own
/// with the key's `alg` member set aside).
const JOSE_REFUSED: &[(&str, u64, Expect, bool)] = &[
    (
        "json_web_signature_test.json",
        346,
        Expect::Reject(
            Some(Reason::AlgorithmNotAllowed),
            "RFC 7520 figure 20: the JWK's alg PS256 restricts the key, the token is PS384",
        ),
        true,
    ),
    (
        "json_web_signature_test.json",
        350,
        Expect::Reject(
            Some(Reason::AlgorithmNotAllowed),
            "RFC 7520 figure 20: the JWK's alg PS256 restricts the key, the token is PS384",
        ),
        true,
    ),
    (
        "json_web_signature_test.json",
        347,
        Expect::RefuseKey("RFC 7520 figure 27: the JWK's alg \"ES521\" is not a JWS algorithm (P-521 is ES512)"),
        true,
    ),
    (
        "json_web_signature_test.json",
        351,
        Expect::RefuseKey("RFC 7520 figure 27: the JWK's alg \"ES521\" is not a JWS algorithm (P-521 is ES512)"),
        true,
    ),
    (
        "json_web_signature_test.json",
        372,
        Expect::Reject(Some(Reason::Malformed), "a '?' in the header part: compact JWS parts are strict base64url"),
        false,
    ),
    (
        "json_web_signature_test.json",
        373,
        Expect::Reject(Some(Reason::Malformed), "a '?' in the payload part: compact JWS parts are strict base64url"),
        false,
    ),
    (
        "json_web_key_test.json",
        2,
        Expect::RefuseKey("a JWK Set of two oct keys: shared secrets go in keys.secret, never in a JWK Set"),
        true,
    ),
];

/// Wycheproof-`invalid` JOSE vectors whose key must be refused for a given reason: the
/// refusal must contain the words given.
const JOSE_REFUSED_KEYS: &[(&str, u64, &str)] = &[("json_web_key_test.json", 7, "ROCA weakness (CVE-2017-15361)")];

// ---------------------------------------------------------------------------------------
// The vector folder.

fn folder() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wycheproof");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is missing (required under CI)", dir.display());
    }
    eprintln!("wycheproof: {} is missing; skipped", dir.display());
    None
}

/// The folder's files whose names start with `prefix` and end with `_test.json`, sorted.
fn files(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix) && name.ends_with("_test.json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {prefix}*_test.json in {}", dir.display());
    names
}

fn load(dir: &Path, name: &str) -> Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

fn str_of<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap_or_else(|| panic!("{name} is not a string"))
}

fn groups(doc: &Value) -> &[Value] {
    doc["testGroups"].as_array().expect("testGroups")
}

fn tests(group: &Value) -> &[Value] {
    group["tests"].as_array().expect("tests")
}

// ---------------------------------------------------------------------------------------
// Outcomes, expectations and counts.

/// What the project does with a vector.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// The signature verifies (and, for a JWS, every check before it passes).
    Verified,
    /// The key loader refuses the key.
    RefusedKey(String),
    /// Refused for this reason.
    Rejected(Reason),
}

impl Verdict {
    fn of(result: Result<(), Error>) -> Verdict {
        match result {
            Ok(()) => Verdict::Verified,
            Err(Error::Config(e)) => Verdict::RefusedKey(e.to_string()),
            Err(Error::Auth(e)) => Verdict::Rejected(e.reason()),
            Err(e) => Verdict::RefusedKey(e.to_string()),
        }
    }

    fn label(&self) -> String {
        match self {
            Verdict::Verified => "verified".into(),
            Verdict::RefusedKey(_) => "refused key".into(),
            Verdict::Rejected(reason) => format!("rejected ({})", reason.as_str()),
        }
    }
}

/// What a vector must come to.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Verify,
    /// Not verified; with a reason, exactly that rejection. The text says why a
    /// Wycheproof-`valid` vector is refused.
    Reject(Option<Reason>, &'static str),
    /// The key must be refused.
    RefuseKey(&'static str),
    /// Wycheproof's `acceptable`: recorded.
    Record,
}

/// The expectation for a test from its `result`, with `valid` mapped to `valid`.
fn expect(test: &Value, valid: Expect) -> Expect {
    match str_of(test, "result") {
        "valid" => valid,
        "invalid" => Expect::Reject(None, ""),
        "acceptable" => Expect::Record,
        other => panic!("tcId {}: unknown result {other:?}", test["tcId"]),
    }
}

#[derive(Default)]
struct Tally {
    file: String,
    results: BTreeMap<String, usize>,
    passed: usize,
    outcomes: BTreeMap<String, usize>,
    refused_by_rule: BTreeMap<&'static str, usize>,
    refused_keys: BTreeMap<String, usize>,
    acceptable: Vec<String>,
    acceptable_by_flag: BTreeMap<String, BTreeMap<String, usize>>,
    skipped: BTreeMap<String, usize>,
    notes: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn new(file: &str) -> Tally {
        Tally { file: file.to_owned(), ..Tally::default() }
    }

    fn note(&mut self, note: impl Into<String>) {
        *self.notes.entry(note.into()).or_default() += 1;
    }

    fn skip(&mut self, test: &Value, reason: impl Into<String>) {
        *self.results.entry(str_of(test, "result").to_owned()).or_default() += 1;
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    fn record(&mut self, test: &Value, expect: Expect, got: Verdict) {
        let result = str_of(test, "result");
        *self.results.entry(result.to_owned()).or_default() += 1;
        *self.outcomes.entry(got.label()).or_default() += 1;
        if let Verdict::RefusedKey(why) = &got {
            *self.refused_keys.entry(why.clone()).or_default() += 1;
        }
        let tc = &test["tcId"];
        let flags: Vec<&str> =
            test["flags"].as_array().map_or(vec![], |f| f.iter().filter_map(Value::as_str).collect());
        let about = format!("tcId {tc} {flags:?} {:?}", str_of(test, "comment"));
        let ok = match (expect, &got) {
            (Expect::Verify, got) => *got == Verdict::Verified,
            (Expect::Reject(reason, why), got) => {
                let ok = match (reason, got) {
                    (_, Verdict::Verified) => false,
                    (Some(r), Verdict::Rejected(g)) => r == *g,
                    (Some(_), Verdict::RefusedKey(_)) => false,
                    (None, _) => true,
                };
                if ok && result == "valid" {
                    *self.refused_by_rule.entry(why).or_default() += 1;
                }
                ok
            }
            (Expect::RefuseKey(why), got) => {
                let ok = matches!(got, Verdict::RefusedKey(_));
                if ok && result == "valid" {
                    *self.refused_by_rule.entry(why).or_default() += 1;
                }
                ok
            }
            (Expect::Record, got) => {
                self.acceptable.push(format!("{about}: {}", got.label()));
                for flag in &flags {
                    *self.acceptable_by_flag.entry((*flag).to_owned()).or_default().entry(got.label()).or_default() +=
                        1;
                }
                true
            }
        };
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(format!("{} {about} ({result}): expected {expect:?}, got {got:?}", self.file));
        }
    }

    fn total(&self) -> usize {
        self.results.values().sum()
    }

    /// Prints the counts; returns the failures.
    fn finish(self) -> Vec<String> {
        let count = |name: &str| self.results.get(name).copied().unwrap_or(0);
        let skipped: usize = self.skipped.values().sum();
        let mut out = format!(
            "wycheproof {}: {} tests (valid {}, invalid {}, acceptable {}); passed {}, failed {}, skipped {}\n",
            self.file,
            self.total(),
            count("valid"),
            count("invalid"),
            count("acceptable"),
            self.passed,
            self.failures.len(),
            skipped,
        );
        let line = |out: &mut String, title: &str, map: &BTreeMap<String, usize>| {
            if !map.is_empty() {
                let items: Vec<String> = map.iter().map(|(k, n)| format!("{k}: {n}")).collect();
                out.push_str(&format!("  {title}: {}\n", items.join("; ")));
            }
        };
        line(&mut out, "outcomes", &self.outcomes);
        let by_rule: BTreeMap<String, usize> =
            self.refused_by_rule.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        line(&mut out, "valid, refused by rule", &by_rule);
        line(&mut out, "refused keys", &self.refused_keys);
        line(&mut out, "skipped", &self.skipped);
        line(&mut out, "notes", &self.notes);
        for (flag, outcomes) in &self.acceptable_by_flag {
            line(&mut out, &format!("acceptable [{flag}]"), outcomes);
        }
        for a in &self.acceptable {
            out.push_str(&format!("  acceptable {a}\n"));
        }
        for f in &self.failures {
            out.push_str(&format!("  FAIL {f}\n"));
        }
        eprint!("{out}");
        self.failures
    }
}

fn assert_none_failed(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} vectors failed:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Keys.

/// JWK members of private keys.
const PRIVATE: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// The public part of an asymmetric JWK (an `oct` JWK is kept whole).
fn public_part(jwk: &Value) -> Value {
    let mut jwk = jwk.clone();
    if let Some(members) = jwk.as_object_mut() {
        for m in PRIVATE {
            members.remove(m);
        }
    }
    jwk
}

/// The algorithms a policy lists for a key of this type.
fn family_algorithms(jwk: &Value) -> Vec<&'static str> {
    match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("RSA"), _) => vec!["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
        (Some("EC"), Some("P-256")) => vec!["ES256"],
        (Some("EC"), Some("P-384")) => vec!["ES384"],
        (Some("EC"), Some("P-521")) => vec!["ES512"],
        (Some("EC"), _) => vec!["ES256", "ES384", "ES512"],
        (Some("OKP"), _) => vec!["EdDSA"],
        (Some("oct"), _) => vec!["HS256", "HS384", "HS512"],
        _ => vec![],
    }
}

/// A P-256/P-384/P-521 JWK from Wycheproof's `publicKey` (`wx`, `wy` in hex).
fn ec_jwk(public_key: &Value, crv: &str, len: usize) -> Value {
    let coordinate = |name: &str| {
        let bytes = hex(str_of(public_key, name));
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let bytes = &bytes[first..];
        assert!(bytes.len() <= len, "{name} is longer than {len} bytes");
        let mut padded = vec![0u8; len - bytes.len()];
        padded.extend_from_slice(bytes);
        B64.encode(padded)
    };
    json!({"kty": "EC", "crv": crv, "x": coordinate("wx"), "y": coordinate("wy")})
}

/// The secret the engine is given when an `oct` key's bytes are not UTF-8 (its
/// `keys.secret` is text): the engine then runs its header checks only, and the real key
/// checks the signature through `verify_signature`.
const STAND_IN_SECRET: &str = "a stand-in secret of sixty-four bytes, for the engine's header checks";

/// A key for compact JWS: the policy's `keys` section and algorithms for the engine, and
/// the JWKs `verify_signature` checks the signature with.
struct JoseKey {
    keys: Value,
    algorithms: Vec<&'static str>,
    jwks: Vec<Value>,
    /// A JWK Set: a token's `kid` selects the keys.
    by_kid: bool,
    stand_in: bool,
}

impl JoseKey {
    /// One key, as a verifier is configured with it: the public part in `keys.jwk`, or an
    /// `oct` key's bytes in `keys.secret` for the algorithm its `alg` names.
    fn single(jwk: &Value) -> JoseKey {
        let jwk = public_part(jwk);
        if jwk["kty"] != "oct" {
            let algorithms = family_algorithms(&jwk);
            return JoseKey { keys: json!({"jwk": jwk}), algorithms, jwks: vec![jwk], by_kid: false, stand_in: false };
        }
        let secret = jwk["k"].as_str().and_then(|k| B64.decode(k).ok()).and_then(|k| String::from_utf8(k).ok());
        let stand_in = secret.is_none();
        let algorithms = match jwk["alg"].as_str().filter(|a| a.starts_with("HS")) {
            Some(alg) => vec![Algorithm::from_name(alg).map_or("HS256", Algorithm::as_str)],
            None => family_algorithms(&jwk),
        };
        let secret = secret.unwrap_or_else(|| STAND_IN_SECRET.to_owned());
        JoseKey { keys: json!({"secret": secret}), algorithms, jwks: vec![jwk], by_kid: false, stand_in }
    }

    /// A JWK Set: one `oct` key alone is a shared secret; anything else is `keys.jwks`.
    fn set(keys: &[Value]) -> JoseKey {
        if let [one] = keys {
            if one["kty"] == "oct" {
                return JoseKey::single(one);
            }
        }
        let keys: Vec<Value> = keys.iter().map(public_part).collect();
        let mut algorithms: Vec<&'static str> = keys.iter().flat_map(family_algorithms).collect();
        algorithms.sort_unstable();
        algorithms.dedup();
        JoseKey { keys: json!({"jwks": {"keys": keys}}), algorithms, jwks: keys, by_kid: true, stand_in: false }
    }

    /// The JWKs the engine would select for a token's `kid`.
    fn candidates<'a>(&'a self, kid: Option<&'a str>) -> impl Iterator<Item = &'a Value> + 'a {
        self.jwks.iter().filter(move |jwk| match (kid, jwk["kid"].as_str()) {
            (Some(wanted), Some(own)) => wanted == own,
            (Some(_), None) => !self.by_kid,
            (None, _) => true,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Compact JWS.

/// Whether a failure comes after the signature was checked (and so the signature verified).
fn after_signature(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::Expired
            | Reason::MissingClaim
            | Reason::InvalidClaim
            | Reason::NotYetValid
            | Reason::TooOld
            | Reason::IssuerMismatch
            | Reason::AudienceMismatch
    )
}

/// A compact JWS's signing input, `alg`, `kid` and signature, for a token whose header
/// and signature parts the engine has accepted.
struct Parts<'t> {
    signing_input: &'t str,
    alg: Algorithm,
    kid: Option<String>,
    signature: Vec<u8>,
}

fn parts(jws: &str) -> Option<Parts<'_>> {
    let (signing_input, signature) = jws.rsplit_once('.')?;
    let (header, _) = signing_input.split_once('.')?;
    let header: Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    Some(Parts {
        signing_input,
        alg: Algorithm::from_name(header["alg"].as_str()?)?,
        kid: header["kid"].as_str().map(str::to_owned),
        signature: B64.decode(signature).ok()?,
    })
}

/// What the project does with a compact JWS: the engine's checks, then the signature.
/// The second value is the engine's answer to the token as given.
fn check_compact(key: &JoseKey, jws: &str) -> (Verdict, String) {
    let policy = json!({"token": {"algorithms": key.algorithms, "required_claims": []}, "keys": key.keys});
    let engine = match Engine::from_value(&policy) {
        Ok(engine) => engine,
        Err(e) => return (Verdict::RefusedKey(e.to_string()), "policy refused".into()),
    };
    let whole = match engine.verify(jws, NOW) {
        Ok(_) => return (Verdict::Verified, "verified".into()),
        Err(e) if after_signature(e.reason()) => {
            return (Verdict::Verified, format!("signature verified, then {}", e.reason().as_str()))
        }
        Err(e) => e.reason(),
    };
    let whole_label = format!("rejected ({})", whole.as_str());
    // The same header and signature parts with an empty claims set as payload: the engine's
    // structure, header and key checks, which must fail only at the signature.
    let pieces: Vec<&str> = jws.split('.').collect();
    let [header, payload, signature] = pieces[..] else {
        return (Verdict::Rejected(whole), whole_label);
    };
    match engine.verify(&format!("{header}.e30.{signature}"), NOW) {
        Ok(_) => {}
        Err(e) if e.reason() == Reason::BadSignature || after_signature(e.reason()) => {}
        Err(e) => return (Verdict::Rejected(e.reason()), whole_label),
    }
    if B64.decode(payload).is_err() {
        return (Verdict::Rejected(Reason::Malformed), whole_label);
    }
    let parts = parts(jws).expect("the engine accepted the header and signature parts");
    let mut verdict = Verdict::Rejected(Reason::UnknownKey);
    for jwk in key.candidates(parts.kid.as_deref()) {
        verdict = Verdict::of(verify_signature(jwk, parts.alg, parts.signing_input.as_bytes(), &parts.signature));
        if verdict == Verdict::Verified {
            break;
        }
    }
    (verdict, whole_label)
}

/// Whether the JWS's signature verifies with a key the engine would select once the key's
/// `alg` member is set aside: a refusal by rule is then not a signature failure.
fn verifies_without_alg_member(key: &JoseKey, jws: &str) -> bool {
    let Some(parts) = parts(jws) else { return false };
    let verifies = key.candidates(parts.kid.as_deref()).any(|jwk| {
        let mut jwk = jwk.clone();
        if let Some(members) = jwk.as_object_mut() {
            members.remove("alg");
        }
        verify_signature(&jwk, parts.alg, parts.signing_input.as_bytes(), &parts.signature).is_ok()
    });
    verifies
}

/// A JWE in compact serialization (five parts, or a header with `enc`).
fn is_jwe(jws: &str) -> bool {
    let header = jws.split('.').next().and_then(|h| B64.decode(h).ok());
    let header: Option<Value> = header.and_then(|h| serde_json::from_slice(&h).ok());
    jws.split('.').count() == 5 || header.is_some_and(|h| h.get("enc").is_some())
}

/// A message that is a JWS signing input (`BASE64URL(header) "." BASE64URL(payload)` with
/// a JSON object as header), as text.
fn signing_input(message: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(message).ok()?;
    let (header, payload) = text.split_once('.')?;
    B64.decode(payload).ok()?;
    let header: Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    header.is_object().then_some(text)
}

// ---------------------------------------------------------------------------------------
// Raw signature and MAC files.

/// How a group of a raw file is run.
enum Plan {
    Run {
        jwk: Value,
        alg: Algorithm,
        /// What its `valid` vectors must come to.
        valid: Expect,
    },
    Skip(String),
}

/// Runs every test of a raw signature or MAC file; returns its failures.
fn signature_file(dir: &Path, name: &str, plan: impl Fn(&Value) -> Plan) -> Vec<String> {
    let doc = load(dir, name);
    let mut tally = Tally::new(name);
    for group in groups(&doc) {
        let plan = plan(group);
        for test in tests(group) {
            let Plan::Run { jwk, alg, valid } = &plan else {
                let Plan::Skip(reason) = &plan else { unreachable!() };
                tally.skip(test, reason.clone());
                continue;
            };
            // An HMAC test carries its own key.
            let jwk = match test.get("key").and_then(Value::as_str) {
                Some(key) => json!({"kty": "oct", "k": B64.encode(hex(key))}),
                None => jwk.clone(),
            };
            let message = hex(str_of(test, "msg"));
            let signature = hex(test.get("sig").or(test.get("tag")).and_then(Value::as_str).expect("sig or tag"));
            let got = match signing_input(&message) {
                Some(input) => {
                    tally.note("as compact JWS through Engine::verify");
                    check_compact(&JoseKey::single(&jwk), &format!("{input}.{}", B64.encode(&signature))).0
                }
                None => Verdict::of(verify_signature(&jwk, *alg, &message, &signature)),
            };
            tally.record(test, expect(test, *valid), got);
        }
    }
    tally.finish()
}

/// Runs the files of one family (`prefix`, and `select` on the name); fails after all of
/// them have printed their counts.
fn run_files(prefix: &str, select: impl Fn(&str) -> bool, plan: impl Fn(&str, &Value) -> Plan) {
    let Some(dir) = folder() else { return };
    let mut failures = vec![];
    for name in files(&dir, prefix).into_iter().filter(|n| select(n)) {
        failures.extend(signature_file(&dir, &name, |group| plan(&name, group)));
    }
    assert_none_failed(failures);
}

#[test]
fn ed25519() {
    run_files(
        "ed25519_",
        |_| true,
        |_, group| Plan::Run { jwk: group["publicKeyJwk"].clone(), alg: Algorithm::EdDSA, valid: Expect::Verify },
    );
}

/// ECDSA, for a group's curve and hash; `None` when they are not a JWS algorithm.
fn ecdsa(group: &Value) -> Option<(Algorithm, &'static str, usize)> {
    match (str_of(&group["publicKey"], "curve"), str_of(group, "sha")) {
        ("secp256r1", "SHA-256") => Some((Algorithm::ES256, "P-256", 32)),
        ("secp384r1", "SHA-384") => Some((Algorithm::ES384, "P-384", 48)),
        ("secp521r1", "SHA-512") => Some((Algorithm::ES512, "P-521", 66)),
        _ => None,
    }
}

fn ecdsa_plan(group: &Value, valid: Expect) -> Plan {
    let Some((alg, crv, len)) = ecdsa(group) else {
        return Plan::Skip(format!(
            "ECDSA on {} with {}: not a JWS algorithm",
            str_of(&group["publicKey"], "curve"),
            str_of(group, "sha")
        ));
    };
    let jwk = match group.get("publicKeyJwk") {
        Some(jwk) => jwk.clone(),
        None => ec_jwk(&group["publicKey"], crv, len),
    };
    Plan::Run { jwk, alg, valid }
}

#[test]
fn ecdsa_p1363() {
    run_files("ecdsa_", |name| name.contains("_p1363_"), |_, group| ecdsa_plan(group, Expect::Verify));
}

#[test]
fn ecdsa_der_signatures_all_fail() {
    let der = "a DER signature: a JWS ECDSA signature is the fixed-size r || s (RFC 7518 section 3.4)";
    run_files(
        "ecdsa_",
        |name| !name.contains("_p1363_"),
        |_, group| ecdsa_plan(group, Expect::Reject(Some(Reason::BadSignature), der)),
    );
}

fn rsa_size_rule(group: &Value, valid: Expect) -> Expect {
    match group["keySize"].as_u64() {
        Some(bits) if bits < 2048 => Expect::RefuseKey("an RSA key under 2048 bits"),
        _ => valid,
    }
}

#[test]
fn rsa_pkcs1() {
    run_files(
        "rsa_signature_",
        |_| true,
        |_, group| {
            let alg = match str_of(group, "sha") {
                "SHA-256" => Algorithm::RS256,
                "SHA-384" => Algorithm::RS384,
                "SHA-512" => Algorithm::RS512,
                other => return Plan::Skip(format!("RSASSA-PKCS1-v1_5 with {other}: not a JWS algorithm")),
            };
            Plan::Run { jwk: group["keyJwk"].clone(), alg, valid: rsa_size_rule(group, Expect::Verify) }
        },
    );
}

#[test]
fn rsa_pss() {
    run_files(
        "rsa_pss_",
        |_| true,
        |_, group| {
            let (sha, mgf, mgf_sha) = (str_of(group, "sha"), str_of(group, "mgf"), str_of(group, "mgfSha"));
            let salt = group["sLen"].as_u64();
            let alg = match (sha, mgf, mgf_sha, salt) {
                ("SHA-256", "MGF1", "SHA-256", Some(32)) => Algorithm::PS256,
                ("SHA-384", "MGF1", "SHA-384", Some(48)) => Algorithm::PS384,
                ("SHA-512", "MGF1", "SHA-512", Some(64)) => Algorithm::PS512,
                _ => {
                    return Plan::Skip(format!(
                        "RSASSA-PSS with {sha}, {mgf} {mgf_sha}, salt {salt:?}: not a JWS parameter set"
                    ))
                }
            };
            Plan::Run { jwk: group["publicKeyJwk"].clone(), alg, valid: rsa_size_rule(group, Expect::Verify) }
        },
    );
}

#[test]
fn hmac() {
    run_files(
        "hmac_sha",
        |_| true,
        |name, group| {
            let alg = match name {
                "hmac_sha256_test.json" => Algorithm::HS256,
                "hmac_sha384_test.json" => Algorithm::HS384,
                "hmac_sha512_test.json" => Algorithm::HS512,
                other => return Plan::Skip(format!("{other}: not a JWS MAC")),
            };
            let full_bits = alg.min_secret_len().expect("an HS algorithm") as u64 * 8;
            let (key_bits, tag_bits) = (group["keySize"].as_u64(), group["tagSize"].as_u64());
            let valid = if key_bits.is_some_and(|bits| bits < full_bits) {
                Expect::RefuseKey("a key shorter than the hash output (the minimum of keys.secret)")
            } else if tag_bits.is_some_and(|bits| bits < full_bits) {
                Expect::Reject(
                    Some(Reason::BadSignature),
                    "a truncated tag: a JWS MAC is the whole HMAC output (RFC 7518 section 3.2)",
                )
            } else {
                Expect::Verify
            };
            // Every test carries its own key (see signature_file).
            Plan::Run { jwk: Value::Null, alg, valid }
        },
    );
}

// ---------------------------------------------------------------------------------------
// JOSE files.

/// Runs a JOSE file: `key_of` gives the key of a group.
fn jose_file(name: &str, key_of: impl Fn(&Value) -> Result<JoseKey, String>) {
    let Some(dir) = folder() else { return };
    let doc = load(&dir, name);
    let mut tally = Tally::new(name);
    let mut engine_answers = BTreeMap::new();
    for group in groups(&doc) {
        let key = key_of(group);
        // The first test of the group with each JWS.
        let mut first: BTreeMap<&str, &Value> = BTreeMap::new();
        for test in tests(group) {
            let key = match &key {
                Ok(key) => key,
                Err(reason) => {
                    tally.skip(test, reason.clone());
                    continue;
                }
            };
            let Some(jws) = test["jws"].as_str() else {
                tally.skip(test, "not a JWS in compact or JSON serialization");
                continue;
            };
            if is_jwe(jws) {
                tally.skip(test, "a JWE, not a JWS signature");
                continue;
            }
            let tc = test["tcId"].as_u64().expect("tcId");
            let earlier = *first.entry(jws).or_insert(test);
            if earlier["result"] != test["result"] {
                let reason = format!(
                    "the same JWS and key as {} tcId {}: the vector contradicts it",
                    str_of(earlier, "result"),
                    earlier["tcId"]
                );
                tally.skip(test, reason);
                continue;
            }
            let refused = JOSE_REFUSED.iter().find(|(file, id, ..)| *file == name && *id == tc);
            let gap = JOSE_REFUSED_KEYS.iter().find(|(file, id, _)| *file == name && *id == tc);
            let valid = refused.map_or(Expect::Verify, |(_, _, expect, _)| *expect);
            if key.stand_in {
                tally.note("engine header checks with a stand-in secret (the oct key is not UTF-8)");
            }
            let (got, whole) = check_compact(key, jws);
            *engine_answers.entry(whole).or_insert(0usize) += 1;
            if let Some((.., true)) = refused {
                if got != Verdict::Verified && !verifies_without_alg_member(key, jws) {
                    tally
                        .failures
                        .push(format!("{name} tcId {tc}: refused by rule, but the signature does not verify"));
                }
                tally.note("refused by rule, signature verified with the key's alg member set aside");
            }
            if let Some((_, _, words)) = gap {
                if !matches!(&got, Verdict::RefusedKey(why) if why.contains(words)) {
                    tally
                        .failures
                        .push(format!("{name} tcId {tc}: the key must be refused ({words}); got {}", got.label()));
                }
            }
            tally.record(test, expect(test, valid), got);
        }
    }
    for (answer, n) in engine_answers {
        tally.notes.insert(format!("Engine::verify on the token as given: {answer}"), n);
    }
    assert_none_failed(tally.finish());
}

#[test]
fn json_web_signature() {
    jose_file("json_web_signature_test.json", |group| {
        if group["type"] != "JsonWebSignature" {
            return Err(format!("a {} group, not a JWS signature", group["type"]));
        }
        let jwk = group.get("public").or(group.get("private")).ok_or("a group without a key")?;
        Ok(JoseKey::single(jwk))
    });
}

#[test]
fn json_web_key() {
    jose_file("json_web_key_test.json", |group| {
        if group["type"] != "JsonWebKey" {
            return Err(format!("a {} group, not a JWK Set for JWS", group["type"]));
        }
        let set = group.get("public").or(group.get("private")).ok_or("a group without a key")?;
        let keys = set["keys"].as_array().ok_or("a key set without keys")?;
        Ok(JoseKey::set(keys))
    });
}

/// Every file of the folder is run by one of the tests above.
#[test]
fn every_file_is_run() {
    let Some(dir) = folder() else { return };
    let run = ["ed25519_", "ecdsa_", "rsa_signature_", "rsa_pss_", "hmac_sha", "json_web_signature_", "json_web_key_"];
    let names = files(&dir, "");
    let others: Vec<&String> = names.iter().filter(|n| !run.iter().any(|p| n.starts_with(p))).collect();
    eprintln!("wycheproof: {} files, {} not run (no JWS signature algorithm): {others:?}", names.len(), others.len());
}
