//! The corpus of tricky `keys.jwks_url` values (`tests/urls/jwks_urls.json`) through the
//! public API: a refused URL is a configuration error on `keys.jwks_url` that never repeats
//! it; an accepted one is kept in its canonical form, which the fetch ticket carries and key
//! status shows without its query. With the `http` feature, a real server on 127.0.0.1
//! records the request target the native fetch sends for the corpus's `fetched` URLs.

#[cfg(feature = "http")]
mod http_stub;

use serde_json::{json, Value};
use wardgate::{Engine, KeyNeed};

/// An EdDSA token with a `kid`: well-formed enough to need keys (its signature is not real).
const TOKEN: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSJ9.c2ln";

fn corpus() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/urls/jwks_urls.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("the corpus is JSON")
}

fn text<'a>(entry: &'a Value, name: &str) -> &'a str {
    entry[name].as_str().unwrap_or_else(|| panic!("{entry}: {name} is not a string"))
}

fn load(url: &str) -> Result<Engine, wardgate::ConfigError> {
    Engine::from_value(&json!({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks_url": url}}))
}

/// What is wrong with the core's answer for one corpus entry, if anything.
fn judge(entry: &Value) -> Option<String> {
    let url = text(entry, "url");
    match (load(url), entry.get("canonical").and_then(Value::as_str)) {
        (Err(e), None) => {
            if e.path() != "keys.jwks_url" {
                return Some(format!("refused at {}, not keys.jwks_url", e.path()));
            }
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let leaks = e.problem().contains(url) || (query.len() > 2 && e.problem().contains(query));
            leaks.then(|| format!("the message repeats the URL: {}", e.problem()))
        }
        (Err(e), Some(_)) => Some(format!("refused ({e}), expected to be accepted")),
        (Ok(_), None) => Some(format!("accepted, expected to be refused ({})", text(entry, "refused"))),
        (Ok(engine), Some(canonical)) => {
            let shown = canonical.split('?').next().unwrap_or(canonical);
            let status = engine.key_status().url;
            if status.as_deref() != Some(shown) {
                return Some(format!("key status shows {status:?}, expected {shown:?}"));
            }
            match engine.key_need(TOKEN) {
                KeyNeed::Fetch(ticket) if ticket.url == canonical => None,
                KeyNeed::Fetch(ticket) => {
                    Some(format!("the fetch ticket has {:?}, expected {canonical:?}", ticket.url))
                }
                other => Some(format!("no fetch ticket: {other:?}")),
            }
        }
    }
}

#[test]
fn every_corpus_url_is_refused_or_kept_in_its_canonical_form() {
    let corpus = corpus();
    let entries = corpus["urls"].as_array().expect("urls");
    assert!(entries.len() >= 100, "the corpus has {} entries", entries.len());
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|entry| judge(entry).map(|problem| format!("{:?}: {problem}", text(entry, "url"))))
        .collect();
    assert!(failures.is_empty(), "{} of {} corpus URLs:\n{}", failures.len(), entries.len(), failures.join("\n"));
}

/// The scheme, host, port and request target of a canonical form, which always has a path.
#[cfg(feature = "http")]
fn parts(canonical: &str) -> (&str, &str, Option<u16>, &str) {
    let (scheme, rest) = canonical.split_once("://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => (&authority[..colon], authority[colon + 1..].parse().ok()),
        _ => (authority, None),
    };
    (scheme, host, port, target)
}

/// `http::Uri`, the native fetch's parser (under ureq), reads every canonical form of the
/// corpus as the core does: the same scheme, host, port and request target.
#[cfg(feature = "http")]
#[test]
fn the_native_parser_reads_every_canonical_form_as_the_core_does() {
    let corpus = corpus();
    let mut failures = Vec::new();
    for canonical in corpus["urls"].as_array().unwrap().iter().filter_map(|e| e["canonical"].as_str()) {
        let read = canonical.parse::<ureq::http::Uri>().map(|uri| {
            let target = uri.path_and_query().map(|p| p.as_str().to_owned());
            (uri.scheme_str().map(str::to_owned), uri.host().map(str::to_owned), uri.port_u16(), target)
        });
        let (scheme, host, port, target) = parts(canonical);
        let expected = (Some(scheme.to_owned()), Some(host.to_owned()), port, Some(target.to_owned()));
        match read {
            Ok(read) if read == expected => {}
            other => failures.push(format!("{canonical}: http::Uri reads {other:?}, the core {expected:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[cfg(feature = "http")]
#[test]
fn the_native_fetch_sends_the_canonical_request_target() {
    use std::io::Write;
    use std::net::TcpListener;
    use std::sync::mpsc;

    let corpus = corpus();
    for entry in corpus["fetched"].as_array().expect("fetched") {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = text(entry, "url").replace("{port}", &port.to_string());
        let (sent, received) = mpsc::channel();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            sent.send(http_stub::read_request_target(&mut stream)).unwrap();
            http_stub::write_json_response(&mut stream, "200 OK", "", r#"{"keys":[]}"#);
            stream.flush().unwrap();
        });
        let engine = load(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(engine.verify(TOKEN, 1_764_000_000).is_err());
        server.join().unwrap();
        assert_eq!(received.recv().unwrap().as_deref(), Some(text(entry, "target")), "{url}");
    }
}
