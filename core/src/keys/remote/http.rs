//! The blocking HTTP client for remote key sets and `revocation.url` (cargo feature
//! `http`): ureq with rustls on ring, one GET per fetch, no redirects, at most 1 MB read
//! once decoded.
//!
//! It asks for the content codings the key cache takes (`Accept-Encoding` from the
//! ticket: `gzip`), and ureq decodes a `gzip` body as it is read (flate2 with its
//! pure-Rust backend), the limit counting decoded bytes, so a small compressed body that
//! would inflate without bound is cut off after 1 MB and refused as too large. The
//! response's `Content-Encoding` goes to the core (`flight::body`), which judges it.

use std::io::ErrorKind;
use std::time::Duration;

use crate::keys::remote::cache::{KeyCache, KeyFetch, KeyNeed, KeyResponse};
use crate::keys::remote::failure::KeyFailure;
use crate::keys::remote::flight::MAX_BODY_BYTES;
use crate::time::monotonic_ms;
use crate::token::algorithm::Algorithm;

/// Brings the cache to what a token with `kid` and `alg` needs, blocking: performs the
/// fetch this verification owns, or waits for the one under way.
pub(crate) fn settle(cache: &KeyCache, kid: Option<&str>, alg: Algorithm) {
    perform(
        cache.need(kid, alg, monotonic_ms()),
        |t, r| cache.answer(t, r, monotonic_ms()),
        || cache.wait(monotonic_ms),
    );
}

/// Does what `need` asks of this caller, blocking: the fetch it owns, whose response goes
/// to `answer`, or a `wait` for the one under way. The key cache and `revocation.url` share it.
pub(crate) fn perform(need: KeyNeed, answer: impl FnOnce(&KeyFetch, KeyResponse), wait: impl FnOnce()) {
    match need {
        KeyNeed::Ready => {}
        KeyNeed::Fetch(ticket) => answer(&ticket, get(&ticket)),
        KeyNeed::Wait => wait(),
    }
}

/// Performs one fetch: the response as the key cache takes it.
///
/// ```no_run
/// # fn fetch(engine: &wardgate::Engine, token: &str) {
/// if let wardgate::KeyNeed::Fetch(ticket) = engine.key_need(token) {
///     engine.key_response(&ticket, wardgate::fetch_keys(&ticket));
/// }
/// # }
/// ```
pub fn fetch_keys(ticket: &KeyFetch) -> KeyResponse {
    get(ticket)
}

fn get(ticket: &KeyFetch) -> KeyResponse {
    let timeout = Duration::from_millis(ticket.timeout_ms);
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("wardgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent();
    let request = agent.get(&ticket.url).header("accept", "application/json");
    let mut response = match request.header("accept-encoding", &ticket.accept_encoding).call() {
        Ok(r) => r,
        Err(e) => return KeyResponse::Failed(describe(&e, timeout)),
    };
    let status = response.status().as_u16();
    let cache_control = header(response.headers(), "cache-control");
    let content_encoding = header(response.headers(), "content-encoding");
    let body = if status == 200 {
        match response.body_mut().with_config().limit(MAX_BODY_BYTES as u64).read_to_vec() {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(_)) => vec![0; MAX_BODY_BYTES + 1],
            Err(e) => return KeyResponse::Failed(describe(&e, timeout)),
        }
    } else {
        Vec::new()
    };
    KeyResponse::Http { status, cache_control, content_encoding, body }
}

/// A response header's values joined with `", "` (as `fetch` gives them), `None` when it is
/// absent. Bytes that are not UTF-8 become U+FFFD, so an odd value is still seen (and
/// refused by the key cache), never taken for an absent one.
fn header(headers: &ureq::http::HeaderMap, name: &str) -> Option<String> {
    let values: Vec<_> = headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes())).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// A failed request as the key cache words it (never with the URL).
fn describe(error: &ureq::Error, timeout: Duration) -> String {
    let timed_out = || KeyFailure::TimedOut(timeout.as_millis() as u64);
    let failure = match error {
        ureq::Error::Timeout(_) => timed_out(),
        ureq::Error::HostNotFound => KeyFailure::HostNotFound,
        ureq::Error::ConnectionFailed => KeyFailure::ConnectionFailed,
        ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused => KeyFailure::ConnectionRefused,
        ureq::Error::Io(e) if e.kind() == ErrorKind::TimedOut => timed_out(),
        ureq::Error::Io(e) => KeyFailure::Network(Some(format!("{:?}", e.kind()))),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => KeyFailure::Tls,
        ureq::Error::Decompress(coding, _) => KeyFailure::Undecodable((*coding).to_owned()),
        other => return format!("the request failed ({})", first_words(&other.to_string())),
    };
    failure.to_string()
}

/// The start of an error message, cut short (library messages are not ours to trust
/// with length).
fn first_words(text: &str) -> String {
    text.chars().take(80).collect()
}
