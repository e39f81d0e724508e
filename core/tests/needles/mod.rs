//! What must never appear in what a failure shows, shared by the hardening tests of the
//! core (`core/tests/leaks.rs`) and of the command line (`cli/tests/leaks.rs`): the
//! "needles" of a credential and of a policy's keys, and the vector files they come from.
#![allow(dead_code)] // each test crate uses its part

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Needles shorter than this are not looked for: short strings (`sig`, `P-256`, `RS256`)
/// are ordinary words of the messages.
pub const MIN_NEEDLE: usize = 8;

// ---------------------------------------------------------------------------------------
// Needles: what must never be shown.

/// A text that must not appear, and what it is (for the report, which never prints it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Needle {
    pub what: String,
    pub text: String,
}

/// The needles of a credential (a token or an `Authorization` value): the whole value,
/// each of its whitespace-separated words and each dot-separated part of those.
pub fn credential_needles(what: &str, credential: &str, out: &mut Needles) {
    push(out, what, credential);
    for word in credential.split_whitespace() {
        push(out, &format!("{what} (a word)"), word);
        for (i, part) in word.split('.').enumerate() {
            push(out, &format!("{what} (part {})", i + 1), part);
        }
    }
}

/// The needles of a `keys` section (of a policy, or of a served JWK Set): every string
/// value under it, recursively, and every long number.
///
/// Not needles, on purpose:
/// - `kid`: key ids are public names; `key_status()` lists them and key events name them.
/// - `kty`, `crv`, `alg`, `use`, `key_ops`: the names of key types, curves, algorithms and
///   uses, not key material; a configuration error quotes an unsupported one
///   (`"secp256k1" is not supported`) so that its author sees what was refused.
/// - `jwks_url` without a query or user info: where the keys come from is shown on purpose
///   (`key_status().url`, key events). Its query, which may carry a credential, is a needle,
///   and so is the whole URL when it has a query or user info.
pub fn key_needles(value: &Value, path: &str, out: &mut Needles) {
    member_needles(value, path, "", out);
}

/// [`key_needles`] of the value of the member `name` (a list's items keep its name).
pub fn member_needles(value: &Value, path: &str, name: &str, out: &mut Needles) {
    const NAMES: [&str; 6] = ["kid", "kty", "crv", "alg", "use", "key_ops"];
    match value {
        Value::Object(map) => {
            for (member, item) in map {
                member_needles(item, &format!("{path}.{member}"), member, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                member_needles(item, &format!("{path}[{i}]"), name, out);
            }
        }
        Value::String(_) if NAMES.contains(&name) => {}
        Value::String(url) if path == "keys.jwks_url" => {
            if let Some((_, query)) = url.split_once('?') {
                push(out, "the query of keys.jwks_url", query);
                push(out, "keys.jwks_url with its query", url);
            }
            if url.contains('@') {
                push(out, "keys.jwks_url with user info", url);
            }
        }
        Value::String(text) => {
            push(out, path, text);
            // A PEM block: each line of its base64 body as well.
            if text.contains("-----BEGIN") {
                for line in text.lines().filter(|l| !l.starts_with("-----")) {
                    push(out, &format!("{path} (a PEM line)"), line.trim());
                }
            }
        }
        Value::Number(n) => push(out, path, &n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

pub fn push(out: &mut Needles, what: &str, text: &str) {
    if text.chars().count() >= MIN_NEEDLE {
        out.insert(Needle { what: what.to_owned(), text: text.to_owned() });
    }
}

/// The start of a needle, for a report that must not print the needle itself.
pub fn prefix(text: &str) -> String {
    text.chars().take(6).collect()
}

/// A vector's needles.
pub type Needles = BTreeSet<Needle>;

/// The token with the first character of its signature changed, so that it fails at the
/// signature (or earlier) with everything else as the vector has it; `None` when the token
/// has no third part to change.
pub fn altered(token: &str) -> Option<String> {
    let (input, signature) = token.rsplit_once('.')?;
    let first = signature.chars().next()?;
    let swapped = if first == 'A' { 'B' } else { 'A' };
    Some(format!("{input}.{swapped}{}", &signature[first.len_utf8()..]))
}

/// The repository's root, from a crate directly below it.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    files
}

/// The project's vector files (`tests/conformance/*.json`).
pub fn project_vector_files() -> Vec<PathBuf> {
    let files = json_files(&repo().join("tests/conformance"));
    assert!(files.len() >= 10, "the project's vector files are missing");
    files
}

/// The shared vector files beside the repository (`../shared/conformance/vectors/*.json`),
/// or `None` when they are missing, which is a failure under `CI=true`.
pub fn shared_vector_files() -> Option<Vec<PathBuf>> {
    let dir = repo().join("../shared/conformance/vectors");
    let files = json_files(&dir);
    if files.is_empty() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{} is missing (required under CI)", dir.display());
        eprintln!("leaks: {} is missing; skipped", dir.display());
        return None;
    }
    Some(files)
}

/// Every vector of `files`, with the name of its file.
pub fn vectors(files: &[PathBuf]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for path in files {
        let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Value::Array(list) = doc["vectors"].take() else { panic!("{name}: no vectors list") };
        out.extend(list.into_iter().map(|v| (name.clone(), v)));
    }
    out
}

/// Fails the test when anything leaked: `leaks` name where, and never hold the needle.
pub fn assert_no_leaks(leaks: &[String]) {
    assert!(leaks.is_empty(), "{} leak(s) found:\n{}", leaks.len(), leaks[..leaks.len().min(40)].join("\n"));
}
